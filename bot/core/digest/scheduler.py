"""The digest scheduler: a pass finds the subscriptions that are due (an index range read), claims
their ledger rows, and delivers them through each platform's transport, paced within its limits.

No job per chat lives in memory: a subscription is a row with its next post instant, so 100,000
chats cost 100,000 rows and a pass costs what is due. Each delivery is recorded the moment its send
returns, and the send-and-record step finishes even when the pass is cancelled, so a restart neither
repeats nor loses a post.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as systime
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from operator import add, itemgetter
from typing import Any, TypeVar

from bot.core.clock import Clock
from bot.core.digest.content import DigestBuilder, DigestPlan
from bot.core.digest.delivery import ChatMoved, Pacer, RetryLater, Transport, Undeliverable
from bot.core.digest.timing import NextPosts, local_date, next_post, post_instant, zone
from bot.core.i18n import N_
from bot.core.model import ChatKind, ChatRef, Message
from storage.chats import ChatSettings, ChatStore
from storage.digest import BulkChunk, Claim, DigestStore, Subscription
from storage.notices import NoticeStore

log = logging.getLogger(__name__)

T = TypeVar("T")
BATCH = 500
WORKERS = 16
BACKOFF_MAX = timedelta(minutes=5)
WaitUntil = Callable[[datetime], Awaitable[None]]


@dataclass
class PassReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    paused: int = 0
    moved: int = 0
    expired: int = 0
    cpu_seconds: float = 0.0
    sent_to: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_MAX, timedelta(seconds=5 * 2**attempts))


async def _finish_even_if_cancelled(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to the end even if the caller is cancelled meanwhile (then re-raise): a message
    that went out must be recorded as sent, or a restart would send it again."""
    task = asyncio.ensure_future(coro)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise


_PLATFORM, _CHAT_ID, _TIME = itemgetter(0), itemgetter(1), itemgetter(2)


class _Schedules:
    """The schedules of a bulk subscribe, numbered, as :class:`storage.digest.BulkChunk` takes
    them. A schedule (next date and instant) is worked out once per (kind of zone, time), zones
    alike (:meth:`NextPosts.alike`) sharing one: 100,000 chats over 400 zones and 96 times need a
    few thousand. A schedule's number is its kind plus its time's number shifted past every kind,
    so each chat's is two dictionary reads and an addition, done by ``map`` over the whole chunk
    rather than by a Python loop, with no tuple made or hashed per chat."""

    SHIFT = 20
    """Kinds are numbered below 2**20: there are a few hundred zone names."""

    def __init__(self, posts: NextPosts) -> None:
        self.posts = posts
        self.kind: dict[str, int] = {}
        """zone → its kind, a small number shared by zones alike"""
        self.kinds: dict[Hashable, int] = {}
        self.example: list[str] = []
        """kind → a zone of that kind"""
        self.times: list[time] = []
        self.at: dict[time, int] = {}
        """local time → its number in ``times``, shifted by SHIFT bits"""
        self.made: set[int] = set()

    def chunk(self, platform: str, chat_ids: list[str], zones: list[str], times: list[time]) -> BulkChunk:
        """Each chat's schedule number, given its zone and local time, and the schedules new here."""
        if len(zones) != len(chat_ids) or len(times) != len(chat_ids):
            raise ValueError("one zone and one time per chat")
        for name in set(zones).difference(self.kind):
            kind = self.kinds.setdefault(self.posts.alike(name), len(self.kinds))
            if kind >> self.SHIFT:  # pragma: no cover - a million kinds of zone
                raise ValueError(f"more than {1 << self.SHIFT} kinds of time zone")
            if kind == len(self.example):
                self.example.append(name)
            self.kind[name] = kind
        for at in set(times).difference(self.at):
            self.at[at] = len(self.times) << self.SHIFT
            self.times.append(at)
        numbers = list(map(add, map(self.kind.__getitem__, zones), map(self.at.__getitem__, times)))
        new = []
        for number in set(numbers).difference(self.made):
            at = self.times[number >> self.SHIFT]
            day, due = self.posts(self.example[number & ((1 << self.SHIFT) - 1)], at)
            new.append((number, at, day, due))
            self.made.add(number)
        return BulkChunk(platform, new, chat_ids, numbers)


class DigestScheduler:
    def __init__(
        self,
        *,
        store: DigestStore,
        chats: ChatStore,
        builder: DigestBuilder,
        clock: Clock,
        notices: NoticeStore | None = None,
        wait_until: WaitUntil | None = None,
        workers: int = WORKERS,
    ) -> None:
        self.store = store
        self.chats = chats
        self.notices = notices
        self.builder = builder
        self.clock = clock
        self.wait_until = wait_until or self._sleep_until
        self.workers = workers
        self.transports: dict[str, Transport] = {}
        self.pacers: dict[str, Pacer] = {}
        self._recovered: set[str] = set()
        self.on_change: Callable[[], None] = lambda: None
        """Called when a subscription changes, so a sleeping loop re-plans."""

    async def _sleep_until(self, moment: datetime) -> None:
        delay = (moment - self.clock.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)

    def register(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport
        self.pacers[transport.platform] = Pacer(transport.limits)

    # ---- subscriptions -----------------------------------------------------------------------

    async def subscribe(
        self,
        chat: ChatSettings,
        at: time,
        *,
        with_quiz: bool | None = None,
        target: str | None = None,
        target_name: str | None = None,
        by: str | None = None,
    ) -> Subscription:
        """``target``: another channel to post in (kept until a new one is given); ``by``: the user
        subscribing, who is told on their next command if the digest has to be paused."""
        now = self.clock.now()
        day, due = await self._next(chat.platform, chat.chat_id, chat.timezone, at, now)
        await self.store.subscribe(
            chat.platform,
            chat.chat_id,
            at,
            day,
            due,
            now,
            with_quiz=with_quiz,
            target=target,
            target_name=target_name,
            created_by=by,
        )
        self.on_change()
        sub = await self.store.get(chat.platform, chat.chat_id)
        assert sub is not None
        return sub

    async def subscribe_many(self, chats: list[tuple[str, str, time]], chunk: int = 5000) -> int:
        """Subscribe many (platform, chat id, local time) at once, each in its chat's own time zone,
        in one transaction; a chat listed twice gets the time listed last. The chats must exist
        (KeyError otherwise, and nothing changes).

        A chunk at a time: one query reads the chunk's zones, each (kind of zone, time) gets its
        next post once, as a numbered schedule (:class:`_Schedules`), and each chat's number is
        found by ``map`` over whole lists, with no Python loop per chat; SQLite inserts a chunk
        while the next is prepared."""
        now = self.clock.now()
        schedules = _Schedules(NextPosts(now))
        platforms = sorted(set(map(_PLATFORM, chats)))

        async def chunks() -> AsyncIterator[BulkChunk]:
            for platform in platforms:
                mine = chats if len(platforms) == 1 else [c for c in chats if c[0] == platform]
                # In primary key order, so each row is appended to the table's B-tree rather than
                # put in the middle of it; the sort is stable, so a chat's last time stays last.
                mine = sorted(mine, key=_CHAT_ID)
                for i in range(0, len(mine), chunk):
                    part = mine[i : i + chunk]
                    ids = list(map(_CHAT_ID, part))
                    zones = await self.chats.timezones(platform, ids)
                    if "" in zones:
                        missing = [c for c, z in zip(ids, zones, strict=True) if not z]
                        raise KeyError(f"{len(missing)} chat(s) do not exist, e.g. {platform}/{missing[0]}")
                    yield schedules.chunk(platform, ids, zones, list(map(_TIME, part)))

        await self.store.subscribe_many(chunks(), now, len(chats))
        self.on_change()
        return len(chats)

    async def replan(self, chat: ChatSettings) -> Subscription | None:
        """After the chat's time zone changed: the next post at the same local time in the new zone."""
        sub = await self.store.get(chat.platform, chat.chat_id)
        if sub is None:
            return None
        now = self.clock.now()
        day, due = await self._next(chat.platform, chat.chat_id, chat.timezone, sub.local_time, now)
        await self.store.reschedule(chat.platform, chat.chat_id, day, due, now)
        self.on_change()
        return await self.store.get(chat.platform, chat.chat_id)

    async def _next(
        self, platform: str, chat_id: str, timezone: str, at: time, now: datetime
    ) -> tuple[date, datetime]:
        tz = zone(timezone)
        done = await self.store.delivered_dates(platform, chat_id, local_date(now, tz) - timedelta(days=2))
        return next_post(now, at, tz, done)

    async def unsubscribe(self, chat: ChatSettings) -> bool:
        removed = await self.store.unsubscribe(chat.platform, chat.chat_id)
        self.on_change()
        return removed

    # ---- the pass ------------------------------------------------------------------------------

    async def next_wakeup(self) -> datetime | None:
        return await self.store.next_wakeup(self.transports)

    async def run_pass(self, now: datetime | None = None) -> PassReport:
        """Deliver everything due now on the registered platforms; returns what happened."""
        report = PassReport()
        started = systime.process_time()
        now = now or self.clock.now()
        platforms = list(self.transports)
        for platform in platforms:
            if platform not in self._recovered:
                recovered = await self.store.recover_orphans([platform], now)
                if recovered:
                    log.warning(
                        "%d digest post(s) on %s were claimed before a restart; retrying", recovered, platform
                    )
                self._recovered.add(platform)
        plans: dict[tuple[date, str, bool], Message] = {}
        while True:
            due = await self.store.due(now, platforms, BATCH)
            retries = await self.store.retries(now, platforms, BATCH)
            if not due and not retries:
                break
            claims = await self._claim(due, now, report)
            await self._deliver_all([*claims, *retries], plans, report)
            now = max(now, self.clock.now())
        report.cpu_seconds = systime.process_time() - started
        return report

    async def _claim(self, due: list[Subscription], now: datetime, report: PassReport) -> list[Claim]:
        plans: list[tuple[Subscription, date, datetime]] = []
        for sub in due:
            tz = zone(sub.timezone)
            today = local_date(now, tz)
            after = sub.next_date + timedelta(days=1)
            if sub.next_date < today:
                # The bot was down through the whole post day: too late to be "this day" any more.
                day, instant = next_post(now, sub.local_time, tz)
                await self.store.skip(
                    sub, day, instant, f"missed: the bot was down until {now.isoformat()}", now
                )
                log.info(
                    "digest for %s/%s on %s skipped: its day had ended",
                    sub.platform,
                    sub.chat_id,
                    sub.next_date,
                )
                report.skipped += 1
                continue
            plans.append((sub, after, post_instant(after, sub.local_time, tz)))
        return await self.store.claim(plans, now)

    async def _deliver_all(
        self, claims: list[Claim], plans: dict[tuple[date, str, bool], Message], report: PassReport
    ) -> None:
        queue = iter(claims)

        async def worker() -> None:
            for claim in queue:
                await self._deliver(claim, plans, report)

        await asyncio.gather(*(worker() for _ in range(min(self.workers, len(claims)))))
        for pacer in self.pacers.values():
            pacer.forget_before(self.clock.now())

    async def _message(self, claim: Claim, plans: dict[tuple[date, str, bool], Message]) -> Message:
        key = (claim.local_date, claim.sub.lang, claim.sub.with_quiz)
        if key not in plans:  # one rendering per (date, language), not per chat
            plan: DigestPlan = await self.builder.plan(claim.local_date)
            plans[key] = await self.builder.message(plan, claim.sub.lang, claim.sub.with_quiz)
        return plans[key]

    async def _deliver(
        self, claim: Claim, plans: dict[tuple[date, str, bool], Message], report: PassReport
    ) -> None:
        sub = claim.sub
        now = self.clock.now()
        if claim.local_date != local_date(now, zone(sub.timezone)):
            await self.store.finish(
                sub.platform, sub.chat_id, claim.local_date, "failed", now, "its day ended first"
            )
            report.expired += 1
            return
        message = await self._message(claim, plans)
        pacer = self.pacers[sub.platform]
        slot = pacer.reserve(sub.target or sub.chat_id, sub.kind == ChatKind.GROUP.value, now)
        await self.wait_until(slot)
        await _finish_even_if_cancelled(self._send_and_record(claim, message, report))

    async def _send_and_record(self, claim: Claim, message: Message, report: PassReport) -> None:
        sub = claim.sub
        transport = self.transports[sub.platform]
        chat_id = sub.chat_id
        for _ in range(2):  # a second time only after the chat moved to a new id
            try:
                await transport.send(ChatRef(sub.platform, chat_id), message, target=sub.target)
            except ChatMoved as moved:
                log.info("chat %s/%s moved to %s", sub.platform, chat_id, moved.new_chat_id)
                await self.chats.move(sub.platform, chat_id, moved.new_chat_id, self.clock.now())
                chat_id = moved.new_chat_id
                report.moved += 1
                continue
            except Undeliverable as exc:
                now = self.clock.now()
                await self.store.finish(sub.platform, chat_id, claim.local_date, "failed", now, str(exc))
                await self.store.pause(sub.platform, chat_id, str(exc), now)
                log.warning("digest to %s/%s paused: %s", sub.platform, chat_id, exc)
                if self.notices is not None and sub.created_by:
                    where = f"#{sub.target_name}" if sub.target_name else ""
                    await self.notices.add(
                        sub.platform,
                        sub.created_by,
                        N_("notice.digest_paused"),
                        {"where": where, "reason": str(exc)[:300]},
                        now,
                    )
                report.paused += 1
                return
            except Exception as exc:  # RetryLater, timeouts, anything unexpected: try again later
                now = self.clock.now()
                after = exc.retry_after if isinstance(exc, RetryLater) else None
                wait = timedelta(seconds=after) if after else backoff(claim.attempts)
                if after:
                    # Flood control is platform-wide: hold every send, not just this one.
                    self.pacers[sub.platform].hold(now + wait)
                await self.store.retry_later(
                    sub.platform, chat_id, claim.local_date, now + wait, repr(exc)[:200]
                )
                log.info("digest to %s/%s will be retried in %s: %r", sub.platform, chat_id, wait, exc)
                report.retrying += 1
                self.on_change()
                return
            await self.store.finish(sub.platform, chat_id, claim.local_date, "sent", self.clock.now())
            report.sent += 1
            report.sent_to.append(chat_id)
            return

    # ---- the loop ------------------------------------------------------------------------------

    async def run_forever(self, *, max_sleep: float = 60.0) -> None:
        """Passes as posts fall due, until cancelled. Sleeps until the earliest due post; a changed
        subscription wakes it early."""
        wake = asyncio.Event()
        self.on_change = wake.set
        try:
            while True:
                wake.clear()
                try:
                    report = await self.run_pass()
                    if report.sent or report.skipped or report.paused:
                        log.info("digest pass: %s", report)
                except Exception:
                    log.exception("digest pass failed")
                due = await self.next_wakeup()
                delay = max_sleep
                if due is not None:
                    delay = min(max_sleep, max(0.0, (due - self.clock.now()).total_seconds()))
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(delay):
                            await wake.wait()
        finally:
            self.on_change = lambda: None
