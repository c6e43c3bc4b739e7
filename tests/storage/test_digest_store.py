"""The digest tables at the SQL level: what the scheduler reads on every pass comes from index
ranges, never from scanning every subscription."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database


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
