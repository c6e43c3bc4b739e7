"""The quiz tables at the SQL level: answers counted once even when they arrive in one batch, and
the statements on the hot path read through indexes, never scanning a table."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FixedClock
from storage.db import Database, db_time
from storage.quiz import NewRound, QuizStore

ROUND = NewRound(None, 1, "single", "0", "year:x", "{}", 2, 4, None)


async def _open(store: QuizStore, clock: FixedClock, chat: str = "-1", deadline_s: int | None = 30) -> int:
    deadline = clock.now() + timedelta(seconds=deadline_s) if deadline_s else None
    async with store.transaction(clock.now()) as tx:
        new = NewRound(None, 1, "single", "0", "year:x", "{}", 2, 4, deadline)
        return await tx.open_round("console", chat, new)


def _row(round_id: int, user: str, clock: FixedClock) -> tuple[int, str, int, int, str, int, str]:
    return (round_id, user, 1, 0, db_time(clock.now()), 100, "2026-05-14")


async def test_a_burst_is_written_together_and_each_caller_learns_its_own_result(
    db_path: Path, clock: FixedClock
) -> None:
    db = await Database.open(db_path)
    async with db:
        store = QuizStore(db)
        round_id = await _open(store, clock)
        writer = store._answers
        statements: list[str] = []
        db._quick.set_trace_callback(statements.append)
        # 50 users, each tapping twice at once: exactly one of each pair counts.
        results = await asyncio.gather(
            *(writer.record(_row(round_id, f"u{i % 50}", clock)) for i in range(100))
        )
        assert len([s for s in statements if s.startswith("INSERT")]) == 1, "one statement for the burst"
        assert sum(results) == 50
        assert results[:50] == [True] * 50 and results[50:] == [False] * 50
        count = db.reader.execute("SELECT count(*) FROM answers WHERE round_id = ?", (round_id,)).fetchone()[
            0
        ]
        assert count == 50


async def test_late_or_closed_answers_are_refused_inside_the_statement(
    db_path: Path, clock: FixedClock
) -> None:
    db = await Database.open(db_path)
    async with db:
        store = QuizStore(db)
        round_id = await _open(store, clock)
        late = clock.now() + timedelta(seconds=31)
        assert not await store.record_answer(round_id, "u1", 1, True, late, 31000, "2026-05-14")
        async with store.transaction(clock.now()) as tx:
            assert await tx.close_round(round_id)
            assert not await tx.close_round(round_id)  # a round closes once
        assert not await store.record_answer(round_id, "u2", 1, True, clock.now(), 10, "2026-05-14")


async def test_one_open_round_per_chat_is_a_database_rule(db_path: Path, clock: FixedClock) -> None:
    import sqlite3

    db = await Database.open(db_path)
    async with db:
        store = QuizStore(db)
        await _open(store, clock)
        with pytest.raises(sqlite3.IntegrityError):
            await _open(store, clock)
        await _open(store, clock, chat="-2")


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("SELECT * FROM rounds WHERE platform = ? AND chat_id = ? AND closed_at IS NULL", ("console", "-1")),
        (
            "SELECT * FROM rounds WHERE closed_at IS NULL AND deadline IS NOT NULL AND deadline <= ?",
            ("2026-01-01",),
        ),
        ("SELECT 1 FROM answers WHERE round_id = ? AND user_id = ?", (1, "u")),
        ("SELECT * FROM answers WHERE platform = ? AND chat_id = ? AND answered_at >= ?", ("c", "-1", "")),
        (
            "SELECT DISTINCT local_day FROM answers WHERE platform = ? AND user_id = ? AND correct = 1",
            ("c", "u"),
        ),
        ("SELECT question_key FROM quiz_history WHERE platform = ? AND chat_id = ?", ("c", "-1")),
        (
            "SELECT * FROM study_cards WHERE platform = ? AND user_id = ? AND due <= ? ORDER BY due",
            ("c", "u", "x"),
        ),
        ("SELECT * FROM games WHERE platform = ? AND chat_id = ? AND state = 'running'", ("c", "-1")),
    ],
)
async def test_quiz_reads_use_indexes(db_path: Path, sql: str, params: tuple[object, ...]) -> None:
    db = await Database.open(db_path)
    async with db:
        plan = " | ".join(row[3] for row in db.reader.execute(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), plan


async def test_an_answer_waits_off_the_loop_when_another_process_holds_the_write_lock(
    db_path: Path, clock: FixedClock
) -> None:
    """The inline answer path never waits for a lock: it hands the statement to the writer's thread."""
    import sqlite3

    db = await Database.open(db_path)
    async with db:
        store = QuizStore(db)
        round_id = await _open(store, clock, deadline_s=None)
        other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # e.g. `coldwar-bot tick` from cron, mid-transaction
        asyncio.get_running_loop().call_later(0.2, other.execute, "COMMIT")
        ticks = 0

        async def count_ticks() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        counter = asyncio.create_task(count_ticks())
        assert await store.record_answer(round_id, "u1", 1, True, clock.now(), 10, "2026-05-14")
        counter.cancel()
        assert ticks >= 5, "the event loop kept running while the answer waited for the lock"
        other.close()
