"""Small facts an adapter keeps across restarts, by key: e.g. the hash of the application commands
last uploaded to Discord, so a restart (or a resumed gateway session) does not upload them again."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, db_time


class MetaStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        row = self._db.reader.execute("SELECT value FROM platform_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    async def put(self, key: str, value: str, now: datetime) -> None:
        await self._db.write(
            "INSERT INTO platform_meta (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, db_time(now)),
        )
