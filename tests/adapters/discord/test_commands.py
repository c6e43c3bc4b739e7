"""Application commands derived from the registry through discord.py's own app_commands, with the
Romanian names and descriptions its Translator supplies from the core's catalogs: checked against
Discord's rules on the exact payload ``CommandTree.sync`` uploads."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.adapters.discord.commands import CatalogTranslator, build, build_all, payload, text_of
from bot.adapters.discord.render import command_hash, is_command_name
from bot.app import App
from bot.core.commands.names import ARGUMENT_NAMES, COMMAND_NAMES
from bot.core.i18n import I18n
from bot.core.registry import ArgKind, Argument, Command, Scope

MANAGE_GUILD = 1 << 5


async def _nothing(*_: Any) -> None:
    return None


async def _no_suggestions(*_: Any) -> list[app_commands.Choice[str]]:
    return []


async def _uploaded(app: App, i18n: I18n, commands: list[Any] | None = None) -> list[dict[str, Any]]:
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    for command in commands or build_all(app.services.registry, i18n, _nothing, _no_suggestions):
        tree.add_command(command)
    await tree.set_translator(CatalogTranslator(i18n))
    return await payload(tree, None)


def check_command(entry: dict[str, Any]) -> None:
    assert entry["type"] == 1
    assert is_command_name(entry["name"])
    assert 1 <= len(entry["description"]) <= 100
    for name in (entry.get("name_localizations") or {}).values():
        assert is_command_name(name)
    for text in (entry.get("description_localizations") or {}).values():
        assert 1 <= len(text) <= 100
    options = entry.get("options", [])
    assert len(options) <= 25
    assert len({o["name"] for o in options}) == len(options)
    required = [o.get("required", False) for o in options]
    assert required == sorted(required, reverse=True), "required options come first"
    for o in options:
        assert o["type"] in (3, 4, 7) and is_command_name(o["name"]) and 1 <= len(o["description"]) <= 100
        for name in (o.get("name_localizations") or {}).values():
            assert is_command_name(name)
        choices = o.get("choices", [])
        assert len(choices) <= 25
        for c in choices:
            assert 1 <= len(c["name"]) <= 100 and 1 <= len(str(c["value"])) <= 100
    length = len(entry["name"]) + len(entry["description"])
    length += sum(len(o["name"]) + len(o["description"]) for o in options)
    assert length <= 4000


async def test_every_registry_command_with_typed_options(app: App, i18n: I18n) -> None:
    uploaded = await _uploaded(app, i18n)
    for entry in uploaded:
        check_command(entry)
    by_name = {e["name"]: e for e in uploaded}
    assert sorted(by_name) == sorted(c.name for c in app.services.registry)
    assert "fact" not in by_name  # aliases are typed shortcuts, not menu entries
    options = {name: {o["name"]: o for o in e.get("options", [])} for name, e in by_name.items()}
    count = options["quiz"]["count"]
    assert (count["type"], count["min_value"], count["max_value"], count["required"]) == (4, 1, 20, False)
    assert (options["year"]["year"]["min_value"], options["year"]["year"]["max_value"]) == (1945, 1991)
    assert options["event"]["id"]["autocomplete"] is True
    assert options["search"]["words"]["autocomplete"] is True
    assert options["subscribe"]["timezone"]["autocomplete"] is True
    channel = options["subscribe"]["channel"]
    assert channel["type"] == 7 and set(channel["channel_types"]) == {0, 5}
    assert [c["value"] for c in options["lang"]["language"]["choices"]] == ["en", "ro"]
    ro_name = i18n["ro"].t("lang.name.ro")
    assert options["lang"]["language"]["choices"][1]["name_localizations"] == {"ro": ro_name}


async def test_romanian_names_and_descriptions_come_from_the_catalogs(app: App, i18n: I18n) -> None:
    by_name = {e["name"]: e for e in await _uploaded(app, i18n)}
    today = by_name["today"]
    assert today["name_localizations"] == {"ro": "azi"}
    assert today["description"] == i18n["en"].t("cmd.today.summary")[:100]
    assert today["description_localizations"] == {"ro": i18n["ro"].t("cmd.today.summary")[:100]}
    assert by_name["timezone"]["name_localizations"] == {"ro": "fus-orar"}
    quiz = {o["name"]: o for o in by_name["quiz"]["options"]}
    assert quiz["count"]["name_localizations"] == {"ro": "număr"}
    names = [e["name_localizations"]["ro"] for e in by_name.values()]
    assert len(set(names)) == len(names)


async def test_who_may_run_what_and_where(app: App, i18n: I18n) -> None:
    by_name = {e["name"]: e for e in await _uploaded(app, i18n)}
    admin_only = {c.name for c in app.services.registry if c.admin_only}
    assert admin_only >= {"subscribe", "unsubscribe", "timezone", "lang"}
    for name, entry in by_name.items():
        expected = str(MANAGE_GUILD) if name in admin_only else None
        got = entry.get("default_member_permissions")
        assert (str(got) if got is not None else None) == expected, name
    assert by_name["study"]["contexts"] == [1]  # private only: the bot's DMs
    assert sorted(by_name["today"]["contexts"]) == [0, 1]
    assert by_name["today"]["integration_types"] == [0]


def test_every_command_and_argument_has_a_localized_name(app: App, i18n: I18n) -> None:
    missing = [c.name for c in app.services.registry if c.name not in COMMAND_NAMES]
    missing += [a.name for c in app.services.registry for a in c.args if a.name not in ARGUMENT_NAMES]
    assert not missing
    for key in [*COMMAND_NAMES.values(), *ARGUMENT_NAMES.values()]:
        assert is_command_name(i18n["ro"].t(key)), key
        assert i18n["en"].t(key) == key.split(".", 1)[1]


async def test_a_bad_localized_name_stays_english(app: App, i18n: I18n) -> None:
    translator = CatalogTranslator(i18n)
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_name, None)
    assert (
        await translator.translate(
            app_commands.locale_str("x", key="cmd.today.summary"), discord.Locale.romanian, context
        )
        is None
    )
    assert (
        await translator.translate(
            app_commands.locale_str("x", key="cmdname.today"), discord.Locale.french, context
        )
        is None
    )


async def test_command_hash_is_stable_and_changes_with_the_set(app: App, i18n: I18n) -> None:
    first, again = await _uploaded(app, i18n), await _uploaded(app, i18n)
    assert command_hash(first) == command_hash(again) == command_hash(list(reversed(first)))
    changed = [dict(first[0], description="other"), *first[1:]]
    assert command_hash(changed) != command_hash(first)


def test_values_become_the_text_the_core_parses(i18n: I18n) -> None:
    async def handler(ctx: Any, args: str) -> list[Any]:
        return []

    command = Command(
        "pair",
        "cmd.today.summary",
        handler,
        args=(
            Argument("b", "arg.id", required=True),
            Argument("a", "arg.count", kind=ArgKind.INTEGER, minimum=1, maximum=3),
            Argument("c", "arg.channel", kind=ArgKind.CHANNEL),
        ),
        scope=Scope.GROUP,
    )
    assert text_of(command, {"a": 2, "b": "  cuba  crisis ", "c": object()}) == "/pair cuba crisis 2"
    assert text_of(command, {"b": "x"}) == "/pair x"
    built = build(command, i18n, _nothing, _no_suggestions)
    assert [p.name for p in built.parameters] == ["b", "a", "c"]
    with pytest.raises(ValueError):
        build(
            Command("bad", "cmd.today.summary", handler, args=(Argument("Bad!", "arg.id"),)),
            i18n,
            _nothing,
            _no_suggestions,
        )
