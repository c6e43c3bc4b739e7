"""How a digest leaves the core: a transport per platform, the outcomes it reports, and a pacer
that keeps the fan-out within the platform's limits.

Adapters map their platform's errors onto three exceptions: :class:`RetryLater` (flood control with
a retry-after, a 5xx, a timeout), :class:`Undeliverable` (blocked, kicked, chat not found, no
permission to post) and :class:`ChatMoved` (the chat has a new id). Anything else counts as a
transient failure too: a post is never given up on because of an error nobody anticipated.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.model import ChatRef, Message


class DeliveryError(Exception):
    pass


class RetryLater(DeliveryError):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Undeliverable(DeliveryError):
    """Permanent: posting to this chat cannot work until someone changes something."""


class ChatMoved(DeliveryError):
    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"the chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's sending limits, as the adapter configures them."""

    per_second: float = 30.0
    """Messages per second overall (Telegram: 30; Discord: 50 requests per second)."""
    per_chat_interval: float = 1.0
    """Seconds between two messages to one chat."""
    group_per_minute: int | None = 20
    """Messages per minute to one group (Telegram: 20), or no such limit."""


class Transport(Protocol):
    platform: str
    limits: Limits

    async def send(self, chat: ChatRef, message: Message, *, target: str | None = None) -> None:
        """Deliver one message, or raise a :class:`DeliveryError`."""


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Pacer:
    """Reserves send slots within every limit at once (a GCRA per limit): each send gets the
    earliest instant that breaks none, and the caller sleeps until then. Reservations are taken
    synchronously, so any number of concurrent senders share the budget without overshooting it."""

    limits: Limits
    _next_global: datetime | None = None
    _next_chat: dict[str, datetime] = field(default_factory=dict)
    _group_sends: dict[str, list[datetime]] = field(default_factory=dict)

    def reserve(self, chat_id: str, is_group: bool, now: datetime) -> datetime:
        slot = max(now, self._next_global or now, self._next_chat.get(chat_id, now))
        if is_group and self.limits.group_per_minute:
            recent = [t for t in self._group_sends.get(chat_id, []) if t > slot - timedelta(minutes=1)]
            if len(recent) >= self.limits.group_per_minute:
                slot = max(slot, recent[-self.limits.group_per_minute] + timedelta(minutes=1))
            recent.append(slot)
            self._group_sends[chat_id] = recent
        # Rounded up to the microsecond: 30 sends at 33,333 µs would fit 31 into one second.
        self._next_global = slot + timedelta(microseconds=math.ceil(1_000_000 / self.limits.per_second))
        self._next_chat[chat_id] = slot + timedelta(seconds=self.limits.per_chat_interval)
        return slot

    def hold(self, until: datetime) -> None:
        """Send nothing before ``until`` (the platform asked us to slow down)."""
        if self._next_global is None or self._next_global < until:
            self._next_global = until

    def forget_before(self, moment: datetime) -> None:
        """Drop per-chat state nobody needs any more, so a 100,000-chat fan-out stays small."""
        self._next_chat = {c: t for c, t in self._next_chat.items() if t > moment}
        self._group_sends = {
            c: kept
            for c, ts in self._group_sends.items()
            if (kept := [t for t in ts if t > moment - timedelta(minutes=1)])
        }
