"""Values to offer while a user is still typing an argument (Discord's autocomplete): event ids,
search words, time zones, lessons and quiz filters. Every platform gets the same suggestions, in the
user's language, from the one ``Argument.suggest`` declaration."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.commands.digest import zone_names
from bot.core.context import Services

LIMIT = 25
"""Discord shows at most 25 choices."""
MAX_TEXT = 100
"""A choice's name and value are at most 100 characters on Discord."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    value: str


def _fit(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _ranked(typed: str, options: dict[str, str], limit: int) -> list[str]:
    """Keys of ``options`` (key → text to match), those starting with ``typed`` first, then the
    closest fuzzy matches of the text."""
    if not typed:
        return list(options)[:limit]
    low = typed.lower()
    first = [k for k, text in options.items() if k.lower().startswith(low) or text.lower().startswith(low)]
    if len(first) >= limit:
        return first[:limit]
    taken = set(first)
    rest = process.extract(
        low, {k: t.lower() for k, t in options.items() if k not in taken}, scorer=fuzz.WRatio, limit=limit
    )
    return first + [key for _text, score, key in rest if score >= 60][: limit - len(first)]


async def suggest(services: Services, source: str, typed: str, lang: str) -> list[Suggestion]:
    """Up to 25 suggestions from ``source`` for what the user has typed so far; unknown sources
    and bad input give none, never an error."""
    typed = " ".join(typed.split())[:MAX_TEXT]
    content = services.content
    if source == "event":
        titles = await content.titles(lang)
        by_id = {i: f"{title} ({year})" for i, title, year in titles}
        options = {i: f"{i} {text}" for i, text in by_id.items()}
        return [Suggestion(_fit(by_id[i]), i) for i in _ranked(typed, options, LIMIT) if len(i) <= MAX_TEXT]
    if source == "search":
        if not typed:
            return []
        titles = await content.titles(lang)
        options = {i: title for i, title, _year in titles}
        names = {i: f"{title} ({year})" for i, title, year in titles}
        return [Suggestion(_fit(names[i]), _fit(options[i])) for i in _ranked(typed, options, LIMIT)]
    if source == "timezone":
        zones = {z: z for z in zone_names()}
        return [Suggestion(z, z) for z in _ranked(typed.replace(" ", "_"), zones, LIMIT)]
    if source == "lesson":
        options = {le.id: le.title.get(lang) or le.title["en"] for le in await content.lessons()}
        return [Suggestion(_fit(f"{options[i]} ({i})"), i) for i in _ranked(typed, options, LIMIT)]
    if source == "filter":
        tags = await content.tag_names(lang)
        names = {le.id: le.title.get(lang) or le.title["en"] for le in await content.lessons()}
        options = {**tags, **names}
        return [Suggestion(_fit(f"{options[i]} ({i})"), i) for i in _ranked(typed, options, LIMIT)]
    return []
