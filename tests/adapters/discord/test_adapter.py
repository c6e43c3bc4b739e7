"""The Discord adapter with the real discord.py client against FakeDiscord and the real core."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.adapters.discord.adapter import DiscordTransport
from bot.adapters.discord.render import quiz_custom_id
from bot.app import App
from bot.core.clock import FixedClock
from bot.core.digest.delivery import RetryLater, Undeliverable
from bot.core.model import ChatRef, Message, Paragraph

from .fake_discord import DEFAULT_PERMISSIONS, FakeDiscord, FakeGuild

TIMEOUT = 3.0
MANAGE_GUILD = 1 << 5
EPHEMERAL = 64


@pytest.fixture
def guild(fake_discord: FakeDiscord) -> FakeGuild:
    return fake_discord.add_guild("Cold War Study Group", channels=("general", "quiz"))


async def _callback(fake: FakeDiscord, payload: dict[str, Any]) -> Any:
    await fake.send_interaction(payload)
    return await fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=TIMEOUT)


async def test_ready_guild_and_commands_synced_once(
    fake_discord: FakeDiscord, guild: FakeGuild, start_adapter, app: App
):
    adapter = await start_adapter()
    assert adapter.user is not None and adapter.user.id == fake_discord.bot_id
    assert adapter.get_guild(guild.id) is not None
    assert fake_discord.intents == discord.Intents(guilds=True).value
    path = f"/applications/{fake_discord.application_id}/commands"
    assert adapter.synced is True
    assert len(fake_discord.calls("PUT", path)) == 1
    names = {c["name"] for c in fake_discord.global_commands}
    assert {"today", "lang", "event", "quiz", "answer"} <= names
    await adapter.stop()

    again = await start_adapter()
    assert again.synced is False
    assert len(fake_discord.calls("PUT", path)) == 1  # same hash: no second upload
    assert fake_discord.violations == []


async def test_dev_guild_sync(fake_discord: FakeDiscord, guild: FakeGuild, start_adapter):
    await start_adapter(dev_guild=guild.id)
    path = f"/applications/{fake_discord.application_id}/guilds/{guild.id}/commands"
    assert len(fake_discord.calls("PUT", path)) == 1
    assert fake_discord.guild_commands[guild.id]
    assert fake_discord.violations == []


async def test_today_is_answered_with_an_embed(fake_discord: FakeDiscord, guild: FakeGuild, start_adapter):
    await start_adapter()
    user = fake_discord.add_user("ana")
    payload = fake_discord.slash_command(guild.id, guild.channel.id, user, "today")
    call = await _callback(fake_discord, payload)
    assert call.status in (200, 204)
    assert call.json["type"] == 4
    data = call.json["data"]
    assert data["embeds"], data
    assert data["allowed_mentions"] == {"parse": []}
    assert fake_discord.violations == []


async def test_lang_needs_manage_server(fake_discord: FakeDiscord, guild: FakeGuild, start_adapter, app: App):
    await start_adapter()
    user = fake_discord.add_user("ion")
    opt = [fake_discord.option("language", "ro")]

    def lang() -> Any:
        row = app.db.reader.execute(
            "SELECT lang FROM chats WHERE platform = 'discord' AND chat_id = ?", (str(guild.channel.id),)
        ).fetchone()
        return row[0] if row else None

    refused = fake_discord.slash_command(
        guild.id, guild.channel.id, user, "lang", opt, member_permissions=DEFAULT_PERMISSIONS
    )
    call = await _callback(fake_discord, refused)
    assert call.json["type"] == 4
    admins_only = app.services.i18n["en"].t("router.admins_only", command="/lang")
    assert call.json["data"]["content"] == discord.utils.escape_markdown(admins_only)
    assert lang() != "ro"

    allowed = fake_discord.slash_command(
        guild.id,
        guild.channel.id,
        user,
        "lang",
        opt,
        member_permissions=DEFAULT_PERMISSIONS | MANAGE_GUILD,
    )
    call = await _callback(fake_discord, allowed)
    assert call.json["type"] == 4
    assert call.json["data"]["content"] != discord.utils.escape_markdown(admins_only)
    assert lang() == "ro"
    assert fake_discord.violations == []


async def test_event_autocomplete(fake_discord: FakeDiscord, guild: FakeGuild, start_adapter, app: App):
    await start_adapter()
    ids = await app.services.content.event_ids()
    prefix = ids[0][:3]
    payload = fake_discord.autocomplete(
        guild.id, guild.channel.id, fake_discord.owner_id, "event", [fake_discord.option("id", prefix)], "id"
    )
    call = await _callback(fake_discord, payload)
    assert call.json["type"] == 8
    choices = [c["value"] for c in call.json["data"]["choices"]]
    expected = {i for i in ids if i.lower().startswith(prefix.lower())}
    assert choices and set(choices[: len(expected)]) == expected  # id matches first, then by title
    assert len(choices) <= 25
    assert fake_discord.violations == []


async def test_group_quiz_buttons_and_timed_reveal(
    fake_discord: FakeDiscord, guild: FakeGuild, start_adapter, app: App, clock: FixedClock
):
    await start_adapter()
    channel = guild.channel.id
    start = fake_discord.slash_command(
        guild.id, channel, fake_discord.owner_id, "quiz", [fake_discord.option("count", "2")]
    )
    await fake_discord.send_interaction(start)
    call = await fake_discord.wait_for("POST", f"/interactions/{start['id']}/", timeout=TIMEOUT)
    assert call.json["type"] == 4
    await asyncio.sleep(0.2)  # follow-ups, if the reply had several parts
    all_buttons = [
        b["custom_id"]
        for c in fake_discord.calls()
        if c.json and isinstance(c.json, dict)
        for b in _buttons(c.json.get("data", c.json))
    ]
    row = app.db.reader.execute("SELECT id FROM rounds WHERE closed_at IS NULL").fetchone()
    assert row is not None
    round_id = int(row[0])
    assert quiz_custom_id(round_id, 1) in all_buttons

    users = [fake_discord.add_user(n) for n in ("ana", "ion", "maria")]
    for i, user in enumerate(users):
        click = fake_discord.component_click(guild.id, channel, user, quiz_custom_id(round_id, 1 + i % 2))
        answer = await _callback(fake_discord, click)
        assert answer.json["type"] == 4
        assert answer.json["data"]["flags"] & EPHEMERAL
    stored = app.db.reader.execute("SELECT COUNT(*) FROM answers WHERE round_id = ?", (round_id,)).fetchone()
    assert stored[0] == 3

    before = len(fake_discord.calls("POST", f"/channels/{channel}/messages"))
    clock.advance(timedelta(seconds=30))
    app.wake_timers()
    await fake_discord.wait_for("POST", f"/channels/{channel}/messages", timeout=TIMEOUT)
    await asyncio.sleep(0.2)
    posts = fake_discord.calls("POST", f"/channels/{channel}/messages")
    assert len(posts) > before
    assert any(p.json.get("embeds") for p in posts[before:])
    closed = app.db.reader.execute("SELECT closed_at FROM rounds WHERE id = ?", (round_id,)).fetchone()
    assert closed[0] is not None
    assert fake_discord.violations == []


def _buttons(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    return [b for row in data.get("components") or [] for b in row.get("components", [])]


class _Boom:
    """A stand-in adapter whose deliver raises what it is given."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    async def deliver(self, chat_id: str, message: Message) -> None:
        raise self.exc


class _Resp:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "x"


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (discord.Forbidden(_Resp(403), "no"), Undeliverable),  # type: ignore[arg-type]
        (discord.NotFound(_Resp(404), "gone"), Undeliverable),  # type: ignore[arg-type]
        (discord.HTTPException(_Resp(429), "slow"), RetryLater),  # type: ignore[arg-type]
        (discord.DiscordServerError(_Resp(503), "down"), RetryLater),  # type: ignore[arg-type]
        (TimeoutError(), RetryLater),
    ],
)
async def test_transport_maps_errors(exc: BaseException, outcome: type[Exception]):
    transport = DiscordTransport(_Boom(exc))  # type: ignore[arg-type]
    with pytest.raises(outcome):
        await transport.send(ChatRef("discord", "1"), Message((Paragraph.of("hi"),)))
