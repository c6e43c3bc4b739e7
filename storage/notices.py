"""Things to tell a user on their next command, wherever they run it: e.g. that a digest they set
up had to be paused because the bot may no longer post there. Each notice is shown once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, db_time

MAX_PENDING = 20
"""A user who never comes back does not pile up notices: the oldest beyond this are dropped."""


@dataclass(frozen=True, slots=True)
class Notice:
    key: str
    params: dict[str, Any]


class NoticeStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, platform: str, user_id: str, key: str, params: dict[str, Any], now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO notices (platform, user_id, key, params, created_at) VALUES (?, ?, ?, ?, ?)",
                (platform, user_id, key, json.dumps(params, ensure_ascii=False), db_time(now)),
            )
            await conn.execute(
                "DELETE FROM notices WHERE platform = ? AND user_id = ? AND id NOT IN"
                " (SELECT id FROM notices WHERE platform = ? AND user_id = ? ORDER BY id DESC LIMIT ?)",
                (platform, user_id, platform, user_id, MAX_PENDING),
            )

    async def take(self, platform: str, user_id: str) -> list[Notice]:
        """The user's pending notices, oldest first, removed as they are read (shown once)."""
        # The common case (nothing pending) is one indexed read on the inline reader, no write.
        if (
            self._db.reader.execute(
                "SELECT 1 FROM notices WHERE platform = ? AND user_id = ? LIMIT 1", (platform, user_id)
            ).fetchone()
            is None
        ):
            return []
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM notices WHERE platform = ? AND user_id = ? RETURNING id, key, params",
                (platform, user_id),
            )
            rows = sorted(await cursor.fetchall())
        return [Notice(str(key), json.loads(params)) for _id, key, params in rows]
