"""Shared fixtures: a real SQLite file per test (copied from one migrated, content-loaded
template), a fixed clock, and a console session that drives the real core."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.adapters.console import PLATFORM, ConsoleSession
from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import UserRef

NOW = datetime.fromisoformat("2026-05-14T09:00:00+03:00")


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "bot.sqlite3"

    async def build() -> None:
        app = await App.start(path)
        await app.stop()

    asyncio.run(build())
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    shutil.copy(template_db, path)
    return path


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def app(db_path: Path, clock: FixedClock) -> AsyncIterator[App]:
    app = await App.start(db_path, clock=clock, seed=7)
    try:
        yield app
    finally:
        await app.stop()


class Chat:
    """A user's view of one chat: send text, read what the bot printed."""

    def __init__(self, app: App, **session: object) -> None:
        self.session = ConsoleSession(app, **session)  # type: ignore[arg-type]

    async def say(self, text: str) -> str:
        return "\n\n".join(await self.session.send(text))

    @property
    def session_user(self) -> UserRef:
        return UserRef(PLATFORM, self.session.user_id, self.session.name)


@pytest.fixture
def chat(app: App) -> Chat:
    return Chat(app)


@pytest.fixture
def group(app: App) -> Chat:
    return Chat(app, chat_id="-100", user_id="7", name="Ana", group=True)


class SyncBot:
    """The real app on its own event loop, for hypothesis tests that call it many times."""

    def __init__(self, db: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.app = self.loop.run_until_complete(App.start(db, clock=FixedClock(NOW), seed=1))
        self.session = ConsoleSession(self.app)

    def say(self, text: str) -> list[str]:
        return self.loop.run_until_complete(self.session.send(text))

    def close(self) -> None:
        self.loop.run_until_complete(self.app.stop())
        self.loop.close()


@pytest.fixture
def sync_bot(db_path: Path) -> Iterator[SyncBot]:
    bot = SyncBot(db_path)
    try:
        yield bot
    finally:
        bot.close()
