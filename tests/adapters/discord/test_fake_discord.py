"""The real discord.py client against FakeDiscord: login, gateway, commands, components, errors."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from .fake_discord import FakeDiscord, FakeGuild, SchemaValidator

TIMEOUT = 5.0


class _Client(discord.Client):
    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents, guild_ready_timeout=0.2)
        self.tree = app_commands.CommandTree(self)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # the real one sleeps between identifies


@pytest.fixture
def guild(fake_discord: FakeDiscord) -> FakeGuild:
    return fake_discord.add_guild("Cold War Study Group", channels=("general", "quiz"))


@pytest.fixture
async def start_client(fake_discord: FakeDiscord) -> AsyncIterator[Callable[..., Any]]:
    clients: list[tuple[_Client, asyncio.Task[None]]] = []

    async def start(setup: Callable[[_Client], None] | None = None) -> _Client:
        client = _Client()
        if setup is not None:
            setup(client)
        task = asyncio.create_task(client.start(fake_discord.token))
        clients.append((client, task))
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # raise the client's error
            raise TimeoutError("client did not become ready")
        return client

    yield start
    for client, task in clients:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=TIMEOUT)


async def test_login_connect_ready_and_guild_create(
    fake_discord: FakeDiscord, guild: FakeGuild, start_client
):
    client = await start_client()
    assert client.user is not None and client.user.id == fake_discord.bot_id
    assert client.application_id == fake_discord.application_id
    g = client.get_guild(guild.id)
    assert g is not None and g.name == "Cold War Study Group"
    assert [c.name for c in g.text_channels] == ["general", "quiz"]
    assert g.me is not None and g.me.guild_permissions.send_messages
    assert fake_discord.calls("GET", "/users/@me") and fake_discord.calls("GET", "/oauth2/applications/@me")
    identify = fake_discord.identify_payloads[-1]
    assert identify["token"] == fake_discord.token
    assert fake_discord.intents == discord.Intents(guilds=True).value
    await asyncio.sleep(0.05)
    assert fake_discord.heartbeats >= 1  # discord.py heartbeats right after HELLO


async def test_tree_sync_for_guild_is_a_valid_put(fake_discord: FakeDiscord, guild: FakeGuild, start_client):
    def setup(client: _Client) -> None:
        @client.tree.command(name="quiz", description="Start a Cold War quiz")
        @app_commands.describe(topic="What to be quizzed on")
        async def quiz(interaction: discord.Interaction, topic: str, rounds: int = 5) -> None:
            await interaction.response.send_message(f"{topic} x{rounds}")

        client.tree.copy_global_to(guild=discord.Object(guild.id))

    client = await start_client(setup)
    synced = await client.tree.sync(guild=discord.Object(guild.id))
    assert [c.name for c in synced] == ["quiz"]
    call = fake_discord.calls(
        "PUT", f"/applications/{fake_discord.application_id}/guilds/{guild.id}/commands"
    )[0]
    assert call.json[0]["name"] == "quiz"
    assert {o["name"] for o in call.json[0]["options"]} == {"topic", "rounds"}
    assert fake_discord.violations == []
    assert fake_discord.guild_commands[guild.id][0]["id"] == str(synced[0].id)


async def test_slash_command_reaches_callback_and_response_is_valid(
    fake_discord: FakeDiscord, guild: FakeGuild, start_client
):
    seen: list[tuple[str, str]] = []

    def setup(client: _Client) -> None:
        @client.tree.command(name="fact", description="A Cold War fact")
        async def fact(interaction: discord.Interaction, year: int) -> None:
            seen.append((str(interaction.locale), str(year)))
            embed = discord.Embed(title=f"{year}", description="The Berlin Airlift begins.", color=0x3366CC)
            embed.add_field(name="Where", value="Berlin")
            await interaction.response.send_message(embed=embed)

    await start_client(setup)
    user = fake_discord.add_user("student")
    payload = fake_discord.slash_command(
        guild.id, guild.channel.id, user, "fact", [fake_discord.option("year", 1948)], locale="ro"
    )
    await fake_discord.send_interaction(payload)
    call = await fake_discord.wait_for("POST", f"/interactions/{payload['id']}/", timeout=TIMEOUT)
    assert seen == [("ro", "1948")]
    assert call.query == {"with_response": "1"}
    assert call.json["type"] == 4
    assert call.json["data"]["embeds"][0]["title"] == "1948"
    assert call.status == 200
    assert fake_discord.interaction_responses[payload["token"]]["type"] == 4
    assert fake_discord.violations == []


async def test_followup_and_edit_original(fake_discord: FakeDiscord, guild: FakeGuild, start_client):
    done = asyncio.Event()

    def setup(client: _Client) -> None:
        @client.tree.command(name="slow", description="Deferred answer")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content="Answer: 1962")
            await interaction.followup.send("More: Cuban Missile Crisis", ephemeral=True)
            original = await interaction.original_response()
            assert original.content == "Answer: 1962"
            done.set()

    await start_client(setup)
    payload = fake_discord.slash_command(guild.id, guild.channel.id, fake_discord.owner_id, "slow")
    await fake_discord.send_interaction(payload)
    await asyncio.wait_for(done.wait(), TIMEOUT)
    token = payload["token"]
    app = fake_discord.application_id
    assert fake_discord.calls("PATCH", f"/webhooks/{app}/{token}/messages/@original")[0].json["content"] == (
        "Answer: 1962"
    )
    followup = fake_discord.calls("POST", f"/webhooks/{app}/{token}")[0]
    assert followup.json["flags"] & 64
    assert fake_discord.violations == []


class CardButton(discord.ui.DynamicItem[discord.ui.Button], template=r"card:(?P<card>\d+)"):
    clicked: list[int] = []  # noqa: RUF012

    def __init__(self, card: int) -> None:
        super().__init__(discord.ui.Button(label="Reveal", custom_id=f"card:{card}"))
        self.card = card

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CardButton:
        return cls(int(match["card"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        CardButton.clicked.append(self.card)
        await interaction.response.edit_message(content=f"Card {self.card} revealed")


async def test_component_click_reaches_dynamic_item(
    fake_discord: FakeDiscord, guild: FakeGuild, start_client
):
    CardButton.clicked = []
    client = await start_client(lambda c: c.add_dynamic_items(CardButton))
    # the bot sends a message with the button through the fake ...
    view = discord.ui.View(timeout=None)
    view.add_item(CardButton(42))
    channel = client.get_channel(guild.channel.id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("Flashcard", view=view)
    # ... and a user clicks it
    payload = fake_discord.component_click(
        guild.id, guild.channel.id, fake_discord.owner_id, "card:42", sent.id
    )
    await fake_discord.send_interaction(payload)
    call = await fake_discord.wait_for("POST", f"/interactions/{payload['id']}/", timeout=TIMEOUT)
    assert CardButton.clicked == [42]
    assert call.json["type"] == 7
    assert fake_discord.messages[sent.id]["content"] == "Card 42 revealed"
    assert fake_discord.violations == []


async def test_component_click_on_unknown_message_is_synthesised(
    fake_discord: FakeDiscord, guild: FakeGuild, start_client
):
    CardButton.clicked = []
    await start_client(lambda c: c.add_dynamic_items(CardButton))
    payload = fake_discord.component_click(guild.id, guild.channel.id, fake_discord.owner_id, "card:7")
    await fake_discord.send_interaction(payload)
    await fake_discord.wait_for("POST", f"/interactions/{payload['id']}/", timeout=TIMEOUT)
    assert CardButton.clicked == [7]


async def test_autocomplete_reaches_autocomplete_callback(
    fake_discord: FakeDiscord, guild: FakeGuild, start_client
):
    def setup(client: _Client) -> None:
        @client.tree.command(name="topic", description="Pick a topic")
        async def topic(interaction: discord.Interaction, name: str) -> None:
            await interaction.response.send_message(name)

        @topic.autocomplete("name")
        async def topic_names(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            names = ["Berlin Blockade", "Berlin Wall", "Bay of Pigs"]
            return [
                app_commands.Choice(name=n, value=n) for n in names if n.lower().startswith(current.lower())
            ]

    await start_client(setup)
    payload = fake_discord.autocomplete(
        guild.id,
        guild.channel.id,
        fake_discord.owner_id,
        "topic",
        [fake_discord.option("name", "ber")],
        "name",
    )
    await fake_discord.send_interaction(payload)
    call = await fake_discord.wait_for("POST", f"/interactions/{payload['id']}/", timeout=TIMEOUT)
    assert call.json["type"] == 8
    assert [c["name"] for c in call.json["data"]["choices"]] == ["Berlin Blockade", "Berlin Wall"]
    assert fake_discord.violations == []


async def test_invalid_raw_requests_are_recorded_as_violations(fake_discord: FakeDiscord, guild: FakeGuild):
    headers = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        async with http.get(f"{fake_discord.api_base}/no/such/endpoint") as resp:
            assert resp.status == 404
        assert len(fake_discord.violations) == 1
        assert "no such path" in fake_discord.violations[0]
        fake_discord.clear_violations()

        url = f"{fake_discord.api_base}/channels/{guild.channel.id}/messages"
        async with http.post(url, json={"content": "hi", "colour_of_text": "red"}) as resp:
            assert resp.status == 200  # Discord would ignore the field; the fake reports it
        assert len(fake_discord.violations) == 1
        assert "unknown property 'colour_of_text'" in fake_discord.violations[0]
        fake_discord.clear_violations()

        async with http.post(url, json={"content": 12, "embeds": [{"color": -1}]}) as resp:
            assert resp.status == 200
        problems = fake_discord.clear_violations()
        assert any("body.content: expected type string|null" in p for p in problems)
        assert any("body.embeds[0].color: -1 < minimum 0" in p for p in problems)

        async with http.delete(f"{fake_discord.api_base}/gateway/bot") as resp:
            assert resp.status == 404
        assert "method not allowed" in fake_discord.clear_violations()[0]

        async with http.get(f"{fake_discord.api_base}/channels/not-a-snowflake") as resp:
            pass
        assert "does not match" in fake_discord.clear_violations()[0]
    assert fake_discord.violations == []


async def test_429_on_message_post_is_retried_after_retry_after(
    fake_discord: FakeDiscord, guild: FakeGuild, start_client
):
    client = await start_client()
    failure = fake_discord.fail("POST", rf"^/channels/{guild.channel.id}/messages$", 429, retry_after=0.2)
    channel = client.get_channel(guild.channel.id)
    assert isinstance(channel, discord.TextChannel)
    loop = asyncio.get_running_loop()
    started = loop.time()
    message = await asyncio.wait_for(channel.send("Iron Curtain, 1946"), TIMEOUT)
    elapsed = loop.time() - started
    assert failure.hits == 1
    posts = fake_discord.calls("POST", f"/channels/{guild.channel.id}/messages")
    assert [c.status for c in posts] == [429, 200]
    assert elapsed >= 0.2
    assert message.content == "Iron Curtain, 1946"
    assert fake_discord.violations == []


async def test_403_surfaces_as_forbidden(fake_discord: FakeDiscord, guild: FakeGuild, start_client):
    client = await start_client()
    fake_discord.fail("POST", r"/messages$", 403)
    channel = client.get_channel(guild.channel.id)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.Forbidden):
        await channel.send("nope")


def test_validator_keywords() -> None:
    doc = {"components": {"schemas": {"Id": {"type": "string", "pattern": "^[0-9]+$"}}}}
    v = SchemaValidator(doc)
    schema = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"$ref": "#/components/schemas/Id"},
            "tags": {"type": ["array", "null"], "items": {"enum": ["a", "b"]}, "maxItems": 2},
            "n": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
        },
    }
    assert v.validate({"id": "1", "tags": None, "n": None}, schema) == []
    assert v.validate({"id": "1", "tags": ["a", "b"], "n": 3}, schema) == []
    errors = v.validate({"id": "x", "tags": ["c", "a", "b"], "n": 0, "extra": 1}, schema)
    assert len(errors) == 5, errors
    assert v.validate({}, schema) == ["$: missing required property 'id'"]
    both = {"allOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}
    assert v.validate({"a": 1, "b": 2}, both) == []
    assert v.validate({"a": 1, "c": 2}, both) == ["$: unknown property 'c'"]


async def test_global_sync_fetch_channel_and_message_edit(
    fake_discord: FakeDiscord, guild: FakeGuild, start_client
):
    def setup(client: _Client) -> None:
        @client.tree.command(name="ping", description="Ping", nsfw=False)
        @app_commands.default_permissions(manage_guild=True)
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong", ephemeral=True)

    client = await start_client(setup)
    synced = await client.tree.sync()
    assert [c.name for c in synced] == ["ping"]
    assert await client.tree.fetch_commands() and fake_discord.global_commands[0]["name"] == "ping"
    channel = await client.fetch_channel(guild.channel.id)
    assert isinstance(channel, discord.TextChannel) and channel.name == "general"
    message = await channel.send("draft")
    edited = await message.edit(content="final")
    assert edited.content == "final"
    patch = fake_discord.calls("PATCH", f"/channels/{guild.channel.id}/messages/{message.id}")[0]
    assert patch.json["content"] == "final"
    assert fake_discord.violations == []
