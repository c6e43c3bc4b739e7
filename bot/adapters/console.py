"""A terminal chat with the bot: no token, no network. It is also the harness the end-to-end tests
drive, so it goes through exactly the same core path as Telegram and Discord."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from bot.app import App
from bot.core.digest.delivery import Limits
from bot.core.i18n import Translator
from bot.core.model import (
    ChatKind,
    ChatRef,
    EventCard,
    Incoming,
    Message,
    Outgoing,
    Paragraph,
    QuizPrompt,
    QuizReveal,
    Reply,
    UserRef,
)

PLATFORM = "console"


class ConsoleTransport:
    """Digests "sent" to console chats: printed, each under its chat's id unless it is ``own_chat``."""

    platform = PLATFORM
    limits = Limits(per_second=1000.0, per_chat_interval=0.0, group_per_minute=None)

    def __init__(self, app: App, out: TextIO, own_chat: str | None = None) -> None:
        self._app = app
        self._out = out
        self._own_chat = own_chat

    async def send(self, chat: ChatRef, message: Message, *, target: str | None = None) -> None:
        text = render(message, self._app.services.i18n[message.lang or "en"])
        header = "" if chat.chat_id == self._own_chat else f"── {chat.platform} chat {chat.chat_id} ──\n"
        self._out.write(f"{header}{text}\n\n")
        self._out.flush()


def _spans(paragraph: Paragraph) -> str:
    out: list[str] = []
    for span in paragraph.spans:
        if span.link and span.link != span.text:
            out.append(f"{span.text} ({span.link})")
        else:
            out.append(span.text)
    return "".join(out)


def render(reply: Reply, tr: Translator) -> str:
    """Plain text for a terminal; buttons become the commands that pressing them would send."""
    source, sources, tags, more = (
        tr.t("render.source"),
        tr.t("render.sources"),
        tr.t("render.tags"),
        tr.t("render.more"),
    )
    chunks: list[str] = []
    for block in reply.blocks:
        if isinstance(block, Paragraph):
            chunks.append(_spans(block))
        elif isinstance(block, EventCard):
            lines = [f"{block.date_text} · {block.years_ago_text}", block.title, block.summary]
            if block.full:
                lines.append(f"{sources}:")
                lines.extend(f"  {url}" for url in block.sources)
                if block.tags:
                    lines.append(f"{tags}: {', '.join(block.tags)}")
            else:
                if block.sources:
                    lines.append(f"{source}: {block.sources[0]}")
                lines.append(f"{more}: /event {block.event_id}")
            chunks.append("\n".join(lines))
        elif isinstance(block, QuizPrompt):
            lines = [block.header, block.question]
            lines.extend(f"  {i}. {choice}" for i, choice in enumerate(block.choices, 1))
            lines.append(block.hint)
            chunks.append("\n".join(lines))
        elif isinstance(block, QuizReveal):
            lines = [f"✔ {block.answer_text}", block.explanation]
            if block.source:
                lines.append(f"{source}: {block.source}")
            lines.append(block.outcome)
            chunks.append("\n".join(lines))
    text = "\n\n".join(chunks)
    if reply.buttons:
        width = max(len(b.command) for b in reply.buttons)
        buttons = "\n".join(f"  {b.command.ljust(width)}   [{b.label}]" for b in reply.buttons)
        label = tr.t("render.buttons")
        text += f"\n\n{label}:\n{buttons}"
    return text


@dataclass(slots=True)
class ConsoleSession:
    """Who is typing, and where: a private chat by default, or a group with ``group=True``."""

    app: App
    chat_id: str = "1"
    user_id: str = "1"
    name: str = "Console user"
    group: bool = False
    admin: bool = True
    lang: str | None = None

    @property
    def chat(self) -> ChatRef:
        return ChatRef(PLATFORM, self.chat_id)

    @property
    def kind(self) -> ChatKind:
        return ChatKind.GROUP if self.group else ChatKind.PRIVATE

    async def prepare(self) -> None:
        """An explicit ``--lang`` is the user choosing the chat's language, as /lang would."""
        if self.lang:
            await self.app.set_chat_language(self.chat, self.kind.value, self.lang)

    async def send(self, text: str) -> list[str]:
        admin = self.admin

        async def is_admin() -> bool:
            return admin

        incoming = Incoming(
            chat=self.chat,
            kind=self.kind,
            user=UserRef(PLATFORM, self.user_id, self.name),
            text=text,
            language_hint=self.lang,
            addressed=True,
            is_admin=is_admin,
        )
        replies = await self.app.handle(incoming)
        return [self.render(r) for r in replies]

    def render(self, reply: Reply) -> str:
        return render(reply, self.app.services.i18n[reply.lang or "en"])

    async def due(self) -> list[str]:
        """What the bot sends on its own in this chat now (a reveal, the next question): in a
        one-shot ``ask`` nothing runs between calls, so each call first catches up on timers."""
        return [self.render(o.reply) for o in await self.app.tick(chat=self.chat)]


def _stdin_lines(loop: asyncio.AbstractEventLoop, prompt: str) -> asyncio.Queue[str | None]:
    """Lines from the terminal, read on a daemon thread so the event loop stays free for timers and
    Ctrl-C never waits for a blocked read; ``None`` marks the end of input."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                line: str | None = input(prompt)
            except (EOFError, KeyboardInterrupt, OSError):
                line = None
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if line is None:
                return

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return queue


async def interactive(
    session: ConsoleSession,
    out: TextIO = sys.stdout,
    read_line: Callable[[], Awaitable[str | None]] | None = None,
) -> None:
    """Read lines until end of input or /quit, answering each as the bot would in a chat."""
    await session.prepare()
    settings = await session.app.services.chats.get(PLATFORM, session.chat_id)
    tr = session.app.services.i18n[settings.lang if settings else (session.lang or "en")]
    out.write(tr.t("console.banner") + "\n\n")
    out.flush()
    if read_line is None:  # a prompt helps a person at a terminal, not a script piping lines in
        queue = _stdin_lines(asyncio.get_running_loop(), "> " if sys.stdin.isatty() else "")
        read_line = queue.get

    async def deliver(item: Outgoing) -> None:
        out.write(session.render(item.reply) + "\n\n")
        out.flush()

    session.app.services.digest.register(ConsoleTransport(session.app, out, own_chat=session.chat_id))
    timers = asyncio.gather(
        session.app.run_timers(deliver, chat=session.chat), session.app.services.digest.run_forever()
    )
    try:
        while True:
            line = await read_line()
            if line is None:
                out.write("\n")
                return
            if line.strip().lower() in {"/quit", "/exit"}:
                return
            if not line.strip():
                continue
            for text in await session.send(line):
                out.write(text + "\n\n")
            out.flush()
    finally:
        timers.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await timers
