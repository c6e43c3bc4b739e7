"""Wiring: storage, content, clock, registry and router in one object that adapters hold."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from pathlib import Path

from bot.core.clock import Clock, SystemClock
from bot.core.commands import build_registry
from bot.core.context import Services
from bot.core.digest.content import DigestBuilder
from bot.core.digest.scheduler import DigestScheduler
from bot.core.i18n import I18n
from bot.core.model import ChatRef, Incoming, Outgoing, Reply
from bot.core.quiz.engine import QuizEngine
from bot.core.router import Router
from content.loader import ContentError, content_digest, content_root, load_content
from storage.chats import ChatStore
from storage.content import ContentStore
from storage.db import Database
from storage.digest import DigestStore
from storage.notices import NoticeStore
from storage.quiz import QuizStore
from storage.reports import ReportStore
from storage.study import StudyStore
from storage.users import UserStore

log = logging.getLogger(__name__)


class ContentInvalid(RuntimeError):
    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__(f"the content has {len(errors)} error(s); run: coldwar-bot content check")


async def sync_content(store: ContentStore, root: Path | None = None) -> bool:
    """Load the content files into the database when they changed since the last load.

    Returns whether a load happened. Invalid files never replace valid content already loaded;
    with nothing loaded yet they stop the start-up, since a bot without content is useless."""
    root = root or content_root()
    digest = content_digest(root)
    current = await store.digest()
    if digest == current:
        return False
    result = load_content(root)
    if not result.ok:
        for error in result.errors:
            log.error("content: %s", error)
        if current is None:
            raise ContentInvalid(result.errors)
        log.error("content files are invalid; keeping the content loaded earlier")
        return False
    await store.replace(result.content, digest)
    log.info("loaded %d events", len(result.content.events))
    return True


def _nothing() -> None:
    return None


Deliver = Callable[[Outgoing], Awaitable[None]]
"""Sends one message a timer produced (an adapter's own delivery)."""


class App:
    def __init__(self, db: Database, services: Services, router: Router) -> None:
        self.db = db
        self.services = services
        self.router = router
        self._wake = asyncio.Event()
        self._outlets: dict[str, Deliver] = {}
        self._timers: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls,
        db_path: Path | str,
        *,
        clock: Clock | None = None,
        content: Path | None = None,
        seed: int | None = None,
        bot_username: str | None = None,
    ) -> App:
        db = await Database.open(db_path)
        try:
            content_store = ContentStore(db)
            await sync_content(content_store, content)
            clock = clock or SystemClock()
            i18n = I18n()
            rng = random.Random(seed)
            chats = ChatStore(db)
            notices = NoticeStore(db)
            study = StudyStore(db)
            quiz = QuizEngine(
                store=QuizStore(db),
                study=study,
                content=content_store,
                chats=chats,
                i18n=i18n,
                clock=clock,
                rng=rng,
            )
            digest = DigestScheduler(
                store=DigestStore(db),
                chats=chats,
                builder=DigestBuilder(content_store, i18n, quiz.maker),
                clock=clock,
                notices=notices,
            )
            services = Services(
                content=content_store,
                chats=chats,
                users=UserStore(db),
                reports=ReportStore(db),
                clock=clock,
                i18n=i18n,
                registry=build_registry(),
                rng=rng,
                quiz=quiz,
                study=study,
                digest=digest,
                notices=notices,
            )
        except BaseException:
            await db.close()
            raise
        return cls(db, services, Router(services, bot_username))

    async def handle(self, incoming: Incoming) -> list[Reply]:
        return await self.router.handle(incoming)

    async def tick(
        self,
        now: datetime | None = None,
        chat: ChatRef | None = None,
        platforms: Collection[str] | None = None,
    ) -> list[Outgoing]:
        """Run every timer that is due (questions whose time is up), in one chat, on some platforms
        or everywhere, and return what the bot would send. Safe to call at any time, from any
        number of places: each timer fires once."""
        return await self.services.quiz.tick(now or self.services.clock.now(), chat, platforms)

    def wake_timers(self) -> None:
        """Make :meth:`run_timers` look at the clock again now (after a clock jump, or in tests)."""
        self._wake.set()

    async def next_wakeup(
        self, chat: ChatRef | None = None, platforms: Collection[str] | None = None
    ) -> datetime | None:
        return await self.services.quiz.next_deadline(chat, platforms)

    def attach(self, platform: str, deliver: Deliver) -> None:
        """An adapter is ready to send: timers of its platform's chats go to ``deliver``. One timer
        loop serves every attached platform, so two adapters in one process never take each
        other's reveals."""
        self._outlets[platform] = deliver
        if self._timers is None or self._timers.done():
            self._timers = asyncio.create_task(self.run_timers(self._route, platforms=self._outlets))
        self.wake_timers()

    async def detach(self, platform: str) -> None:
        """The adapter stops: its platform's timers wait (in the database) for its return."""
        self._outlets.pop(platform, None)
        if not self._outlets:
            await self._stop_timers()

    async def _stop_timers(self) -> None:
        if self._timers is not None:
            self._timers.cancel()
            await asyncio.gather(self._timers, return_exceptions=True)
            self._timers = None

    async def _route(self, item: Outgoing) -> None:
        deliver = self._outlets.get(item.chat.platform)
        if deliver is None:  # detached between the pass and the send: log, the reveal is stored
            log.warning("no adapter for %s: a timer message was not sent", item.chat)
            return
        await deliver(item)

    async def run_timers(
        self,
        deliver: Callable[[Outgoing], Awaitable[None]],
        *,
        chat: ChatRef | None = None,
        platforms: Collection[str] | None = None,
        max_sleep: float = 60.0,
    ) -> None:
        """Fire timers as they fall due until cancelled; ``deliver`` sends each message.

        Sleeps until the earliest deadline and wakes early when one is added, so an idle bot costs
        nothing. ``max_sleep`` bounds a sleep in case the clock jumps (suspend, NTP)."""
        wake = self._wake
        self.services.quiz.on_schedule = wake.set
        try:
            while True:
                wake.clear()
                try:
                    for item in await self.tick(chat=chat, platforms=platforms):
                        try:
                            await deliver(item)
                        except Exception:
                            log.exception("delivering to %s failed", item.chat)
                except Exception:
                    log.exception("timer pass failed")
                due = await self.next_wakeup(chat, platforms)
                delay = max_sleep
                if due is not None:
                    delay = min(max_sleep, max(0.0, (due - self.services.clock.now()).total_seconds()))
                if delay > 0:
                    # asyncio.timeout rather than wait_for: on Python 3.11, wait_for can swallow a
                    # cancellation that arrives as the event is set, and the loop would never stop.
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(delay):
                            await wake.wait()
        finally:
            self.services.quiz.on_schedule = _nothing

    async def set_chat_language(self, chat: ChatRef, kind: str, lang: str) -> None:
        s = self.services
        now = s.clock.now()
        settings = await s.chats.get_or_create(chat.platform, chat.chat_id, kind, lang, now)
        if settings.lang != lang:
            await s.chats.set_language(chat.platform, chat.chat_id, lang, now)

    async def stop(self) -> None:
        self._outlets.clear()
        await self._stop_timers()
        await self.db.close()

    async def __aenter__(self) -> App:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
