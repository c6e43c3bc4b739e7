from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.dates import DayQuery, nearest_days, parse_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05-14", DayQuery(5, 14)),
        ("14.05", DayQuery(5, 14)),
        ("14 May", DayQuery(5, 14)),
        ("May 14", DayQuery(5, 14)),
        ("14 mai", DayQuery(5, 14)),
        ("14 MAI", DayQuery(5, 14)),
        ("1955-05-14", DayQuery(5, 14, 1955)),
        ("14.05.1955", DayQuery(5, 14, 1955)),
        ("14 May 1955", DayQuery(5, 14, 1955)),
        ("May 14, 1955", DayQuery(5, 14, 1955)),
        ("25 decembrie", DayQuery(12, 25)),
        ("1 ian", DayQuery(1, 1)),
        ("sept 3", DayQuery(9, 3)),
        ("29 feb", DayQuery(2, 29)),
        ("  05 - 14 ", DayQuery(5, 14)),
    ],
)
def test_accepts_the_ways_people_write_a_day(text: str, expected: DayQuery) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "02-30",
        "13-45",
        "tomorrow",
        "",
        "   ",
        "1955-02-29",
        "31 april",
        "14 maybe",
        "00-10",
        "1955-13-01",
        "14.05.55",
        "12345",
        "May",
        "-05-14",
    ],
)
def test_rejects_what_is_not_a_real_day(text: str) -> None:
    assert parse_day(text) is None


def test_full_date_round_trips_through_its_button_argument() -> None:
    q = DayQuery(5, 14, 1955)
    assert q.full_date == date(1955, 5, 14)
    assert parse_day(q.as_arg) == q
    assert parse_day(DayQuery(2, 29).as_arg) == DayQuery(2, 29)


def test_nearest_days_go_round_the_end_of_the_year() -> None:
    days = [(3, 1), (6, 15), (12, 20)]
    assert nearest_days(1, 2, days) == [(12, 20), (3, 1)]
    assert nearest_days(6, 10, days) == [(3, 1), (6, 15)]
    assert nearest_days(6, 15, [(6, 15)]) == []
    assert nearest_days(7, 1, [(6, 15)]) == [(6, 15)]


@given(st.text(max_size=200))
def test_parsing_anything_never_raises(text: str) -> None:
    result = parse_day(text)
    assert result is None or isinstance(result, DayQuery)


@given(st.dates(min_value=date(1945, 1, 1), max_value=date(1991, 12, 31)))
def test_every_real_date_parses_in_iso_and_dotted_form(d: date) -> None:
    assert parse_day(d.isoformat()) == DayQuery(d.month, d.day, d.year)
    assert parse_day(f"{d.day}.{d.month:02d}.{d.year}") == DayQuery(d.month, d.day, d.year)
    assert parse_day(f"{d.month:02d}-{d.day:02d}") == DayQuery(d.month, d.day)
