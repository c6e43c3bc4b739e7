"""Fixture ``fake_discord``: a running :class:`FakeDiscord` that discord.py is pointed at."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord.gateway
import discord.http
import pytest
import yarl

from bot.core.i18n import I18n

from .fake_discord import FakeDiscord


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
