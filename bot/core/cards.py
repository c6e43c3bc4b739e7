"""Turning stored events into localized reply blocks."""

from __future__ import annotations

from datetime import date

from bot.core.i18n import Translator
from bot.core.model import EventCard
from storage.content import EventRecord


def years_between(then: date, today: date) -> int:
    """Whole years from ``then`` to ``today`` (an anniversary not yet reached this year does not count)."""
    return today.year - then.year - ((today.month, today.day) < (then.month, then.day))


def years_ago(tr: Translator, then: date, today: date) -> str:
    n = years_between(then, today)
    if n <= 0:
        return tr.t("card.this_year")
    return tr.tn("card.years_ago", "card.years_ago_plural", n)


def event_card(
    event: EventRecord,
    tr: Translator,
    today: date,
    *,
    full: bool = False,
    tag_names: dict[str, str] | None = None,
) -> EventCard:
    lang = tr.lang
    return EventCard(
        event_id=event.id,
        day=event.day,
        date_text=tr.date(event.day),
        years_ago_text=years_ago(tr, event.day, today),
        title=event.title.get(lang) or event.title["en"],
        summary=event.summary.get(lang) or event.summary["en"],
        sources=event.sources,
        tags=tuple((tag_names or {}).get(t, t) for t in event.tags) if full else (),
        full=full,
    )
