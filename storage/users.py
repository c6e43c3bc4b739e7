"""Who has talked to the bot: display names for leaderboards and a language hint."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, db_time


class UserStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def remember(
        self, platform: str, user_id: str, display_name: str, lang_hint: str | None, now: datetime
    ) -> None:
        """Record a user; writes only when something changed, so a message costs no write."""
        row = self._db.reader.execute(
            "SELECT display_name, lang_hint FROM users WHERE platform = ? AND user_id = ?",
            (platform, user_id),
        ).fetchone()
        if row is not None and row[0] == display_name and row[1] == lang_hint:
            return
        await self._db.write(
            "INSERT INTO users (platform, user_id, display_name, lang_hint, first_seen, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, user_id) DO UPDATE SET display_name = excluded.display_name,"
            " lang_hint = excluded.lang_hint, updated_at = excluded.updated_at",
            (platform, user_id, display_name, lang_hint, db_time(now), db_time(now)),
        )

    async def display_name(self, platform: str, user_id: str) -> str | None:
        row = self._db.reader.execute(
            "SELECT display_name FROM users WHERE platform = ? AND user_id = ?", (platform, user_id)
        ).fetchone()
        return str(row[0]) if row else None
