"""The digest tables at the SQL level: what the scheduler reads on every pass comes from index
ranges, never from scanning every subscription."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from storage.chats import ChatStore
from storage.db import Database
from storage.digest import BulkChunk, DigestStore


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (
            "SELECT * FROM subscriptions s"
            " JOIN chats c ON c.platform = s.platform AND c.chat_id = s.chat_id"
            " WHERE s.state = 'active' AND s.next_due <= '2026' AND +s.platform IN ('console')"
            " ORDER BY s.next_due",
            "subscriptions_due",
        ),
        (
            "SELECT min(next_due) FROM subscriptions WHERE state = 'active' AND +platform IN ('console')",
            "subscriptions_due",
        ),
        (
            "SELECT * FROM digest_deliveries"
            " WHERE state = 'claimed' AND retry_at IS NOT NULL AND retry_at <= '2026' AND +platform IN ('c')",
            "digest_deliveries_retry",
        ),
        (
            "SELECT local_date FROM digest_deliveries"
            " WHERE platform = 'c' AND chat_id = '1' AND local_date >= '2026'",
            "sqlite_autoindex_digest_deliveries_1",
        ),
    ],
)
async def test_scheduler_reads_use_their_index_in_order(db_path: Path, sql: str, index: str) -> None:
    """The index that makes the read a range (not merely "some index": the primary key's platform
    column would read every subscription of the platform and sort them)."""
    db = await Database.open(db_path)
    async with db:
        plan = " | ".join(row[3] for row in db.reader.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert index in plan and "SCAN" not in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("already", [0, 3, 40])
async def test_a_bulk_subscribe_leaves_the_due_index_as_the_migration_made_it(
    db_path: Path, already: int
) -> None:
    """A bulk subscribe into a table holding fewer rows than it brings drops the due index and builds
    it again at the end (sorted, at once); into a fuller one it keeps it. Either way the index is
    the migration's, and holds exactly the active subscriptions."""
    db = await Database.open(db_path)
    async with db:
        index = "SELECT sql FROM sqlite_schema WHERE name = 'subscriptions_due'"
        made = db.reader.execute(index).fetchone()
        store, chats = DigestStore(db), ChatStore(db)
        now = datetime(2026, 5, 14, 8, tzinfo=UTC)
        nine, ten = now + timedelta(hours=1), now + timedelta(hours=2)
        old = [f"old{i:02d}" for i in range(already)]
        new = [f"new{i:02d}" for i in range(10)]
        for chat_id in old + new:
            await chats.get_or_create("c", chat_id, "group", "en", now)
        for chat_id in old:
            await store.subscribe("c", chat_id, time(9), date(2026, 5, 14), nine, now)
        if old:
            await store.pause("c", old[0], "blocked", now)

        async def chunks() -> AsyncIterator[BulkChunk]:
            schedules = [(0, time(9), date(2026, 5, 14), nine), (1, time(10), date(2026, 5, 14), ten)]
            yield BulkChunk("c", schedules, new, [i % 2 for i in range(10)])

        await store.subscribe_many(chunks(), now, len(new))
        assert db.reader.execute(index).fetchone() == made
        assert db.reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        due = await store.due(nine, ["c"], 100)
        assert sorted(s.chat_id for s in due) == sorted(new[0::2] + old[1:])
