"""How the router treats what it cannot or must not run."""

from datetime import datetime

from bot.app import App
from bot.core.commands import general, lookup
from bot.core.model import ChatKind, ChatRef, Incoming, UserRef
from bot.core.registry import CommandSet, Registry
from bot.core.router import Router
from tests.conftest import Chat


def incoming(text: str, kind: ChatKind = ChatKind.PRIVATE, **kw: object) -> Incoming:
    return Incoming(
        chat=ChatRef("test", "-5" if kind is ChatKind.GROUP else "5"),
        kind=kind,
        user=UserRef("test", "5", "Ana"),
        text=text,
        **kw,  # type: ignore[arg-type]
    )


def plain(replies) -> str:  # type: ignore[no-untyped-def]
    from bot.adapters.console import render
    from bot.core.i18n import I18n

    return "\n".join(render(r, I18n()[r.lang or "en"]) for r in replies)


async def test_a_failing_handler_becomes_a_friendly_reply_and_the_bot_goes_on(app: App) -> None:
    broken = CommandSet()

    @broken.command("boom", summary="cmd.random.summary")
    async def boom(ctx, args):  # type: ignore[no-untyped-def]
        raise RuntimeError("database on fire")

    app.services.registry = Registry(general.commands, lookup.commands, broken)
    router = Router(app.services)
    out = plain(await router.handle(incoming("/boom")))
    assert "something went wrong" in out
    assert "database on fire" not in out
    assert "Warsaw" in plain(await router.handle(incoming("/date 14 May")))


async def test_commands_addressed_to_this_bot_or_another(app: App) -> None:
    router = Router(app.services, bot_username="ColdWarBot")
    assert "On this day" in plain(await router.handle(incoming("/today@ColdWarBot", ChatKind.GROUP)))
    assert "On this day" in plain(await router.handle(incoming("/TODAY@coldwarbot", ChatKind.GROUP)))
    assert await router.handle(incoming("/today@SomeOtherBot", ChatKind.GROUP)) == []


async def test_group_chatter_not_meant_for_the_bot_gets_no_answer(app: App) -> None:
    router = Router(app.services)
    assert await router.handle(incoming("hello all", ChatKind.GROUP, addressed=False)) == []
    assert await router.handle(incoming("/otherbotcommand", ChatKind.GROUP, addressed=False)) == []
    assert "/help" in plain(await router.handle(incoming("/otherbotcommand", ChatKind.GROUP, addressed=True)))
    assert "On this day" in plain(await router.handle(incoming("/today", ChatKind.GROUP, addressed=False)))
    assert "/help" in plain(await router.handle(incoming("hello bot", ChatKind.GROUP, addressed=True)))
    assert "/help" in plain(await router.handle(incoming("hello")))


async def test_admin_only_commands_in_groups_ask_the_adapter_lazily(app: App) -> None:
    asked: list[bool] = []

    async def not_admin() -> bool:
        asked.append(True)
        return False

    router = Router(app.services)
    await router.handle(incoming("/today", ChatKind.GROUP, is_admin=not_admin))
    assert asked == []  # nobody pays for an admin check on an open command
    out = plain(await router.handle(incoming("/lang ro", ChatKind.GROUP, is_admin=not_admin)))
    assert asked == [True]
    assert "Only the group's admins can use /lang" in out


async def test_the_first_language_hint_sets_a_new_chats_language(app: App) -> None:
    router = Router(app.services)
    out = plain(await router.handle(incoming("/date 14 mai", language_hint="ro-RO")))
    assert "Semnarea Tratatului de la Varșovia" in out
    # the hint only seeds a new chat: later hints do not override its setting
    out = plain(await router.handle(incoming("/date 14 mai", language_hint="en")))
    assert "Semnarea Tratatului de la Varșovia" in out


async def test_the_chat_and_user_are_remembered(app: App, chat: Chat) -> None:
    await chat.say("/start")
    assert await app.services.users.display_name("console", "1") == "Console user"
    settings = await app.services.chats.get("console", "1")
    assert settings is not None and settings.kind == "private" and settings.lang == "en"
    assert datetime.fromisoformat(app.services.clock.now().isoformat())
