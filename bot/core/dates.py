"""Reading the dates people type: ``05-14``, ``14.05``, ``14 May``, ``May 14``, ``14 mai``,
``1955-05-14``, ``14.05.1955``, ``14 May 1955``, month names in English or Romanian, full or short."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date

from babel import Locale

_LEAP_YEAR = 2000  # every month-day, 29 February included, exists in a leap year


@dataclass(frozen=True, slots=True)
class DayQuery:
    """A month-day, and the year when the user gave a full date."""

    month: int
    day: int
    year: int | None = None

    @property
    def full_date(self) -> date | None:
        return date(self.year, self.month, self.day) if self.year is not None else None

    @property
    def as_arg(self) -> str:
        """The canonical way to type this back to the bot (used in buttons)."""
        if self.year is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.month:02d}-{self.day:02d}"


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _month_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for lang in ("en", "ro"):
        months = Locale.parse(lang).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    key = _fold(str(name)).rstrip(".")
                    names.setdefault(key, int(number))
    names.setdefault("sept", 9)
    return names


MONTHS = _month_names()

_NUMERIC = re.compile(r"^(\d{1,4})\s*([-./])\s*(\d{1,2})(?:\s*[-./]\s*(\d{1,4}))?$")
_WORDS = re.compile(r"^(?:(\d{1,2})\s+([^\W\d_]+)\.?|([^\W\d_]+)\.?\s+(\d{1,2}))(?:,?\s+(\d{4}))?$")


def _valid(month: int, day: int, year: int | None) -> DayQuery | None:
    try:
        date(year if year is not None else _LEAP_YEAR, month, day)
    except ValueError:
        return None
    return DayQuery(month, day, year)


def parse_day(text: str) -> DayQuery | None:
    """The day the user meant, or ``None`` when the text is not a real date in a known form."""
    s = " ".join(_fold(text).split())
    if not s or len(s) > 40:
        return None
    m = _NUMERIC.match(s)
    if m:
        a, sep, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
        if len(a) == 4:  # 1955-05-14
            if c is None or sep != "-" or len(c) > 2:
                return None
            return _valid(int(b), int(c), int(a))
        if c is not None:  # 14.05.1955
            if len(c) != 4 or sep == "-":
                return None
            return _valid(int(b), int(a), int(c))
        if sep == "-":  # 05-14: month first, as in ISO
            return _valid(int(a), int(b), None)
        return _valid(int(b), int(a), None)  # 14.05 or 14/05: day first
    m = _WORDS.match(s)
    if m:
        if m.group(1):
            day, word = int(m.group(1)), m.group(2)
        else:
            word, day = m.group(3), int(m.group(4))
        month = MONTHS.get(word.rstrip("."))
        if month is None:
            return None
        year = int(m.group(5)) if m.group(5) else None
        return _valid(month, day, year)
    return None


def nearest_days(month: int, day: int, days: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The closest day with events before and after a month-day, going round the year's end.

    ``days`` must be sorted (as storage returns them), so a binary search finds both neighbours."""
    others = [d for d in days if d != (month, day)] if (month, day) in days else days
    if not others:
        return []
    i = bisect_left(others, (month, day))
    prev = others[i - 1]  # i == 0 wraps to the year's last day with events
    nxt = others[i % len(others)]
    return [prev] if prev == nxt else [prev, nxt]
