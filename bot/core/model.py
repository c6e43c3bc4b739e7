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
    target: str | None = None
    """A channel chosen with the platform's own picker (a CHANNEL argument), already checked by the
    adapter to belong to the same server; never parsed from ``text``."""
    target_name: str | None = None
    target_missing: tuple[str, ...] = ()
    """Permissions the bot lacks in ``target``, as the platform names them (to warn right away)."""


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


@dataclass(frozen=True, slots=True)
class QuizPrompt:
    """A question to answer, localized. Telegram sends it as a native quiz poll, Discord as buttons,
    the console as numbered lines; an answer names ``round_id`` and the chosen index."""

    round_id: int
    header: str
    """"Question 2 of 5 · 30 seconds", already localized."""
    question: str
    choices: tuple[str, ...]
    correct: int
    """The right choice's index. Quiz polls need it when sent; no adapter shows it before the reveal."""
    explanation: str
    open_seconds: int | None
    """How long the question stays open, or ``None`` when it waits for an answer (study mode)."""
    hint: str
    """How to answer by typing, for platforms without polls or buttons."""
    private_answers: bool = True
    """Whether others must not see who chose what until the reveal (group games)."""


@dataclass(frozen=True, slots=True)
class QuizReveal:
    """The end of a question: the right answer, why, the source, and who got it right."""

    round_id: int
    correct: int
    answer_text: str
    """"Answer: 2. Warsaw", localized."""
    explanation: str
    source: str | None
    outcome: str
    """"Ana and Ion got it right." or "Nobody answered.", localized."""


Block = Paragraph | EventCard | QuizPrompt | QuizReveal


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
    ephemeral: bool = False
    """Meant for the sender alone ("answer recorded"): Discord shows it only to them; platforms
    without private replies may leave it out in groups."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message the bot sends on its own, not as a reply: a reveal when time is up, the next
    question, a game's final ranking."""

    chat: ChatRef
    reply: Message


Reply = Message


def say(text: str, buttons: tuple[Button, ...] = ()) -> list[Reply]:
    """The commonest reply: one paragraph of text, maybe with buttons."""
    return [Message((Paragraph.of(text),), buttons)]
