"""The Discord adapter: discord.py 2 translating interactions into the core's ``Incoming`` and the
core's replies into messages with embeds and buttons (see :mod:`bot.adapters.discord.render`).

It is an ``AutoShardedClient`` holding an :class:`~bot.app.App` (the app is not a client). Slash
commands and buttons are the only way in: no message-content intent, only ``guilds``. Application
commands come from the core's registry and are uploaded in ``setup_hook`` only when their hash
differs from the one stored in the database (never in ``on_ready``, which fires on every resume).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.render import (
    COMMAND_PREFIX,
    QUIZ_TEMPLATE,
    Out,
    app_commands_spec,
    command_hash,
    custom_id,
    parse_quiz_custom_id,
    render,
)
from bot.app import App
from bot.core.digest.delivery import Limits, RetryLater, Undeliverable
from bot.core.i18n import DEFAULT_LANGUAGE
from bot.core.model import ChatKind, ChatRef, Incoming, Message, Outgoing, Reply, UserRef

log = logging.getLogger(__name__)

PLATFORM = "discord"
APPLICATION_COMMAND = 2
AUTOCOMPLETE = 4
MAX_AUTOCOMPLETE = 25
HASH_KEY = "discord.commands.hash"
COMMAND_TEMPLATE = r"cw:(?P<command>.+)"
NO_MENTIONS = discord.AllowedMentions.none()


def _adapter(interaction: discord.Interaction[Any]) -> DiscordAdapter:
    client = interaction.client
    assert isinstance(client, DiscordAdapter)
    return client


class QuizButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=QUIZ_TEMPLATE):
    """A quiz choice: ``/answer {choice} #{round}`` as the clicking user, answered privately."""

    def __init__(self, round_id: int, choice: int, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or str(choice),
                style=discord.ButtonStyle.primary,
                custom_id=f"cwq:{round_id}:{choice}",
            )
        )
        self.round_id = round_id
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> QuizButton:
        return cls(int(match["round"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter = _adapter(interaction)
        text = f"/answer {self.choice} #{self.round_id}"
        await adapter.run_command(interaction, text, force_ephemeral=True)


class CommandButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=COMMAND_TEMPLATE):
    """A button that sends a command, run as whoever clicks it."""

    def __init__(self, command: str, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or command,
                style=discord.ButtonStyle.secondary,
                custom_id=COMMAND_PREFIX + command,
            )
        )
        self.command = command

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CommandButton:
        return cls(match["command"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _adapter(interaction).run_command(interaction, self.command)


def _view(part: Out) -> discord.ui.View | None:
    """The part's buttons as dynamic items (so no per-message view is stored), or ``None``."""
    if not part.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for index, (label, command) in enumerate(part.buttons):
        value = custom_id(command)
        if value is None:
            log.warning("no custom_id fits the command %r; button left out", command)
            continue
        quiz = parse_quiz_custom_id(value)
        item: discord.ui.Item[Any] = (
            QuizButton(quiz[0], quiz[1], label)
            if quiz is not None
            else CommandButton(value[len(COMMAND_PREFIX) :], label)
        )
        item.row = index // 5
        view.add_item(item)
    return view if view.children else None


def _send_kwargs(part: Out) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    if part.content is not None:
        kwargs["content"] = part.content
    if part.embeds:
        kwargs["embeds"] = list(part.embeds)
    view = _view(part)
    if view is not None:
        kwargs["view"] = view
    return kwargs


def _as_sent(spec: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The command spec as uploaded: ``default_member_permissions`` as an integer, as discord.py
    sends it and as Discord's OpenAPI document types it (render keeps the documented digit string)."""
    out = []
    for entry in spec:
        perms = entry.get("default_member_permissions")
        out.append({**entry, "default_member_permissions": int(perms)} if isinstance(perms, str) else entry)
    return out


class DiscordTransport:
    """How the digest scheduler posts to Discord, with Discord's errors mapped onto its outcomes."""

    platform = PLATFORM
    limits = Limits(per_second=45.0, per_chat_interval=1.0, group_per_minute=None)

    def __init__(self, adapter: DiscordAdapter) -> None:
        self._adapter = adapter

    async def send(self, chat: ChatRef, message: Message, *, target: str | None = None) -> None:
        try:
            await self._adapter.deliver(target or chat.chat_id, message)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise Undeliverable(str(exc)) from exc
        except discord.HTTPException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise RetryLater(str(exc)) from exc
            raise
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(str(exc) or type(exc).__name__) from exc


class DiscordAdapter(discord.AutoShardedClient):
    def __init__(self, app: App, token: str, *, dev_guild: int | None = None, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        options.setdefault("allowed_mentions", NO_MENTIONS)
        super().__init__(intents=intents, **options)
        self.app = app
        self.token = token
        self.dev_guild = dev_guild
        self.synced: bool | None = None
        """Whether the last ``setup_hook`` uploaded the commands (``None`` before it ran)."""
        self._spec = app_commands_spec(app.services.registry, app.services.i18n)
        self._options = {c["name"]: [o["name"] for o in c.get("options", [])] for c in self._spec}
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: asyncio.Task[None] | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # one process, few shards: no need to sleep between identifies

    async def setup_hook(self) -> None:
        self.add_dynamic_items(QuizButton, CommandButton)
        await self.sync_commands()
        self.app.services.digest.register(DiscordTransport(self))
        self._tasks.append(asyncio.create_task(self.app.run_timers(self._deliver_outgoing)))

    async def sync_commands(self) -> bool:
        """Upload the application commands when they changed since the last upload."""
        db = self.app.db
        await db.write("CREATE TABLE IF NOT EXISTS platform_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        digest = command_hash(self._spec)
        key = f"{HASH_KEY}.{self.dev_guild or 'global'}"
        row = db.reader.execute("SELECT value FROM platform_meta WHERE key = ?", (key,)).fetchone()
        if row is not None and row[0] == digest:
            self.synced = False
            return False
        application_id = self.application_id
        assert application_id is not None, "login first"
        if self.dev_guild is not None:
            await self.http.bulk_upsert_guild_commands(application_id, self.dev_guild, _as_sent(self._spec))
        else:
            await self.http.bulk_upsert_global_commands(application_id, _as_sent(self._spec))
        await db.write(
            "INSERT INTO platform_meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, digest),
        )
        log.info("uploaded %d application commands", len(self._spec))
        self.synced = True
        return True

    async def start(
        self, token: str | None = None, *, reconnect: bool = True, ready_timeout: float = 60.0
    ) -> None:
        """Log in, connect in the background and return once READY (and the guilds) arrived."""
        await self.login(token or self.token)
        self._runner = asyncio.create_task(self.connect(reconnect=reconnect))
        ready = asyncio.create_task(self.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._runner}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            if self._runner in done:
                self._runner.result()  # the connection's error
            raise TimeoutError("Discord did not become ready in time")

    async def stop(self) -> None:
        await self.close()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._runner, timeout=10)
            self._runner = None

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await super().close()

    # ---- interactions in ---------------------------------------------------------------------

    def _incoming(self, interaction: discord.Interaction[Any], text: str) -> Incoming:
        user = interaction.user
        in_guild = interaction.guild_id is not None
        permissions = interaction.permissions
        admin = bool(in_guild and permissions.manage_guild)

        async def is_admin() -> bool:
            return admin

        channel_id = interaction.channel_id or user.id
        return Incoming(
            chat=ChatRef(PLATFORM, str(channel_id)),
            kind=ChatKind.GROUP if in_guild else ChatKind.PRIVATE,
            user=UserRef(PLATFORM, str(user.id), user.display_name),
            text=text,
            language_hint=interaction.locale.value if interaction.locale else None,
            addressed=True,
            is_admin=is_admin,
        )

    def command_text(self, data: dict[str, Any]) -> str:
        """``/name opt1 opt2`` with the options in the order the command declares them."""
        name = str(data.get("name", ""))
        given = {str(o.get("name")): o.get("value") for o in data.get("options") or [] if "value" in o}
        order = self._options.get(name, [])
        values = [given.pop(n) for n in order if n in given]
        values.extend(given.values())
        words = [str(v).strip() for v in values if v is not None and str(v).strip()]
        return " ".join([f"/{name}", *words])

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        if interaction.type.value == APPLICATION_COMMAND:
            await self.run_command(interaction, self.command_text(data))
        elif interaction.type.value == AUTOCOMPLETE:
            await self._autocomplete(interaction, data)

    async def _autocomplete(self, interaction: discord.Interaction[Any], data: dict[str, Any]) -> None:
        focused = next((o for o in data.get("options") or [] if o.get("focused")), None)
        choices: list[discord.app_commands.Choice[str]] = []
        if data.get("name") == "event" and focused is not None:
            typed = str(focused.get("value") or "").strip().lower()
            ids = await self.app.services.content.event_ids()
            choices = [
                discord.app_commands.Choice(name=i[:100], value=i[:100])
                for i in ids
                if i.lower().startswith(typed)
            ][:MAX_AUTOCOMPLETE]
        await interaction.response.autocomplete(choices)

    async def run_command(
        self, interaction: discord.Interaction[Any], text: str, *, force_ephemeral: bool = False
    ) -> None:
        """Hand ``text`` to the core as the interaction's user and answer with its replies."""
        try:
            replies = await self.app.handle(self._incoming(interaction, text))
        except Exception:
            log.exception("handling %r failed", text)
            replies = []
        await self._respond(interaction, replies, force_ephemeral=force_ephemeral)

    async def _respond(
        self, interaction: discord.Interaction[Any], replies: Sequence[Reply], *, force_ephemeral: bool
    ) -> None:
        parts: list[Out] = []
        for reply in replies:
            parts.extend(render(reply, self._tr(reply)))
        if not parts:
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
                with contextlib.suppress(discord.HTTPException):
                    await interaction.delete_original_response()
            return
        for part in parts:
            kwargs = _send_kwargs(part)
            ephemeral = force_ephemeral or part.ephemeral
            if not interaction.response.is_done():
                await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
            else:
                await interaction.followup.send(ephemeral=ephemeral, **kwargs)

    def _tr(self, reply: Message) -> Any:
        return self.app.services.i18n[reply.lang or DEFAULT_LANGUAGE]

    # ---- messages out ------------------------------------------------------------------------

    async def _deliver_outgoing(self, item: Outgoing) -> None:
        if item.chat.platform == PLATFORM:
            await self.deliver(item.chat.chat_id, item.reply)

    async def deliver(self, chat_id: str, message: Message) -> None:
        """Post one core message to a channel (timers, digests): every part, in order."""
        channel_id = int(chat_id)
        channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise Undeliverable(f"channel {chat_id} cannot receive messages")
        for part in render(message, self._tr(message)):
            await channel.send(**_send_kwargs(part))
