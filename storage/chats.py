"""Per-chat settings: language, time zone and quiz settings, keyed by (platform, chat id)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, db_time


@dataclass(frozen=True, slots=True)
class ChatSettings:
    platform: str
    chat_id: str
    kind: str
    lang: str
    timezone: str
    quiz_seconds: int = 30
    """How long each quiz question stays open (10–120 s)."""
    quiz_length: int = 5
    """How many questions a /quiz without a number asks (1–20)."""


class ChatStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _read(self, platform: str, chat_id: str) -> ChatSettings | None:
        row = self._db.reader.execute(
            "SELECT kind, lang, timezone, quiz_seconds, quiz_length FROM chats"
            " WHERE platform = ? AND chat_id = ?",
            (platform, chat_id),
        ).fetchone()
        return ChatSettings(platform, chat_id, *row) if row else None

    async def get(self, platform: str, chat_id: str) -> ChatSettings | None:
        return self._read(platform, chat_id)

    async def get_or_create(
        self, platform: str, chat_id: str, kind: str, default_lang: str, now: datetime
    ) -> ChatSettings:
        """The chat's settings, creating them on first contact; a changed chat kind is recorded."""
        settings = self._read(platform, chat_id)
        if settings is not None and settings.kind == kind:
            return settings
        await self._db.write(
            "INSERT INTO chats (platform, chat_id, kind, lang, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, chat_id)"
            " DO UPDATE SET kind = excluded.kind, updated_at = excluded.updated_at",
            (platform, chat_id, kind, default_lang, db_time(now), db_time(now)),
        )
        created = self._read(platform, chat_id)
        assert created is not None
        return created

    async def timezones(self, platform: str, chat_ids: list[str]) -> list[str]:
        """The time zone of each of ``chat_ids`` on ``platform``, in the same order; an empty
        string for a chat that does not exist. One query however many, two when the ids are not a
        whole run of the table.

        A bulk subscribe asks for runs of ids in key order, usually every chat of a range, and then
        one range read of the table's B-tree, in order, answers: it costs a tenth of looking each id
        up. The range read stops after one row more than asked for, and answers only when the ids
        it found are the ids asked for, in the same order (compared as JSON arrays, which have one
        reading); otherwise each id is looked up by key. The zones come back as one space-separated
        string (no IANA name has a space), which costs less to build and split than a row each."""
        if not chat_ids:
            return []
        wanted = json.dumps(chat_ids, ensure_ascii=False, separators=(",", ":"))
        found, zones = self._db.reader.execute(
            "SELECT json_group_array(chat_id), group_concat(timezone, ' ') FROM"
            " (SELECT chat_id, timezone FROM chats WHERE platform = ? AND chat_id BETWEEN ? AND ?"
            " ORDER BY chat_id LIMIT ?)",
            (platform, chat_ids[0], chat_ids[-1], len(chat_ids) + 1),
        ).fetchone()
        if found != wanted:
            # LEFT JOIN: the array is read once, in order, and each id looked up in chats; a chat
            # that does not exist still takes its place, as an empty string.
            zones = self._db.reader.execute(
                "SELECT group_concat(coalesce(c.timezone, ''), ' ') FROM json_each(?) j"
                " LEFT JOIN chats c ON c.platform = ? AND c.chat_id = j.value",
                (wanted, platform),
            ).fetchone()[0]
        split: list[str] = zones.split(" ")
        if len(split) != len(chat_ids):  # pragma: no cover - a zone with a space would be corrupt
            raise ValueError(f"a stored time zone contains a space: {zones!r}")
        return split

    async def set_language(self, platform: str, chat_id: str, lang: str, now: datetime) -> None:
        await self._db.write(
            "UPDATE chats SET lang = ?, updated_at = ? WHERE platform = ? AND chat_id = ?",
            (lang, db_time(now), platform, chat_id),
        )

    async def set_timezone(self, platform: str, chat_id: str, timezone: str, now: datetime) -> None:
        """``timezone`` must be an IANA name that :mod:`zoneinfo` knows; callers validate it."""
        await self._db.write(
            "UPDATE chats SET timezone = ?, updated_at = ? WHERE platform = ? AND chat_id = ?",
            (timezone, db_time(now), platform, chat_id),
        )

    async def set_quiz_seconds(self, platform: str, chat_id: str, seconds: int, now: datetime) -> None:
        await self._db.write(
            "UPDATE chats SET quiz_seconds = ?, updated_at = ? WHERE platform = ? AND chat_id = ?",
            (seconds, db_time(now), platform, chat_id),
        )

    async def set_quiz_length(self, platform: str, chat_id: str, length: int, now: datetime) -> None:
        await self._db.write(
            "UPDATE chats SET quiz_length = ?, updated_at = ? WHERE platform = ? AND chat_id = ?",
            (length, db_time(now), platform, chat_id),
        )

    async def move(self, platform: str, old_id: str, new_id: str, now: datetime) -> None:
        """A chat got a new id (a Telegram group upgraded to a supergroup): its settings, games,
        scores, history and digest subscription follow it, in one transaction."""
        async with self._db.transaction() as conn:
            exists = await conn.execute_fetchall(
                "SELECT 1 FROM chats WHERE platform = ? AND chat_id = ?", (platform, new_id)
            )
            if list(exists):
                await conn.execute("DELETE FROM chats WHERE platform = ? AND chat_id = ?", (platform, new_id))
            await conn.execute(
                "UPDATE chats SET chat_id = ?, updated_at = ? WHERE platform = ? AND chat_id = ?",
                (new_id, db_time(now), platform, old_id),
            )
            moved = ("games", "rounds", "answers", "subscriptions", "digest_deliveries", "platform_polls")
            for table in moved:
                await conn.execute(
                    f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE platform = ? AND chat_id = ?",
                    (new_id, platform, old_id),
                )
            await conn.execute(
                "UPDATE OR IGNORE quiz_history SET chat_id = ? WHERE platform = ? AND chat_id = ?",
                (new_id, platform, old_id),
            )
