"""Chat settings at the SQL level: the zones a bulk subscribe reads, whichever way it asks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.chats import ChatStore
from storage.db import Database

NOW = datetime(2026, 5, 14, 9, 0, tzinfo=UTC)
ZONES = {
    "-1001": "Europe/Bucharest",
    "-1002": "Asia/Kathmandu",
    "17": "Pacific/Kiritimati",
    "18": "America/New_York",
    "2": "Australia/Lord_Howe",
    'x "y" z': "Europe/London",
    "Ștefan": "Europe/Chisinau",
}


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(db_path)
    async with db:
        chats = ChatStore(db)
        for chat_id, zone in ZONES.items():
            await chats.get_or_create("telegram", chat_id, "group", "en", NOW)
            await chats.set_timezone("telegram", chat_id, zone, NOW)
        # The same ids on another platform, in another zone: never mixed in.
        for chat_id in ZONES:
            await chats.get_or_create("discord", chat_id, "group", "en", NOW)
        yield db


def statements(db: Database) -> list[str]:
    seen: list[str] = []
    db.reader.set_trace_callback(seen.append)
    return seen


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param(sorted(ZONES), id="all"),
        pytest.param(["18", "2"], id="two"),
        pytest.param(["2"], id="one"),
        pytest.param(['x "y" z', "Ștefan"], id="ids JSON escapes"),
    ],
)
async def test_every_chat_of_a_run_in_key_order_is_one_range_read(db: Database, ids: list[str]) -> None:
    seen = statements(db)
    assert await ChatStore(db).timezones("telegram", ids) == [ZONES[i] for i in ids]
    assert len(seen) == 1
    assert await ChatStore(db).timezones("discord", ids) == ["UTC"] * len(ids)


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param(["-1001", "17", "2"], id="chats between them not asked for"),
        pytest.param(["18", "-1001", "2"], id="not in key order"),
        pytest.param(["17", "17", "18"], id="an id twice"),
        pytest.param(["-1001", "-1002", "17", "18", "2", "20"], id="a chat that does not exist"),
        pytest.param(["0", "1"], id="only chats that do not exist"),
        pytest.param(["Ștefan", 'x "y" z'], id="reversed"),
    ],
)
async def test_any_other_list_of_ids_gets_each_zone_in_its_place(db: Database, ids: list[str]) -> None:
    """Anything but a whole run falls back to looking each id up: the answer is the same, with an
    empty string for a chat that does not exist."""
    seen = statements(db)
    assert await ChatStore(db).timezones("telegram", ids) == [ZONES.get(i, "") for i in ids]
    assert len(seen) == 2


async def test_no_ids_no_zones(db: Database) -> None:
    assert await ChatStore(db).timezones("telegram", []) == []
