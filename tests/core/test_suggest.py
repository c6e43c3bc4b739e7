"""As-you-type suggestions: the same for every platform, in the user's language, never an error."""

from __future__ import annotations

from bot.app import App
from bot.core.suggest import LIMIT, MAX_TEXT, suggest


async def test_event_ids_by_prefix_and_by_title(app: App) -> None:
    s = app.services
    ids = await s.content.event_ids()
    found = await suggest(s, "event", ids[0][:4], "en")
    assert found and found[0].value.startswith(ids[0][:4]) and len(found) <= LIMIT
    by_title = await suggest(s, "event", "berlin wall", "en")
    assert any("berlin-wall" in f.value for f in by_title)
    assert all(len(f.label) <= MAX_TEXT and len(f.value) <= MAX_TEXT for f in by_title)


async def test_search_words_in_romanian(app: App) -> None:
    found = await suggest(app.services, "search", "zidul berlin", "ro")
    assert found and any("Zidul" in f.label for f in found)
    assert await suggest(app.services, "search", "", "ro") == []


async def test_time_zones_with_a_typo(app: App) -> None:
    found = await suggest(app.services, "timezone", "Europe/Bucharst", "en")
    assert found[0].value == "Europe/Bucharest"
    assert (await suggest(app.services, "timezone", "europe/buc", "en"))[0].value == "Europe/Bucharest"


async def test_lessons_filters_and_nonsense(app: App) -> None:
    lessons = await app.services.content.lessons()
    found = await suggest(app.services, "lesson", "", "en")
    assert [f.value for f in found] == [le.id for le in lessons][:LIMIT]
    assert await suggest(app.services, "filter", "cuba", "en")
    assert await suggest(app.services, "nope", "x", "en") == []
    assert isinstance(await suggest(app.services, "event", "\x00" * 500, "en"), list)
