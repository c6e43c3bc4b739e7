"""One timer loop serves every adapter in the process: each platform's questions close on time and
their reveals reach that platform's adapter, never another's."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import ChatKind, ChatRef, Incoming, Outgoing, QuizReveal, UserRef


async def _quiz(app: App, platform: str) -> None:
    await app.handle(
        Incoming(ChatRef(platform, "-1"), ChatKind.GROUP, UserRef(platform, "1", "Ana"), "/question")
    )


async def test_two_adapters_each_get_their_own_reveals(app: App, clock: FixedClock) -> None:
    got: dict[str, list[Outgoing]] = {"telegram": [], "discord": []}
    done = asyncio.Event()

    def outlet(platform: str):  # type: ignore[no-untyped-def]
        async def deliver(item: Outgoing) -> None:
            got[platform].append(item)
            if all(got.values()):
                done.set()

        return deliver

    for platform in ("telegram", "discord", "console"):
        await _quiz(app, platform)
    app.attach("telegram", outlet("telegram"))
    app.attach("discord", outlet("discord"))
    clock.advance(timedelta(minutes=5))
    app.wake_timers()
    await asyncio.wait_for(done.wait(), 5)
    for platform, items in got.items():
        assert items and all(i.chat.platform == platform for i in items)
        assert any(isinstance(b, QuizReveal) for i in items for b in i.reply.blocks)
    # The console's question is not closed by a loop that cannot deliver it.
    open_rounds = app.db.reader.execute("SELECT platform FROM rounds WHERE closed_at IS NULL").fetchall()
    assert [r[0] for r in open_rounds] == ["console"]

    await app.detach("telegram")
    await app.detach("discord")
    assert app._timers is None
