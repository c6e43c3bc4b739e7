"""Local wall-clock times to UTC instants, day by day, the way people mean them.

A chat that asks for 09:00 gets 09:00 local on both sides of a DST change, because each post's
instant is computed from its own local date rather than by adding 24 hours. On a spring-forward day
a time inside the gap (02:30 when clocks jump from 02:00 to 03:00) posts at the first minute that
exists; on a fall-back day an ambiguous time posts once, at its first occurrence (``fold=0``).
"""

from __future__ import annotations

import re
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
