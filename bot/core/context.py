"""What a handler gets: the message, the chat's settings, the chat's translator, and the services,
passed explicitly rather than reached through globals."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.digest.scheduler import DigestScheduler
from bot.core.i18n import I18n, Translator
from bot.core.model import Incoming
from bot.core.quiz.engine import QuizEngine
from bot.core.registry import Command, Registry
from storage.chats import ChatSettings, ChatStore
from storage.content import ContentStore
from storage.notices import NoticeStore
from storage.reports import ReportStore
from storage.study import StudyStore
from storage.users import UserStore


@dataclass(slots=True)
class Services:
    content: ContentStore
    chats: ChatStore
    users: UserStore
    reports: ReportStore
    clock: Clock
    i18n: I18n
    registry: Registry
    rng: random.Random
    quiz: QuizEngine
    study: StudyStore
    digest: DigestScheduler
    notices: NoticeStore


@dataclass(slots=True)
class Context:
    incoming: Incoming
    chat: ChatSettings
    services: Services
    tr: Translator
    command: Command

    def now(self) -> datetime:
        return self.services.clock.now().astimezone(ZoneInfo(self.chat.timezone))

    def today(self) -> date:
        """The chat's local date: "today" depends on where the chat is."""
        return self.now().date()
