"""Mistakes users report in events and questions, kept for the maintainer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, db_time


@dataclass(frozen=True, slots=True)
class Report:
    id: int
    target_kind: str
    target_id: str
    text: str
    platform: str
    chat_id: str
    user_id: str
    user_name: str
    created_at: str
    closed_at: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


_COLUMNS = "id, target_kind, target_id, text, platform, chat_id, user_id, user_name, created_at, closed_at"


class ReportStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        *,
        target_kind: str,
        target_id: str,
        text: str,
        platform: str,
        chat_id: str,
        user_id: str,
        user_name: str,
        now: datetime,
    ) -> int:
        return await self._db.insert(
            "INSERT INTO reports (target_kind, target_id, text, platform, chat_id, user_id, user_name,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (target_kind, target_id, text, platform, chat_id, user_id, user_name, db_time(now)),
        )

    async def list(self, *, open_only: bool = False) -> list[Report]:
        where = " WHERE closed_at IS NULL" if open_only else ""
        rows = self._db.reader.execute(f"SELECT {_COLUMNS} FROM reports{where} ORDER BY id").fetchall()
        return [Report(*row) for row in rows]

    async def close(self, report_id: int, now: datetime) -> bool:
        """Close an open report; false when there is no such open report."""
        changed = await self._db.write(
            "UPDATE reports SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (db_time(now), report_id)
        )
        return changed == 1

    async def count_since(self, platform: str, user_id: str, since: datetime) -> int:
        row = self._db.reader.execute(
            "SELECT count(*) FROM reports WHERE platform = ? AND user_id = ? AND created_at >= ?",
            (platform, user_id, db_time(since)),
        ).fetchone()
        return int(row[0])
