"""Fixture ``fake_discord``: a running :class:`FakeDiscord` that discord.py is pointed at."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord.gateway
import discord.http
import pytest
import yarl

from bot.adapters.discord.adapter import DiscordAdapter
from bot.app import App
from bot.core.i18n import I18n

from .fake_discord import FakeDiscord

TIMEOUT = 5.0


@pytest.fixture(scope="session")
def i18n() -> I18n:
    return I18n()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield fake
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
        await fake.stop()
    if fake.violations:
        listing = "\n".join(f"  - {v}" for v in fake.violations)
        pytest.fail(f"{len(fake.violations)} REST request(s) violated the Discord OpenAPI spec:\n{listing}")


@pytest.fixture
async def start_adapter(fake_discord: FakeDiscord, app: App) -> AsyncIterator[Callable[..., Any]]:
    """Start the real adapter (a discord.py AutoShardedClient) on ``app`` against the fake; every
    adapter started is stopped at the end."""
    adapters: list[DiscordAdapter] = []

    async def start(on: App | None = None, **options: Any) -> DiscordAdapter:
        adapter = DiscordAdapter(on or app, fake_discord.token, guild_ready_timeout=0.1, **options)
        adapters.append(adapter)
        await adapter.start(ready_timeout=TIMEOUT)
        return adapter

    yield start
    for adapter in adapters:
        await asyncio.wait_for(adapter.stop(), TIMEOUT)
