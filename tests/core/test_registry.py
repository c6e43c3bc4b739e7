import pytest

from bot.core.commands import build_registry
from bot.core.i18n import I18n
from bot.core.model import ChatKind
from bot.core.registry import Command, CommandSet, Registry, Scope


async def _noop(ctx, args):  # type: ignore[no-untyped-def]
    return []


def test_a_name_or_alias_declared_twice_is_refused() -> None:
    one, two = CommandSet(), CommandSet()
    one.command("today", summary="cmd.today.summary")(_noop)
    two.command("daily", summary="cmd.today.summary", aliases=("today",))(_noop)
    with pytest.raises(ValueError, match="declared twice"):
        Registry(one, two)


def test_names_must_fit_every_platform() -> None:
    bad = CommandSet()
    bad.command("Today", summary="x")(_noop)
    with pytest.raises(ValueError):
        Registry(bad)


def test_aliases_find_the_same_command() -> None:
    registry = build_registry()
    assert registry.find("fact") is registry.find("search")
    assert registry.find("SEARCH") is registry.find("search")
    assert registry.find("nope") is None


def test_every_command_summary_fits_telegram_and_discord_menus() -> None:
    # Telegram: 1-256 characters; Discord: 1-100. Names: 1-32 lowercase.
    i18n = I18n()
    for command in build_registry():
        assert 1 <= len(command.name) <= 32
        for lang in i18n.languages:
            summary = i18n[lang].t(command.summary)
            assert 3 <= len(summary) <= 100, (command.name, lang, summary)
            assert summary != command.summary, f"{command.summary} is not translated in {lang}"


def test_scope_decides_where_a_command_is_listed() -> None:
    sets = CommandSet()
    sets.command("mine", summary="s", scope=Scope.PRIVATE)(_noop)
    sets.command("ours", summary="s", scope=Scope.GROUP)(_noop)
    sets.command("all", summary="s")(_noop)
    registry = Registry(sets)
    assert [c.name for c in registry.for_chat(ChatKind.PRIVATE)] == ["mine", "all"]
    assert [c.name for c in registry.for_chat(ChatKind.GROUP)] == ["ours", "all"]
    assert isinstance(registry.find("all"), Command)
