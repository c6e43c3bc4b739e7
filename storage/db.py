"""Connections and migrations.

Four connections to the same file, on purpose:

* **writer** — an ``aiosqlite`` connection in autocommit mode. Writes can wait on locks and on the
  disk, so they run on aiosqlite's thread and never stall the event loop. Every write goes through
  :meth:`Database.write` (one statement, its own transaction: one thread hop) or
  :meth:`Database.transaction` (several statements, all or nothing). Both hold one lock, because
  coroutines share the connection: without it, a statement from one coroutine could land inside
  another's open transaction and be rolled back with it.
* **quick** — a plain ``sqlite3`` connection for the one write on the hot path, a quiz answer: it
  runs inline, never waits for a lock and never checkpoints (see :meth:`Database.quick_write`).
* **checkpointer** — copies the log into the database file shortly after writes, on a thread of its
  own, so no write ever waits for a checkpoint (see "checkpoints" in :class:`Database`).
* **reader** — a plain ``sqlite3`` connection used inline on the event loop for short point reads
  (an event by id, one day's events, a chat's settings, a search over a few thousand rows). Those take
  microseconds from the page cache, while a hop to aiosqlite's thread and back costs tens of them; in
  WAL mode readers never block on the writer and see each committed write at their next statement.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


def db_time(at: datetime) -> str:
    """How instants are stored: UTC text to the second, so stored values sort and compare as time."""
    if at.tzinfo is None:
        raise ValueError("storage needs timezone-aware datetimes")
    return at.astimezone(UTC).isoformat(timespec="seconds")


def db_seconds(at: datetime) -> int:
    """How the subscriptions table stores instants (see migration 008): Unix seconds, to the
    second like :func:`db_time`, in a fifth of the space."""
    if at.tzinfo is None:
        raise ValueError("storage needs timezone-aware datetimes")
    return int(at.timestamp())


def from_seconds(seconds: object) -> datetime:
    """An instant stored by :func:`db_seconds`, back as an aware UTC datetime."""
    if not isinstance(seconds, int):
        raise TypeError(f"not Unix seconds: {seconds!r}")
    return datetime.fromtimestamp(seconds, UTC)


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer version of the bot; refusing to touch it."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    found: list[Migration] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, … without gaps; found {versions}")
    return found


def latest_version() -> int:
    return len(migrations())


async def schema_version(conn: aiosqlite.Connection) -> int:
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    rows = list(await conn.execute_fetchall("SELECT version FROM schema_version"))
    if not rows:
        await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        await conn.commit()
        return 0
    return int(rows[0][0])


async def migrate(conn: aiosqlite.Connection, target: int | None = None) -> int:
    """Apply pending migrations up to ``target`` (default: all), each in its own transaction."""
    available = migrations()
    target = len(available) if target is None else target
    current = await schema_version(conn)
    if current > len(available):
        raise SchemaTooNew(
            f"the database is at schema version {current}, newer than this bot knows ({len(available)})"
        )
    for migration in available[current:target]:
        log.info("applying migration %s", migration.name)
        script = (
            f"BEGIN;\n{migration.sql}\n;UPDATE schema_version SET version = {migration.version};\nCOMMIT;"
        )
        try:
            await conn.executescript(script)
        except sqlite3.Error:
            await conn.rollback()
            raise
    return await schema_version(conn)


CHECKPOINT_AFTER = 10.0
"""Seconds from a write to the checkpoint that follows it: a burst of writes shares one, and a steady
stream (a digest fan-out logs 30 deliveries a second) checkpoints about as often as SQLite's own
1,000-page threshold would, rather than paying a checkpoint's fixed cost every second."""


def _log_checkpoint_failure(done: asyncio.Future[tuple[int, int, int]]) -> None:
    """A checkpoint that fails (another process holds the file) is retried after the next write."""
    if not done.cancelled() and done.exception() is not None:
        log.warning("checkpoint failed: %s", done.exception())


class Database:
    """The bot's one database file."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: sqlite3.Connection,
        quick: sqlite3.Connection,
        checkpointer: sqlite3.Connection,
        *,
        checkpoint_after: float = CHECKPOINT_AFTER,
    ) -> None:
        self.path = path
        self.writer = writer
        self.reader = reader
        self._quick = quick
        self._lock = asyncio.Lock()
        self._checkpointer = checkpointer
        self._checkpoint_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        self._checkpoint_after = checkpoint_after
        self._checkpoint_due: asyncio.TimerHandle | None = None
        self._checkpointing: asyncio.Future[tuple[int, int, int]] | None = None
        self._closed = False

    # ---- checkpoints ---------------------------------------------------------------------------
    #
    # With WAL a commit appends to the log; a checkpoint copies the log into the database file and
    # syncs it. SQLite's automatic checkpoint runs inside the commit that crosses its threshold,
    # holding the write lock meanwhile, so an unlucky quiz answer would wait for the copy of
    # everything written before it (a bulk subscribe's commit spent most of its time there). Here no
    # connection checkpoints on commit; a write schedules a PASSIVE checkpoint shortly after, on a
    # thread and connection of its own, which waits for no reader or writer and is waited for by
    # none. A crash loses nothing: committed frames are in the log, and the next open replays them.

    def _wrote(self) -> None:
        if self._checkpoint_due is None and not self._closed:
            loop = asyncio.get_running_loop()
            self._checkpoint_due = loop.call_later(self._checkpoint_after, self._start_checkpoint)

    def _start_checkpoint(self) -> asyncio.Future[tuple[int, int, int]]:
        self._checkpoint_due = None
        running = self._checkpointing
        if running is None or running.done():
            running = self._checkpointing = asyncio.get_running_loop().run_in_executor(
                self._checkpoint_thread, self._checkpoint_now
            )
            running.add_done_callback(_log_checkpoint_failure)
        return running

    def _checkpoint_now(self) -> tuple[int, int, int]:
        row = self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    async def checkpoint(self) -> tuple[int, int, int]:
        """Checkpoint now rather than on schedule, and wait for it: (busy, frames in the log,
        frames copied), as ``PRAGMA wal_checkpoint`` reports them. Benchmarks time it on its own."""
        if self._checkpoint_due is not None:
            self._checkpoint_due.cancel()
        running = self._checkpointing
        if running is not None and not running.done():
            await asyncio.wait([running])  # it may have started before the last commit: run another
        return await self._start_checkpoint()

    async def write(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one statement as its own transaction; returns how many rows it changed."""
        async with self._lock:
            cursor = await self.writer.execute(sql, params)
            self._wrote()
            return int(cursor.rowcount)

    async def quick_write(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """One small statement run inline on the event loop, for the hot path (quiz answers).

        The thread hop to aiosqlite costs about twice what the insert itself does, so short appends
        run on a third connection that never waits: it has no busy timeout (if another process holds
        the write lock, the statement goes to the writer's thread, which may wait) and never
        checkpoints (no connection does on commit: see "checkpoints" above). With WAL and synchronous=NORMAL a
        commit appends to the log without an fsync. Holds the same lock as every other write, so it
        never lands inside another coroutine's transaction. Returns the rows of a ``RETURNING``
        clause, else the number of rows changed as ``[(n,)]``."""
        async with self._lock:
            try:
                cursor = self._quick.execute(sql, params)
                rows = [tuple(r) for r in cursor.fetchall()]
                self._wrote()
                return rows if cursor.description else [(cursor.rowcount,)]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            slow = await self.writer.execute(sql, params)
            found = [tuple(r) for r in await slow.fetchall()]
            self._wrote()
            return found if slow.description else [(slow.rowcount,)]

    async def insert(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one INSERT as its own transaction; returns the new row's id."""
        async with self._lock:
            cursor = await self.writer.execute(sql, params)
            self._wrote()
            assert cursor.lastrowid is not None
            return int(cursor.lastrowid)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Several statements, committed together or not at all. Keep the body short: every other
        write waits for it."""
        async with self._lock:
            try:
                # Inside the try: a cancellation may land after BEGIN has already run on the
                # writer's thread, and the transaction must not be left open.
                await self.writer.execute("BEGIN IMMEDIATE")
                yield self.writer
                await self.writer.execute("COMMIT")
                self._wrote()
            except BaseException:
                await self.writer.rollback()
                raise

    @classmethod
    async def open(
        cls, path: Path | str, *, migrate_to: int | None = None, checkpoint_after: float = CHECKPOINT_AFTER
    ) -> Database:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await aiosqlite.connect(path, isolation_level=None)
        try:
            await writer.execute("PRAGMA journal_mode=WAL")
            await writer.execute("PRAGMA foreign_keys=ON")
            await writer.execute("PRAGMA synchronous=NORMAL")
            await writer.execute("PRAGMA busy_timeout=5000")
            await migrate(writer, migrate_to)
            await writer.execute("PRAGMA wal_autocheckpoint=0")  # see "checkpoints" in Database
        except BaseException:
            await writer.close()
            raise
        reader = sqlite3.connect(path, isolation_level=None)
        reader.execute("PRAGMA query_only=ON")
        reader.execute("PRAGMA busy_timeout=1000")
        quick = sqlite3.connect(path, isolation_level=None)
        quick.execute("PRAGMA foreign_keys=ON")
        quick.execute("PRAGMA synchronous=NORMAL")
        quick.execute("PRAGMA busy_timeout=0")
        quick.execute("PRAGMA wal_autocheckpoint=0")
        checkpointer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        checkpointer.execute("PRAGMA synchronous=NORMAL")
        checkpointer.execute("PRAGMA busy_timeout=0")
        return cls(path, writer, reader, quick, checkpointer, checkpoint_after=checkpoint_after)

    async def close(self) -> None:
        """Close every connection; the last to close checkpoints what is left and removes the log."""
        self._closed = True
        if self._checkpoint_due is not None:
            self._checkpoint_due.cancel()
            self._checkpoint_due = None
        if self._checkpointing is not None:
            await asyncio.wait([self._checkpointing])
        self._checkpoint_thread.shutdown()
        self._checkpointer.close()
        self.reader.close()
        self._quick.close()
        await self.writer.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
