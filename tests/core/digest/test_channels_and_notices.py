"""A digest posted in another channel of the server, and the admin told, on their next command and
only once, when it had to be paused because the bot may not post there."""

from __future__ import annotations

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.digest.delivery import Undeliverable
from bot.core.model import ChatKind, ChatRef, Incoming, Message, UserRef
from tests.conftest import Chat
from tests.core.digest.test_scheduler import at, wire


async def _admin() -> bool:
    return True


def _from_admin(
    text: str, *, chat: str = "-100", target: str | None = None, name: str | None = None
) -> Incoming:
    return Incoming(
        chat=ChatRef("console", chat),
        kind=ChatKind.GROUP,
        user=UserRef("console", "42", "Ana"),
        text=text,
        is_admin=_admin,
        target=target,
        target_name=name,
    )


def _texts(app: App, replies: list) -> list[str]:  # type: ignore[type-arg]
    render = Chat(app).session.render
    return [render(r) for r in replies if isinstance(r, Message)]


async def test_a_channel_digest_posts_there_and_a_pause_is_told_once(app: App, clock: FixedClock) -> None:
    transport = wire(app, clock)
    targets: list[str | None] = []
    send = transport.send

    async def recording(chat: ChatRef, message: Message, *, target: str | None = None) -> None:
        targets.append(target)
        await send(chat, message, target=target)

    transport.send = recording  # type: ignore[method-assign]
    clock.set(at("2026-05-14T08:00:00+03:00"))
    replies = await app.handle(_from_admin("/subscribe 09:00 Europe/Bucharest", target="555", name="history"))
    assert "It posts in #history." in _texts(app, replies)[0]
    settings = _texts(app, await app.handle(_from_admin("/settings")))
    assert any("It posts in #history." in t for t in settings)

    clock.set(at("2026-05-14T09:00:00+03:00"))
    assert (await app.services.digest.run_pass()).sent == 1
    assert targets == ["555"]

    # The next day the bot may no longer post in #history.
    transport.failures["-100"] = [Undeliverable("403 Forbidden: Missing Permissions")]
    clock.set(at("2026-05-15T09:00:00+03:00"))
    assert (await app.services.digest.run_pass()).paused == 1

    # The admin's next command, anywhere, starts with the notice, shown only to them ...
    replies = await app.handle(_from_admin("/today", chat="-200"))
    first = replies[0]
    assert isinstance(first, Message) and first.ephemeral
    text = _texts(app, [first])[0]
    assert "#history" in text and "Missing Permissions" in text and "/subscribe" in text
    # ... and only once.
    again = _texts(app, await app.handle(_from_admin("/today", chat="-200")))
    assert not any("Missing Permissions" in t for t in again)
    # /settings says why, and /subscribe resumes it, keeping the channel.
    assert any("paused" in t for t in _texts(app, await app.handle(_from_admin("/settings"))))
    replies = await app.handle(_from_admin("/subscribe"))
    assert "It posts in #history." in _texts(app, replies)[0]
    sub = await app.services.digest.store.get("console", "-100")
    assert sub is not None and sub.state == "active" and sub.target == "555"


async def test_another_users_command_does_not_take_the_notice(app: App, clock: FixedClock) -> None:
    transport = wire(app, clock)
    clock.set(at("2026-05-14T08:00:00+03:00"))
    await app.handle(_from_admin("/subscribe 09:00 Europe/Bucharest"))
    transport.failures["-100"] = [Undeliverable("bot was kicked")]
    clock.set(at("2026-05-14T09:00:00+03:00"))
    assert (await app.services.digest.run_pass()).paused == 1
    other = Chat(app, chat_id="-100", user_id="7", group=True)
    assert "kicked" not in await other.say("/today")
    replies = await app.handle(_from_admin("/help"))
    assert "kicked" in _texts(app, replies)[0]


async def test_the_channel_argument_is_never_typed_in_help(app: App) -> None:
    out = await Chat(app).say("/help subscribe")
    assert out.split("\n")[0] == "/subscribe [HH:MM] [Area/City]"
