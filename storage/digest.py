"""Digest subscriptions and the delivery ledger.

Selecting what is due is an index range read (``subscriptions_due``, ``digest_deliveries_retry``),
never a scan. A ledger row per (chat, local date) is claimed, together with moving the subscription
on to its next date, before anything is sent: a restart can therefore never post twice for a date,
and a claim left behind by a process that died is found and retried.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from operator import add
from typing import Any

from storage.db import Database, db_seconds, db_time, from_seconds

_SUB_COLUMNS = (
    "s.platform, s.chat_id, s.local_time, s.with_quiz, s.target, s.next_date, s.next_due, s.state,"
    " s.paused_reason, c.timezone, c.lang, c.kind, s.target_name, s.created_by"
)
_N_SUB = _SUB_COLUMNS.count(",") + 1
_SUB_FROM = "subscriptions s JOIN chats c ON c.platform = s.platform AND c.chat_id = s.chat_id"


@dataclass(frozen=True, slots=True)
class Subscription:
    platform: str
    chat_id: str
    local_time: time
    with_quiz: bool
    target: str | None
    next_date: date
    next_due: datetime
    state: str
    paused_reason: str | None
    timezone: str
    lang: str
    kind: str
    target_name: str | None = None
    """The channel's name when it was chosen (for showing; ``target`` is what is posted to)."""
    created_by: str | None = None
    """Who last subscribed: told on their next command if the digest has to be paused."""


def _sub(row: tuple[object, ...]) -> Subscription:
    return Subscription(
        platform=str(row[0]),
        chat_id=str(row[1]),
        local_time=time.fromisoformat(str(row[2])),
        with_quiz=bool(row[3]),
        target=str(row[4]) if row[4] is not None else None,
        next_date=date.fromisoformat(str(row[5])),
        next_due=from_seconds(row[6]),
        state=str(row[7]),
        paused_reason=str(row[8]) if row[8] is not None else None,
        timezone=str(row[9]),
        lang=str(row[10]),
        kind=str(row[11]),
        target_name=str(row[12]) if row[12] is not None else None,
        created_by=str(row[13]) if row[13] is not None else None,
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """A post to make: the subscription (as it is now) and the local date the post is for."""

    sub: Subscription
    local_date: date
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class BulkChunk:
    """Part of a bulk subscribe (:meth:`DigestStore.subscribe_many`): chats of one platform, each
    with the number of its schedule, and the schedules first used in this chunk. Many chats share
    one schedule (the same next post), so each is sent to SQLite once and the chats refer to it."""

    platform: str
    schedules: list[tuple[int, time, date, datetime]]
    """(number, local time, next date, next due) of each schedule not sent in an earlier chunk"""
    chat_ids: list[str]
    numbers: list[int]
    """each chat's schedule number; a chat listed twice takes the last"""


class _Members:
    """``"chat id":number`` members of a JSON object, built by ``map`` with the C string encoder
    that :func:`json.dumps` uses: cheaper than building a dict and encoding it, and SQLite's
    ``json_each`` hands the id and the number back as they are, with no parsing."""

    def __init__(self) -> None:
        self.after: dict[int, str] = {}
        """number → ``":number"``"""

    def json(self, chat_ids: list[str], numbers: list[int]) -> str:
        """The object, members in order; an id listed twice appears once, with its last number."""
        if len(set(chat_ids)) != len(chat_ids):
            last = dict(zip(chat_ids, numbers, strict=True))
            chat_ids, numbers = list(last), list(last.values())
        for n in set(numbers).difference(self.after):
            self.after[n] = f":{n}"
        members = map(add, map(encode_basestring_ascii, chat_ids), map(self.after.__getitem__, numbers))
        return "{" + ",".join(members) + "}"


async def _execute_many(conn: Any, sql: str, rows: list[Any]) -> None:
    """``executemany``, its cursor closed on the writer's thread (see the bulk subscribe)."""
    cursor = await conn.executemany(sql, rows)
    await cursor.close()


def _in(platforms: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    names = tuple(platforms)
    return ", ".join("?" * len(names)) or "NULL", names


class DigestStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- subscriptions ---------------------------------------------------------------------

    async def get(self, platform: str, chat_id: str) -> Subscription | None:
        row = self._db.reader.execute(
            f"SELECT {_SUB_COLUMNS} FROM {_SUB_FROM} WHERE s.platform = ? AND s.chat_id = ?",
            (platform, chat_id),
        ).fetchone()
        return _sub(row) if row else None

    async def subscribe(
        self,
        platform: str,
        chat_id: str,
        local_time: time,
        next_date: date,
        next_due: datetime,
        now: datetime,
        *,
        with_quiz: bool | None = None,
        target: str | None = None,
        target_name: str | None = None,
        created_by: str | None = None,
    ) -> None:
        """Create or change a subscription; it becomes active again if it was paused. A ``target``
        (another channel to post in) is kept until a new one is given."""
        quiz = 1 if with_quiz is None else int(with_quiz)
        await self._db.write(
            "INSERT INTO subscriptions (platform, chat_id, local_time, with_quiz, target, target_name,"
            " created_by, next_date, next_due, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, chat_id) DO UPDATE SET local_time = excluded.local_time,"
            f" with_quiz = {'excluded.with_quiz' if with_quiz is not None else 'with_quiz'},"
            " target = coalesce(excluded.target, target),"
            " target_name = CASE WHEN excluded.target IS NULL THEN target_name ELSE excluded.target_name END,"
            " created_by = coalesce(excluded.created_by, created_by),"
            " next_date = excluded.next_date,"
            " next_due = excluded.next_due, state = 'active', paused_reason = NULL,"
            " updated_at = excluded.updated_at",
            (
                platform,
                chat_id,
                local_time.strftime("%H:%M"),
                quiz,
                target,
                target_name,
                created_by,
                next_date.isoformat(),
                db_seconds(next_due),
                db_seconds(now),
                db_seconds(now),
            ),
        )

    async def subscribe_many(self, chunks: AsyncIterator[BulkChunk], now: datetime, count: int = 0) -> None:
        """Many subscriptions in one transaction, for imports and benchmarks. Existing ones get
        the new time and next post and become active again. ``count``, how many chats are coming,
        lets a bulk load into a table holding fewer build the due index once, sorted, at the end.

        Each chunk is one INSERT ... SELECT over a JSON object of chat id → schedule number,
        joined with the schedules kept in a temporary table, so SQLite inserts the whole chunk in
        one call, with Python's GIL released, instead of binding seven parameters per row; the
        next chunk is prepared on the event loop meanwhile."""
        stamp = db_seconds(now)
        sql = (
            "INSERT INTO subscriptions (platform, chat_id, local_time, next_date, next_due,"
            " created_at, updated_at)"
            # CROSS JOIN: the chunk in its order (the primary key's), each schedule found by number.
            " SELECT ?2, j.key, p.local_time, p.next_date, p.next_due, ?3, ?3"
            " FROM json_each(?1) j CROSS JOIN temp.bulk_schedules p ON p.id = j.value"
            " WHERE true"  # before ON CONFLICT: see "parsing ambiguity" in SQLite's upsert page
            " ON CONFLICT (platform, chat_id) DO UPDATE SET local_time = excluded.local_time,"
            " next_date = excluded.next_date, next_due = excluded.next_due, state = 'active',"
            " paused_reason = NULL, updated_at = excluded.updated_at"
        )
        members = _Members()
        hhmm = lru_cache(maxsize=None)(lambda at: at.strftime("%H:%M"))  # a few hundred times at most
        async with self._db.transaction() as conn:
            await conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS bulk_schedules (id INTEGER PRIMARY KEY,"
                " local_time TEXT NOT NULL, next_date TEXT NOT NULL, next_due INTEGER NOT NULL)"
            )
            await conn.execute("DELETE FROM temp.bulk_schedules")
            rebuild = await self._drop_due_index_for(conn, count)
            # The statements of the last two chunks at most, queued in order on the writer's one
            # thread: it goes from one chunk's insert straight to the next's while the event loop
            # prepares the one after, instead of waiting for the loop to hear that a chunk is done.
            flights: deque[list[asyncio.Future[Any]]] = deque()
            try:
                async for chunk in chunks:
                    schedules = [
                        (n, hhmm(at), day.isoformat(), db_seconds(due)) for n, at, day, due in chunk.schedules
                    ]
                    params = (members.json(chunk.chat_ids, chunk.numbers), chunk.platform, stamp)
                    while len(flights) >= 2:
                        for statement in flights.popleft():
                            await statement
                    # Every cursor is closed on the writer's thread: one dropped here instead would
                    # reset its statement, which SQLite's statement cache may meanwhile have handed
                    # to the next chunk's same statement, running on that thread.
                    flight: list[asyncio.Future[Any]] = []
                    if schedules:
                        flight.append(
                            asyncio.ensure_future(
                                _execute_many(
                                    conn, "INSERT INTO temp.bulk_schedules VALUES (?, ?, ?, ?)", schedules
                                )
                            )
                        )
                    flight.append(asyncio.ensure_future(conn.execute_fetchall(sql, params)))
                    flights.append(flight)
                    # Let the tasks hand their statements to the writer's thread now: preparing the
                    # next chunk never suspends, so without this they would only go once it is ready.
                    await asyncio.sleep(0)
                for statement in [s for flight in flights for s in flight]:
                    await statement
                if rebuild:
                    await conn.execute(rebuild)
                await conn.execute("DELETE FROM temp.bulk_schedules")
            except BaseException:
                # A chunk failed: the statements queued behind it end before the rollback.
                queued = [s for flight in flights for s in flight]
                if queued:
                    await asyncio.wait(queued)
                    for statement in queued:
                        if not statement.cancelled():
                            statement.exception()  # seen: the error to report is the first one
                raise

    @staticmethod
    async def _drop_due_index_for(conn: Any, count: int) -> str | None:
        """Drop the due index when the ``count`` rows coming outnumber those the table holds,
        returning the statement that builds it again (the migration's own, as stored): one sorted
        build over the whole table then costs less than ``count`` inserts at random places in the
        index. The drop is part of the caller's transaction, so a failure keeps the index."""
        if count == 0:
            return None
        cursor = await conn.execute("SELECT count(*) FROM (SELECT 1 FROM subscriptions LIMIT ?)", (count,))
        if (await cursor.fetchone())[0] >= count:
            return None
        cursor = await conn.execute(
            "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'subscriptions_due'"
        )
        sql = str((await cursor.fetchone())[0])
        await conn.execute("DROP INDEX subscriptions_due")
        return sql

    async def reschedule(
        self, platform: str, chat_id: str, next_date: date, next_due: datetime, now: datetime
    ) -> None:
        await self._db.write(
            "UPDATE subscriptions SET next_date = ?, next_due = ?, updated_at = ?"
            " WHERE platform = ? AND chat_id = ?",
            (next_date.isoformat(), db_seconds(next_due), db_seconds(now), platform, chat_id),
        )

    async def set_with_quiz(self, platform: str, chat_id: str, on: bool, now: datetime) -> bool:
        changed = await self._db.write(
            "UPDATE subscriptions SET with_quiz = ?, updated_at = ? WHERE platform = ? AND chat_id = ?",
            (int(on), db_seconds(now), platform, chat_id),
        )
        return changed == 1

    async def unsubscribe(self, platform: str, chat_id: str) -> bool:
        return (
            await self._db.write(
                "DELETE FROM subscriptions WHERE platform = ? AND chat_id = ?", (platform, chat_id)
            )
            == 1
        )

    async def pause(self, platform: str, chat_id: str, reason: str, now: datetime) -> None:
        """Stop posting to a chat that cannot receive (blocked, kicked, gone), saying why."""
        await self._db.write(
            "UPDATE subscriptions SET state = 'paused', paused_reason = ?, updated_at = ?"
            " WHERE platform = ? AND chat_id = ?",
            (reason[:500], db_seconds(now), platform, chat_id),
        )

    async def due(self, now: datetime, platforms: Iterable[str], limit: int) -> list[Subscription]:
        marks, names = _in(platforms)
        rows = self._db.reader.execute(
            # "+s.platform": keep the planner on subscriptions_due (a range in due order) rather than
            # the primary key's platform column, which would read every subscription and sort them.
            f"SELECT {_SUB_COLUMNS} FROM {_SUB_FROM} WHERE s.state = 'active' AND s.next_due <= ?"
            f" AND +s.platform IN ({marks}) ORDER BY s.next_due LIMIT ?",
            (db_seconds(now), *names, limit),
        ).fetchall()
        return [_sub(r) for r in rows]

    async def next_wakeup(self, platforms: Iterable[str]) -> datetime | None:
        """The earliest post or retry of these platforms."""
        marks, names = _in(platforms)
        found = []
        for sql, read in (
            (
                f"SELECT min(next_due) FROM subscriptions WHERE state = 'active' AND +platform IN ({marks})",
                from_seconds,
            ),
            (
                "SELECT min(retry_at) FROM digest_deliveries WHERE state = 'claimed' AND retry_at IS NOT NULL"
                f" AND +platform IN ({marks})",
                lambda text: datetime.fromisoformat(str(text)),
            ),
        ):
            row = self._db.reader.execute(sql, names).fetchone()
            if row and row[0] is not None:
                found.append(read(row[0]))
        return min(found) if found else None

    # ---- the ledger --------------------------------------------------------------------------

    async def delivered_dates(self, platform: str, chat_id: str, since: date) -> set[date]:
        rows = self._db.reader.execute(
            "SELECT local_date FROM digest_deliveries WHERE platform = ? AND chat_id = ? AND local_date >= ?",
            (platform, chat_id, since.isoformat()),
        )
        return {date.fromisoformat(r[0]) for r in rows}

    async def claim(self, plans: list[tuple[Subscription, date, datetime]], now: datetime) -> list[Claim]:
        """For each (subscription, its next date, its due after that): claim the ledger row of the
        subscription's current date and move it on, in one transaction. Returns the claims this
        call won; a date claimed before (a restart, a changed subscription) is not claimed twice."""
        if not plans:
            return []
        stamp = db_time(now)
        keys = [(s.platform, s.chat_id, s.next_date.isoformat()) for s, _, _ in plans]
        async with self._db.transaction() as conn:
            taken: set[tuple[str, str, str]] = set()
            for i in range(0, len(keys), 300):
                chunk = keys[i : i + 300]
                where = " OR ".join(["(platform = ? AND chat_id = ? AND local_date = ?)"] * len(chunk))
                rows = await conn.execute_fetchall(
                    f"SELECT platform, chat_id, local_date FROM digest_deliveries WHERE {where}",
                    [v for k in chunk for v in k],
                )
                taken.update((str(r[0]), str(r[1]), str(r[2])) for r in rows)
            fresh = [(s, key) for (s, _, _), key in zip(plans, keys, strict=True) if key not in taken]
            await conn.executemany(
                "INSERT INTO digest_deliveries (platform, chat_id, local_date, state, claimed_at)"
                " VALUES (?, ?, ?, 'claimed', ?)",
                [(*key, stamp) for _, key in fresh],
            )
            await conn.executemany(
                "UPDATE subscriptions SET next_date = ?, next_due = ? WHERE platform = ? AND chat_id = ?",
                [(d.isoformat(), db_seconds(due), s.platform, s.chat_id) for s, d, due in plans],
            )
        return [Claim(s, s.next_date) for s, _ in fresh]

    async def skip(
        self, sub: Subscription, next_date: date, next_due: datetime, reason: str, now: datetime
    ) -> None:
        """Record a date that will not be posted (its day ended while the bot was down) and move on."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO digest_deliveries"
                " (platform, chat_id, local_date, state, claimed_at, done_at, detail)"
                " VALUES (?, ?, ?, 'skipped', ?, ?, ?) ON CONFLICT DO NOTHING",
                (sub.platform, sub.chat_id, sub.next_date.isoformat(), db_time(now), db_time(now), reason),
            )
            await conn.execute(
                "UPDATE subscriptions SET next_date = ?, next_due = ? WHERE platform = ? AND chat_id = ?",
                (next_date.isoformat(), db_seconds(next_due), sub.platform, sub.chat_id),
            )

    async def finish(
        self,
        platform: str,
        chat_id: str,
        local_date: date,
        state: str,
        now: datetime,
        detail: str | None = None,
    ) -> None:
        """Mark a claimed post sent (or failed): inline, so it lands right after the send returns."""
        await self._db.quick_write(
            "UPDATE digest_deliveries SET state = ?, done_at = ?, retry_at = NULL, detail = ?,"
            " attempts = attempts + 1 WHERE platform = ? AND chat_id = ? AND local_date = ?",
            (state, db_time(now), detail, platform, chat_id, local_date.isoformat()),
        )

    async def retry_later(
        self, platform: str, chat_id: str, local_date: date, at: datetime, detail: str
    ) -> None:
        await self._db.quick_write(
            "UPDATE digest_deliveries SET retry_at = ?, attempts = attempts + 1, detail = ?"
            " WHERE platform = ? AND chat_id = ? AND local_date = ? AND state = 'claimed'",
            (db_time(at), detail[:500], platform, chat_id, local_date.isoformat()),
        )

    async def recover_orphans(self, platforms: Iterable[str], now: datetime) -> int:
        """Claims still in flight when the last process stopped: due for a retry now."""
        marks, names = _in(platforms)
        return await self._db.write(
            "UPDATE digest_deliveries SET retry_at = ?, detail = coalesce(detail, 'claimed before a restart')"
            f" WHERE state = 'claimed' AND retry_at IS NULL AND platform IN ({marks})",
            (db_time(now), *names),
        )

    async def retries(self, now: datetime, platforms: Iterable[str], limit: int) -> list[Claim]:
        marks, names = _in(platforms)
        rows = self._db.reader.execute(
            f"SELECT {_SUB_COLUMNS}, d.local_date, d.attempts FROM digest_deliveries d"
            " JOIN subscriptions s ON s.platform = d.platform AND s.chat_id = d.chat_id"
            " JOIN chats c ON c.platform = d.platform AND c.chat_id = d.chat_id"
            " WHERE d.state = 'claimed' AND d.retry_at IS NOT NULL AND d.retry_at <= ?"
            f" AND +d.platform IN ({marks})"
            " ORDER BY d.retry_at LIMIT ?",
            (db_time(now), *names, limit),
        ).fetchall()
        for row in rows:
            await self._db.quick_write(
                "UPDATE digest_deliveries SET retry_at = NULL"
                " WHERE platform = ? AND chat_id = ? AND local_date = ?",
                (row[0], row[1], row[_N_SUB]),
            )
        return [Claim(_sub(r[:_N_SUB]), date.fromisoformat(str(r[_N_SUB])), int(r[_N_SUB + 1])) for r in rows]

    async def ledger(self, platform: str, chat_id: str) -> list[tuple[str, str, int, str | None]]:
        """(local date, state, attempts, detail) for a chat, oldest first: for tests and operators."""
        rows = self._db.reader.execute(
            "SELECT local_date, state, attempts, detail FROM digest_deliveries"
            " WHERE platform = ? AND chat_id = ?"
            " ORDER BY local_date",
            (platform, chat_id),
        )
        return [(str(r[0]), str(r[1]), int(r[2]), r[3]) for r in rows]
