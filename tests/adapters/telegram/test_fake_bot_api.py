"""The fake Bot API is only useful if it is trustworthy: the real python-telegram-bot must be
able to talk to it, and it must catch requests that break the Bot API contract."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputMediaPhoto,
    InputTextMessageContent,
    LinkPreviewOptions,
    MessageEntity,
    Poll,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    PollAnswerHandler,
)
from telegram.warnings import PTBDeprecationWarning

from tests.adapters.telegram.fake_bot_api import (
    SPEC_ENV_VAR,
    FakeBotAPI,
    UploadedFile,
    command_entities,
    find_spec_path,
)

CHAT = 42
USER = 42
GROUP = -1001234567890


@pytest.fixture
async def bot(fake_bot_api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url) as bot:
        yield bot


async def raw_post(fake: FakeBotAPI, method: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{fake.base_url}{fake.token}/{method}", **kwargs)


# --------------------------------------------------------------------------------------------
# PTB talks to the fake
# --------------------------------------------------------------------------------------------


async def test_get_me(fake_bot_api: FakeBotAPI) -> None:
    async with Bot(fake_bot_api.token, base_url=fake_bot_api.base_url) as bot:
        me = await bot.get_me()
    assert me.id == 999
    assert me.username == "ColdWarStudyBot"
    assert me.is_bot and me.supports_inline_queries and not me.can_read_all_group_messages
    assert [call.method for call in fake_bot_api.requests] == ["getMe", "getMe"]  # initialize + ours


async def test_send_message_with_keyboard_and_link_preview(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yalta", callback_data="q:1:0"),
                InlineKeyboardButton("Potsdam", callback_data="q:1:1"),
            ],
            [InlineKeyboardButton("Read more", url="https://en.wikipedia.org/wiki/Cold_War")],
        ]
    )
    sent = await bot.send_message(
        CHAT,
        "<b>Where</b> did the Big Three meet in February 1945?",
        parse_mode="HTML",
        reply_markup=markup,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )

    [call] = await fake_bot_api.wait_for("sendMessage")
    assert call.params == {
        "chat_id": CHAT,
        "text": "<b>Where</b> did the Big Three meet in February 1945?",
        "parse_mode": "HTML",
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "Yalta", "callback_data": "q:1:0"}, {"text": "Potsdam", "callback_data": "q:1:1"}],
                [{"text": "Read more", "url": "https://en.wikipedia.org/wiki/Cold_War"}],
            ]
        },
        "link_preview_options": {"is_disabled": True},
    }
    assert call.ok
    assert sent.message_id == 1
    assert sent.chat.id == CHAT and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.id == 999
    assert sent.reply_markup == markup
    assert (await bot.send_message(CHAT, "again")).message_id == 2  # ids increase per chat
    assert (await bot.send_message(CHAT + 1, "elsewhere")).message_id == 1


async def test_chat_id_keeps_usernames_as_strings(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message("@coldwar_channel", "Announcement")
    [call] = fake_bot_api.calls("sendMessage")
    assert call.params["chat_id"] == "@coldwar_channel"
    assert sent.chat.type == "channel" and sent.chat.username == "coldwar_channel"


async def test_send_quiz_poll(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    # PTB 22.8 still offers the pre-9.6 `correct_option_id` and maps it to `correct_option_ids`.
    with pytest.warns(PTBDeprecationWarning, match="correct_option_id"):
        sent = await bot.send_poll(
            CHAT,
            "Which conference divided Germany into zones?",
            ["Yalta", "Potsdam", "Tehran"],
            type=Poll.QUIZ,
            is_anonymous=False,
            correct_option_id=1,
            explanation="Potsdam, July-August 1945.",
            open_period=30,
        )

    [call] = await fake_bot_api.wait_for("sendPoll")
    assert call.params == {
        "chat_id": CHAT,
        "question": "Which conference divided Germany into zones?",
        "options": [{"text": "Yalta"}, {"text": "Potsdam"}, {"text": "Tehran"}],
        "type": "quiz",
        "is_anonymous": False,
        "correct_option_ids": [1],
        "explanation": "Potsdam, July-August 1945.",
        "open_period": 30,
    }
    poll = sent.poll
    assert poll is not None
    assert fake_bot_api.sent_polls[poll.id] == (CHAT, sent.message_id, call.params)
    assert poll.type == Poll.QUIZ and not poll.is_anonymous and not poll.is_closed
    assert poll.correct_option_ids == (1,)
    assert poll.explanation == "Potsdam, July-August 1945."
    assert [option.text for option in poll.options] == ["Yalta", "Potsdam", "Tehran"]
    assert all(option.voter_count == 0 for option in poll.options)
    raw_poll = call.response["result"]["poll"]
    assert raw_poll["open_period"] == 30 and raw_poll["close_date"] >= raw_poll["open_period"]

    # The non-deprecated spelling produces the same request, without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = await bot.send_poll(CHAT, "Again?", ["a", "b"], type=Poll.QUIZ, correct_option_ids=[0])
    assert again.poll is not None and again.poll.id != poll.id

    stopped = await bot.stop_poll(CHAT, sent.message_id)
    assert stopped.id == poll.id and stopped.is_closed
    with pytest.raises(BadRequest, match="poll to stop not found"):
        await bot.stop_poll(CHAT, 999)


async def test_set_and_get_my_commands_for_a_scope_and_language(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    commands = [BotCommand("start", "Începe"), BotCommand("quiz", "Un test rapid")]
    assert await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="ro")

    [call] = await fake_bot_api.wait_for("setMyCommands")
    assert call.params == {
        "commands": [
            {"command": "start", "description": "Începe"},
            {"command": "quiz", "description": "Un test rapid"},
        ],
        "scope": {"type": "all_private_chats"},
        "language_code": "ro",
    }
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ro") == tuple(
        commands
    )
    assert await bot.get_my_commands() == ()
    assert await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ro")
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ro") == ()


async def test_answer_inline_query_with_an_article(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    article = InlineQueryResultArticle(
        id="event-berlin-wall",
        title="Berlin Wall (1961)",
        input_message_content=InputTextMessageContent("The Berlin Wall went up on 13 August 1961."),
        description="Construction of the Berlin Wall",
    )
    assert await bot.answer_inline_query("inline-1", [article], cache_time=0, is_personal=True)

    [call] = await fake_bot_api.wait_for("answerInlineQuery")
    assert call.params["results"] == [
        {
            "type": "article",
            "id": "event-berlin-wall",
            "title": "Berlin Wall (1961)",
            "input_message_content": {"message_text": "The Berlin Wall went up on 13 August 1961."},
            "description": "Construction of the Berlin Wall",
        }
    ]
    assert call.params["cache_time"] == 0 and call.params["is_personal"] is True


async def test_callbacks_edits_and_other_simple_methods(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Next", callback_data="next")]])
    sent = await bot.send_message(CHAT, "Card 1", reply_markup=keyboard)
    edited = await bot.edit_message_text(
        "Card 2", chat_id=CHAT, message_id=sent.message_id, reply_markup=keyboard
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Card 2" and edited.message_id == sent.message_id and edited.edit_date is not None
    cleared = await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)
    assert not isinstance(cleared, bool) and cleared.reply_markup is None
    assert fake_bot_api.messages[(CHAT, sent.message_id)]["text"] == "Card 2"

    assert await bot.answer_callback_query("cb-1", text="Correct!", show_alert=False)
    assert await bot.send_chat_action(CHAT, "typing")
    assert await bot.delete_message(CHAT, sent.message_id)


async def test_strict_edits_behave_like_the_real_api(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake_bot_api.strict_edits = True
    sent = await bot.send_message(CHAT, "Same")
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Same", chat_id=CHAT, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("Other", chat_id=CHAT, message_id=12345)


async def test_uploads_are_decoded_from_multipart(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    sent = await bot.send_document(CHAT, png, filename="map.png", caption="Iron Curtain, 1946")
    assert sent.caption == "Iron Curtain, 1946"
    [call] = fake_bot_api.calls("sendDocument")
    document = call.params["document"]
    assert isinstance(document, UploadedFile)
    assert document.filename == "map.png" and document.data == png
    assert call.params["chat_id"] == CHAT  # multipart fields are decoded like form fields

    album = await bot.send_media_group(CHAT, [InputMediaPhoto(png), InputMediaPhoto(png, caption="b")])
    assert len(album) == 2
    [group] = fake_bot_api.calls("sendMediaGroup")
    assert len(group.files) == 2  # the attach://name parts are not mistaken for fields
    assert all(item["media"].startswith("attach://") for item in group.params["media"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        ("creator", ChatMemberOwner),
        ("administrator", ChatMemberAdministrator),
        ("member", ChatMemberMember),
        ("restricted", ChatMemberRestricted),
        ("left", ChatMemberLeft),
        ("kicked", ChatMemberBanned),
    ],
)
async def test_get_chat_member_statuses(fake_bot_api: FakeBotAPI, bot: Bot, status: str, cls: type) -> None:
    fake_bot_api.chat_members[(GROUP, USER)] = status
    member = await bot.get_chat_member(GROUP, USER)
    assert isinstance(member, cls)
    assert member.status == status and member.user.id == USER
    assert (await bot.get_chat_member(GROUP, USER + 1)).status == "member"  # the default


async def test_get_chat(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake_bot_api.chat(GROUP, "supergroup", title="History Club")
    info = await bot.get_chat(GROUP)
    assert isinstance(info, ChatFullInfo)
    assert info.id == GROUP and info.type == "supergroup" and info.title == "History Club"
    private = await bot.get_chat(CHAT)
    assert private.type == "private"


async def test_webhook_methods(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    info = await bot.get_webhook_info()
    assert info.url == "" and not info.has_custom_certificate and info.pending_update_count == 0
    assert await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    assert await bot.log_out()
    assert await bot.close()


# --------------------------------------------------------------------------------------------
# Updates
# --------------------------------------------------------------------------------------------


async def test_get_updates_returns_each_helper_kind_parsed_by_ptb(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake = fake_bot_api
    quiz = await bot.send_poll(
        CHAT, "Q?", ["a", "b"], type=Poll.QUIZ, is_anonymous=False, correct_option_ids=[0]
    )
    assert quiz.poll is not None
    card = await bot.send_message(
        CHAT, "Card", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]])
    )

    ids = [
        fake.push_update(fake.message_update(CHAT, USER, "/start@ColdWarStudyBot hello", language_code="ro")),
        fake.push_update(fake.message_update(GROUP, USER, "/quiz", chat_type="supergroup", first_name="Ana")),
        fake.push_update(fake.callback_update(CHAT, USER, "q:1:0", card.message_id)),
        fake.push_update(fake.poll_answer_update(quiz.poll.id, USER, [1])),
        fake.push_update(fake.inline_query_update(USER, "berlin", chat_type="private")),
        fake.push_update(fake.my_chat_member_update(CHAT, "private", "member", "kicked")),
    ]
    assert ids == [1, 2, 3, 4, 5, 6]

    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == ids
    private, group, callback, answer, inline, member = updates

    assert private.message is not None and private.message.text == "/start@ColdWarStudyBot hello"
    assert private.message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 22),)
    assert private.effective_user is not None and private.effective_user.language_code == "ro"
    assert private.effective_chat is not None and private.effective_chat.type == "private"

    assert group.message is not None and group.effective_chat is not None
    assert group.effective_chat.type == "supergroup" and group.effective_chat.id == GROUP
    assert group.message.from_user is not None and group.message.from_user.first_name == "Ana"

    assert callback.callback_query is not None and callback.callback_query.data == "q:1:0"
    assert callback.callback_query.message is not None
    assert callback.callback_query.message.message_id == card.message_id
    assert callback.callback_query.message.chat.id == CHAT

    assert answer.poll_answer is not None and answer.poll_answer.poll_id == quiz.poll.id
    assert answer.poll_answer.option_ids == (1,)
    assert answer.poll_answer.option_persistent_ids == (quiz.poll.options[1].persistent_id,)

    assert inline.inline_query is not None and inline.inline_query.query == "berlin"
    assert member.my_chat_member is not None
    assert member.my_chat_member.new_chat_member.status == "kicked"
    assert member.my_chat_member.new_chat_member.user.id == 999
    assert (await bot.get_chat_member(CHAT, 999)).status == "kicked"

    # Not confirmed yet: the same updates come again; confirming with offset drops them.
    assert len(await bot.get_updates()) == 6
    assert [u.update_id for u in await bot.get_updates(offset=ids[2], limit=2)] == ids[2:4]
    assert await bot.get_updates(offset=ids[-1] + 1) == ()
    assert fake.pending_updates == []


async def test_allowed_updates_filter_like_the_real_api(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake = fake_bot_api
    fake.push_update(fake.message_update(CHAT, USER, "hi"))
    fake.push_update(fake.inline_query_update(USER, "x"))
    only_inline = await bot.get_updates(allowed_updates=["inline_query"])
    assert [u.inline_query is not None for u in only_inline] == [True]
    assert len(await bot.get_updates()) == 1  # the previous setting is kept
    assert len(await bot.get_updates(allowed_updates=[])) == 2  # [] restores the default


async def test_long_polling_waits_for_a_push_and_is_capped(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake = fake_bot_api
    loop = asyncio.get_running_loop()
    started = loop.time()
    polling = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for("getUpdates")
    await asyncio.sleep(0.1)
    assert not polling.done()
    fake.push_update(fake.message_update(CHAT, USER, "late"))
    updates = await asyncio.wait_for(polling, 2)
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert loop.time() - started < 1.5

    fake.max_long_poll = 0.2
    started = loop.time()
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=30) == ()
    assert 0.15 < loop.time() - started < 1.5


async def test_push_update_rejects_updates_that_break_the_contract(fake_bot_api: FakeBotAPI) -> None:
    with pytest.raises(ValueError, match=r"update\.message\.chat: missing required field"):
        fake_bot_api.push_update({"message": {"message_id": 1, "date": 0}})
    with pytest.raises(ValueError, match="exactly one kind"):
        fake_bot_api.push_update({})


def test_command_entities_use_utf16_offsets() -> None:
    assert command_entities("🇷🇴 /start now, /help@Bot") == [
        {"type": "bot_command", "offset": 5, "length": 6},
        {"type": "bot_command", "offset": 17, "length": 9},
    ]
    assert command_entities("a/b and /") == []


async def test_a_ptb_application_polls_the_fake(fake_bot_api: FakeBotAPI) -> None:
    fake = fake_bot_api
    answers: list[tuple[int, tuple[int, ...]]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Welcome", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Off we go")

    async def voted(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.poll_answer is not None and update.poll_answer.user is not None
        answers.append((update.poll_answer.user.id, update.poll_answer.option_ids))

    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(PollAnswerHandler(voted))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=10))
        await app.start()
        try:
            fake.push_update(fake.message_update(CHAT, USER, "/start"))
            [reply] = await fake.wait_for("sendMessage")
            assert reply.params["chat_id"] == CHAT and reply.params["text"] == "Welcome"
            message_id = reply.response["result"]["message_id"]

            fake.push_update(fake.callback_update(CHAT, USER, "go", message_id))
            [answer] = await fake.wait_for("answerCallbackQuery")
            assert answer.params["text"] == "Off we go"

            fake.push_update(fake.poll_answer_update("5300000000000000001", USER, [0, 2]))
            for _ in range(50):
                if answers:
                    break
                await asyncio.sleep(0.02)
            assert answers == [(USER, (0, 2))]
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake.pending_updates == []  # PTB confirmed everything on shutdown


# --------------------------------------------------------------------------------------------
# Error injection
# --------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:.*retry_after:telegram.warnings.PTBDeprecationWarning")
async def test_429_raises_retry_after(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    fake_bot_api.fail("sendMessage")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert caught.value.retry_after in (3, dtm.timedelta(seconds=3))
    [failed] = fake_bot_api.calls("sendMessage")
    assert failed.response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert not failed.ok
    assert (await bot.send_message(CHAT, "hi")).message_id == 1  # times=1: the next call succeeds


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"error_code": 403, "description": "Forbidden: bot was blocked by the user"}, Forbidden, "blocked"),
        (
            {
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": -100123},
            },
            ChatMigrated,
            "-100123",
        ),
        ({"error_code": 400, "description": "Bad Request: chat not found"}, BadRequest, "Chat not found"),
    ],
)
async def test_injected_errors_raise_ptb_exceptions(
    fake_bot_api: FakeBotAPI, bot: Bot, kwargs: dict[str, Any], error: type[TelegramError], message: str
) -> None:
    fake_bot_api.fail("sendMessage", **kwargs)
    with pytest.raises(error, match=message) as caught:
        await bot.send_message(CHAT, "hi")
    assert type(caught.value) is error
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -100123


async def test_fail_when_and_times(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    failure = fake_bot_api.fail(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        times=2,
        when=lambda p: p["chat_id"] == 7,
    )
    await bot.send_message(CHAT, "fine")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(7, "blocked")
    await bot.send_message(7, "unblocked")
    assert failure.hits == 2 and failure.exhausted

    fake_bot_api.fail("getChat", error_code=400, description="Bad Request: chat not found", times=None)
    for _ in range(3):
        with pytest.raises(BadRequest):
            await bot.get_chat(CHAT)


# --------------------------------------------------------------------------------------------
# Contract violations are caught
# --------------------------------------------------------------------------------------------

KEYBOARD_WITH_UNKNOWN_KEY = json.dumps(
    {"inline_keyboard": [[{"text": "a", "callback_data": "x", "colour": "red"}]]}
)


@pytest.mark.parametrize(
    ("method", "data", "expected"),
    [
        ("sendMessages", {"chat_id": "42", "text": "hi"}, "sendMessages: unknown method"),
        (
            "sendMessage",
            {"chat_id": "42", "text": "hi", "colour": "red"},
            "sendMessage: colour: unknown field",
        ),
        ("sendMessage", {"chat_id": "42"}, "sendMessage: text: missing required field"),
        (
            "sendMessage",
            {"chat_id": "true", "text": "hi"},
            "chat_id: expected Integer or String, got boolean true",
        ),
        (
            "sendMessage",
            {"chat_id": "42", "text": "hi", "disable_notification": "1"},
            "expected Boolean, got integer",
        ),
        (
            "sendPoll",
            {"chat_id": "42", "question": "Q?", "options": json.dumps({"text": "a"})},
            "options: expected Array of InputPollOption, got object",
        ),
        (
            "sendPoll",
            {"chat_id": "42", "question": "Q?", "options": json.dumps(["a", "b"])},
            "options[0]: expected a InputPollOption object, got string",
        ),
        (
            "sendMessage",
            {"chat_id": "42", "text": "hi", "reply_markup": KEYBOARD_WITH_UNKNOWN_KEY},
            "reply_markup.inline_keyboard[0][0].colour: unknown field",
        ),
        (
            "setMyCommands",
            {"commands": json.dumps([{"command": "start"}]), "scope": json.dumps({"type": "everyone"})},
            "scope.type",
        ),
        (
            "answerInlineQuery",
            {"inline_query_id": "1", "results": json.dumps([{"type": "article", "id": "1", "title": "t"}])},
            "results[0].input_message_content: missing required field",
        ),
    ],
)
async def test_contract_violations_are_recorded(
    fake_bot_api: FakeBotAPI, method: str, data: dict[str, str], expected: str
) -> None:
    response = await raw_post(fake_bot_api, method, data=data)
    violations = list(fake_bot_api.violations)
    fake_bot_api.violations.clear()
    assert any(expected in violation for violation in violations), violations
    if method == "sendMessages":
        assert response.status_code == 404
        assert response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    else:
        assert response.json()["ok"] in (True, False)  # still answered


async def test_missing_command_description_is_reported(fake_bot_api: FakeBotAPI) -> None:
    await raw_post(fake_bot_api, "setMyCommands", data={"commands": json.dumps([{"command": "start"}])})
    assert fake_bot_api.violations == [
        "setMyCommands: commands[0].description: missing required field of BotCommand"
    ]
    fake_bot_api.violations.clear()


async def test_json_bodies_are_accepted_and_checked(fake_bot_api: FakeBotAPI) -> None:
    ok = await raw_post(
        fake_bot_api,
        "sendMessage",
        json={"chat_id": 42, "text": "hi", "reply_markup": {"inline_keyboard": []}},
    )
    assert ok.json()["ok"] is True and fake_bot_api.violations == []
    await raw_post(fake_bot_api, "sendMessage", json={"chat_id": 42, "text": 5})
    assert fake_bot_api.violations == ["sendMessage: text: expected String, got integer 5"]
    fake_bot_api.violations.clear()


async def test_valid_raw_requests_leave_no_violation(fake_bot_api: FakeBotAPI) -> None:
    response = await raw_post(
        fake_bot_api,
        "sendPoll",
        data={"chat_id": "@coldwar", "question": "Q?", "options": json.dumps([{"text": "a"}, {"text": "b"}])},
    )
    assert response.json()["ok"] is True
    assert fake_bot_api.violations == []
    assert fake_bot_api.calls("sendPoll")[0].params["chat_id"] == "@coldwar"


async def test_wrong_token_and_methods_without_a_canned_answer_are_reported(fake_bot_api: FakeBotAPI) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{fake_bot_api.base_url}123:WRONG/getMe")
    assert response.status_code == 401
    await raw_post(fake_bot_api, "getFile", data={"file_id": "abc"})
    violations = list(fake_bot_api.violations)
    fake_bot_api.violations.clear()
    assert violations[0] == "getMe: request with a wrong bot token"
    assert "getFile: FakeBotAPI's own answer breaks the contract (extend the fake)" in violations[1]


async def test_wait_for_times_out_with_a_clear_message(fake_bot_api: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(CHAT, "one")
    with pytest.raises(
        AssertionError, match=r"(?s)2 call\(s\) to sendMessage; got 1.*getMe x1, sendMessage x1"
    ):
        await fake_bot_api.wait_for("sendMessage", count=2, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(AssertionError, match="matching `where`"):
        await fake_bot_api.wait_for("sendMessage", where=lambda p: p["chat_id"] == 1, timeout=0.1)
    assert time.monotonic() - started < 1


def test_missing_spec_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, str(tmp_path / "absent.json"))
    assert find_spec_path() is None
