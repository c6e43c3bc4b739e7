"""Benchmark: /search and /today through the whole core vs the same SQL issued directly.

Run it with::

    python -m bench.lookup            # or: python -m bench.lookup --rounds 3000

For each command it records the SQL statements the core issues (sqlite3's trace callback on the
storage connection), then, side by side in one run, alternates a call through the core
(``App.handle``: router, chat settings, storage, i18n, event cards) with a replay of exactly those
statements on a plain ``sqlite3`` connection to the same file. It prints p50/p99 for both and their
ratio. Targets: core <= 2x the raw query, core p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import ChatKind, ChatRef, Incoming, UserRef

SEARCHES = [
    "warsaw pact",
    "varsovia",
    "cuba missiles",
    "test ban treaty",
    "khrushchev",
    "tratatul de stat austriac",
    "aswan dam",
    '"AND (NEAR*',
]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def incoming(text: str) -> Incoming:
    return Incoming(ChatRef("bench", "1"), ChatKind.PRIVATE, UserRef("bench", "1", "Bench"), text)


async def measure(
    app: App, clock: FixedClock, raw: sqlite3.Connection, cases: list[tuple[datetime, str]], rounds: int
) -> tuple[list[float], list[float]]:
    reader = app.db.reader
    statements: dict[int, list[str]] = {}
    for index, (now, text) in enumerate(cases):  # warm up, create the chat, record each case's SQL
        clock.set(now)
        await app.handle(incoming(text))
        captured: list[str] = []
        reader.set_trace_callback(captured.append)
        await app.handle(incoming(text))
        reader.set_trace_callback(None)
        statements[index] = [s for s in captured if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    core: list[float] = []
    direct: list[float] = []
    perf: Callable[[], int] = time.perf_counter_ns
    for i in range(rounds):
        index = i % len(cases)
        now, text = cases[index]
        clock.set(now)
        start = perf()
        await app.handle(incoming(text))
        core.append((perf() - start) / 1e6)
        start = perf()
        for sql in statements[index]:
            raw.execute(sql).fetchall()
        direct.append((perf() - start) / 1e6)
    return core, direct


def report(name: str, core: list[float], direct: list[float]) -> None:
    c50, c99 = percentile(core, 0.5), percentile(core, 0.99)
    r50, r99 = percentile(direct, 0.5), percentile(direct, 0.99)
    print(
        f"{name:<8} core p50 {c50:7.3f} ms  p99 {c99:7.3f} ms | raw SQL p50 {r50:7.3f} ms  p99 {r99:7.3f} ms"
        f" | ratio p50 {c50 / r50:5.2f}x  p99 {c99 / r99:5.2f}x"
        f"  (mean ratio {statistics.mean(core) / statistics.mean(direct):.2f}x)"
    )


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        clock = FixedClock(datetime(2026, 5, 14, 9, tzinfo=UTC))
        app = await App.start(path, clock=clock, seed=1)
        raw = sqlite3.connect(path, isolation_level=None)
        try:
            start_day = datetime(2026, 1, 1, 12, tzinfo=UTC)
            today_cases = [(start_day + timedelta(days=d), "/today") for d in range(365)]
            search_cases = [(clock.now(), f"/search {q}") for q in SEARCHES]
            print(
                f"{rounds} rounds per command; events: "
                f"{raw.execute('SELECT count(*) FROM events').fetchone()[0]}; {date.today()}"
            )
            for name, cases in (("/search", search_cases), ("/today", today_cases)):
                core, direct = await measure(app, clock, raw, cases, rounds)
                report(name, core, direct)
        finally:
            raw.close()
            await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2000)
    asyncio.run(main(parser.parse_args().rounds))
