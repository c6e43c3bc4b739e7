"""Quiz questions as one shape, whether written by an author or generated from events.

Generated questions are built from the event corpus in both languages at once, deterministically
from their key (``year:<event>``, ``date:<event>``, ``first:<event>``): the same key always gives the
same choices in the same order, so a question asked before a restart, or saved in a study deck,
reads the same when it comes back. No generated question can have two right answers: every
candidate event falls on a different day.
"""

from __future__ import annotations

import bisect
import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.core.i18n import I18n, Translator
from content.schema import CHOICE_MAX, EXPLANATION_MAX, FIRST_YEAR, LAST_YEAR, QUESTION_MAX
from storage.content import Catalog, ContentStore, EventBrief, EventRecord

GENERATED_KINDS = ("year", "date", "first")
CURATED_PREFIX = "q-"
YEAR_SPREAD = 6
"""Wrong years are drawn from this many years either side of the right one."""
NEAR_CANDIDATES = 9
"""'What happened on…' draws its wrong answers from this many events nearest the date."""
FIRST_WINDOW_YEARS = 3
"""'Which came first' compares events at most this many years apart: close enough to be hard."""


@dataclass(frozen=True, slots=True)
class QuizQuestion:
    key: str
    text: dict[str, str]
    choices: dict[str, tuple[str, ...]]
    answer: int
    """Index of the right choice, the same in every language."""
    explanation: dict[str, str]
    sources: tuple[str, ...]
    events: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps(
            {
                "key": self.key,
                "text": self.text,
                "choices": {k: list(v) for k, v in self.choices.items()},
                "answer": self.answer,
                "explanation": self.explanation,
                "sources": list(self.sources),
                "events": list(self.events),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> QuizQuestion:
        data = json.loads(text)
        return cls(
            key=data["key"],
            text=dict(data["text"]),
            choices={k: tuple(v) for k, v in data["choices"].items()},
            answer=int(data["answer"]),
            explanation=dict(data["explanation"]),
            sources=tuple(data["sources"]),
            events=tuple(data["events"]),
        )

    def in_lang(self, lang: str) -> tuple[str, tuple[str, ...], str]:
        """The question, its choices and the explanation in ``lang`` (English when missing)."""
        return (
            self.text.get(lang) or self.text["en"],
            self.choices.get(lang) or self.choices["en"],
            self.explanation.get(lang) or self.explanation["en"],
        )


def seed_of(key: str) -> int:
    """A stable seed per key: Python's own ``hash`` of a string changes from run to run."""
    return zlib.crc32(key.encode("utf-8"))


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class QuestionMaker:
    """Builds :class:`QuizQuestion` values from the content store, curated or generated."""

    def __init__(self, content: ContentStore, i18n: I18n) -> None:
        self._content = content
        self._i18n = i18n

    async def make(self, key: str) -> QuizQuestion | None:
        """The question a key names, or ``None`` when the content no longer has it."""
        if key.startswith(CURATED_PREFIX):
            return await self._curated(key)
        kind, _, event_id = key.partition(":")
        if kind not in GENERATED_KINDS or not event_id:
            return None
        catalog = await self._content.catalog()
        anchor = catalog.by_id.get(event_id)
        if anchor is None:
            return None
        return await self.generate(kind, anchor, catalog, seed_of(key))

    async def _curated(self, question_id: str) -> QuizQuestion | None:
        record = await self._content.question(question_id)
        if record is None:
            return None
        events = await self._content.events_by_ids(list(record.events))
        sources = tuple(
            dict.fromkeys(events[e].sources[0] for e in record.events if e in events and events[e].sources)
        )
        return QuizQuestion(
            key=record.id,
            text=record.text,
            choices=record.choices,
            answer=record.answer,
            explanation=record.explanation,
            sources=sources,
            events=record.events,
        )

    async def generate(
        self, kind: str, anchor: EventBrief, catalog: Catalog, seed: int
    ) -> QuizQuestion | None:
        rng = random.Random(seed)
        key = f"{kind}:{anchor.id}"
        if kind == "year":
            return await self._year(key, anchor, rng)
        if kind == "date":
            return await self._date(key, anchor, catalog, rng)
        if kind == "first":
            return await self._first(key, anchor, catalog, rng)
        raise ValueError(f"unknown generated question kind {kind!r}")

    async def _records(self, ids: list[str]) -> list[EventRecord] | None:
        found = await self._content.events_by_ids(ids)
        if len(found) != len(set(ids)):
            return None
        return [found[i] for i in ids]

    async def _year(self, key: str, anchor: EventBrief, rng: random.Random) -> QuizQuestion | None:
        records = await self._records([anchor.id])
        if records is None:
            return None
        (event,) = records
        year = anchor.day.year
        nearby = [
            y
            for y in range(year - YEAR_SPREAD, year + YEAR_SPREAD + 1)
            if y != year and FIRST_YEAR <= y <= LAST_YEAR
        ]
        years = sorted([year, *rng.sample(nearby, 3)])
        text, explanation = {}, {}
        for lang in self._i18n.languages:
            tr = self._i18n[lang]
            title = event.title.get(lang) or event.title["en"]
            text[lang] = fit(tr.t("quiz.gen.year", title=title), QUESTION_MAX)
            explanation[lang] = fit(
                tr.t("quiz.gen.year_explain", title=title, date=tr.date(event.day)), EXPLANATION_MAX
            )
        labels = tuple(str(y) for y in years)
        return QuizQuestion(
            key=key,
            text=text,
            choices={lang: labels for lang in self._i18n.languages},
            answer=years.index(year),
            explanation=explanation,
            sources=event.sources[:1],
            events=(event.id,),
        )

    async def _date(
        self, key: str, anchor: EventBrief, catalog: Catalog, rng: random.Random
    ) -> QuizQuestion | None:
        # The events nearest in time, one per day, none on the anchor's day: "what happened on
        # <date>" then has exactly one right answer.
        near = _nearest_other_days(catalog.events, anchor, NEAR_CANDIDATES)
        if len(near) < 3:
            return None
        picked = [anchor, *rng.sample(near, 3)]
        rng.shuffle(picked)
        return await self._pick_one(
            key,
            picked,
            right=[e.id for e in picked].index(anchor.id),
            ask=lambda tr: tr.t("quiz.gen.date", date=tr.date(anchor.day)),
            explain=lambda tr, title, day: tr.t("quiz.gen.date_explain", title=title, date=day),
        )

    async def _first(
        self, key: str, anchor: EventBrief, catalog: Catalog, rng: random.Random
    ) -> QuizQuestion | None:
        window = FIRST_WINDOW_YEARS
        while True:
            lo = date(max(FIRST_YEAR, anchor.day.year - window), 1, 1)
            hi = date(min(LAST_YEAR, anchor.day.year + window), 12, 31)
            candidates = _one_per_day(
                [e for e in _between(catalog.events, lo, hi) if e.day != anchor.day and e.id != anchor.id]
            )
            if len(candidates) >= 3 or window >= LAST_YEAR - FIRST_YEAR:
                break
            window *= 2
        if len(candidates) < 3:
            return None
        picked = [anchor, *rng.sample(candidates, 3)]
        rng.shuffle(picked)
        return await self._pick_one(
            key,
            picked,
            right=min(range(len(picked)), key=lambda i: picked[i].day),
            ask=lambda tr: tr.t("quiz.gen.first"),
            explain=lambda tr, title, day: tr.t("quiz.gen.first_explain", title=title, date=day),
        )

    async def _pick_one(
        self,
        key: str,
        picked: list[EventBrief],
        *,
        right: int,
        ask: Callable[[Translator], str],
        explain: Callable[[Translator, str, str], str],
    ) -> QuizQuestion | None:
        """A question whose choices are the titles of ``picked``, the ``right`` one being correct."""
        records = await self._records([e.id for e in picked])
        if records is None:
            return None
        event = records[right]
        text, choices, explanation = {}, {}, {}
        for lang in self._i18n.languages:
            tr = self._i18n[lang]
            text[lang] = fit(ask(tr), QUESTION_MAX)
            choices[lang] = _titles(records, lang)
            title = event.title.get(lang) or event.title["en"]
            explanation[lang] = fit(explain(tr, title, tr.date(event.day)), EXPLANATION_MAX)
        return QuizQuestion(
            key=key,
            text=text,
            choices=choices,
            answer=right,
            explanation=explanation,
            sources=event.sources[:1],
            events=tuple(e.id for e in picked),
        )


def _titles(records: list[EventRecord], lang: str) -> tuple[str, ...]:
    titles = [fit(r.title.get(lang) or r.title["en"], CHOICE_MAX) for r in records]
    # Two events may share a title ("Summit ends"); a date tells them apart.
    seen: dict[str, int] = {}
    for t in titles:
        seen[t] = seen.get(t, 0) + 1
    return tuple(
        fit(f"{t} ({r.day.year})", CHOICE_MAX) if seen[t] > 1 else t
        for t, r in zip(titles, records, strict=True)
    )


def _between(events: tuple[EventBrief, ...], lo: date, hi: date) -> list[EventBrief]:
    days = [e.day for e in events]
    return list(events[bisect.bisect_left(days, lo) : bisect.bisect_right(days, hi)])


def _one_per_day(events: list[EventBrief]) -> list[EventBrief]:
    by_day: dict[date, EventBrief] = {}
    for e in events:
        by_day.setdefault(e.day, e)
    return list(by_day.values())


def _nearest_other_days(events: tuple[EventBrief, ...], anchor: EventBrief, count: int) -> list[EventBrief]:
    """Up to ``count`` events nearest the anchor's day, at most one per day, never on that day."""
    days = [e.day for e in events]
    left = bisect.bisect_left(days, anchor.day) - 1
    right = bisect.bisect_right(days, anchor.day)
    out: list[EventBrief] = []
    used: set[date] = {anchor.day}
    while len(out) < count and (left >= 0 or right < len(events)):
        take_left = right >= len(events) or (
            left >= 0 and (anchor.day - events[left].day) <= (events[right].day - anchor.day)
        )
        e = events[left] if take_left else events[right]
        if take_left:
            left -= 1
        else:
            right += 1
        if e.day not in used:
            used.add(e.day)
            out.append(e)
    return out
