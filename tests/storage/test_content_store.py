"""The content repository: loading, reloading without touching user data, and safe search."""

import shutil
from pathlib import Path

import pytest

from bot.app import App, ContentInvalid, sync_content
from content.loader import content_root
from storage.content import ContentStore, fts_query, search_terms
from storage.db import Database


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(content_root(), root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


async def test_content_is_loaded_once_and_reloaded_only_when_files_change(
    tmp_path: Path, content_copy: Path
) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    async with db:
        store = ContentStore(db)
        assert await sync_content(store, content_copy) is True
        assert await sync_content(store, content_copy) is False
        await db.write(
            "INSERT INTO chats (platform, chat_id, kind, lang, created_at, updated_at)"
            " VALUES ('console', '1', 'private', 'ro', 'x', 'x')"
        )
        events = content_copy / "events" / "1955.yaml"
        events.write_text(
            events.read_text(encoding="utf-8").replace("Warsaw Pact signed", "Warsaw Treaty signed")
        )
        assert await sync_content(store, content_copy) is True
        found = await store.event("warsaw-pact-signed")
        assert found is not None and found.title["en"] == "Warsaw Treaty signed"
        assert db.reader.execute("SELECT lang FROM chats").fetchall() == [("ro",)]


async def test_broken_files_never_replace_good_content(tmp_path: Path, content_copy: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    async with db:
        store = ContentStore(db)
        await sync_content(store, content_copy)
        (content_copy / "events" / "1955.yaml").write_text("- id: Broken\n", encoding="utf-8")
        assert await sync_content(store, content_copy) is False
        assert await store.event("warsaw-pact-signed") is not None


async def test_a_bot_with_no_valid_content_refuses_to_start(tmp_path: Path, content_copy: Path) -> None:
    (content_copy / "tags.yaml").write_text("- id: [\n", encoding="utf-8")
    with pytest.raises(ContentInvalid) as info:
        await App.start(tmp_path / "db.sqlite3", content=content_copy)
    assert any(e.file == "tags.yaml" for e in info.value.errors)


def test_search_terms_strip_everything_fts_could_read_as_syntax() -> None:
    assert search_terms('"Varșovia" AND (NEAR* pact') == ["varsovia", "and", "near", "pact"]
    assert search_terms("***  ((( ") == []
    assert len(search_terms("word " * 1000)) == 1
    assert len(search_terms(" ".join(f"w{i}" for i in range(100)))) == 12
    assert fts_query(["varsovia", "pact", "ban"], "AND") == '"varsovia" AND "pact" AND "ban"'
    assert fts_query(["tratatul", "varsov"], "OR") == '"tratatul" OR "varsov"*'


async def test_search_is_diacritics_insensitive_in_both_directions(app: App) -> None:
    store = app.services.content
    found = await store.search("varsovia", "ro")
    assert found and all("Varșovia" in e.title["ro"] + e.summary["ro"] for e in found)
    assert [e.id for e in await store.search("VARȘOVIA", "ro")] == [e.id for e in found]
    assert "warsaw-pact-signed" in [
        e.id for e in await store.search("semnarea tratatului de la varsovia", "ro")
    ]


async def test_search_ranks_title_matches_first_and_falls_back_to_any_word(app: App) -> None:
    store = app.services.content
    top = await store.search("austrian state treaty", "en")
    assert top[0].id == "austrian-state-treaty-signed"
    anyword = await store.search("austrian zzzzqqq", "en")
    assert anyword and all("austria" in (e.title["en"] + e.summary["en"]).lower() for e in anyword)
    assert await store.search("zzzzqqq", "en") == []


async def test_words_in_every_summary_do_not_drag_the_search(app: App) -> None:
    store = app.services.content
    assert await store.search("the of and", "en") == []
    best = await store.search("the austrian state treaty", "en")
    assert best[0].id == "austrian-state-treaty-signed"
    assert "warsaw-pact-signed" in [
        e.id for e in await store.search("semnarea tratatului de la varșovia", "ro")
    ]
