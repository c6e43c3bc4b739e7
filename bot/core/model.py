"""Neutral values that cross the adapter boundary: who speaks where, and what the bot answers.

Replies carry *meaning* (bold, a link, an event card, a button that sends a command) and never a
platform's syntax, so the Telegram, Discord and console adapters can each render them natively.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat on one platform. Ids are strings because platforms disagree on their size and shape."""

    platform: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class UserRef:
    platform: str
    user_id: str
    display_name: str = ""


async def _never_admin() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message to the bot, already translated by an adapter.

    ``is_admin`` is asked lazily, and only for admin-only commands in groups, because on Telegram it
    costs an API call. ``addressed`` is false for group chatter not aimed at the bot (no command, no
    mention, no reply to the bot), which the core must not answer.
    """

    chat: ChatRef
    kind: ChatKind
    user: UserRef
    text: str
    language_hint: str | None = None
    addressed: bool = True
    is_admin: Callable[[], Awaitable[bool]] = _never_admin


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with light markup. Newlines inside ``text`` are line breaks."""

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    spans: tuple[Span, ...]

    @classmethod
    def of(cls, *parts: str | Span) -> Paragraph:
        return cls(tuple(Span(p) if isinstance(p, str) else p for p in parts))

    @property
    def plain(self) -> str:
        return "".join(s.text for s in self.spans)


@dataclass(frozen=True, slots=True)
class EventCard:
    """An event, already localized (date, "N years ago", title, summary) for the chat's language."""

    event_id: str
    day: date
    date_text: str
    years_ago_text: str
    title: str
    summary: str
    sources: tuple[str, ...]
    tags: tuple[str, ...] = ()
    full: bool = False
    """A full card lists every source and the tags; a short one shows the first source only."""


Block = Paragraph | EventCard


@dataclass(frozen=True, slots=True)
class Button:
    """A button that, when pressed, sends ``command`` to the core as if the user had typed it."""

    label: str
    command: str


@dataclass(frozen=True, slots=True)
class Message:
    """One outgoing message: blocks in order, then an optional row of buttons."""

    blocks: tuple[Block, ...]
    buttons: tuple[Button, ...] = field(default=())
    lang: str | None = None
    """The language it is written in; the router fills in the chat's when a handler leaves it unset,
    so adapters can localize their own chrome ("Source", "Next")."""


Reply = Message
