"""The digest tables at the SQL level: what the scheduler reads on every pass comes from index
ranges, never from scanning every subscription."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.db import Database


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM subscriptions s"
        " JOIN chats c ON c.platform = s.platform AND c.chat_id = s.chat_id"
        " WHERE s.state = 'active' AND s.next_due <= '2026' AND s.platform IN ('console')"
        " ORDER BY s.next_due",
        "SELECT min(next_due) FROM subscriptions WHERE state = 'active' AND platform IN ('console')",
        "SELECT * FROM digest_deliveries"
        " WHERE state = 'claimed' AND retry_at IS NOT NULL AND retry_at <= '2026'",
        "SELECT local_date FROM digest_deliveries"
        " WHERE platform = 'c' AND chat_id = '1' AND local_date >= '2026'",
    ],
)
async def test_scheduler_reads_use_indexes(db_path: Path, sql: str) -> None:
    db = await Database.open(db_path)
    async with db:
        plan = " | ".join(row[3] for row in db.reader.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "SCAN" not in plan, plan
