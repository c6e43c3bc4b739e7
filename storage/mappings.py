"""Platform ids that point back into the core: poll ids to quiz rounds, short tokens to button
commands. Both are written once and read many times, and outlive restarts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, db_time

TOKEN_PREFIX = "t:"


@dataclass(frozen=True, slots=True)
class PollRef:
    chat_id: str
    round_id: int
    message_id: str | None


class MappingStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def remember_poll(
        self, platform: str, poll_id: str, chat_id: str, round_id: int, message_id: str | None, now: datetime
    ) -> None:
        await self._db.write(
            "INSERT INTO platform_polls (platform, poll_id, chat_id, round_id, message_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (platform, poll_id, chat_id, round_id, message_id, db_time(now)),
        )

    async def poll(self, platform: str, poll_id: str) -> PollRef | None:
        row = self._db.reader.execute(
            "SELECT chat_id, round_id, message_id FROM platform_polls WHERE platform = ? AND poll_id = ?",
            (platform, poll_id),
        ).fetchone()
        return PollRef(str(row[0]), int(row[1]), row[2]) if row else None

    async def poll_for_round(self, platform: str, round_id: int) -> PollRef | None:
        """Where a round's question was posted (the message to edit when it closes)."""
        row = self._db.reader.execute(
            "SELECT chat_id, round_id, message_id FROM platform_polls WHERE round_id = ? AND platform = ?"
            " ORDER BY created_at DESC LIMIT 1",
            (round_id, platform),
        ).fetchone()
        return PollRef(str(row[0]), int(row[1]), row[2]) if row else None

    async def token_for(self, command: str, now: datetime) -> str:
        """A short stand-in for a long command (stable: the same command gets the same token)."""
        token = TOKEN_PREFIX + hashlib.blake2s(command.encode("utf-8"), digest_size=12).hexdigest()
        if (
            self._db.reader.execute("SELECT 1 FROM button_tokens WHERE token = ?", (token,)).fetchone()
            is None
        ):
            await self._db.write(
                "INSERT INTO button_tokens (token, command, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (token, command, db_time(now)),
            )
        return token

    async def command_for(self, token: str) -> str | None:
        row = self._db.reader.execute(
            "SELECT command FROM button_tokens WHERE token = ?", (token,)
        ).fetchone()
        return str(row[0]) if row else None
