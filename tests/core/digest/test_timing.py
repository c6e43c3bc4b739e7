"""Local post times to UTC instants, across DST changes and odd offsets: 09:00 is 09:00 local on
both sides of a change, a time in a spring-forward gap moves to the next valid minute, and an
ambiguous fall-back time means its first occurrence only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.digest.timing import next_post, parse_hhmm, post_instant


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
