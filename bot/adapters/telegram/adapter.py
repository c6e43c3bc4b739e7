"""The Telegram adapter: python-telegram-bot v22 translating updates into the core's ``Incoming``
and the core's replies into HTML messages, native quiz polls and inline keyboards.

It holds an :class:`~bot.app.App` (composition, not inheritance) and runs with PTB's own lifecycle
(``initialize`` / ``start`` / ``updater.start_polling`` or ``start_webhook``), never ``run_polling``,
which would take the event loop that the Discord adapter and the timers share.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time as systime
from dataclasses import dataclass
from typing import Any

# PTB 22 reports retry-after as seconds unless asked for timedeltas, and warns that this will
# change; opting in now keeps flood-control handling the same across versions.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    Chat,
    ChatMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
    User,
)
from telegram import Message as TgMessage
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from bot.adapters.telegram.render import PollOut, TextOut, callback_data, menu_commands, render, toast
from bot.app import App
from bot.core.cards import event_card
from bot.core.digest.delivery import ChatMoved, Limits, RetryLater, Undeliverable
from bot.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalize_language
from bot.core.model import ChatKind, ChatRef, Incoming, Message, Outgoing, UserRef
from storage.mappings import TOKEN_PREFIX, MappingStore

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ADMIN_CACHE_SECONDS = 60.0
ADMIN_CACHE_SIZE = 10_000
INLINE_RESULTS = 10
ALLOWED_UPDATES = ["message", "callback_query", "poll_answer", "inline_query", "my_chat_member"]
# Errors that mean "this chat cannot receive from us", not "try again".
_GONE = (
    "chat not found",
    "not enough rights",
    "need administrator rights",
    "chat_write_forbidden",
    "have no rights",
)
_INSIDE = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED)


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret_token: str
    listen: str = "0.0.0.0"
    port: int = 8443
    url_path: str = "telegram"


class TokenFilter(logging.Filter):
    """Keeps the bot token out of every log line (httpx logs request URLs, which contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self._token and self._token in record.getMessage():
            record.msg = record.getMessage().replace(self._token, "<token>")
            record.args = None
        return True


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def _is_group(chat_id: str) -> bool:
    return chat_id.startswith("-")  # Telegram gives groups and channels negative ids


class TelegramTransport:
    """How the digest scheduler posts to Telegram, with Telegram's errors mapped onto its outcomes."""

    platform = PLATFORM
    limits = Limits(per_second=30.0, per_chat_interval=1.0, group_per_minute=20)

    def __init__(self, adapter: TelegramAdapter) -> None:
        self._adapter = adapter

    async def send(self, chat: ChatRef, message: Message, *, target: str | None = None) -> None:
        try:
            await self._adapter.deliver(chat.chat_id, message, group=_is_group(chat.chat_id), retry=False)
        except RetryAfter as exc:
            raise RetryLater(str(exc), _seconds(exc.retry_after)) from exc
        except ChatMigrated as exc:
            raise ChatMoved(str(exc.new_chat_id)) from exc
        except Forbidden as exc:
            raise Undeliverable(exc.message) from exc
        except BadRequest as exc:
            if any(marker in exc.message.lower() for marker in _GONE):
                raise Undeliverable(exc.message) from exc
            log.error("Telegram refused a digest for chat %s: %s", chat.chat_id, exc.message)
            raise
        except NetworkError as exc:  # includes TimedOut
            raise RetryLater(str(exc)) from exc


class TelegramAdapter:
    def __init__(
        self,
        app: App,
        token: str,
        *,
        base_url: str | None = None,
        webhook: WebhookConfig | None = None,
        poll_timeout: int = 10,
    ) -> None:
        self.app = app
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        self.maps = MappingStore(app.db)
        self._admins: dict[tuple[int, int], tuple[float, bool]] = {}
        redact = TokenFilter(token)
        for handler in logging.getLogger().handlers:
            handler.addFilter(redact)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        builder = ApplicationBuilder().token(token).rate_limiter(AIORateLimiter())
        if base_url:
            builder = builder.base_url(base_url).base_file_url(base_url.replace("/bot", "/file/bot"))
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        a = self.application
        a.add_handler(
            MessageHandler(
                filters.UpdateType.MESSAGE & (filters.TEXT | filters.StatusUpdate.MIGRATE), self._on_message
            )
        )
        a.add_handler(CallbackQueryHandler(self._on_callback))
        a.add_handler(PollAnswerHandler(self._on_poll_answer))
        a.add_handler(InlineQueryHandler(self._on_inline))
        a.add_handler(ChatMemberHandler(self._on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
        a.add_error_handler(self._on_error)

    # ---- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        a = self.application
        await a.initialize()
        self.app.router.bot_username = a.bot.username
        await self._set_menus()
        await a.start()
        assert a.updater is not None
        if self.webhook:
            w = self.webhook
            await a.updater.start_webhook(
                listen=w.listen,
                port=w.port,
                url_path=w.url_path,
                webhook_url=w.url,
                secret_token=w.secret_token,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await a.updater.start_polling(
                poll_interval=0.0, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        self.app.services.digest.register(TelegramTransport(self))
        self.app.attach(PLATFORM, self._deliver_outgoing)

    async def stop(self) -> None:
        await self.app.detach(PLATFORM)
        a = self.application
        if a.updater is not None and a.updater.running:
            await a.updater.stop()
        if a.running:
            await a.stop()
        await a.shutdown()

    async def _set_menus(self) -> None:
        """The command menus, from the core's registry: per language (English by default, plus
        ``ro``) and per scope (private chats, groups, group admins)."""
        bot = self.application.bot
        registry = self.app.services.registry
        for lang in LANGUAGES:
            tr = self.app.services.i18n[lang]
            code = None if lang == DEFAULT_LANGUAGE else lang
            private = [BotCommand(n, d) for n, d in menu_commands(registry, tr, for_admins=True, group=False)]
            group = [BotCommand(n, d) for n, d in menu_commands(registry, tr, for_admins=False, group=True)]
            admins = [BotCommand(n, d) for n, d in menu_commands(registry, tr, for_admins=True, group=True)]
            await bot.set_my_commands(private, scope=BotCommandScopeDefault(), language_code=code)
            await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats(), language_code=code)
            await bot.set_my_commands(group, scope=BotCommandScopeAllGroupChats(), language_code=code)
            await bot.set_my_commands(
                admins, scope=BotCommandScopeAllChatAdministrators(), language_code=code
            )

    # ---- updates in --------------------------------------------------------------------------

    def _incoming(self, chat: Chat, user: User, text: str, *, addressed: bool) -> Incoming:
        kind = ChatKind.PRIVATE if chat.type == ChatType.PRIVATE else ChatKind.GROUP

        async def is_admin() -> bool:
            return await self._is_admin(chat.id, user.id)

        return Incoming(
            chat=ChatRef(PLATFORM, str(chat.id)),
            kind=kind,
            user=UserRef(PLATFORM, str(user.id), user.full_name),
            text=text,
            language_hint=user.language_code,
            addressed=addressed,
            is_admin=is_admin,
        )

    async def _is_admin(self, chat_id: int, user_id: int) -> bool:
        """Asked only for admin-only commands in groups, and cached briefly: it costs an API call."""
        key = (chat_id, user_id)
        cached = self._admins.get(key)
        now = systime.monotonic()
        if cached and now - cached[0] < ADMIN_CACHE_SECONDS:
            return cached[1]
        member = await self.application.bot.get_chat_member(chat_id, user_id)
        admin = member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
        if len(self._admins) >= ADMIN_CACHE_SIZE:
            self._admins = {k: v for k, v in self._admins.items() if now - v[0] < ADMIN_CACHE_SECONDS}
        self._admins[key] = (now, admin)
        return admin

    def _addressed(self, message: TgMessage) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        text = message.text or ""
        username = (self.application.bot.username or "").lower()
        if text.startswith("/") or (username and f"@{username}" in text.lower()):
            return True
        reply = message.reply_to_message
        return bool(reply and reply.from_user and reply.from_user.id == self.application.bot.id)

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None:
            return
        if message.migrate_to_chat_id:
            await self.app.services.chats.move(
                PLATFORM, str(message.chat.id), str(message.migrate_to_chat_id), self.app.services.clock.now()
            )
            return
        if message.from_user is None or message.text is None or message.chat.type == ChatType.CHANNEL:
            return
        text = message.text
        username = self.application.bot.username or ""
        if (
            username
            and message.chat.type != ChatType.PRIVATE
            and text.lower().startswith(f"@{username.lower()}")
        ):
            text = text[len(username) + 1 :].strip() or "/help"  # "@Bot /quiz" is a message to the bot
        incoming = self._incoming(message.chat, message.from_user, text, addressed=self._addressed(message))
        group = message.chat.type != ChatType.PRIVATE
        for reply in await self.app.handle(incoming):
            # Telegram has no "only you can see this" in a group; a typed command's reply (even an
            # answer's receipt or a "no such choice") is still worth sending: the user asked.
            await self.deliver(str(message.chat.id), reply, group=group)

    async def _on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        command = query.data or ""
        if command.startswith(TOKEN_PREFIX):
            command = await self.maps.command_for(command) or ""
        message = query.message
        if not command or not isinstance(message, TgMessage):
            await query.answer()
            return
        replies = await self.app.handle(
            self._incoming(message.chat, query.from_user, command, addressed=True)
        )
        notes = [toast(r) for r in replies if r.ephemeral]
        await query.answer(text=" ".join(notes)[:200] or None)
        group = message.chat.type != ChatType.PRIVATE
        for reply in replies:
            if not reply.ephemeral:
                await self.deliver(str(message.chat.id), reply, group=group)

    async def _on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answers to our quiz polls: the poll id leads to the round, even after a restart."""
        answer = update.poll_answer
        if answer is None or answer.user is None or not answer.option_ids:
            return  # an anonymous vote, or a vote taken back: nothing to score
        ref = await self.maps.poll(PLATFORM, answer.poll_id)
        if ref is None:
            return
        s = self.app.services
        user = UserRef(PLATFORM, str(answer.user.id), answer.user.full_name)
        now = s.clock.now()
        hint = answer.user.language_code
        chat = await s.chats.get_or_create(
            PLATFORM, ref.chat_id, ChatKind.GROUP.value, normalize_language(hint) or DEFAULT_LANGUAGE, now
        )
        await s.users.remember(PLATFORM, user.user_id, user.display_name, hint, now)
        await s.quiz.answer(chat, ChatKind.GROUP, user, answer.option_ids[0] + 1, ref.round_id)

    async def _on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``@BotName warsaw``: matching events as articles (title, date, summary, link)."""
        query = update.inline_query
        if query is None:
            return
        lang = normalize_language(query.from_user.language_code) or DEFAULT_LANGUAGE
        tr = self.app.services.i18n[lang]
        words = query.query.strip()
        found = await self.app.services.content.search(words, lang, INLINE_RESULTS) if words else []
        today = self.app.services.clock.now().date()
        results = []
        for event in found:
            card = event_card(event, tr, today)
            parts = [
                p for p in render(Message((card,), lang=lang), tr, group=False) if isinstance(p, TextOut)
            ]
            results.append(
                InlineQueryResultArticle(
                    id=event.id[:64],
                    title=card.title[:256],
                    description=f"{card.date_text} — {card.summary}"[:512],
                    url=event.sources[0] if event.sources else None,
                    input_message_content=InputTextMessageContent(parts[0].html, parse_mode=ParseMode.HTML),
                )
            )
        # Personal: results are in the asker's language, so Telegram must not share its cache.
        await query.answer(results, cache_time=300, is_personal=True)

    async def _on_my_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type in (ChatType.PRIVATE, ChatType.CHANNEL):
            return
        was, now_status = change.old_chat_member.status, change.new_chat_member.status
        chat_id = str(change.chat.id)
        if now_status in _INSIDE and was not in _INSIDE:
            # Added to a group: a short how-to, in the language of whoever added the bot.
            incoming = self._incoming(change.chat, change.from_user, "/start", addressed=True)
            for reply in await self.app.handle(incoming):
                await self.deliver(chat_id, reply, group=True)
        elif now_status not in _INSIDE and was in _INSIDE:
            s = self.app.services
            if await s.digest.store.get(PLATFORM, chat_id) is not None:
                await s.digest.store.pause(
                    PLATFORM, chat_id, "the bot was removed from the group", s.clock.now()
                )

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("a Telegram update failed: %r", context.error, exc_info=context.error)

    # ---- replies out -------------------------------------------------------------------------

    async def _deliver_outgoing(self, item: Outgoing) -> None:
        if item.chat.platform == PLATFORM:
            await self.deliver(item.chat.chat_id, item.reply, group=_is_group(item.chat.chat_id))

    async def deliver(self, chat_id: str, reply: Message, *, group: bool, retry: bool = True) -> None:
        """Send one core reply. With ``retry``, flood control waits and tries again and a chat that
        moved to a new id is followed; the digest scheduler passes ``retry=False`` to decide itself."""
        tr = self.app.services.i18n[reply.lang or DEFAULT_LANGUAGE]
        for part in render(reply, tr, group=group):
            for attempt in range(3):
                try:
                    await self._send(chat_id, part)
                    break
                except RetryAfter as exc:
                    if not retry or attempt == 2:
                        raise
                    await asyncio.sleep(_seconds(exc.retry_after))
                except ChatMigrated as exc:
                    if not retry:
                        raise
                    new_id = str(exc.new_chat_id)
                    await self.app.services.chats.move(
                        PLATFORM, chat_id, new_id, self.app.services.clock.now()
                    )
                    chat_id = new_id
                except Forbidden:
                    if not retry:
                        raise
                    log.info("chat %s does not accept messages from the bot", chat_id)
                    return
                except BadRequest as exc:
                    if not retry:
                        raise
                    log.error(
                        "Telegram refused a %s for chat %s: %s", type(part).__name__, chat_id, exc.message
                    )
                    break
                except NetworkError:  # after BadRequest, which is a NetworkError too
                    if not retry or attempt == 2:
                        raise
                    await asyncio.sleep(2**attempt)  # a timeout or a dropped connection: try again shortly

    async def _send(self, chat_id: str, part: TextOut | PollOut) -> None:
        bot = self.application.bot
        now = self.app.services.clock.now()
        if isinstance(part, PollOut):
            sent = await bot.send_poll(
                chat_id=int(chat_id),
                question=part.question,
                options=list(part.options),
                is_anonymous=False,
                type="quiz",
                correct_option_ids=[part.correct_option_id],
                explanation=part.explanation,
                open_period=part.open_period,
            )
            if sent.poll is not None:
                await self.maps.remember_poll(
                    PLATFORM, sent.poll.id, chat_id, part.round_id, str(sent.message_id), now
                )
            return
        markup = None
        if part.buttons:
            rows = []
            for row in part.buttons:
                buttons = []
                for label, command in row:
                    data = callback_data(command) or await self.maps.token_for(command, now)
                    buttons.append(InlineKeyboardButton(label, callback_data=data))
                rows.append(buttons)
            markup = InlineKeyboardMarkup(rows)
        preview = (
            LinkPreviewOptions(url=part.link_preview, prefer_small_media=True)
            if part.link_preview
            else LinkPreviewOptions(is_disabled=True)
        )
        await bot.send_message(
            chat_id=int(chat_id),
            text=part.html,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=preview,
        )
