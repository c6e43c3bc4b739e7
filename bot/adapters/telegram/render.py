"""Core replies as Telegram will send them: HTML text parts with inline keyboards, and quiz polls.

Pure functions, no network and no Bot calls: the adapter turns each :class:`TextOut` into a
``sendMessage`` (``parse_mode="HTML"``, ``link_preview_options``, an inline keyboard) and each
:class:`PollOut` into a ``sendPoll`` (``type="quiz"``, ``is_anonymous=False``), in list order.

Telegram's limits are applied here, counted in UTF-16 code units (what Telegram counts; never fewer
than Python's characters): 4,096 per message, counted on the HTML source rather than the visible text
so a part always fits; at most 100 formatting entities per message (Telegram ignores the rest);
poll question 300, option 100, explanation 200 with at most 2 line breaks, open period 5-600 s;
callback data 1-64 bytes; callback-query answers 200; menu command names 32 and descriptions 256.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from bot.adapters.chrome import Chrome, is_web_link
from bot.core.i18n import Translator
from bot.core.model import (
    Block,
    Button,
    ChatKind,
    EventCard,
    Message,
    Paragraph,
    QuizPrompt,
    QuizReveal,
    Span,
)
from bot.core.registry import Registry

MAX_TEXT = 4096
"""Characters per message (``sendMessage``'s ``text``)."""
MAX_ENTITIES = 100
"""Formatting entities Telegram shows in one message; parts are split so none has more tags."""
MAX_CALLBACK_DATA = 64
"""Bytes (UTF-8) of an inline button's ``callback_data``."""
MAX_BUTTON_LABEL = 64
SHORT_BUTTON_LABEL = 20
"""Command buttons sit two per row when every label is at most this long, else one per row."""
CHOICE_AS_LABEL = 30
"""Quiz choices up to this long are their own button labels; longer ones get "1".."n"."""
SHORT_CHOICE_LABEL = 10
"""Choice buttons sit up to :data:`CHOICES_PER_ROW` per row when every label is this short."""
CHOICES_PER_ROW = 4
MAX_POLL_QUESTION = 300
MAX_POLL_OPTION = 100
MIN_POLL_OPTIONS, MAX_POLL_OPTIONS = 2, 10
"""Telegram took 2-10 options for years (newer Bot API versions allow 12); fewer or more → text."""
MAX_POLL_EXPLANATION = 200
MAX_POLL_EXPLANATION_LINE_BREAKS = 2
MIN_OPEN_PERIOD, MAX_OPEN_PERIOD = 5, 600
MAX_TOAST = 200
"""Characters of ``answerCallbackQuery``'s ``text``."""
MAX_COMMAND_NAME = 32
MAX_COMMAND_DESCRIPTION = 256
MAX_MENU_COMMANDS = 100
MAX_HREF = 1024
"""Longer (escaped) URLs are shown as text rather than as a link, so that a tag never crowds out
the text it wraps when a long line has to be split."""
ELLIPSIS = "…"

Keyboard = tuple[tuple[tuple[str, str], ...], ...]
"""Rows of ``(label, command)``; the command is what pressing the button sends to the core."""


@dataclass(frozen=True, slots=True)
class TextOut:
    """One ``sendMessage`` in HTML parse mode."""

    html: str
    buttons: Keyboard = ()
    """Inline keyboard rows of ``(label, command)``; pass each command through :func:`callback_data`."""
    link_preview: str | None = None
    """The URL to preview, or ``None`` for no preview at all."""


@dataclass(frozen=True, slots=True)
class PollOut:
    """One ``sendPoll`` with ``type="quiz"`` and ``is_anonymous=False`` (both implied).

    ``round_id`` is not sent: the adapter keeps poll id → round id so a ``PollAnswer`` becomes
    ``/answer {option_ids[0] + 1} #{round_id}``."""

    round_id: int
    question: str
    options: tuple[str, ...]
    correct_option_id: int
    """0-based, as Telegram wants it."""
    explanation: str | None
    open_period: int | None


def callback_data(command: str) -> str | None:
    """The button's command as its ``callback_data`` when it fits Telegram's 1-64 bytes, else ``None``.

    On ``None`` the adapter must store the command (e.g. in a table keyed by a short random token)
    and send the token as ``callback_data`` instead, resolving it back when the button is pressed;
    a command is never cut short, since a truncated command would do something else."""
    size = len(command.encode("utf-8"))
    return command if 1 <= size <= MAX_CALLBACK_DATA else None


def render(message: Message, tr: Translator, *, group: bool) -> list[TextOut | PollOut]:
    """What to send for one core message, in order.

    A :class:`QuizPrompt` becomes a native quiz poll in a group when it is timed and its answers are
    private (the prompt's header, when not empty, goes in a text message just before the poll);
    anywhere else it is text with one answer button per choice. Text longer than Telegram allows is
    split into several parts; buttons ride on the last text part, the link preview on the first.
    Ephemeral messages are rendered like any other (see :func:`toast` for a callback answer).
    """
    chrome = Chrome(tr)
    out: list[TextOut | PollOut] = []
    pending: list[_Block] = []
    choice_rows: list[tuple[tuple[str, str], ...]] = []
    for block in message.blocks:
        if isinstance(block, QuizPrompt):
            poll = _poll(block) if group else None
            if poll is not None:
                if block.header.strip():
                    pending.append(_lines([_Run(block.header, (_B,))]))
                out.extend(TextOut(part) for part in _pack(pending))
                pending = []
                out.append(poll)
                continue
            choice_rows.extend(_choice_rows(block))
        pending.append(_block(block, chrome))
    out.extend(TextOut(part) for part in _pack(pending))
    texts = [i for i, item in enumerate(out) if isinstance(item, TextOut)]
    keyboard = (*choice_rows, *_button_rows(message.buttons))
    if texts and keyboard:
        last = out[texts[-1]]
        assert isinstance(last, TextOut)
        out[texts[-1]] = replace(last, buttons=keyboard)
    preview = _preview(message.blocks)
    if texts and preview:
        first = out[texts[0]]
        assert isinstance(first, TextOut)
        out[texts[0]] = replace(first, link_preview=preview)
    return out


def toast(message: Message) -> str:
    """The message as plain text for ``answerCallbackQuery`` (no markup, at most 200 characters)."""
    chunks: list[str] = []
    for block in message.blocks:
        if isinstance(block, Paragraph):
            chunks.append(block.plain)
        elif isinstance(block, EventCard):
            chunks.append(f"{block.date_text} · {block.title}")
        elif isinstance(block, QuizPrompt):
            chunks.append(block.question)
        elif isinstance(block, QuizReveal):
            chunks.append(f"{block.answer_text}\n{block.outcome}")
    text = "\n".join(c.strip() for c in chunks if c.strip())
    return _truncate(text, MAX_TOAST)


def menu_commands(
    registry: Registry, tr: Translator, *, for_admins: bool, group: bool
) -> list[tuple[str, str]]:
    """``(name, description)`` pairs for ``setMyCommands``, in registry order, aliases left out.

    ``group=False``: the commands allowed in private chats, admin-only ones included whatever
    ``for_admins`` says, since the admin limit applies in groups only (``/lang`` works in private).
    ``group=True``: the commands allowed in groups, admin-only ones only when ``for_admins`` (the
    menu for ``BotCommandScopeAllChatAdministrators``). Descriptions are the translated summaries on
    one line, at most 256 characters; a name longer than Telegram's 32 is left out, never cut."""
    kind = ChatKind.GROUP if group else ChatKind.PRIVATE
    out: list[tuple[str, str]] = []
    for command in registry.for_chat(kind):
        if command.admin_only and group and not for_admins:
            continue
        name = command.name.lower()
        if not 1 <= len(name) <= MAX_COMMAND_NAME:
            continue
        description = " ".join(tr.t(command.summary).split()) or name
        out.append((name, _truncate(description, MAX_COMMAND_DESCRIPTION)))
    return out[:MAX_MENU_COMMANDS]


# ---- text ---------------------------------------------------------------------------------------

_Tag = tuple[str, str]
_B: _Tag = ("<b>", "</b>")
_I: _Tag = ("<i>", "</i>")


@dataclass(frozen=True, slots=True)
class _Run:
    """Text under some tags (outermost first). Runs inside lines never hold a line break."""

    text: str
    tags: tuple[_Tag, ...] = ()

    @property
    def head(self) -> str:
        return "".join(opening for opening, _ in self.tags)

    @property
    def tail(self) -> str:
        return "".join(closing for _, closing in reversed(self.tags))

    @property
    def html(self) -> str:
        return self.head + _escape(self.text) + self.tail


_Line = tuple[_Run, ...]
_Block = tuple[_Line, ...]


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _anchor(url: str | None) -> _Tag | None:
    if url is None or not is_web_link(url):
        return None
    href = html.escape(url, quote=True)
    return None if len(href) > MAX_HREF else (f'<a href="{href}">', "</a>")


def _span_runs(span: Span) -> list[_Run]:
    style: list[_Tag] = []
    if span.bold:
        style.append(_B)
    if span.italic:
        style.append(_I)
    anchor = _anchor(span.link)
    if anchor is not None:
        return [_Run(span.text or span.link or "", (anchor, *style))]
    runs = [_Run(span.text, tuple(style))]
    if span.link and span.link != span.text:
        runs.append(_Run(f" ({span.link})" if span.text else span.link))
    return runs


def _lines(runs: Iterable[_Run]) -> _Block:
    """Break runs into lines at their newlines, merging neighbours under the same tags."""
    lines: list[list[_Run]] = [[]]
    for run in runs:
        for i, piece in enumerate(run.text.split("\n")):
            if i:
                lines.append([])
            if not piece:
                continue
            line = lines[-1]
            if line and line[-1].tags == run.tags:
                line[-1] = _Run(line[-1].text + piece, run.tags)
            else:
                line.append(_Run(piece, run.tags))
    return tuple(tuple(line) for line in lines)


def _link_or_text(label: str, url: str) -> list[_Run]:
    """``label`` linking to ``url``, or "label: url" as text when it is not a web link."""
    anchor = _anchor(url)
    return [_Run(label, (anchor,))] if anchor else [_Run(f"{label}: {url}")]


def _host(url: str) -> str:
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _card(card: EventCard, chrome: Chrome) -> _Block:
    lines = [
        *_lines([_Run(card.date_text, (_B,)), _Run(f" · {card.years_ago_text}")]),
        *_lines([_Run(card.title, (_B,))]),
        *_lines([_Run(card.summary)]),
    ]
    if card.full:
        if card.sources:
            lines.extend(_lines([_Run(f"{chrome.sources}:")]))
        for i, url in enumerate(card.sources, 1):
            anchor = _anchor(url)
            runs = [_Run(f"{i}. "), _Run(_host(url), (anchor,))] if anchor else [_Run(f"{i}. {url}")]
            lines.extend(_lines(runs))
        if card.tags:
            lines.extend(_lines([_Run(f"{chrome.tags}: {', '.join(card.tags)}")]))
    else:
        if card.sources:
            lines.extend(_lines(_link_or_text(chrome.source, card.sources[0])))
        lines.extend(_lines([_Run(f"{chrome.more}: /event {card.event_id}")]))
    return tuple(lines)


def _prompt(prompt: QuizPrompt) -> _Block:
    runs: list[_Run] = []
    if prompt.header.strip():
        runs.append(_Run(prompt.header + "\n", (_B,)))
    runs.append(_Run(prompt.question))
    runs.extend(_Run(f"\n{i}. {choice}") for i, choice in enumerate(prompt.choices, 1))
    if prompt.hint.strip():
        runs.append(_Run("\n" + prompt.hint, (_I,)))
    return _lines(runs)


def _reveal(reveal: QuizReveal, chrome: Chrome) -> _Block:
    lines = list(_lines([_Run("✅ "), _Run(reveal.answer_text, (_B,))]))
    if reveal.explanation.strip():
        lines.extend(_lines([_Run(reveal.explanation)]))
    if reveal.source:
        lines.extend(_lines(_link_or_text(chrome.source, reveal.source)))
    if reveal.outcome.strip():
        lines.extend(_lines([_Run(reveal.outcome, (_I,))]))
    return tuple(lines)


def _block(block: Block, chrome: Chrome) -> _Block:
    if isinstance(block, Paragraph):
        return _lines(run for span in block.spans for run in _span_runs(span))
    if isinstance(block, EventCard):
        return _card(block, chrome)
    if isinstance(block, QuizPrompt):
        return _prompt(block)
    return _reveal(block, chrome)


# ---- splitting ----------------------------------------------------------------------------------


class _Packer:
    """Fills parts of at most ``limit`` units and ``entities`` tags, one piece of HTML at a time.

    Every piece added is balanced HTML, so a part never ends inside a tag."""

    def __init__(self, limit: int, entities: int) -> None:
        self.limit = limit
        self.entities = entities
        self.parts: list[str] = []
        self._buf: list[str] = []
        self._units = 0
        self._tags = 0

    @property
    def empty(self) -> bool:
        return not self._buf

    def fits(self, sep: str, units: int, tags: int) -> bool:
        extra = _units(sep) if self._buf else 0
        return self._units + extra + units <= self.limit and self._tags + tags <= self.entities

    def add(self, sep: str, piece: str, tags: int) -> None:
        if self._buf:
            self._buf.append(sep)
            self._units += _units(sep)
        self._buf.append(piece)
        self._units += _units(piece)
        self._tags += tags

    def put(self, sep: str, piece: str, tags: int) -> bool:
        """Add to this part, or else to a new one; ``False`` when the piece is too big for any part."""
        units = _units(piece)
        if units > self.limit or tags > self.entities:
            return False
        if not self.fits(sep, units, tags):
            self.flush()
        self.add(sep, piece, tags)
        return True

    def flush(self) -> None:
        text = "".join(self._buf).strip("\n")  # line breaks are never inside a tag
        if text.strip():
            self.parts.append(text)
        self._buf, self._units, self._tags = [], 0, 0


def _line_html(line: _Line) -> str:
    return "".join(run.html for run in line)


def _line_tags(line: _Line) -> int:
    return sum(len(run.tags) for run in line)


def _pack(blocks: Sequence[_Block], limit: int = MAX_TEXT, entities: int = MAX_ENTITIES) -> list[str]:
    """Join blocks with blank lines into as few parts as fit, cutting between blocks where possible,
    else between lines, else between words (tags closed and reopened around each cut)."""
    packer = _Packer(limit, entities)
    for block in blocks:
        whole = "\n".join(_line_html(line) for line in block)
        if not whole.strip():
            continue
        if packer.put("\n\n", whole, sum(_line_tags(line) for line in block)):
            continue
        for j, line in enumerate(block):
            sep = "\n" if j else "\n\n"
            if not packer.put(sep, _line_html(line), _line_tags(line)):
                _pack_long_line(packer, line, sep)
    packer.flush()
    return packer.parts


_WORDS = re.compile(r"\S+\s*|\s+")


def _pieces(line: _Line, limit: int) -> Iterator[_Run]:
    """The line's runs cut after each space, and any word too long for a part cut anywhere."""
    for run in line:
        budget = limit - _units(run.head) - _units(run.tail)
        for word in _WORDS.findall(run.text):
            if _units(_escape(word)) <= budget:
                yield _Run(word, run.tags)
                continue
            chunk: list[str] = []
            size = 0
            for char in word:
                width = _units(_escape(char))
                if chunk and size + width > budget:
                    yield _Run("".join(chunk), run.tags)
                    chunk, size = [], 0
                chunk.append(char)
                size += width
            if chunk:
                yield _Run("".join(chunk), run.tags)


def _pack_long_line(packer: _Packer, line: _Line, sep: str) -> None:
    """Pour a line too long for any part into as many parts as it needs: consecutive words under
    the same tags share one pair of tags, and each cut closes them and opens them again."""
    chunk: list[_Run] = []
    units = tags = 0
    for piece in _pieces(line, packer.limit):
        if chunk and chunk[-1].tags == piece.tags:
            grown = [*chunk[:-1], _Run(chunk[-1].text + piece.text, piece.tags)]
            more_units, more_tags = _units(_escape(piece.text)), 0
        else:
            grown = [*chunk, piece]
            more_units, more_tags = _units(piece.html), len(piece.tags)
        if packer.fits(sep, units + more_units, tags + more_tags):
            chunk, units, tags = grown, units + more_units, tags + more_tags
            continue
        if chunk:
            packer.add(sep, "".join(run.html for run in chunk), tags)
            sep = ""
        packer.flush()
        chunk, units, tags = [piece], _units(piece.html), len(piece.tags)
    if chunk:
        packer.put(sep, "".join(run.html for run in chunk), tags)


# ---- polls and keyboards ------------------------------------------------------------------------


def _truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` units, at a space when one is near, ending in an ellipsis."""
    if _units(text) <= limit:
        return text
    budget = limit - _units(ELLIPSIS)
    kept: list[str] = []
    size = 0
    for char in text:
        size += _units(char)
        if size > budget:
            break
        kept.append(char)
    cut = "".join(kept)
    space = cut.rfind(" ")
    if space >= len(cut) * 4 // 5:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _one_line(text: str) -> str:
    return " ".join(text.split())


def poll_explanation(text: str) -> str | None:
    """An explanation as a quiz poll takes it: at most 200 characters and 2 line breaks."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    keep = MAX_POLL_EXPLANATION_LINE_BREAKS
    if len(lines) > keep + 1:
        lines = [*lines[:keep], " ".join(lines[keep:])]
    joined = "\n".join(lines)
    return _truncate(joined, MAX_POLL_EXPLANATION) if joined else None


def _poll(prompt: QuizPrompt) -> PollOut | None:
    """The prompt as a quiz poll, or ``None`` when it is not one (untimed, public answers) or cannot
    be one (too few or too many choices, an empty question or choice, no valid right answer)."""
    if prompt.open_seconds is None or not prompt.private_answers:
        return None
    options = tuple(_truncate(_one_line(choice), MAX_POLL_OPTION) for choice in prompt.choices)
    question = _truncate(prompt.question.strip(), MAX_POLL_QUESTION)
    if (
        not MIN_POLL_OPTIONS <= len(options) <= MAX_POLL_OPTIONS
        or not all(options)
        or not question
        or not 0 <= prompt.correct < len(options)
    ):
        return None
    return PollOut(
        round_id=prompt.round_id,
        question=question,
        options=options,
        correct_option_id=prompt.correct,
        explanation=poll_explanation(prompt.explanation),
        open_period=min(MAX_OPEN_PERIOD, max(MIN_OPEN_PERIOD, prompt.open_seconds)),
    )


def _rows(items: Sequence[tuple[str, str]], per_row: int) -> Keyboard:
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


def _choice_rows(prompt: QuizPrompt) -> Keyboard:
    """One button per choice, sending ``/answer {i} #{round_id}``: the choice itself as the label when
    every choice is short, else its number (the message body lists the choices in full)."""
    choices = [_one_line(choice) for choice in prompt.choices]
    as_text = all(0 < len(choice) <= CHOICE_AS_LABEL for choice in choices)
    labels = choices if as_text else [str(i) for i in range(1, len(choices) + 1)]
    items = [(label, f"/answer {i} #{prompt.round_id}") for i, label in enumerate(labels, 1)]
    short = all(len(label) <= SHORT_CHOICE_LABEL for label in labels)
    return _rows(items, CHOICES_PER_ROW if short else 1)


def _button_rows(buttons: Sequence[Button]) -> Keyboard:
    """Two buttons per row when every label is short, else one per row."""
    items = [(_truncate(_one_line(b.label) or b.command, MAX_BUTTON_LABEL), b.command) for b in buttons]
    short = all(len(label) <= SHORT_BUTTON_LABEL for label, _ in items)
    return _rows(items, 2 if short else 1)


def _preview(blocks: Sequence[Block]) -> str | None:
    """Preview the first source of the only event card (a /event or /random reply), else nothing."""
    cards = [b for b in blocks if isinstance(b, EventCard)]
    if len(cards) != 1 or not cards[0].sources:
        return None
    url = cards[0].sources[0]
    return url if is_web_link(url) else None
