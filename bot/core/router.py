"""From an incoming message to replies: find the command, check where and by whom it may run,
call its handler, and turn every failure into a friendly reply in the chat's language."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from rapidfuzz import fuzz, process

from bot.core.context import Context, Services
from bot.core.i18n import DEFAULT_LANGUAGE, N_, Translator, normalize_language
from bot.core.model import ChatKind, Incoming, Message, Paragraph, Reply, Span
from bot.core.registry import Scope
from storage.chats import ChatSettings

log = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.DOTALL)


_PLAIN_NUMBER = re.compile(r"^[0-9]{1,2}$")


def text_reply(*parts: str | Span) -> Message:
    return Message((Paragraph.of(*parts),))


class Router:
    def __init__(self, services: Services, bot_username: str | None = None) -> None:
        self.services = services
        self.bot_username = bot_username

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Never raises: whatever goes wrong, the user gets a reply and the bot keeps running."""
        chat: ChatSettings | None = None
        try:
            chat = await self._chat(incoming)
            replies = await self._dispatch(incoming, chat)
            if replies:
                replies = [*await self._notices(incoming, chat), *replies]
            return [r if r.lang else replace(r, lang=chat.lang) for r in replies]
        except Exception:
            log.exception("failed to handle %r in %s", incoming.text[:200], incoming.chat)
            lang = chat.lang if chat else (normalize_language(incoming.language_hint) or DEFAULT_LANGUAGE)
            return [replace(text_reply(self.services.i18n[lang].t("error.internal")), lang=lang)]

    async def _chat(self, incoming: Incoming) -> ChatSettings:
        s = self.services
        now = s.clock.now()
        settings = await s.chats.get_or_create(
            incoming.chat.platform,
            incoming.chat.chat_id,
            incoming.kind.value,
            normalize_language(incoming.language_hint) or DEFAULT_LANGUAGE,
            now,
        )
        await s.users.remember(
            incoming.user.platform,
            incoming.user.user_id,
            incoming.user.display_name,
            incoming.language_hint,
            now,
        )
        return settings

    async def _dispatch(self, incoming: Incoming, chat: ChatSettings) -> list[Reply]:
        s = self.services
        tr = s.i18n[chat.lang]
        text = incoming.text.strip()
        match = _COMMAND.match(text)
        if match is None:
            if _PLAIN_NUMBER.match(text) and (
                incoming.addressed or await s.quiz.store.open_round(chat.platform, chat.chat_id)
            ):
                # A bare number is an answer: to the open question, or a hint that none is open.
                return await s.quiz.answer(chat, incoming.kind, incoming.user, int(text))
            if incoming.kind is ChatKind.GROUP and not incoming.addressed:
                return []
            return [text_reply(tr.t("router.plain_text"))]
        name, addressee, args = match.group(1).lower(), match.group(2), (match.group(3) or "").strip()
        if addressee and self.bot_username and addressee.lower() != self.bot_username.lower():
            return []  # "/today@OtherBot" in a group is for another bot
        command = s.registry.find(name)
        if command is None:
            if incoming.kind is ChatKind.GROUP and not incoming.addressed and not addressee:
                return []  # in a group, "/foo" may well be another bot's command
            return [self._unknown(name, tr)]
        slash = "/" + command.name
        if not command.scope.allows(incoming.kind):
            key = N_("router.private_only") if command.scope is Scope.PRIVATE else N_("router.group_only")
            return [text_reply(tr.t(key, command=slash))]
        if command.admin_only and incoming.kind is ChatKind.GROUP and not await incoming.is_admin():
            return [text_reply(tr.t("router.admins_only", command=slash))]
        ctx = Context(incoming=incoming, chat=chat, services=s, tr=tr, command=command)
        return await command.handler(ctx, args)

    async def _notices(self, incoming: Incoming, chat: ChatSettings) -> list[Reply]:
        """What the user must be told since their last command (e.g. a digest of theirs was
        paused), once, only to them."""
        tr = self.services.i18n[chat.lang]
        pending = await self.services.notices.take(incoming.user.platform, incoming.user.user_id)
        return [
            Message((Paragraph.of(Span(tr.t(n.key, **n.params), bold=True)),), ephemeral=True)
            for n in pending
        ]

    def _unknown(self, name: str, tr: Translator) -> Message:
        best = process.extractOne(name, self.services.registry.names, scorer=fuzz.ratio, score_cutoff=70)
        shown = "/" + name
        if best is not None:
            return text_reply(tr.t("router.unknown_suggest", command=shown, suggestion="/" + best[0]))
        return text_reply(tr.t("router.unknown", command=shown))
