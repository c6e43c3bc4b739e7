"""Benchmark: quiz answers per second through the whole core vs raw inserts into the same table.

Run it with::

    python -m bench.answers            # or: python -m bench.answers --answers 1000 --rounds 10

A group chat gets a question (``/question``) and then ``--answers`` distinct users each send
``/answer 2`` through ``App.handle`` (router, chat settings, user record, quiz engine, the
``INSERT … SELECT`` of ``QuizStore.record_answer`` on the aiosqlite writer). Every user has spoken
before the clock starts, so the timed path is the steady state. Each round measures, side by side
in one run:

* core sequential: the answers one after another, each awaited;
* core concurrent: all of them at once with ``asyncio.gather``, as a busy group would send them;
* raw SQL sequential: the same rows, with the same ``INSERT … SELECT … ON CONFLICT DO NOTHING``,
  one autocommit transaction each, on a plain ``sqlite3`` connection to a copy of the database
  (WAL, synchronous=NORMAL, foreign keys on, as ``storage.db`` opens it).

A round is checked after it runs: the ``answers`` table must hold exactly ``--answers`` rows for
it, so rejected answers can never pass for fast ones. Target: >= 2,000 answers/s through the core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import ChatKind, ChatRef, Incoming, QuizPrompt, UserRef

TARGET = 2000.0
"""Answers per second through the core, on a 2-core machine."""
CHAT = ChatRef("bench", "-100")
ASKER = UserRef("bench", "0", "Asker")
_ROUND_COPY = (
    "platform, chat_id, game_id, number, mode, asker_id, question_key, question, answer, choices,"
    " opened_at, deadline"
)
_RAW_INSERT = (  # storage.quiz.QuizStore.record_answer, statement for statement
    "INSERT INTO answers (round_id, user_id, platform, chat_id, choice, correct, answered_at,"
    " elapsed_ms, local_day) SELECT id, ?, platform, chat_id, ?, ?, ?, ?, ? FROM rounds"
    " WHERE id = ? AND closed_at IS NULL AND (deadline IS NULL OR deadline >= ?)"
    " ON CONFLICT DO NOTHING"
)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def incoming(user: UserRef, text: str) -> Incoming:
    return Incoming(CHAT, ChatKind.GROUP, user, text)


@dataclass
class Measured:
    """One measured path: total answers, total seconds, and per-answer latencies (sequential)."""

    name: str
    answers: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0


class Bench:
    def __init__(
        self, app: App, clock: FixedClock, check: sqlite3.Connection, raw: sqlite3.Connection
    ) -> None:
        self.app = app
        self.clock = clock
        self.check = check
        self.raw = raw

    async def open_question(self) -> int:
        replies = await self.app.handle(incoming(ASKER, "/question"))
        prompts = [b for r in replies for b in r.blocks if isinstance(b, QuizPrompt)]
        if len(prompts) != 1:
            raise RuntimeError(f"/question did not open a question: {replies!r}")
        return prompts[0].round_id

    async def close_question(self, round_id: int) -> None:
        chat = await self.app.services.chats.get(CHAT.platform, CHAT.chat_id)
        assert chat is not None
        self.clock.advance(timedelta(seconds=chat.quiz_seconds + 1))
        await self.app.tick()
        closed = self.check.execute("SELECT closed_at FROM rounds WHERE id = ?", (round_id,)).fetchone()
        if closed is None or closed[0] is None:
            raise RuntimeError(f"round {round_id} is still open after the deadline and a tick")

    def verify(self, conn: sqlite3.Connection, round_id: int, expected: int, what: str) -> None:
        rows = conn.execute("SELECT count(*) FROM answers WHERE round_id = ?", (round_id,)).fetchone()[0]
        if rows != expected:
            raise RuntimeError(f"{what}: round {round_id} has {rows} answers, expected {expected}")

    async def core_sequential(self, messages: list[Incoming], into: Measured) -> int:
        round_id = await self.open_question()
        perf: Callable[[], int] = time.perf_counter_ns
        handle = self.app.handle
        latencies = into.latencies
        total = perf()
        for message in messages:
            start = perf()
            await handle(message)
            latencies.append((perf() - start) / 1e6)
        into.seconds += (perf() - total) / 1e9
        into.answers += len(messages)
        self.verify(self.check, round_id, len(messages), into.name)
        await self.close_question(round_id)
        return round_id

    async def core_concurrent(self, messages: list[Incoming], into: Measured) -> int:
        round_id = await self.open_question()
        handle = self.app.handle
        start = time.perf_counter_ns()
        await asyncio.gather(*(handle(m) for m in messages))
        into.seconds += (time.perf_counter_ns() - start) / 1e9
        into.answers += len(messages)
        self.verify(self.check, round_id, len(messages), into.name)
        await self.close_question(round_id)
        return round_id

    def raw_sequential(self, like_round: int, into: Measured) -> None:
        """Replay the rows the core stored for ``like_round`` into a fresh open round of the copy."""
        round_row = self.check.execute(
            f"SELECT {_ROUND_COPY} FROM rounds WHERE id = ?", (like_round,)
        ).fetchone()
        cursor = self.raw.execute(
            f"INSERT INTO rounds ({_ROUND_COPY}) VALUES ({', '.join('?' * len(round_row))})", round_row
        )
        round_id = cursor.lastrowid
        assert round_id is not None
        rows = self.check.execute(
            "SELECT user_id, choice, correct, answered_at, elapsed_ms, local_day FROM answers"
            " WHERE round_id = ? ORDER BY rowid",
            (like_round,),
        ).fetchall()
        params = [(u, c, ok, at, ms, day, round_id, at) for u, c, ok, at, ms, day in rows]
        perf: Callable[[], int] = time.perf_counter_ns
        execute = self.raw.execute
        latencies = into.latencies
        total = perf()
        for p in params:
            start = perf()
            execute(_RAW_INSERT, p)
            latencies.append((perf() - start) / 1e6)
        into.seconds += (perf() - total) / 1e9
        into.answers += len(params)
        self.verify(self.raw, round_id, len(params), into.name)
        self.raw.execute("UPDATE rounds SET closed_at = opened_at WHERE id = ?", (round_id,))


def report(seq: Measured, conc: Measured, raw: Measured) -> None:
    def ms(samples: list[float], q: float) -> str:
        return f"{percentile(samples, q):8.3f}" if samples else f"{'-':>8}"

    print(f"{'path':<20} {'answers/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'raw/core':>9}")
    for path in (seq, conc, raw):
        ratio = f"{raw.rate / path.rate:8.2f}x" if path is not raw else f"{'-':>9}"
        print(
            f"{path.name:<20} {path.rate:10,.0f} {ms(path.latencies, 0.5)} {ms(path.latencies, 0.99)} {ratio}"
        )
    verdicts = ", ".join(
        f"{p.name.removeprefix('core ')} {p.rate:,.0f}/s {'MET' if p.rate >= TARGET else 'NOT MET'}"
        for p in (seq, conc)
    )
    print(f"target: >= {TARGET:,.0f} answers/s through the core on a 2-core machine: {verdicts}")


async def main(answers: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        clock = FixedClock(datetime(2026, 5, 14, 9, tzinfo=UTC))
        app = await App.start(path, clock=clock, seed=1)
        check = sqlite3.connect(path, isolation_level=None)
        raw: sqlite3.Connection | None = None
        try:
            players = [UserRef("bench", str(i), f"Player {i}") for i in range(1, answers + 1)]
            for user in [ASKER, *players]:  # create the chat and every user before timing
                await app.handle(incoming(user, "/help"))
            messages = [incoming(user, "/answer 2") for user in players]

            copy = Path(tmp) / "raw.sqlite3"
            with sqlite3.connect(copy) as target:
                check.backup(target)
            target.close()
            raw = sqlite3.connect(copy, isolation_level=None)
            mode = raw.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                raise RuntimeError(f"the copy is in {mode} mode, not WAL")
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA foreign_keys=ON")

            bench = Bench(app, clock, check, raw)
            like = await bench.core_sequential(messages, Measured("warm-up"))  # first-call costs
            bench.raw_sequential(like, Measured("warm-up raw"))

            print(
                f"{answers} answers x {rounds} rounds per path (+1 warm-up round); {os.cpu_count()} CPUs;"
                f" Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; {date.today()}"
            )
            seq, conc = Measured("core sequential"), Measured("core concurrent")
            direct = Measured("raw SQL sequential")
            for _ in range(rounds):
                like = await bench.core_sequential(messages, seq)
                await bench.core_concurrent(messages, conc)
                bench.raw_sequential(like, direct)
            report(seq, conc, direct)
        finally:
            if raw is not None:
                raw.close()
            check.close()
            await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=500, help="distinct users answering each question")
    parser.add_argument("--rounds", type=int, default=5, help="questions per path")
    args = parser.parse_args()
    if args.answers < 1 or args.rounds < 1:
        parser.error("--answers and --rounds must be at least 1")
    asyncio.run(main(args.answers, args.rounds))
