"""Games, rounds (asked questions), answers and the per-chat question history.

The answer path is one ``INSERT … SELECT`` that only succeeds while the round is open, with the
(round, user) primary key deciding "first answer counts": exactly once under any concurrency, in
one short transaction, through indexes only. Answers arriving together share that statement (see
:class:`AnswerWriter`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from storage.db import Database, db_time

_GAME_COLUMNS = "id, platform, chat_id, starter_id, filter, length, answer_seconds, asked, silent, state"
_ROUND_COLUMNS = (
    "id, platform, chat_id, game_id, number, mode, asker_id, question_key, question, answer, choices,"
    " opened_at, deadline, closed_at"
)


@dataclass(frozen=True, slots=True)
class Game:
    id: int
    platform: str
    chat_id: str
    starter_id: str
    filter: str
    length: int
    answer_seconds: int
    asked: int
    silent: int
    state: str


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    platform: str
    chat_id: str
    game_id: int | None
    number: int
    mode: str
    """``game``, ``single`` or ``study``."""
    asker_id: str
    question_key: str
    question: str
    """The question as asked, in both languages (JSON)."""
    answer: int
    choices: int
    opened_at: datetime
    deadline: datetime | None
    closed_at: str | None


@dataclass(frozen=True, slots=True)
class NewRound:
    game_id: int | None
    number: int
    mode: str
    asker_id: str
    question_key: str
    question: str
    answer: int
    choices: int
    deadline: datetime | None


@dataclass(frozen=True, slots=True)
class AnswerRow:
    user_id: str
    name: str
    choice: int
    correct: bool
    elapsed_ms: int


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: str
    name: str
    points: int
    answered: int
    total_ms: int


def _game(row: tuple[object, ...]) -> Game:
    return Game(*row)  # type: ignore[arg-type]


def _round(row: tuple[object, ...]) -> Round:
    values = list(row)
    values[11] = datetime.fromisoformat(str(values[11]))
    values[12] = datetime.fromisoformat(str(values[12])) if values[12] is not None else None
    return Round(*values)  # type: ignore[arg-type]


_ANSWERS_SQL = (
    "SELECT a.user_id, COALESCE(NULLIF(u.display_name, ''), a.user_id), a.choice, a.correct, a.elapsed_ms"
    " FROM answers a LEFT JOIN users u ON u.platform = a.platform AND u.user_id = a.user_id"
    " WHERE a.round_id = ? ORDER BY a.elapsed_ms, a.user_id"
)


def _answers(rows: Iterable[tuple[object, ...]]) -> list[AnswerRow]:
    return [AnswerRow(str(r[0]), str(r[1]), int(r[2]), bool(r[3]), int(r[4])) for r in rows]  # type: ignore[call-overload]


class QuizTx:
    """The writes of one step of a game, applied together (see :meth:`QuizStore.transaction`)."""

    def __init__(self, conn: aiosqlite.Connection, now: datetime) -> None:
        self._conn = conn
        self._now = db_time(now)
        # Answer times are measured from here, so keep the milliseconds (ties are broken by time).
        self._now_ms = now.astimezone(UTC).isoformat(timespec="milliseconds")

    async def create_game(
        self, platform: str, chat_id: str, starter_id: str, filter_: str, length: int, answer_seconds: int
    ) -> int:
        cursor = await self._conn.execute(
            "INSERT INTO games (platform, chat_id, starter_id, filter, length, answer_seconds, started_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (platform, chat_id, starter_id, filter_, length, answer_seconds, self._now),
        )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    async def open_round(self, platform: str, chat_id: str, new: NewRound, forget: Iterable[str] = ()) -> int:
        """Open a round and note its question in the chat's history. ``forget`` empties the history
        of a filter's pool once every question in it has been asked."""
        forget = list(forget)
        if forget:
            await self._conn.executemany(
                "DELETE FROM quiz_history WHERE platform = ? AND chat_id = ? AND question_key = ?",
                [(platform, chat_id, key) for key in forget],
            )
        cursor = await self._conn.execute(
            "INSERT INTO rounds (platform, chat_id, game_id, number, mode, asker_id, question_key, question,"
            " answer, choices, opened_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                platform,
                chat_id,
                new.game_id,
                new.number,
                new.mode,
                new.asker_id,
                new.question_key,
                new.question,
                new.answer,
                new.choices,
                self._now_ms,
                db_time(new.deadline) if new.deadline else None,
            ),
        )
        if new.mode != "study":
            await self._conn.execute(
                "INSERT INTO quiz_history (platform, chat_id, question_key, asked_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO UPDATE SET asked_at = excluded.asked_at",
                (platform, chat_id, new.question_key, self._now),
            )
        assert cursor.lastrowid is not None
        return int(cursor.lastrowid)

    async def close_round(self, round_id: int) -> bool:
        """Close an open round; false when it was closed already (by a timer, /stop or a restart)."""
        cursor = await self._conn.execute(
            "UPDATE rounds SET closed_at = ? WHERE id = ? AND closed_at IS NULL", (self._now, round_id)
        )
        return cursor.rowcount == 1

    async def answers(self, round_id: int) -> list[AnswerRow]:
        return _answers(await self._conn.execute_fetchall(_ANSWERS_SQL, (round_id,)))  # type: ignore[arg-type]

    async def update_game(self, game_id: int, *, asked: int, silent: int, state: str = "running") -> None:
        await self._conn.execute(
            "UPDATE games SET asked = ?, silent = ?, state = ?, ended_at = ? WHERE id = ?",
            (asked, silent, state, None if state == "running" else self._now, game_id),
        )

    async def add_study_cards(
        self, platform: str, user_ids: Iterable[str], question_key: str, card_json: str, added_by: str
    ) -> None:
        """Add a question to learners' decks, due now; a card already there keeps its schedule."""
        await self._conn.executemany(
            "INSERT INTO study_cards (platform, user_id, question_key, card, due, added_at, added_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(platform, u, question_key, card_json, self._now, self._now, added_by) for u in user_ids],
        )


class QuizStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._answers = AnswerWriter(db)

    @asynccontextmanager
    async def transaction(self, now: datetime) -> AsyncIterator[QuizTx]:
        async with self._db.transaction() as conn:
            yield QuizTx(conn, now)

    # ---- reads (inline, see storage.db) ---------------------------------------------------

    async def running_game(self, platform: str, chat_id: str) -> Game | None:
        row = self._db.reader.execute(
            f"SELECT {_GAME_COLUMNS} FROM games WHERE platform = ? AND chat_id = ? AND state = 'running'",
            (platform, chat_id),
        ).fetchone()
        return _game(row) if row else None

    async def game(self, game_id: int) -> Game | None:
        row = self._db.reader.execute(
            f"SELECT {_GAME_COLUMNS} FROM games WHERE id = ?", (game_id,)
        ).fetchone()
        return _game(row) if row else None

    async def open_round(self, platform: str, chat_id: str) -> Round | None:
        row = self._db.reader.execute(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE platform = ? AND chat_id = ? AND closed_at IS NULL",
            (platform, chat_id),
        ).fetchone()
        return _round(row) if row else None

    async def round(self, round_id: int) -> Round | None:
        row = self._db.reader.execute(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE id = ?", (round_id,)
        ).fetchone()
        return _round(row) if row else None

    async def due_rounds(
        self,
        now: datetime,
        platform: str | None = None,
        chat_id: str | None = None,
        *,
        platforms: Collection[str] | None = None,
    ) -> list[Round]:
        """Open rounds whose time is up, oldest deadline first: an index range read."""
        rows = self._db.reader.execute(
            f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE closed_at IS NULL AND deadline IS NOT NULL"
            " AND deadline <= ? ORDER BY deadline, id",
            (db_time(now),),
        ).fetchall()
        found = [_round(r) for r in rows]
        if platform is not None:
            found = [r for r in found if r.platform == platform and (chat_id is None or r.chat_id == chat_id)]
        if platforms is not None:
            found = [r for r in found if r.platform in platforms]
        return found

    async def next_deadline(
        self,
        platform: str | None = None,
        chat_id: str | None = None,
        *,
        platforms: Collection[str] | None = None,
    ) -> datetime | None:
        sql = "SELECT min(deadline) FROM rounds WHERE closed_at IS NULL AND deadline IS NOT NULL"
        params: tuple[str, ...] = ()
        if platform is not None and chat_id is not None:
            sql += " AND platform = ? AND chat_id = ?"
            params = (platform, chat_id)
        elif platforms is not None:
            names = sorted(platforms) or [""]
            sql += f" AND platform IN ({', '.join('?' * len(names))})"
            params = tuple(names)
        row = self._db.reader.execute(sql, params).fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def game_question_keys(self, game_id: int) -> set[str]:
        rows = self._db.reader.execute("SELECT question_key FROM rounds WHERE game_id = ?", (game_id,))
        return {r[0] for r in rows}

    async def seen_keys(self, platform: str, chat_id: str) -> set[str]:
        rows = self._db.reader.execute(
            "SELECT question_key FROM quiz_history WHERE platform = ? AND chat_id = ?", (platform, chat_id)
        )
        return {r[0] for r in rows}

    async def answers(self, round_id: int) -> list[AnswerRow]:
        return _answers(self._db.reader.execute(_ANSWERS_SQL, (round_id,)))

    async def standings(self, game_id: int) -> list[Standing]:
        """A game's players: most points first, then the least total answer time."""
        rows = self._db.reader.execute(
            "SELECT a.user_id, COALESCE(NULLIF(u.display_name, ''), a.user_id), sum(a.correct), count(*),"
            " sum(a.elapsed_ms) FROM rounds r JOIN answers a ON a.round_id = r.id"
            " LEFT JOIN users u ON u.platform = a.platform AND u.user_id = a.user_id"
            " WHERE r.game_id = ? GROUP BY a.user_id ORDER BY 3 DESC, 5, 1",
            (game_id,),
        ).fetchall()
        return [Standing(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]

    async def leaderboard(
        self, platform: str, chat_id: str, since: datetime | None, limit: int
    ) -> list[Standing]:
        rows = self._db.reader.execute(
            "SELECT a.user_id, COALESCE(NULLIF(u.display_name, ''), a.user_id), sum(a.correct), count(*),"
            " sum(a.elapsed_ms) FROM answers a"
            " LEFT JOIN users u ON u.platform = a.platform AND u.user_id = a.user_id"
            " WHERE a.platform = ? AND a.chat_id = ? AND a.answered_at >= ?"
            " GROUP BY a.user_id ORDER BY 3 DESC, 4, 5, 1 LIMIT ?",
            (platform, chat_id, db_time(since) if since else "", limit),
        ).fetchall()
        return [Standing(str(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]

    async def totals(self, platform: str, user_id: str, chat_id: str | None) -> tuple[int, int]:
        """(answered, correct) for a user in one chat, or everywhere on the platform."""
        sql = "SELECT count(*), coalesce(sum(correct), 0) FROM answers WHERE platform = ? AND user_id = ?"
        params: tuple[str, ...] = (platform, user_id)
        if chat_id is not None:
            sql += " AND chat_id = ?"
            params += (chat_id,)
        row = self._db.reader.execute(sql, params).fetchone()
        return int(row[0]), int(row[1])

    async def correct_days(self, platform: str, user_id: str, chat_id: str | None) -> list[str]:
        """The chat-local days (ISO dates) with at least one correct answer, oldest first."""
        sql = "SELECT DISTINCT local_day FROM answers WHERE platform = ? AND user_id = ?"
        params: tuple[str, ...] = (platform, user_id)
        if chat_id is not None:
            sql += " AND chat_id = ?"
            params += (chat_id,)
        rows = self._db.reader.execute(sql + " AND correct = 1 ORDER BY local_day", params)
        return [r[0] for r in rows]

    # ---- the hot path ----------------------------------------------------------------------

    async def record_answer(
        self,
        round_id: int,
        user_id: str,
        choice: int,
        correct: bool,
        now: datetime,
        elapsed_ms: int,
        local_day: str,
    ) -> bool:
        """Store a user's first answer to an open round; false if they answered already or the
        round closed in the meantime."""
        return await self._answers.record(
            (round_id, user_id, choice, int(correct), db_time(now), elapsed_ms, local_day)
        )


AnswerRowParams = tuple[int, str, int, int, str, int, str]
"""(round id, user id, choice, correct, answered at, elapsed ms, local day)."""


class AnswerWriter:
    """Group commit for answers.

    Answers that arrive while a write is in flight are inserted together by the next one: a single
    ``INSERT … SELECT … FROM (VALUES …) RETURNING`` in one transaction and one trip to the writer's
    thread, however many there are. A quiet chat pays the same as a single insert; a burst of 200
    players pays for a handful of statements. ``RETURNING`` says which rows went in, so each caller
    still learns whether its own answer counted.
    """

    MAX_BATCH = 500
    """SQLite allows 32,766 bound values per statement; 7 per answer."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[AnswerRowParams, asyncio.Future[bool]]] = []
        self._busy = False
        self._drainer: asyncio.Task[None] | None = None

    async def record(self, params: AnswerRowParams) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((params, future))
        if not self._busy:
            # Nothing in flight: this caller writes, with whatever else is waiting, and leaves later
            # arrivals to a drainer so that its own reply is not held up by them. It yields to the
            # loop once first, so answers that came in the same moment join its statement.
            self._busy = True
            try:
                await asyncio.sleep(0)
                await self._write_batch()
            finally:
                if self._pending:
                    self._drainer = asyncio.create_task(self._drain())
                else:
                    self._busy = False
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                await self._write_batch()
        finally:
            self._busy = False

    async def _write_batch(self) -> None:
        batch, self._pending = self._pending[: self.MAX_BATCH], self._pending[self.MAX_BATCH :]
        try:
            inserted = await self._insert([params for params, _ in batch])
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
            if isinstance(exc, Exception):
                return
            raise
        for params, future in batch:
            key = (params[0], params[1])
            won = key in inserted
            inserted.discard(key)  # a second tap in the same batch is not the first answer
            if not future.done():
                future.set_result(won)

    async def _insert(self, rows: list[AnswerRowParams]) -> set[tuple[int, str]]:
        if len(rows) == 1:
            (round_id, user_id, choice, correct, stamp, elapsed_ms, local_day) = rows[0]
            ((changed,),) = await self._db.quick_write(
                "INSERT INTO answers (round_id, user_id, platform, chat_id, choice, correct, answered_at,"
                " elapsed_ms, local_day) SELECT id, ?, platform, chat_id, ?, ?, ?, ?, ? FROM rounds"
                " WHERE id = ? AND closed_at IS NULL AND (deadline IS NULL OR deadline >= ?)"
                " ON CONFLICT DO NOTHING",
                (user_id, choice, correct, stamp, elapsed_ms, local_day, round_id, stamp),
            )
            return {(round_id, user_id)} if changed == 1 else set()
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(rows))
        found = await self._db.quick_write(
            "INSERT INTO answers (round_id, user_id, platform, chat_id, choice, correct, answered_at,"
            " elapsed_ms, local_day)"
            " SELECT r.id, v.column2, r.platform, r.chat_id, v.column3, v.column4, v.column5, v.column6,"
            f" v.column7 FROM (VALUES {values}) AS v JOIN rounds r ON r.id = v.column1"
            " WHERE r.closed_at IS NULL AND (r.deadline IS NULL OR r.deadline >= v.column5)"
            " ON CONFLICT DO NOTHING RETURNING round_id, user_id",
            [value for row in rows for value in row],
        )
        return {(int(r[0]), str(r[1])) for r in found}  # type: ignore[call-overload]
