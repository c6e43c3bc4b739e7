"""The Telegram adapter end to end: the real PTB Application polls a fake Bot API server on
127.0.0.1 that checks every request against the Bot API 10.1 contract, while the real core runs
on a real SQLite file with a fixed clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ContextTypes

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import ChatKind
from tests.adapters.telegram.fake_bot_api import Call, FakeBotAPI

GROUP = -100555


HANDLER_ERRORS: list[BaseException] = []


async def _record_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    HANDLER_ERRORS.append(context.error or RuntimeError("unknown handler error"))


async def start(app: App, fake: FakeBotAPI, **options: Any) -> TelegramAdapter:
    """The adapter on the fake server; a handler that raises fails the test (PTB would only log it)."""
    adapter = TelegramAdapter(app, fake.token, base_url=fake.base_url, poll_timeout=1, **options)
    adapter.application.add_error_handler(_record_error)
    await adapter.start()
    return adapter


@pytest.fixture(autouse=True)
def no_handler_errors() -> Iterator[None]:
    HANDLER_ERRORS.clear()
    yield
    assert not HANDLER_ERRORS, f"an update handler raised: {HANDLER_ERRORS!r}"


@pytest.fixture
async def bot(app: App, fake_bot_api: FakeBotAPI) -> AsyncIterator[TelegramAdapter]:
    adapter = await start(app, fake_bot_api)
    try:
        yield adapter
    finally:
        await adapter.stop()


def texts(calls: list[Call]) -> str:
    return "\n\n".join(str(c.params.get("text", "")) for c in calls)


async def say(
    fake: FakeBotAPI, chat_id: int, user_id: int, text: str, *, count: int = 1, **kw: object
) -> str:
    before = len(fake.calls("sendMessage", where=lambda p: p["chat_id"] == chat_id))
    fake.push_update(fake.message_update(chat_id, user_id, text, **kw))  # type: ignore[arg-type]
    calls = await fake.wait_for("sendMessage", count=before + count, where=lambda p: p["chat_id"] == chat_id)
    return texts(calls[before:])


async def test_menus_come_from_the_registry_per_language_and_scope(
    bot: TelegramAdapter, fake_bot_api: FakeBotAPI
) -> None:
    calls = fake_bot_api.calls("setMyCommands")
    scopes = {(str(c.params["scope"]["type"]), c.params.get("language_code")) for c in calls}  # type: ignore[index]
    for scope in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        assert (scope, None) in scopes and (scope, "ro") in scopes
    group = next(
        c
        for c in calls
        if c.params["scope"] == {"type": "all_group_chats"} and "language_code" not in c.params
    )
    admins = next(
        c
        for c in calls
        if c.params["scope"] == {"type": "all_chat_administrators"} and "language_code" not in c.params
    )
    names = lambda c: {cmd["command"] for cmd in c.params["commands"]}  # type: ignore[index, union-attr]  # noqa: E731
    assert "quiz" in names(group) and "lang" not in names(group) and "lang" in names(admins)
    assert "study" not in names(group)  # private chats only
    ro = next(
        c for c in calls if c.params.get("language_code") == "ro" and c.params["scope"] == {"type": "default"}
    )
    assert any("Pornește un joc-test" in cmd["description"] for cmd in ro.params["commands"])  # type: ignore[index, union-attr]


async def test_private_commands_render_as_html_with_buttons(
    bot: TelegramAdapter, fake_bot_api: FakeBotAPI
) -> None:
    fake = fake_bot_api
    out = await say(fake, 42, 42, "/start")
    assert "Cold War Study Bot" in out
    sent = fake.calls("sendMessage")[-1]
    assert sent.params["parse_mode"] == "HTML"
    await say(fake, 42, 42, "/event warsaw-pact-signed")
    card = fake.calls("sendMessage")[-1]
    assert "<b>Warsaw Pact signed</b>" in str(card.params["text"])
    assert str(card.params["link_preview_options"]["url"]).startswith("https://")  # type: ignore[index]
    await say(fake, 42, 42, "/year 1955")
    page = fake.calls("sendMessage")[-1]
    buttons = [b for row in page.params["reply_markup"]["inline_keyboard"] for b in row]  # type: ignore[index]
    assert {"text": "Next ▶", "callback_data": "/year 1955 2"} in buttons
    message_id = int(page.response["result"]["message_id"])  # type: ignore[index]
    fake.push_update(fake.callback_update(42, 42, "/year 1955 2", message_id))
    await fake.wait_for("answerCallbackQuery")
    await fake.wait_for("sendMessage", count=4, where=lambda p: p["chat_id"] == 42)
    assert "page 2 of" in str(fake.calls("sendMessage")[-1].params["text"])


async def test_a_romanian_user_gets_romanian(bot: TelegramAdapter, fake_bot_api: FakeBotAPI) -> None:
    out = await say(fake_bot_api, 43, 43, "/today", language_code="ro")
    assert "În această zi, 14 mai" in out


async def test_a_group_game_with_native_quiz_polls(
    app: App, clock: FixedClock, bot: TelegramAdapter, fake_bot_api: FakeBotAPI
) -> None:
    fake = fake_bot_api
    fake.push_update(fake.message_update(GROUP, 1, "/quiz@ColdWarStudyBot 2", chat_type="supergroup"))
    (poll_call,) = await fake.wait_for("sendPoll")
    p = poll_call.params
    assert p["type"] == "quiz" and p["is_anonymous"] is False and p["open_period"] == 30
    assert len(p["options"]) == 4 and len(str(p["explanation"])) <= 200  # type: ignore[arg-type]
    right = p["correct_option_ids"][0]  # type: ignore[index]
    poll_id = next(iter(fake.sent_polls))
    for user, choice in ((1, right), (2, (right + 1) % 4), (3, right)):
        fake.push_update(fake.poll_answer_update(poll_id, user, [choice]))
    await _until(lambda: _answers(app) == 3)
    clock.advance(timedelta(seconds=30))
    app.wake_timers()
    polls = await fake.wait_for("sendPoll", count=2)
    reveal = texts(fake.calls("sendMessage", where=lambda q: q["chat_id"] == GROUP))
    assert "Right: " in reveal and "(of 3 answers)" in reveal
    assert len(polls) == 2
    # Poll answers need no receipt in the group: Telegram shows the voter their result.
    assert "your answer" not in reveal


async def test_late_poll_answers_after_a_restart_still_count(
    db_path: Path, clock: FixedClock, fake_bot_api: FakeBotAPI
) -> None:
    fake = fake_bot_api
    app = await App.start(db_path, clock=clock, seed=5)
    adapter = await start(app, fake)
    fake.push_update(fake.message_update(GROUP, 1, "/quiz 3", chat_type="group"))
    await fake.wait_for("sendPoll")
    poll_id = next(iter(fake.sent_polls))
    await adapter.stop()
    await app.stop()

    app = await App.start(db_path, clock=clock, seed=5)
    adapter = await start(app, fake)
    try:
        fake.push_update(fake.poll_answer_update(poll_id, 7, [0]))
        await _until(lambda: _answers(app) == 1)
    finally:
        await adapter.stop()
        await app.stop()


async def test_inline_mode_returns_matching_events(bot: TelegramAdapter, fake_bot_api: FakeBotAPI) -> None:
    fake = fake_bot_api
    fake.push_update(fake.inline_query_update(42, "warsaw pact"))
    (call,) = await fake.wait_for("answerInlineQuery")
    results = call.params["results"]
    assert results and results[0]["type"] == "article"  # type: ignore[index]
    assert any(r["id"] == "warsaw-pact-signed" for r in results)  # type: ignore[union-attr]


async def test_admin_only_commands_ask_telegram_who_is_admin(
    bot: TelegramAdapter, fake_bot_api: FakeBotAPI
) -> None:
    fake = fake_bot_api
    assert "Only the group's admins" in await say(fake, GROUP, 2, "/lang ro", chat_type="supergroup")
    fake.chat_members[(GROUP, 3)] = "administrator"
    assert "română" in await say(fake, GROUP, 3, "/lang ro", chat_type="supergroup")
    await say(fake, GROUP, 3, "/lang en", chat_type="supergroup")
    assert len(fake.calls("getChatMember", where=lambda p: p["user_id"] == 3)) == 1  # cached


async def test_added_to_a_group_it_greets_and_removed_it_pauses_the_digest(
    app: App, bot: TelegramAdapter, fake_bot_api: FakeBotAPI
) -> None:
    fake = fake_bot_api
    fake.push_update(fake.my_chat_member_update(GROUP, "supergroup", "left", "member", from_user_id=5))
    (greeting,) = await fake.wait_for("sendMessage", where=lambda p: p["chat_id"] == GROUP)
    assert "Cold War Study Bot" in str(greeting.params["text"])
    fake.chat_members[(GROUP, 5)] = "administrator"
    assert "Subscribed" in await say(fake, GROUP, 5, "/subscribe 09:00", chat_type="supergroup")
    fake.push_update(fake.my_chat_member_update(GROUP, "supergroup", "member", "kicked", from_user_id=5))
    await _until_async(lambda: _paused(app, str(GROUP)))


async def test_a_digest_fan_out_to_fifty_chats_with_flood_control_blocks_and_a_migration(
    app: App, clock: FixedClock, bot: TelegramAdapter, fake_bot_api: FakeBotAPI
) -> None:
    fake = fake_bot_api
    s = app.services
    clock.set(datetime.fromisoformat("2026-05-14T08:00:00+03:00"))
    chats = [1000 + i for i in range(50)]
    for chat_id in chats:
        settings = await s.chats.get_or_create(
            "telegram", str(chat_id), ChatKind.PRIVATE.value, "en", clock.now()
        )
        await s.chats.set_timezone("telegram", str(chat_id), "Europe/Bucharest", clock.now())
        settings = await s.chats.get("telegram", str(chat_id))
        assert settings is not None
        await s.digest.subscribe(settings, datetime.fromisoformat("2026-05-14T09:00:00").time())
    fake.fail(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 2",
        when=lambda p: p["chat_id"] == 1010,
    )
    fake.fail(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        when=lambda p: p["chat_id"] == 1020,
    )
    fake.fail(
        "sendMessage",
        error_code=400,
        description="Bad Request: group chat was upgraded to a supergroup chat",
        parameters={"migrate_to_chat_id": -1001030},
        when=lambda p: p["chat_id"] == 1030,
    )

    async def wait_until(moment: datetime) -> None:
        clock.set(max(clock.now(), moment))

    s.digest.wait_until = wait_until
    s.digest.workers = 1
    clock.set(datetime.fromisoformat("2026-05-14T09:00:00+03:00"))
    for _ in range(5):
        await s.digest.run_pass()
        wake = await s.digest.next_wakeup()
        if wake is None or wake > clock.now() + timedelta(hours=1):
            break
        clock.set(max(clock.now(), wake))
    delivered = [c.params["chat_id"] for c in fake.calls("sendMessage") if c.ok]
    expected = [c for c in chats if c not in (1020, 1030)] + [-1001030]
    assert sorted(delivered) == sorted(expected)  # each exactly once
    waited = app.db.reader.execute(
        "SELECT attempts, done_at FROM digest_deliveries WHERE platform = 'telegram' AND chat_id = '1010'"
    ).fetchone()
    assert waited[0] == 2 and waited[1] >= "2026-05-14T06:00:02+00:00"  # sent again after its 2 s wait
    paused = await s.digest.store.get("telegram", "1020")
    assert paused is not None and paused.state == "paused" and "blocked" in (paused.paused_reason or "")
    assert await s.digest.store.get("telegram", "-1001030") is not None


async def test_the_token_never_reaches_the_log(
    app: App, fake_bot_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    adapter = await start(app, fake_bot_api)
    await say(fake_bot_api, 42, 42, "/start")
    await adapter.stop()
    assert fake_bot_api.token not in caplog.text


# ---- helpers ---------------------------------------------------------------------------------


def _answers(app: App) -> int:
    return int(app.db.reader.execute("SELECT count(*) FROM answers").fetchone()[0])


async def _paused(app: App, chat_id: str) -> bool:
    sub = await app.services.digest.store.get("telegram", chat_id)
    return sub is not None and sub.state == "paused"


async def _until(check: object, timeout: float = 5.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():  # type: ignore[operator]
        if loop.time() > end:
            raise AssertionError("timed out waiting for the adapter")
        await asyncio.sleep(0.02)


async def _until_async(check: object, timeout: float = 5.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await check():  # type: ignore[operator]
        if loop.time() > end:
            raise AssertionError("timed out waiting for the adapter")
        await asyncio.sleep(0.02)


EVERY_COMMAND = [
    "/start",
    "/help",
    "/help quiz",
    "/today",
    "/date 14 May",
    "/event warsaw-pact-signed",
    "/search berlin wall",
    "/fact sputnik",
    "/year 1962",
    "/random",
    "/question",
    "/answer 9",
    "/stop",
    "/top",
    "/top week",
    "/stats",
    "/settings",
    "/lessons",
    "/learn 1",
    "/digest",
    "/timezone",
    "/report nope x",
    "/quiz abc",
]


@pytest.mark.parametrize("chat_type", ["private", "supergroup"])
async def test_every_command_answers_in_private_chats_and_groups(
    bot: TelegramAdapter, fake_bot_api: FakeBotAPI, chat_type: str
) -> None:
    """Each request the adapter makes is checked against the Bot API contract by the fake."""
    fake = fake_bot_api
    for i, command in enumerate(EVERY_COMMAND):
        # A fresh group per command: Telegram allows a group 20 messages a minute, and PTB's
        # AIORateLimiter (rightly) holds the 21st back.
        chat_id = 77 if chat_type == "private" else GROUP - i
        fake.chat_members[(chat_id, 77)] = "administrator"
        if command == "/question" and chat_type != "private":
            fake.push_update(fake.message_update(chat_id, 77, command, chat_type=chat_type))
            await fake.wait_for(
                "sendPoll", where=lambda p, c=chat_id: p["chat_id"] == c
            )  # a native quiz poll
            continue
        out = await say(fake, chat_id, 77, command, chat_type=chat_type)
        assert out.strip(), command
        assert "went wrong" not in out, command
    chat_id = 77 if chat_type == "private" else GROUP - len(EVERY_COMMAND)
    private_only = await say(fake, chat_id, 77, "/study", chat_type=chat_type)
    assert ("private chat with me only" in private_only) == (chat_type != "private")


async def test_webhook_mode_checks_the_secret_token(app: App, fake_bot_api: FakeBotAPI) -> None:
    import socket

    import httpx

    from bot.adapters.telegram.adapter import WebhookConfig

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = WebhookConfig(
        url=f"https://bot.example.org/{'telegram'}",
        secret_token="s3cret-T0ken",
        listen="127.0.0.1",
        port=port,
    )
    adapter = await start(app, fake_bot_api, webhook=hook)
    try:
        (set_hook,) = fake_bot_api.calls("setWebhook")
        assert set_hook.params["secret_token"] == "s3cret-T0ken"
        update = fake_bot_api.message_update(42, 42, "/start")
        update["update_id"] = 1
        async with httpx.AsyncClient() as client:
            refused = await client.post(f"http://127.0.0.1:{port}/telegram", json=update)
            assert refused.status_code == 403
            wrong = await client.post(
                f"http://127.0.0.1:{port}/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "guess"},
            )
            assert wrong.status_code == 403
            accepted = await client.post(
                f"http://127.0.0.1:{port}/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-T0ken"},
            )
            assert accepted.status_code == 200
        (reply,) = await fake_bot_api.wait_for("sendMessage")
        assert "Cold War Study Bot" in str(reply.params["text"])
    finally:
        await adapter.stop()
