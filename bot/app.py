"""Wiring: storage, content, clock, registry and router in one object that adapters hold."""

from __future__ import annotations

import logging
import random
from pathlib import Path

from bot.core.clock import Clock, SystemClock
from bot.core.commands import build_registry
from bot.core.context import Services
from bot.core.i18n import I18n
from bot.core.model import ChatRef, Incoming, Reply
from bot.core.router import Router
from content.loader import ContentError, content_digest, content_root, load_content
from storage.chats import ChatStore
from storage.content import ContentStore
from storage.db import Database
from storage.reports import ReportStore
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


class App:
    def __init__(self, db: Database, services: Services, router: Router) -> None:
        self.db = db
        self.services = services
        self.router = router

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
            services = Services(
                content=content_store,
                chats=ChatStore(db),
                users=UserStore(db),
                reports=ReportStore(db),
                clock=clock or SystemClock(),
                i18n=I18n(),
                registry=build_registry(),
                rng=random.Random(seed),
            )
        except BaseException:
            await db.close()
            raise
        return cls(db, services, Router(services, bot_username))

    async def handle(self, incoming: Incoming) -> list[Reply]:
        return await self.router.handle(incoming)

    async def set_chat_language(self, chat: ChatRef, kind: str, lang: str) -> None:
        s = self.services
        now = s.clock.now()
        settings = await s.chats.get_or_create(chat.platform, chat.chat_id, kind, lang, now)
        if settings.lang != lang:
            await s.chats.set_language(chat.platform, chat.chat_id, lang, now)

    async def stop(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> App:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
