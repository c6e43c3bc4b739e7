"""Checkpoints happen beside the writes, never inside them: a commit only appends to the log, and
the checkpointer copies the log into the database file shortly after, on its own thread."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from storage.db import Database

BIG = "x" * 4000
"""A value that takes a page of its own, so a few thousand rows make a log of thousands of pages."""


async def write_pages(db: Database, rows: int, prefix: str = "k") -> None:
    async with db.transaction() as conn:
        rows_ = [(f"{prefix}{i}", BIG) for i in range(rows)]
        await conn.executemany("INSERT INTO content_meta (key, value) VALUES (?, ?)", rows_)


async def test_a_big_commit_leaves_the_copy_to_the_checkpointer(db_path: Path) -> None:
    db = await Database.open(db_path, checkpoint_after=3600)  # never on its own during this test
    async with db:
        before = db_path.stat().st_size
        await write_pages(db, 1500)  # SQLite's own automatic checkpoint would run at 1,000 pages
        assert db_path.stat().st_size == before, "the commit copied the log into the database file"
        count = "SELECT count(*) FROM content_meta WHERE key LIKE 'k%'"
        assert db.reader.execute(count).fetchone() == (1500,)
        busy, logged, copied = await db.checkpoint()
        assert busy == 0 and logged >= 1500 and copied == logged
        assert db_path.stat().st_size >= before + 1500 * 4000


async def test_a_write_is_followed_by_a_checkpoint_without_asking(db_path: Path) -> None:
    db = await Database.open(db_path, checkpoint_after=0.01)
    async with db:
        before = db_path.stat().st_size
        await write_pages(db, 300)
        async with asyncio.timeout(10):
            while db_path.stat().st_size < before + 300 * 4000:
                await asyncio.sleep(0.01)
        await db.quick_write("INSERT INTO content_meta (key, value) VALUES ('quick', ?)", (BIG,))
        async with asyncio.timeout(10):
            while db_path.stat().st_size < before + 301 * 4000:
                await asyncio.sleep(0.01)


async def test_closing_with_a_checkpoint_pending_keeps_every_write(db_path: Path) -> None:
    db = await Database.open(db_path, checkpoint_after=3600)
    await write_pages(db, 50)
    await db.close()
    assert not Path(f"{db_path}-wal").exists(), "the last connection to close checkpoints and removes the log"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM content_meta WHERE key LIKE 'k%'").fetchone() == (50,)
    conn.close()


async def test_a_checkpoint_asked_for_while_one_runs_copies_the_later_commit_too(db_path: Path) -> None:
    db = await Database.open(db_path, checkpoint_after=3600)
    async with db:
        await write_pages(db, 200, "a")
        first = asyncio.ensure_future(db.checkpoint())
        await write_pages(db, 200, "b")
        busy, logged, copied = await db.checkpoint()
        await first
        assert busy == 0 and copied == logged >= 400


async def test_a_process_that_dies_before_the_checkpoint_loses_nothing(db_path: Path) -> None:
    """Committed but never copied: the log is replayed by the next connection to open the file."""
    db = await Database.open(db_path, checkpoint_after=3600)
    await write_pages(db, 100)
    assert Path(f"{db_path}-wal").stat().st_size > 100 * 4000
    with sqlite3.connect(db_path) as other:  # as a new process would, with this one still holding the log
        assert other.execute("SELECT count(*) FROM content_meta WHERE key LIKE 'k%'").fetchone() == (100,)
    other.close()
    await db.close()
