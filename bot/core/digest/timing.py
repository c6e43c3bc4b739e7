"""Local wall-clock times to UTC instants, day by day, the way people mean them.

A chat that asks for 09:00 gets 09:00 local on both sides of a DST change, because each post's
instant is computed from its own local date rather than by adding 24 hours. On a spring-forward day
a time inside the gap (02:30 when clocks jump from 02:00 to 03:00) posts at the first minute that
exists; on a fall-back day an ambiguous time posts once, at its first occurrence (``fold=0``).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
DEFAULT_TIME = time(9, 0)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    """A zone by name, kept: zoneinfo holds only a few zones strongly and re-reads the others'
    files, which a fan-out over hundreds of zones would do for every chat."""
    return ZoneInfo(name)


def parse_hhmm(text: str) -> time | None:
    """``9:00``, ``09:00``, ``21.30``, ``7h05`` → a time; anything else → ``None``."""
    m = _HHMM.match(text.strip().lower())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def exists(local: datetime) -> bool:
    """Whether a wall time with a zone really happens (it does not inside a DST gap)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return (back.hour, back.minute, back.date()) == (local.hour, local.minute, local.date())


def post_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``at`` on local ``day``: the first valid minute at or after it."""
    local = datetime.combine(day, at, tzinfo=zone)  # fold=0: an ambiguous time's first occurrence
    if exists(local):
        return local.astimezone(UTC)
    naive = local.replace(tzinfo=None)
    for minutes in range(1, 24 * 60):
        shifted = (naive + timedelta(minutes=minutes)).replace(tzinfo=zone)
        if exists(shifted):
            return shifted.astimezone(UTC)
    raise ValueError(f"no valid local time after {at} on {day} in {zone.key}")  # pragma: no cover


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def next_post(
    after: datetime, at: time, zone: ZoneInfo, skip: set[date] | frozenset[date] = frozenset()
) -> tuple[date, datetime]:
    """The first local date whose post instant is later than ``after`` and not in ``skip`` (dates
    already delivered), with that instant. A post for day D falls within D, so the search starts
    at ``after``'s own local date."""
    day = local_date(after, zone)
    while True:
        instant = post_instant(day, at, zone)
        if instant > after and day not in skip:
            return day, instant
        day += timedelta(days=1)


_DAY = timedelta(days=1)
_MIDNIGHT = time(0)


class NextPosts:
    """``next_post(after, at, zone)`` for many (zone, time) pairs at one instant ``after``: what a
    bulk subscribe needs, where ``next_post`` itself (about 10 µs: four zone conversions and a
    loop) would cost more than storing the subscription.

    A next post falls on the zone's local today or tomorrow. Most zones keep one UTC offset through
    both days, and then the post instant is plain arithmetic, the wall time minus that offset; it is
    the same for every zone with that offset and local date, so it is worked out once per
    (date, offset, time). A zone counts as steady when its offset at its local midnights today,
    tomorrow and the day after is the one it has at the first of them. Since 1970 no zone has changed
    its offset twice within six days (checked in the tests), so a change and its reversal cannot
    both fall between two of those midnights, a day apart, unseen. Any other zone (a DST change, a
    skipped day) goes through ``next_post`` itself, once per (zone, time). Either way the answer is
    ``next_post``'s, to the microsecond."""

    def __init__(self, after: datetime) -> None:
        if after.tzinfo is None:
            raise ValueError("NextPosts needs a timezone-aware instant")
        self.after = after
        self._zones: dict[str, tuple[date, timedelta] | None] = {}
        self._steady: dict[tuple[date, timedelta, time], tuple[date, datetime]] = {}
        self._changing: dict[tuple[str, time], tuple[date, datetime]] = {}

    def _steady_offset(self, name: str) -> tuple[date, timedelta] | None:
        """(local today, the offset it keeps through tomorrow), or None if it does not."""
        tz = zone(name)
        today = local_date(self.after, tz)
        offset = datetime.combine(today, _MIDNIGHT, tzinfo=tz).utcoffset()
        if offset is None:  # pragma: no cover - a ZoneInfo always has an offset
            return None
        start = datetime.combine(today, _MIDNIGHT, tzinfo=UTC) - offset
        for days in range(3):
            if (start + days * _DAY).astimezone(tz).utcoffset() != offset:
                return None
        return today, offset

    def _steadiness(self, name: str) -> tuple[date, timedelta] | None:
        try:
            return self._zones[name]
        except KeyError:
            steady = self._zones[name] = self._steady_offset(name)
            return steady

    def alike(self, name: str) -> Hashable:
        """A key that zones share when their next posts are the same at every time of day: (local
        date, offset) for a steady zone, its own name otherwise. Lets a caller keep one table of
        results per kind of zone instead of one per zone."""
        return self._steadiness(name) or name

    def __call__(self, name: str, at: time) -> tuple[date, datetime]:
        """The local date and UTC instant of the first post at ``at`` in zone ``name`` after
        ``self.after``: ``next_post(self.after, at, zone(name))``."""
        steady = self._steadiness(name)
        if steady is None:
            changing = self._changing.get((name, at))
            if changing is None:
                changing = self._changing[(name, at)] = next_post(self.after, at, zone(name))
            return changing
        today, offset = steady
        key = (today, offset, at)
        found = self._steady.get(key)
        if found is None:
            instant = datetime.combine(today, at, tzinfo=UTC) - offset
            # Past already today: tomorrow's, the same offset later, is after any instant of today.
            found = (today, instant) if instant > self.after else (today + _DAY, instant + _DAY)
            self._steady[key] = found
        return found
