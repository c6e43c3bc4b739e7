"""The timer loop adapters run: it sleeps until the earliest deadline, wakes when a question opens,
and hands every reveal and next question to the adapter's ``deliver``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import Outgoing, QuizPrompt, QuizReveal
from tests.conftest import Chat


async def test_the_loop_delivers_reveals_when_time_is_up(app: App, clock: FixedClock) -> None:
    sent: list[Outgoing] = []
    delivered = asyncio.Event()

    async def deliver(item: Outgoing) -> None:
        sent.append(item)
        delivered.set()

    loop = asyncio.create_task(app.run_timers(deliver))
    try:
        ana = Chat(app, chat_id="-100", user_id="1", name="Ana", group=True)
        await ana.say("/quiz 2")
        await asyncio.sleep(0.05)
        assert sent == []  # nothing is due yet: the loop sleeps until the deadline
        clock.advance(timedelta(seconds=30))
        app.wake_timers()
        await asyncio.wait_for(delivered.wait(), timeout=5)
        blocks = [b for item in sent for b in item.reply.blocks]
        assert any(isinstance(b, QuizReveal) for b in blocks)
        assert any(isinstance(b, QuizPrompt) for b in blocks)
        assert {item.chat.chat_id for item in sent} == {"-100"}
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)


async def test_a_failing_delivery_does_not_stop_the_loop(app: App, clock: FixedClock) -> None:
    calls: list[str] = []
    second = asyncio.Event()

    async def deliver(item: Outgoing) -> None:
        calls.append(item.chat.chat_id)
        if len(calls) == 1:
            raise ConnectionError("platform down")
        second.set()

    loop = asyncio.create_task(app.run_timers(deliver))
    try:
        await Chat(app, chat_id="-1", user_id="1", group=True).say("/question")
        await Chat(app, chat_id="-2", user_id="1", group=True).say("/question")
        clock.advance(timedelta(seconds=30))
        app.wake_timers()
        await asyncio.wait_for(second.wait(), timeout=5)
        assert sorted(calls) == ["-1", "-2"]
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
