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
from dataclasses import replace
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters.discord.commands import CatalogTranslator, build_all, channel_of, payload, text_of
from bot.adapters.discord.render import (
    BUTTONS_PER_ROW,
    COMMAND_PREFIX,
    MAX_EMBEDS,
    MAX_LABEL,
    QUIZ_TEMPLATE,
    Out,
    command_hash,
    custom_id,
    parse_quiz_custom_id,
    render,
    reveal_embed,
)
from bot.app import App
from bot.core.digest.delivery import Limits, RetryLater, Undeliverable
from bot.core.i18n import DEFAULT_LANGUAGE, normalize_language
from bot.core.model import (
    Block,
    ChatKind,
    ChatRef,
    Incoming,
    Message,
    Outgoing,
    QuizPrompt,
    QuizReveal,
    Reply,
    UserRef,
)
from bot.core.registry import Command
from bot.core.suggest import suggest
from storage.mappings import TOKEN_PREFIX, MappingStore
from storage.meta import MetaStore

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEFER_AFTER = 2.0
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
        adapter = _adapter(interaction)
        command: str | None = self.command
        if self.command.startswith(TOKEN_PREFIX):
            command = await adapter.mappings.command_for(self.command)
        if command is None:  # a token this database never issued: say so rather than fail
            command = "/help"
        await adapter.run_command(interaction, command)


POST_PERMISSIONS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)
"""What posting a digest in a channel takes, with Discord's own names for them."""


def _missing_permissions(channel: Any | None) -> tuple[str, ...]:
    """The posting permissions the bot lacks in ``channel`` (when the server is in the cache)."""
    guild = getattr(channel, "guild", None)
    me = getattr(guild, "me", None)
    if channel is None or me is None or not hasattr(channel, "permissions_for"):
        return ()
    granted = channel.permissions_for(me)
    return tuple(label for flag, label in POST_PERMISSIONS if not getattr(granted, flag))


class DiscordTransport:
    """How the digest scheduler posts to Discord, with Discord's errors mapped onto its outcomes."""

    platform = PLATFORM
    limits = Limits(per_second=45.0, per_chat_interval=1.0, group_per_minute=None)
    """Within Discord's global 50 requests/s, leaving room for interactions; 1 post/s per channel."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self._adapter = adapter

    async def send(self, chat: ChatRef, message: Message, *, target: str | None = None) -> None:
        try:
            await self._adapter.deliver(target or chat.chat_id, message)
        except discord.Forbidden as exc:
            raise Undeliverable(f"no permission to post ({exc.text or exc.status})") from exc
        except discord.NotFound as exc:
            raise Undeliverable(f"the channel is gone ({exc.text or exc.status})") from exc
        except discord.HTTPException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise RetryLater(str(exc)) from exc
            raise
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryLater(str(exc) or type(exc).__name__) from exc


class DiscordAdapter(discord.AutoShardedClient):
    def __init__(
        self,
        app: App,
        token: str,
        *,
        dev_guild: int | None = None,
        defer_after: float = DEFER_AFTER,
        **options: Any,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        options.setdefault("allowed_mentions", NO_MENTIONS)
        super().__init__(intents=intents, **options)
        self.app = app
        self.token = token
        self.dev_guild = dev_guild
        self.defer_after = defer_after
        """Seconds to wait for the core before deferring (Discord wants an answer within 3 s)."""
        self.synced: bool | None = None
        """Whether the last ``setup_hook`` uploaded the commands (``None`` before it ran)."""
        self.meta = MetaStore(app.db)
        self.mappings = MappingStore(app.db)
        self.tree: app_commands.CommandTree[DiscordAdapter] = app_commands.CommandTree(self)
        services = app.services
        for command in build_all(services.registry, services.i18n, self._run_slash, self._suggest):
            self.tree.add_command(command)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self._runner: asyncio.Task[None] | None = None

    # ---- lifecycle ---------------------------------------------------------------------------

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # one process, few shards: no need to sleep between identifies

    async def setup_hook(self) -> None:
        self.add_dynamic_items(QuizButton, CommandButton)
        await self.tree.set_translator(CatalogTranslator(self.app.services.i18n))
        await self.sync_commands()
        self.app.services.digest.register(DiscordTransport(self))
        self.app.attach(PLATFORM, self._deliver_outgoing)

    async def sync_commands(self) -> bool:
        """Upload the application commands when they changed since the last upload (a hash of
        exactly what would be uploaded is kept in the database)."""
        guild = discord.Object(self.dev_guild) if self.dev_guild is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        digest = command_hash(await payload(self.tree, guild))
        key = f"{HASH_KEY}.{self.dev_guild or 'global'}"
        if await self.meta.get(key) == digest:
            self.synced = False
            return False
        uploaded = await self.tree.sync(guild=guild)
        await self.meta.put(key, digest, self.app.services.clock.now())
        log.info(
            "uploaded %d application commands%s",
            len(uploaded),
            f" to guild {self.dev_guild}" if guild else "",
        )
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
        await self.app.detach(PLATFORM)
        await super().close()

    # ---- interactions in ---------------------------------------------------------------------

    def _incoming(
        self, interaction: discord.Interaction[Any], text: str, target: Any | None = None
    ) -> Incoming:
        user = interaction.user
        in_guild = interaction.guild_id is not None
        admin = bool(in_guild and interaction.permissions.manage_guild)

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
            target=str(target.id) if target is not None else None,
            target_name=str(getattr(target, "name", "")) or None if target is not None else None,
            target_missing=_missing_permissions(target),
        )

    async def _run_slash(
        self, interaction: discord.Interaction[Any], command: Command, values: dict[str, Any]
    ) -> None:
        channel = channel_of(command, values)
        guild = getattr(channel, "guild", None)
        if guild is not None and guild.id != interaction.guild_id:
            channel = None  # Discord only offers this server's channels; never trust otherwise
        await self.run_command(interaction, text_of(command, values), target=channel)

    async def _suggest(
        self, interaction: discord.Interaction[Any], source: str, typed: str
    ) -> list[app_commands.Choice[str]]:
        # Called on every keystroke: the user's own locale decides; the chat's settings are read
        # only when Discord sent a locale we have no catalog for.
        lang = normalize_language(interaction.locale.value if interaction.locale else None)
        if lang is None:
            chat_id = str(interaction.channel_id or interaction.user.id)
            settings = await self.app.services.chats.get(PLATFORM, chat_id)
            lang = settings.lang if settings else DEFAULT_LANGUAGE
        found = await suggest(self.app.services, source, typed, lang)
        return [app_commands.Choice(name=s.label, value=s.value) for s in found]

    async def _on_tree_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """A command that failed inside discord.py (a bad option value, a handler that raised):
        the user still gets a friendly answer in their language, and the bot keeps running."""
        log.error("application command failed: %r", error, exc_info=error)
        lang = (
            normalize_language(interaction.locale.value if interaction.locale else None) or DEFAULT_LANGUAGE
        )
        text = self.app.services.i18n[lang].t("error.internal")
        with contextlib.suppress(discord.HTTPException):
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)

    async def run_command(
        self,
        interaction: discord.Interaction[Any],
        text: str,
        *,
        force_ephemeral: bool = False,
        target: Any | None = None,
    ) -> None:
        """Hand ``text`` to the core as the interaction's user and answer with its replies; when the
        core takes longer than ``defer_after`` the interaction is deferred first (a "thinking" state
        Discord shows), so it is always answered within Discord's 3 seconds."""
        handling = asyncio.ensure_future(self.app.handle(self._incoming(interaction, text, target)))
        try:
            replies = await asyncio.wait_for(asyncio.shield(handling), self.defer_after)
        except TimeoutError:
            await interaction.response.defer(ephemeral=force_ephemeral, thinking=True)
            replies = await handling
        await self._respond(interaction, replies, force_ephemeral=force_ephemeral)

    async def _respond(
        self, interaction: discord.Interaction[Any], replies: Sequence[Reply], *, force_ephemeral: bool
    ) -> None:
        parts: list[tuple[Out, Message]] = []
        for reply in replies:
            parts.extend((part, reply) for part in render(reply, self._tr(reply)))
        if not parts:
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
            with contextlib.suppress(discord.HTTPException):
                await interaction.delete_original_response()
            return
        for part, reply in parts:
            kwargs = await self._send_kwargs(part)
            ephemeral = force_ephemeral or part.ephemeral
            sent: discord.Message | None
            if not interaction.response.is_done():
                response = await interaction.response.send_message(ephemeral=ephemeral, **kwargs)
                resource = response.resource if response is not None else None
                sent = resource if isinstance(resource, discord.Message) else None
            else:
                sent = await interaction.followup.send(ephemeral=ephemeral, wait=True, **kwargs)
            if sent is not None and not ephemeral:
                await self._remember_prompts(reply, part, sent)

    def _tr(self, reply: Message) -> Any:
        return self.app.services.i18n[reply.lang or DEFAULT_LANGUAGE]

    # ---- messages out ------------------------------------------------------------------------

    async def _send_kwargs(self, part: Out) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if part.content is not None:
            kwargs["content"] = part.content
        if part.embeds:
            kwargs["embeds"] = list(part.embeds)
        view = await self._view(part)
        if view is not None:
            kwargs["view"] = view
        return kwargs

    async def _view(self, part: Out) -> discord.ui.View | None:
        """The part's buttons as dynamic items (so no per-message view is kept in memory), or
        ``None``. A command too long for a ``custom_id`` is stored and sent as a short token."""
        if not part.buttons:
            return None
        view = discord.ui.View(timeout=None)
        for index, (label, command) in enumerate(part.buttons):
            value = custom_id(command)
            if value is None:
                token = await self.mappings.token_for(command, self.app.services.clock.now())
                value = COMMAND_PREFIX + token
            quiz = parse_quiz_custom_id(value)
            item: discord.ui.Item[Any] = (
                QuizButton(quiz[0], quiz[1], label)
                if quiz is not None
                else CommandButton(value[len(COMMAND_PREFIX) :], label)
            )
            item.row = index // BUTTONS_PER_ROW
            view.add_item(item)
        return view if view.children else None

    async def _remember_prompts(self, reply: Message, part: Out, sent: discord.Message) -> None:
        """Remember where each group question was posted, to edit that message when it closes."""
        rounds = {parse_quiz_custom_id(custom_id(c) or "") for _label, c in part.buttons}
        for block in reply.blocks:
            if isinstance(block, QuizPrompt) and (block.round_id, 1) in rounds:
                await self.mappings.remember_poll(
                    PLATFORM,
                    f"message:{sent.id}",
                    str(sent.channel.id),
                    block.round_id,
                    str(sent.id),
                    self.app.services.clock.now(),
                )

    async def _deliver_outgoing(self, item: Outgoing) -> None:
        if item.chat.platform == PLATFORM:
            await self.deliver(item.chat.chat_id, item.reply)

    async def deliver(self, chat_id: str, message: Message) -> None:
        """Post one core message to a channel (timers, digests): every part, in order. A quiz
        reveal edits the question's own message instead (buttons disabled, the right one marked,
        who got it right); when that message cannot be edited, the reveal is posted."""
        channel_id = int(chat_id)
        kept: list[Block] = []
        for block in message.blocks:
            if isinstance(block, QuizReveal) and await self._edit_question(block, message):
                continue
            kept.append(block)
        if not kept and not message.buttons:
            return
        message = replace(message, blocks=tuple(kept))
        channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise Undeliverable(f"channel {chat_id} cannot receive messages")
        for part in render(message, self._tr(message)):
            sent = await channel.send(**await self._send_kwargs(part))
            await self._remember_prompts(message, part, sent)

    async def _edit_question(self, reveal: QuizReveal, message: Message) -> bool:
        ref = await self.mappings.poll_for_round(PLATFORM, reveal.round_id)
        if ref is None or ref.message_id is None:
            return False
        try:
            channel = self.get_partial_messageable(int(ref.chat_id))
            original = await channel.fetch_message(int(ref.message_id))
            view = closed_view(original, reveal.round_id, reveal.correct)
            asked = [embed.copy().remove_footer() for embed in original.embeds[: MAX_EMBEDS - 1]]
            embeds = [*asked, reveal_embed(reveal, self._tr(message))]  # no how-to-answer hint left
            await original.edit(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not edit the question of round %s: %s", reveal.round_id, exc)
            return False
        return True


def closed_view(original: discord.Message, round_id: int, correct: int) -> discord.ui.View:
    """The question's buttons, disabled, the right answer in green with a check mark."""
    view = discord.ui.View(timeout=None)
    for row_index, row in enumerate(original.components):
        for child in getattr(row, "children", ()):
            value = getattr(child, "custom_id", None) or ""
            quiz = parse_quiz_custom_id(value)
            if quiz is None or quiz[0] != round_id:
                continue
            right = quiz[1] == correct + 1
            label = getattr(child, "label", None) or str(quiz[1])
            view.add_item(
                discord.ui.Button(
                    label=(f"✅ {label}" if right else label)[:MAX_LABEL],
                    style=discord.ButtonStyle.success if right else discord.ButtonStyle.secondary,
                    custom_id=value,
                    disabled=True,
                    row=row_index,
                )
            )
    return view
