"""Study decks: one py-fsrs card per (learner, question), its due time copied into an indexed column
so "what is due" is a range read, and every review logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, db_time


@dataclass(frozen=True, slots=True)
class StudyCard:
    question_key: str
    card: str
    """``fsrs.Card.to_json()``."""
    due: datetime


class StudyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, platform: str, user_id: str, cards: list[tuple[str, str]], now: datetime, added_by: str
    ) -> int:
        """Add (question key, card JSON) pairs due now; returns how many were new to the deck."""
        stamp = db_time(now)
        async with self._db.transaction() as conn:
            before = conn.total_changes
            await conn.executemany(
                "INSERT INTO study_cards (platform, user_id, question_key, card, due, added_at, added_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(platform, user_id, key, card, stamp, stamp, added_by) for key, card in cards],
            )
            return conn.total_changes - before

    async def next_due(self, platform: str, user_id: str, now: datetime) -> StudyCard | None:
        """The card due longest ago, if any is due."""
        row = self._db.reader.execute(
            "SELECT question_key, card, due FROM study_cards WHERE platform = ? AND user_id = ? AND due <= ?"
            " ORDER BY due, question_key LIMIT 1",
            (platform, user_id, db_time(now)),
        ).fetchone()
        return StudyCard(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    async def card(self, platform: str, user_id: str, question_key: str) -> StudyCard | None:
        row = self._db.reader.execute(
            "SELECT question_key, card, due FROM study_cards WHERE platform = ? AND user_id = ?"
            " AND question_key = ?",
            (platform, user_id, question_key),
        ).fetchone()
        return StudyCard(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    async def count_due(self, platform: str, user_id: str, until: datetime) -> int:
        row = self._db.reader.execute(
            "SELECT count(*) FROM study_cards WHERE platform = ? AND user_id = ? AND due <= ?",
            (platform, user_id, db_time(until)),
        ).fetchone()
        return int(row[0])

    async def earliest_due(self, platform: str, user_id: str) -> datetime | None:
        row = self._db.reader.execute(
            "SELECT min(due) FROM study_cards WHERE platform = ? AND user_id = ?", (platform, user_id)
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def size(self, platform: str, user_id: str) -> int:
        row = self._db.reader.execute(
            "SELECT count(*) FROM study_cards WHERE platform = ? AND user_id = ?", (platform, user_id)
        ).fetchone()
        return int(row[0])

    async def review(
        self,
        platform: str,
        user_id: str,
        question_key: str,
        card: str,
        due: datetime,
        rating: int,
        review_log: str,
        now: datetime,
    ) -> None:
        """Save a card's new state and log the review, together."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE study_cards SET card = ?, due = ?"
                " WHERE platform = ? AND user_id = ? AND question_key = ?",
                (card, db_time(due), platform, user_id, question_key),
            )
            await conn.execute(
                "INSERT INTO study_reviews (platform, user_id, question_key, rating, reviewed_at, review_log)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (platform, user_id, question_key, rating, db_time(now), review_log),
            )

    async def remove(self, platform: str, user_id: str, question_key: str) -> None:
        """Drop a card whose question the content no longer has."""
        await self._db.write(
            "DELETE FROM study_cards WHERE platform = ? AND user_id = ? AND question_key = ?",
            (platform, user_id, question_key),
        )

    async def save_progress(
        self, platform: str, user_id: str, lesson_id: str, card: int, now: datetime
    ) -> None:
        await self._db.write(
            "INSERT INTO lesson_progress (platform, user_id, lesson_id, card, updated_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO UPDATE SET card = excluded.card, updated_at = excluded.updated_at",
            (platform, user_id, lesson_id, card, db_time(now)),
        )

    async def last_lesson(self, platform: str, user_id: str) -> tuple[str, int] | None:
        """The lesson a learner looked at last, and at which card (1-based)."""
        row = self._db.reader.execute(
            "SELECT lesson_id, card FROM lesson_progress WHERE platform = ? AND user_id = ?"
            " ORDER BY updated_at DESC, lesson_id LIMIT 1",
            (platform, user_id),
        ).fetchone()
        return (str(row[0]), int(row[1])) if row else None

    async def lesson_card(self, platform: str, user_id: str, lesson_id: str) -> int | None:
        row = self._db.reader.execute(
            "SELECT card FROM lesson_progress WHERE platform = ? AND user_id = ? AND lesson_id = ?",
            (platform, user_id, lesson_id),
        ).fetchone()
        return int(row[0]) if row else None
