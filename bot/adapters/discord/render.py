"""Core replies as Discord will send them: markdown content, embeds and buttons; and the rules
application command names and descriptions must follow.

Pure functions, no network and no client calls: the adapter turns each :class:`Out` into one message
(or interaction response / follow-up) in list order, laying ``Out.rows`` out as action rows of
buttons whose ``custom_id`` comes from :func:`custom_id` (or a stored token when that is ``None``).
Send with ``allowed_mentions=discord.AllowedMentions.none()``: escaping markdown does not defuse
``@everyone`` or user mentions.

Discord's limits applied here: content 2,000 characters; 10 embeds per message and 6,000 characters
across them; embed title 256, description 4,096, field name 256, value 1,024, 25 fields, footer
2,048; 5 buttons per row and 5 rows; button label 80; ``custom_id`` 1-100. App commands: name 1-32
matching ``^[-_\\p{L}\\p{N}]{1,32}$`` in lowercase, description 1-100, 25 options, 25 choices.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import discord
from discord.utils import escape_markdown

from bot.adapters.chrome import Chrome
from bot.adapters.chrome import is_web_link as web_link
from bot.core.i18n import Translator
from bot.core.model import EventCard, Message, Paragraph, QuizPrompt, QuizReveal

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBEDS_TOTAL = 6000
"""Characters across every embed of one message (titles, descriptions, fields, footers...)."""
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_URL = 2048
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
MAX_BUTTONS = BUTTONS_PER_ROW * MAX_ROWS
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_COMMAND_NAME = 32
MAX_COMMAND_DESCRIPTION = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_CHOICE_VALUE = 100
MAX_COMMANDS = 100
"""Global CHAT_INPUT commands per application."""
ELLIPSIS = "…"

COMMAND_PREFIX = "cw:"
"""``custom_id`` of a button that sends a command: the prefix, then the command as typed."""
QUIZ_PREFIX = "cwq:"
QUIZ_TEMPLATE = r"cwq:(?P<round>[0-9]+):(?P<choice>[0-9]+)"
"""``template`` for the ``discord.ui.DynamicItem`` that answers quiz buttons."""
_QUIZ_ID = re.compile(QUIZ_TEMPLATE)
_ANSWER = re.compile(r"/answer (?P<choice>[0-9]+) #(?P<round>[0-9]+)")

CHAT_INPUT = 1


@dataclass(frozen=True)
class Out:
    """One Discord message: content above embeds, then buttons (at most 25)."""

    content: str | None = None
    """Markdown, at most 2,000 characters, or ``None``."""
    embeds: tuple[discord.Embed, ...] = ()
    """At most 10, at most 6,000 characters together."""
    buttons: tuple[tuple[str, str], ...] = ()
    """``(label, command)``; pass each command through :func:`custom_id`."""
    ephemeral: bool = False
    """Only the user who ran the command sees it (interaction responses only)."""

    @property
    def rows(self) -> tuple[tuple[tuple[str, str], ...], ...]:
        """The buttons as action rows of at most 5."""
        b = self.buttons
        return tuple(b[i : i + BUTTONS_PER_ROW] for i in range(0, len(b), BUTTONS_PER_ROW))


# ---- custom ids ---------------------------------------------------------------------------------


def quiz_custom_id(round_id: int, choice: int) -> str:
    """``cwq:<round>:<choice>`` (``choice`` 1-based, as in ``/answer {choice} #{round}``)."""
    if round_id < 0 or choice < 0:
        raise ValueError("round id and choice must not be negative")
    value = f"{QUIZ_PREFIX}{round_id}:{choice}"
    if len(value) > MAX_CUSTOM_ID:
        raise ValueError("quiz custom_id longer than 100 characters")
    return value


def parse_quiz_custom_id(value: str) -> tuple[int, int] | None:
    """``(round_id, choice)`` from :func:`quiz_custom_id`'s form, else ``None``."""
    match = _QUIZ_ID.fullmatch(value)
    if match is None:
        return None
    return int(match["round"]), int(match["choice"])


def custom_id(command: str) -> str | None:
    """A stable ``custom_id`` for a button that sends ``command``, or ``None`` when none fits in 100.

    ``/answer {choice} #{round}`` becomes :func:`quiz_custom_id` (so one ``DynamicItem`` answers
    every quiz button, whoever presses it); anything else is ``"cw:" + command``. On ``None`` the
    adapter must store the command under a short token: a command is never cut short."""
    answer = _ANSWER.fullmatch(command)
    if answer is not None:
        quiz = f"{QUIZ_PREFIX}{int(answer['round'])}:{int(answer['choice'])}"
        if len(quiz) <= MAX_CUSTOM_ID:
            return quiz
    value = COMMAND_PREFIX + command
    return value if command and len(value) <= MAX_CUSTOM_ID else None


def command_for_custom_id(value: str) -> str | None:
    """The command a :func:`custom_id` stands for, or ``None`` when it is not one of ours."""
    quiz = parse_quiz_custom_id(value)
    if quiz is not None:
        return f"/answer {quiz[1]} #{quiz[0]}"
    if value.startswith(COMMAND_PREFIX) and len(value) > len(COMMAND_PREFIX):
        return value[len(COMMAND_PREFIX) :]
    return None


# ---- text helpers -------------------------------------------------------------------------------


def is_web_link(url: str | None) -> bool:
    """Whether Discord takes ``url`` as an embed or link URL: a web link that also fits Discord's
    2,048 characters and has no ``<``/``>`` (which would end a markdown link early)."""
    return url is not None and len(url) <= MAX_URL and not any(c in "<>" for c in url) and web_link(url)


def _truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, at a space when one is near, ending in an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ELLIPSIS))]
    space = cut.rfind(" ")
    if space >= len(cut) * 4 // 5:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _escape(text: str) -> str:
    return escape_markdown(text)


def _fit(text: str, limit: int) -> str:
    """``text`` escaped for markdown and at most ``limit`` characters (cut before escaping)."""
    size = limit
    while True:
        out = _escape(_truncate(text, size))
        if len(out) <= limit or size <= 1:
            return out[:limit]
        size -= max(1, len(out) - limit)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url).removeprefix("www.")


def _md_link(label: str, url: str) -> str:
    text = re.sub(r"(?<!\\)([\[\]])", r"\\\1", _escape(label))
    return f"[{text}](<{url}>)"


# ---- paragraphs as markdown ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Run:
    """Text in one style, never holding a line break."""

    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None

    @property
    def style(self) -> tuple[bool, bool, str | None]:
        return self.bold, self.italic, self.link


_Line = tuple[_Run, ...]
_Block = tuple[_Line, ...]


def _marker(run: _Run) -> str:
    return ("**" if run.bold else "") + ("*" if run.italic else "")


def _md(run: _Run) -> str:
    """One run as markdown; spaces stay outside the markers, which Discord needs to see them."""
    core = run.text.strip()
    if not core:
        return run.text
    lead = run.text[: len(run.text) - len(run.text.lstrip())]
    trail = run.text[len(run.text.rstrip()) :]
    if run.link and is_web_link(run.link):
        body = _md_link(core, run.link)
    elif run.link and run.link != core:
        body = f"{_escape(core)} ({_escape(run.link)})"
    else:
        body = _escape(core)
    mark = _marker(run)
    return f"{lead}{mark}{body}{mark[::-1]}{trail}"


def _line_md(line: Sequence[_Run]) -> str:
    out: list[str] = []
    prev: _Run | None = None
    for run in line:
        piece = _md(run)
        # "**a***b*" would parse wrongly: keep abutting markers apart with an invisible space.
        abutting = out and out[-1][-1:] == "*" and piece[:1] == "*"
        if prev is not None and _marker(prev) and _marker(run) and abutting:
            out.append("\u200b")
        out.append(piece)
        prev = run
    return "".join(out)


def _paragraph(paragraph: Paragraph) -> _Block:
    lines: list[list[_Run]] = [[]]
    for span in paragraph.spans:
        for i, piece in enumerate(span.text.split("\n")):
            if i:
                lines.append([])
            if not piece:
                continue
            run = _Run(piece, span.bold, span.italic, span.link)
            line = lines[-1]
            if line and line[-1].style == run.style:
                line[-1] = replace(line[-1], text=line[-1].text + piece)
            else:
                line.append(run)
    return tuple(tuple(line) for line in lines)


_WORDS = re.compile(r"\S+\s*|\s+")


def _split_line(line: _Line, limit: int) -> list[str]:
    """A line too long for one message as several, cut after spaces (inside a word if need be),
    with markers closed and reopened around each cut."""
    parts: list[str] = []
    done: list[_Run] = []

    def grow(runs: list[_Run], run: _Run) -> list[_Run]:
        if runs and runs[-1].style == run.style:
            return [*runs[:-1], replace(runs[-1], text=runs[-1].text + run.text)]
        return [*runs, run]

    for run in line:
        for word in _WORDS.findall(run.text):
            piece = replace(run, text=word)
            grown = grow(done, piece)
            if len(_line_md(grown)) <= limit:
                done = grown
                continue
            if done:
                parts.append(_line_md(done))
                done = []
            if len(_md(piece)) <= limit:
                done = [piece]
                continue
            buf = ""
            for char in word:
                if buf and len(_md(replace(run, text=buf + char))) > limit:
                    parts.append(_md(replace(run, text=buf)))
                    buf = ""
                buf += char
            done = [replace(run, text=buf)] if buf else []
    if done:
        parts.append(_line_md(done))
    return [p.strip() for p in parts if p.strip()]


class _Packer:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self._buf = ""

    def put(self, sep: str, piece: str) -> bool:
        if len(piece) > self.limit:
            return False
        if self._buf and len(self._buf) + len(sep) + len(piece) > self.limit:
            self.flush()
        self._buf = f"{self._buf}{sep}{piece}" if self._buf else piece
        return True

    def flush(self) -> None:
        text = self._buf.strip("\n")
        if text.strip():
            self.parts.append(text)
        self._buf = ""


def _pack(blocks: Iterable[_Block], limit: int = MAX_CONTENT) -> list[str]:
    """Blocks joined by blank lines, in as few parts as fit: cut between blocks where possible,
    else between lines, else inside a line."""
    packer = _Packer(limit)
    for block in blocks:
        lines = [_line_md(line) for line in block]
        whole = "\n".join(lines)
        if not whole.strip() or packer.put("\n\n", whole):
            continue
        for j, (line, text) in enumerate(zip(block, lines, strict=True)):
            sep = "\n" if j else "\n\n"
            if not packer.put(sep, text):
                for piece in _split_line(line, limit):
                    packer.put(sep, piece)
    packer.flush()
    return packer.parts


# ---- embeds -------------------------------------------------------------------------------------


def _cap(embed: discord.Embed) -> discord.Embed:
    """Shorten the description so one embed never exceeds the 6,000 characters of a message."""
    excess = len(embed) - MAX_EMBEDS_TOTAL
    if excess > 0 and embed.description:
        embed.description = embed.description[: max(0, len(embed.description) - excess - 1)] + ELLIPSIS
    return embed


def _source_lines(sources: Sequence[str]) -> list[str]:
    lines: list[str] = []
    for i, url in enumerate(sources, 1):
        shown = _md_link(_host(url), url) if is_web_link(url) else _fit(url, MAX_FIELD_VALUE - 8)
        lines.append(f"{i}\\. {shown}")
    return lines


def _add_lines_as_fields(embed: discord.Embed, name: str, lines: Sequence[str]) -> None:
    """Lines in as many fields as they need (the first named, the rest blank-named)."""
    value = ""
    first = True
    for line in lines:
        line = line[:MAX_FIELD_VALUE]
        if value and len(value) + 1 + len(line) > MAX_FIELD_VALUE:
            if len(embed.fields) >= MAX_FIELDS:
                return
            embed.add_field(name=name if first else "\u200b", value=value, inline=False)
            first, value = False, ""
        value = f"{value}\n{line}" if value else line
    if value and len(embed.fields) < MAX_FIELDS:
        embed.add_field(name=name if first else "\u200b", value=value, inline=False)


def _card(card: EventCard, chrome: Chrome) -> discord.Embed:
    first = card.sources[0] if card.sources else None
    embed = discord.Embed(
        title=_fit(_one_line(card.title), MAX_TITLE) or None,
        url=first if is_web_link(first) else None,
        description=_fit(card.summary.strip(), MAX_DESCRIPTION) or None,
    )
    footer = f"{card.date_text} · {card.years_ago_text}"
    if card.full:
        _add_lines_as_fields(embed, chrome.sources, _source_lines(card.sources))
        if card.tags:
            footer += f"\n{chrome.tags}: {', '.join(card.tags)}"
    else:
        if first is not None and not is_web_link(first):
            embed.add_field(name=chrome.source, value=_fit(first, MAX_FIELD_VALUE), inline=False)
        footer += f" · {chrome.more}: /event {card.event_id}"
    embed.set_footer(text=_truncate(footer, MAX_FOOTER))
    return _cap(embed)


def _prompt(prompt: QuizPrompt) -> discord.Embed:
    choices = "\n".join(
        f"{i}\\. {_fit(_one_line(c), MAX_FIELD_VALUE)}" for i, c in enumerate(prompt.choices, 1)
    )
    room = MAX_DESCRIPTION - len(choices) - 2
    question = _fit(prompt.question.strip(), max(room, 200))
    description = f"{question}\n\n{choices}" if choices else question
    embed = discord.Embed(
        title=_fit(_one_line(prompt.header), MAX_TITLE) or None,
        description=description[:MAX_DESCRIPTION] or None,
    )
    if prompt.hint.strip():
        embed.set_footer(text=_truncate(prompt.hint.strip(), MAX_FOOTER))
    return _cap(embed)


def _reveal(reveal: QuizReveal, chrome: Chrome) -> discord.Embed:
    embed = discord.Embed(
        title=_fit(_one_line(reveal.answer_text), MAX_TITLE) or None,
        url=reveal.source if is_web_link(reveal.source) else None,
        description=_fit(reveal.explanation.strip(), MAX_DESCRIPTION) or None,
    )
    if reveal.source and not is_web_link(reveal.source):
        embed.add_field(name=chrome.source, value=_fit(reveal.source, MAX_FIELD_VALUE), inline=False)
    if reveal.outcome.strip():
        embed.set_footer(text=_truncate(reveal.outcome.strip(), MAX_FOOTER))
    return _cap(embed)


def reveal_embed(reveal: QuizReveal, tr: Translator) -> discord.Embed:
    """The end of a question as an embed, to add to the question's own message."""
    return _reveal(reveal, Chrome(tr))


def _embed(block: EventCard | QuizPrompt | QuizReveal, chrome: Chrome) -> discord.Embed:
    if isinstance(block, EventCard):
        return _card(block, chrome)
    if isinstance(block, QuizPrompt):
        return _prompt(block)
    return _reveal(block, chrome)


def _batches(embeds: Sequence[discord.Embed]) -> list[tuple[discord.Embed, ...]]:
    """Embeds in order, at most 10 and 6,000 characters per message."""
    out: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        if not out or len(out[-1]) >= MAX_EMBEDS or size + len(embed) > MAX_EMBEDS_TOTAL:
            out.append([])
            size = 0
        out[-1].append(embed)
        size += len(embed)
    return [tuple(batch) for batch in out]


# ---- buttons ------------------------------------------------------------------------------------


def _label(label: str, fallback: str) -> str:
    return _truncate(_one_line(label) or _one_line(fallback) or "?", MAX_LABEL)


def _buttons(message: Message) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for block in message.blocks:
        if isinstance(block, QuizPrompt):
            for i, choice in enumerate(block.choices, 1):
                items.append((_label(f"{i}. {choice}", str(i)), f"/answer {i} #{block.round_id}"))
    items.extend((_label(b.label, b.command), b.command) for b in message.buttons)
    return items


# ---- render -------------------------------------------------------------------------------------


@dataclass
class _Group:
    blocks: list[_Block] = field(default_factory=list)
    embeds: list[discord.Embed] = field(default_factory=list)


def render(message: Message, tr: Translator) -> list[Out]:
    """What to send for one core message, in order.

    Paragraphs become markdown content and cards, quiz prompts and reveals become embeds. Content
    sits above embeds in a Discord message, so a paragraph after an embed starts a new message;
    content over 2,000 characters is split at line breaks (embeds ride on its last part) and more
    than 10 embeds (or 6,000 characters of them) go on to further messages. Buttons (one per quiz
    choice, sending ``/answer {i} #{round_id}``, then the message's own) ride on the last message,
    25 at most; more go on extra messages holding only buttons. Every part keeps ``ephemeral``.
    """
    chrome = Chrome(tr)
    groups = [_Group()]
    for block in message.blocks:
        if isinstance(block, Paragraph):
            if groups[-1].embeds:
                groups.append(_Group())
            groups[-1].blocks.append(_paragraph(block))
        else:
            groups[-1].embeds.append(_embed(block, chrome))
    eph = message.ephemeral
    out: list[Out] = []
    for group in groups:
        texts = _pack(group.blocks)
        batches = _batches(group.embeds)
        out.extend(Out(text, ephemeral=eph) for text in texts[:-1])
        last = texts[-1] if texts else None
        if batches:
            out.append(Out(last, batches[0], ephemeral=eph))
            out.extend(Out(None, batch, ephemeral=eph) for batch in batches[1:])
        elif last is not None:
            out.append(Out(last, ephemeral=eph))
    items = _buttons(message)
    chunks = [tuple(items[i : i + MAX_BUTTONS]) for i in range(0, len(items), MAX_BUTTONS)]
    if chunks:
        if out:
            out[-1] = replace(out[-1], buttons=chunks[0])
        else:
            out.append(Out(buttons=chunks[0], ephemeral=eph))
        out.extend(Out(buttons=chunk, ephemeral=eph) for chunk in chunks[1:])
    return out


# ---- application commands -----------------------------------------------------------------------


def is_command_name(name: str) -> bool:
    """Discord's ``^[-_\\p{L}\\p{N}]{1,32}$``, in lowercase where a letter has a lowercase form."""
    return (
        1 <= len(name) <= MAX_COMMAND_NAME
        and name == name.lower()
        and all(c in "-_" or unicodedata.category(c)[0] in "LN" for c in name)
    )


def command_hash(spec: Iterable[Mapping[str, Any]]) -> str:
    """sha256 of the canonical JSON of the commands as uploaded (keys sorted, commands ordered by
    name): equal for equal command sets, so the adapter skips the upload when the hash it stored
    is unchanged."""
    ordered = sorted(spec, key=lambda c: (int(c.get("type", CHAT_INPUT)), str(c["name"])))
    canonical = json.dumps(ordered, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
