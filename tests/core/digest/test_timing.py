"""Local post times to UTC instants, across DST changes and odd offsets: 09:00 is 09:00 local on
both sides of a change, a time in a spring-forward gap moves to the next valid minute, and an
ambiguous fall-back time means its first occurrence only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.digest.timing import NextPosts, next_post, parse_hhmm, post_instant


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc", "expected_local"),
    [
        # Europe/Bucharest: EET +2 → EEST +3 on 29 March 2026 at 03:00; back on 25 October at 04:00.
        ("Europe/Bucharest", "2026-03-28", "09:00", "2026-03-28T07:00Z", "09:00"),
        ("Europe/Bucharest", "2026-03-29", "09:00", "2026-03-29T06:00Z", "09:00"),
        ("Europe/Bucharest", "2026-03-29", "03:30", "2026-03-29T01:00Z", "04:00"),  # in the gap
        ("Europe/Bucharest", "2026-10-25", "03:30", "2026-10-25T00:30Z", "03:30"),  # ambiguous: first
        ("Europe/Bucharest", "2026-10-26", "09:00", "2026-10-26T07:00Z", "09:00"),
        # America/New_York: 8 March 2026 02:00 → 03:00; 1 November 01:59 EDT → 01:00 EST.
        ("America/New_York", "2026-03-08", "02:30", "2026-03-08T07:00Z", "03:00"),
        ("America/New_York", "2026-03-08", "09:00", "2026-03-08T13:00Z", "09:00"),
        ("America/New_York", "2026-11-01", "01:30", "2026-11-01T05:30Z", "01:30"),
        ("America/New_York", "2026-11-02", "09:00", "2026-11-02T14:00Z", "09:00"),
        # Australia/Lord_Howe moves by only 30 minutes: 02:00 → 02:30 on 4 October 2026.
        ("Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03T15:30Z", "02:30"),
        ("Australia/Lord_Howe", "2026-10-04", "09:00", "2026-10-03T22:00Z", "09:00"),
        ("Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04T14:45Z", "01:45"),
        # Odd and extreme offsets.
        ("Asia/Kathmandu", "2026-05-14", "09:00", "2026-05-14T03:15Z", "09:00"),
        ("Pacific/Kiritimati", "2026-05-14", "09:00", "2026-05-13T19:00Z", "09:00"),
        ("Etc/GMT+12", "2026-05-14", "09:00", "2026-05-14T21:00Z", "09:00"),
    ],
)
def test_post_instants(zone: str, day: str, at: str, expected_utc: str, expected_local: str) -> None:
    wall = parse_hhmm(at)
    assert wall is not None
    instant = post_instant(date.fromisoformat(day), wall, ZoneInfo(zone))
    assert instant == utc(expected_utc)
    local = instant.astimezone(ZoneInfo(zone))
    assert local.strftime("%H:%M") == expected_local and local.date() == date.fromisoformat(day)


@pytest.mark.parametrize("zone", ["Europe/Bucharest", "America/New_York", "Australia/Lord_Howe"])
def test_nine_oclock_every_day_through_a_year_of_changes(zone: str) -> None:
    z = ZoneInfo(zone)
    after = utc("2026-01-01T00:00Z")
    for _ in range(366):
        day, instant = next_post(after, time(9, 0), z)
        assert instant.astimezone(z).strftime("%H:%M") == "09:00"
        assert instant > after
        after = instant
    assert day.year == 2027


def test_an_ambiguous_time_posts_once_on_the_fall_back_day() -> None:
    z = ZoneInfo("Europe/Bucharest")
    at = time(3, 30)
    first = next_post(utc("2026-10-24T12:00Z"), at, z)
    assert first[0] == date(2026, 10, 25)
    second = next_post(first[1], at, z)
    assert second[0] == date(2026, 10, 26)  # not the second 03:30 of the 25th


def test_next_post_skips_dates_already_delivered() -> None:
    z = ZoneInfo("Europe/Bucharest")
    after = utc("2026-05-14T05:00Z")  # 08:00 local
    assert next_post(after, time(9, 0), z)[0] == date(2026, 5, 14)
    assert next_post(after, time(9, 0), z, {date(2026, 5, 14)})[0] == date(2026, 5, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9:00", time(9)), ("09:05", time(9, 5)), ("21.30", time(21, 30)), ("7h05", time(7, 5))],
)
def test_times_people_type(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "09:60", "noon", "", "9:5"])
def test_times_that_are_not_times(text: str) -> None:
    assert parse_hhmm(text) is None


# ---- NextPosts: next_post for many (zone, time) pairs at once ---------------------------------------

ALL_ZONES = sorted(available_timezones())
EDGE_TIMES = [time(h, m) for h in range(24) for m in (0, 15, 30, 45)] + [
    time(h, m) for h in (0, 1, 2, 3, 4, 23) for m in (1, 29, 31, 59)
]


def offset_changes(tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """The UTC instants in [start, end) where ``tz``'s offset changes, day by day and then to the
    second by bisection (changes are days apart: see test_offsets_never_change_twice_within_days)."""
    found = []
    day = start
    while day < end:
        nxt = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            lo, hi = day, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        day = nxt
    return found


def test_offsets_never_change_twice_within_days() -> None:
    """What NextPosts relies on: no zone changes its UTC offset twice within two days, so sampling
    the offset a day apart sees every change. Read from the installed tz data through the pure-Python
    zoneinfo, the one that exposes its transitions: the explicit ones, then the zone's rule."""
    from zoneinfo import _zoneinfo

    closest = []
    for name in ALL_ZONES:
        tz = _zoneinfo.ZoneInfo.no_cache(name)
        trans_utc, infos, rule = tz._trans_utc, tz._ttinfos, tz._tz_after  # type: ignore[attr-defined]
        steps = zip(trans_utc[1:], infos, infos[1:], strict=False)
        changes = [t for t, before, now in steps if before.utcoff != now.utcoff]
        if isinstance(rule, _zoneinfo._TZStr) and rule.dst_diff:
            last = trans_utc[-1] if trans_utc else 0
            for year in range(1970, 2101):
                on, off = rule.transitions(year)
                for utc_at in (on - rule.std.utcoff.total_seconds(), off - rule.dst.utcoff.total_seconds()):
                    if utc_at > last:
                        changes.append(utc_at)
        changes = sorted(t for t in changes if t >= 0)  # since 1970
        closest += [(b - a, name) for a, b in pairwise(changes)]
    gap, name = min(closest)
    assert gap > 2 * 86400, f"{name} changes its offset twice within {gap / 3600:.0f} hours"


def test_next_posts_match_next_post_around_every_offset_change() -> None:
    """Every zone's changes in 2026 (zones that change alike tried once), instants around each change
    and its local midnights, times on the quarter hours and at the edges of gaps and folds."""
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    seen: set[tuple[object, ...]] = set()
    checked = 0
    for name in ALL_ZONES:
        tz = ZoneInfo(name)
        changes = offset_changes(tz, start, end)
        behaviour = (start.astimezone(tz).utcoffset(), *((c, c.astimezone(tz).utcoffset()) for c in changes))
        if not changes or behaviour in seen:
            continue
        seen.add(behaviour)
        for change in changes:
            afters = {change + timedelta(hours=h) for h in (-48, -25, -23, -1, 0, 1, 23, 47)}
            afters |= {change - timedelta(seconds=1), change + timedelta(seconds=1)}
            for moment in list(afters):
                local = moment.astimezone(tz).date()
                for days in (-1, 0, 1, 2):  # just before and at the local midnights
                    midnight = datetime.combine(local + timedelta(days=days), time(0), tzinfo=tz)
                    afters |= {midnight.astimezone(UTC), midnight.astimezone(UTC) - timedelta(seconds=1)}
            for after in sorted(afters):
                posts = NextPosts(after)
                for at in EDGE_TIMES:
                    assert posts(name, at) == next_post(after, at, tz), (name, after, at)
                    checked += 1
    assert len(seen) > 20 and checked > 100_000


@pytest.mark.parametrize(
    ("zone", "after"),
    [
        ("Pacific/Apia", "2011-12-29T09:00:00+00:00"),  # Samoa skipped 30 December 2011
        ("Pacific/Apia", "2011-12-30T12:00:00+00:00"),
        ("Pacific/Kwajalein", "1993-08-20T10:00:00+00:00"),  # skipped 21 August 1993
        ("America/Havana", "2026-03-07T12:00:00+00:00"),  # midnight is the gap: 00:00 → 01:00
        ("America/Santiago", "2026-04-04T12:00:00+00:00"),  # back at 24:00
        ("Antarctica/Troll", "2026-03-28T12:00:00+00:00"),  # +00 → +02
        ("Asia/Kathmandu", "2026-05-14T05:59:30+00:00"),
        ("Etc/GMT-14", "2026-05-14T09:59:00+00:00"),
    ],
)
def test_next_posts_match_next_post_at_odd_places(zone: str, after: str) -> None:
    instant = datetime.fromisoformat(after)
    posts = NextPosts(instant)
    for at in EDGE_TIMES:
        assert posts(zone, at) == next_post(instant, at, ZoneInfo(zone)), at


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(ALL_ZONES),
    st.datetimes(datetime(1971, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
    st.lists(st.times(), min_size=1, max_size=8),
)
def test_next_posts_match_next_post_anywhere(zone: str, after: datetime, times: list[time]) -> None:
    posts = NextPosts(after)
    tz = ZoneInfo(zone)
    for at in [*times, *times]:  # twice: a remembered answer is the same answer
        assert posts(zone, at) == next_post(after, at, tz), at


def test_next_posts_remember_each_pair() -> None:
    """The point of it: a hundred thousand chats over a few hundred zones and 96 times cost one
    computation per (date, offset, time), not per chat."""
    after = datetime(2026, 5, 14, 8, 59, 30, tzinfo=UTC)
    posts = NextPosts(after)
    zones = [z for z in ALL_ZONES if "/" in z][:400]
    for name in zones:
        for at in EDGE_TIMES[:96]:
            posts(name, at)
    assert len(posts._zones) == 400
    assert len(posts._steady) + len(posts._changing) < 400 * 96 / 4
