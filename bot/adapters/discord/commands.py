"""The core's registry as discord.py application commands, with Romanian names and descriptions
supplied by a discord.py :class:`~discord.app_commands.Translator` reading the core's catalogs.

Each registry command becomes one ``app_commands.Command`` whose parameters are built from the
command's declared arguments (text, integer ranges, a channel picker, choices, autocomplete), so
Discord validates and offers the right input before the core ever sees it. The callback turns the
values back into the text the core parses (``/quiz 5 cuba``): one parser for every platform.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Optional

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from bot.adapters.discord.render import MAX_COMMAND_DESCRIPTION, is_command_name
from bot.core.commands.names import ARGUMENT_NAMES, COMMAND_NAMES
from bot.core.i18n import DEFAULT_LANGUAGE, I18n
from bot.core.registry import ArgKind, Argument, Command, Registry, Scope

log = logging.getLogger(__name__)

LOCALES: dict[discord.Locale, str] = {discord.Locale.romanian: "ro"}
"""Discord locales we translate into → our language. English is the default text."""
MAX_CHOICE = 100

Run = Callable[[discord.Interaction[Any], Command, dict[str, Any]], Awaitable[None]]
"""Runs a command with the option values Discord sent (by argument name)."""
Suggest = Callable[[discord.Interaction[Any], str, str], Awaitable[list[Choice[str]]]]
"""(interaction, suggestion source, what was typed) → up to 25 choices."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fit(text: str, limit: int) -> str:
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class CatalogTranslator(app_commands.Translator):
    """Command names, descriptions and choice names in the user's Discord language, from the same
    catalogs every other reply uses. A string carries its catalog key in ``extras["key"]``; one
    without a key, a language we lack, or a name Discord would refuse, stays in English."""

    def __init__(self, i18n: I18n) -> None:
        self._i18n = i18n

    async def translate(
        self, string: locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        lang = LOCALES.get(locale)
        key = string.extras.get("key")
        if lang is None or not key:
            return None
        text = self._i18n[lang].t(key)
        if text == key or not text.strip():
            return None
        where = context.location
        if where in (
            app_commands.TranslationContextLocation.command_name,
            app_commands.TranslationContextLocation.parameter_name,
        ):
            if not is_command_name(text):
                log.warning("%s name %r (%s) is not valid on Discord; left in English", lang, text, key)
                return None
            return text
        if where is app_commands.TranslationContextLocation.choice_name:
            return _fit(text, MAX_CHOICE)
        return _fit(text, MAX_COMMAND_DESCRIPTION)


def _english(i18n: I18n, key: str, fallback: str, limit: int) -> locale_str:
    text = i18n[DEFAULT_LANGUAGE].t(key)
    return locale_str(_fit(text if text != key and text.strip() else fallback, limit), key=key)


def _annotation(arg: Argument) -> Any:
    kind: Any
    if arg.kind is ArgKind.INTEGER:
        low = arg.minimum if arg.minimum is not None else -(2**53)
        high = arg.maximum if arg.maximum is not None else 2**53
        kind = app_commands.Range[int, low, high]
    elif arg.kind is ArgKind.CHANNEL:
        kind = discord.TextChannel
    else:
        kind = str
    return kind if arg.required else Optional[kind]  # noqa: UP045 - discord.py reads typing.Optional


def _choices(arg: Argument, i18n: I18n) -> list[Choice[str]]:
    out = []
    for value in arg.choices[:25]:
        key = f"lang.name.{value}" if arg.name == "language" else None
        label = i18n[DEFAULT_LANGUAGE].t(key) if key else value
        out.append(Choice(name=locale_str(_fit(label, MAX_CHOICE), key=key or ""), value=value))
    return out


def _contexts(scope: Scope, user_install: bool) -> app_commands.AppCommandContext:
    private = scope is not Scope.GROUP
    return app_commands.AppCommandContext(
        guild=scope is not Scope.PRIVATE, dm_channel=private, private_channel=private and user_install
    )


def build(
    command: Command, i18n: I18n, run: Run, suggest: Suggest, *, user_install: bool = False
) -> app_commands.Command[Any, ..., None]:
    """One application command for one registry command."""
    if len(command.args) > 25:
        raise ValueError(f"/{command.name} has more than 25 arguments")

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        await run(interaction, command, values)

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    descriptions: dict[str, locale_str] = {}
    renames: dict[str, locale_str] = {}
    choices: dict[str, list[Choice[str]]] = {}
    completers: dict[str, Callable[..., Awaitable[list[Choice[str]]]]] = {}
    for arg in command.args:
        if not is_command_name(arg.name):
            raise ValueError(f"argument name {arg.name!r} of /{command.name} is not valid on Discord")
        default = inspect.Parameter.empty if arg.required else None
        params.append(
            inspect.Parameter(
                arg.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(arg), default=default
            )
        )
        descriptions[arg.name] = _english(i18n, arg.help, arg.name, MAX_COMMAND_DESCRIPTION)
        renames[arg.name] = locale_str(arg.name, key=ARGUMENT_NAMES.get(arg.name, ""))
        if arg.choices and arg.kind is ArgKind.TEXT:
            choices[arg.name] = _choices(arg, i18n)
        elif arg.suggest and arg.kind is ArgKind.TEXT:
            completers[arg.name] = _completer(suggest, arg.suggest)
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_rename__ = renames  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_autocomplete__ = completers  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = f"slash_{command.name}"
    app_command: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=locale_str(command.name, key=COMMAND_NAMES.get(command.name, "")),
        description=_english(i18n, command.summary, command.name, MAX_COMMAND_DESCRIPTION),
        callback=callback,
        allowed_contexts=_contexts(command.scope, user_install),
        allowed_installs=app_commands.AppInstallationType(guild=True, user=user_install),
    )
    if command.admin_only:
        # Hidden from members without Manage Server by default (server admins can change that in
        # Integrations); the core checks again, so a changed default cannot let anyone through.
        app_command.default_permissions = discord.Permissions(manage_guild=True)
    return app_command


def _completer(suggest: Suggest, source: str) -> Callable[..., Awaitable[list[Choice[str]]]]:
    async def complete(interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        return await suggest(interaction, source, current)

    return complete


def build_all(
    registry: Registry, i18n: I18n, run: Run, suggest: Suggest, *, user_install: bool = False
) -> list[app_commands.Command[Any, ..., None]]:
    """Every registry command (aliases are typed shortcuts; Discord's menu needs none)."""
    built = [build(c, i18n, run, suggest, user_install=user_install) for c in registry]
    if len(built) > 100:
        raise ValueError(f"{len(built)} commands; Discord allows 100")
    return built


def text_of(command: Command, values: dict[str, Any]) -> str:
    """``/name v1 v2`` in the order the command declares its arguments; channel arguments travel
    beside the text (``Incoming.target``), never in it."""
    words = [f"/{command.name}"]
    for arg in command.args:
        value = values.get(arg.name)
        if value is None or arg.kind is ArgKind.CHANNEL:
            continue
        text = _one_line(str(value))
        if text:
            words.append(text)
    return " ".join(words)


def channel_of(command: Command, values: dict[str, Any]) -> Any | None:
    for arg in command.args:
        if arg.kind is ArgKind.CHANNEL and values.get(arg.name) is not None:
            return values[arg.name]
    return None


async def payload(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None
) -> list[dict[str, Any]]:
    """The commands exactly as ``tree.sync`` uploads them (translated), for hashing."""
    commands: Sequence[Any] = tree.get_commands(guild=guild)
    translator = tree.translator
    if translator is None:
        return [c.to_dict(tree) for c in commands]
    return [await c.get_translated_payload(tree, translator) for c in commands]
