"""What a daily digest says: a dated header, up to five events of the chat's local date spread over
the years, and a question of the day. Chosen deterministically from the date, so the same day looks
the same in every chat, and built once per (date, language), however many chats receive it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from bot.core.dates import nearest_days
from bot.core.i18n import I18n, Translator
from bot.core.model import Button, Message, Paragraph, Span
from bot.core.quiz.questions import QuestionMaker, seed_of
from storage.content import Catalog, ContentStore, EventRecord

DIGEST_EVENTS = 5
SUMMARY_MAX = 220


@dataclass(frozen=True, slots=True)
class DigestPlan:
    """The language-neutral choices for one local date."""

    day: date
    events: tuple[EventRecord, ...]
    nearby: bool
    """The date itself has no events: these are from the nearest days ("this week in …")."""
    question_key: str | None


def spread(events: list[EventRecord], count: int, rng: random.Random) -> list[EventRecord]:
    """``count`` events spread over the years: the list (oldest first) is cut into ``count`` runs of
    nearly equal length and one event is drawn from each."""
    if len(events) <= count:
        return events
    ordered = sorted(events, key=lambda e: (e.day, e.id))
    picked = []
    for i in range(count):
        lo, hi = i * len(ordered) // count, (i + 1) * len(ordered) // count
        picked.append(ordered[rng.randrange(lo, hi)])
    return picked


def one_line(text: str, limit: int = SUMMARY_MAX) -> str:
    """The first sentence of a summary, within ``limit`` characters."""
    end = text.find(". ")
    first = text if end < 0 else text[: end + 1]
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


class DigestBuilder:
    def __init__(self, content: ContentStore, i18n: I18n, maker: QuestionMaker) -> None:
        self._content = content
        self._i18n = i18n
        self._maker = maker

    async def plan(self, day: date) -> DigestPlan:
        rng = random.Random(seed_of(f"digest:{day.isoformat()}"))
        events = await self._content.events_on(day.month, day.day)
        nearby = False
        if not events:
            nearby = True
            for m, d in nearest_days(day.month, day.day, await self._content.days_with_events()):
                events.extend(await self._content.events_on(m, d))
        picked = sorted(spread(events, DIGEST_EVENTS, rng), key=lambda e: (e.day, e.id))
        return DigestPlan(
            day, tuple(picked), nearby, self._question_key(picked, await self._content.catalog(), rng)
        )

    @staticmethod
    def _question_key(events: list[EventRecord], catalog: Catalog, rng: random.Random) -> str | None:
        ids = {e.id for e in events}
        curated = sorted(q for q, evs in catalog.question_events.items() if ids.intersection(evs))
        if curated:
            return rng.choice(curated)
        return f"year:{events[0].id}" if events else None

    async def question_text(self, key: str, lang: str) -> str | None:
        question = await self._maker.make(key)
        return question.in_lang(lang)[0] if question else None

    async def message(self, plan: DigestPlan, lang: str, with_quiz: bool) -> Message:
        tr = self._i18n[lang]
        blocks: list[Paragraph] = [
            Paragraph.of(Span(tr.t("digest.header", date=tr.date(plan.day)), bold=True))
        ]
        if plan.nearby:
            blocks.append(
                Paragraph.of(Span(tr.t("digest.nearby", day=tr.date(plan.day, with_year=False)), italic=True))
            )
        if not plan.events:
            blocks.append(Paragraph.of(tr.t("date.none_at_all")))
        for event in plan.events:
            blocks.append(self._event(event, tr, plan.nearby))
        buttons = [Button(tr.t("digest.button.today"), "/today")]
        if with_quiz and plan.question_key:
            text = await self.question_text(plan.question_key, lang)
            if text:
                blocks.append(Paragraph.of(Span(tr.t("digest.question") + " ", bold=True), text))
                buttons.insert(0, Button(tr.t("digest.button.answer"), "/question today"))
        return Message(tuple(blocks), tuple(buttons), lang=lang)

    @staticmethod
    def _event(event: EventRecord, tr: Translator, with_day: bool) -> Paragraph:
        lang = tr.lang
        when = tr.date(event.day) if with_day else str(event.day.year)
        spans = [
            Span(when, bold=True),
            Span(" — " + (event.title.get(lang) or event.title["en"]) + "\n"),
            Span(one_line(event.summary.get(lang) or event.summary["en"])),
        ]
        if event.sources:
            spans.append(Span("\n"))
            spans.append(Span(tr.t("render.source"), link=event.sources[0]))
        return Paragraph(tuple(spans))
