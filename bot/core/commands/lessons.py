"""/lessons and /learn: short lessons, one card at a time, ending with a quiz on what was read."""

from __future__ import annotations

from dataclasses import replace

from bot.core.context import Context
from bot.core.i18n import N_, Translator
from bot.core.model import Block, Button, ChatKind, Message, Paragraph, Reply, Span, say
from bot.core.quiz.filters import ParseError, parse_filter
from bot.core.quiz.questions import fit
from bot.core.registry import Argument, CommandSet
from storage.content import LessonRecord

commands = CommandSet()

EVENTS_PER_CARD = 3
BUTTON_LABEL_MAX = 32
LESSON_QUIZ_LENGTH = 5


def _listing(lessons: list[LessonRecord], tr: Translator) -> Message:
    lines: list[Span] = [Span(tr.t("lessons.title"), bold=True)]
    buttons = []
    for i, lesson in enumerate(lessons, 1):
        title = lesson.title.get(tr.lang) or lesson.title["en"]
        cards = tr.tn("lessons.cards", "lessons.cards_plural", len(lesson.cards))
        lines.append(Span(f"\n\n{i}. "))
        lines.append(Span(title, bold=True))
        lines.append(Span(f" ({cards})\n/learn {lesson.id}"))
        buttons.append(Button(fit(f"{i}. {title}", BUTTON_LABEL_MAX), f"/learn {lesson.id}"))
    return Message((Paragraph(tuple(lines)),), tuple(buttons))


@commands.command("lessons", summary=N_("cmd.lessons.summary"), details=N_("cmd.lessons.details"))
async def lessons(ctx: Context, args: str) -> list[Reply]:
    found = await ctx.services.content.lessons()
    if not found:
        return say(ctx.tr.t("lessons.none"))
    return [_listing(found, ctx.tr)]


async def _find(ctx: Context, text: str, lessons: list[LessonRecord]) -> LessonRecord | ParseError:
    if text.isascii() and text.isdigit():
        number = int(text)
        if 1 <= number <= len(lessons):
            return lessons[number - 1]
        return ParseError(N_("learn.bad_number"), {"given": text[:8], "last": len(lessons)})
    found = parse_filter(text, await ctx.services.content.catalog())
    if isinstance(found, ParseError):
        return found
    by_id = {lesson.id: lesson for lesson in lessons}
    if found.kind == "lesson" and found.value in by_id:
        return by_id[found.value]
    return ParseError(N_("learn.not_a_lesson"), {"given": text[:40]})


@commands.command(
    "learn",
    summary=N_("cmd.learn.summary"),
    details=N_("cmd.learn.details"),
    args=(
        Argument("lesson", N_("arg.lesson"), required=True, suggest="lesson"),
        Argument("card", N_("arg.card")),
    ),
)
async def learn(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    s = ctx.services
    user = ctx.incoming.user
    all_lessons = await s.content.lessons()
    if not all_lessons:
        return say(tr.t("lessons.none"))
    words = args.split()
    card_number: int | None = None
    if len(words) >= 2 and words[-1].isascii() and words[-1].isdigit():
        card_number = int(words[-1])
        words = words[:-1]
    if not words:
        last = await s.study.last_lesson(user.platform, user.user_id)
        by_id = {lesson.id: lesson for lesson in all_lessons}
        if last is None or last[0] not in by_id:
            return [_listing(all_lessons, tr)]
        lesson, card_number = by_id[last[0]], last[1]
    else:
        found = await _find(ctx, " ".join(words), all_lessons)
        if isinstance(found, ParseError):
            return [Message((Paragraph.of(tr.t(found.key, **found.values)),)), _listing(all_lessons, tr)]
        lesson = found
    total = len(lesson.cards)
    if card_number is None:
        saved = await s.study.lesson_card(user.platform, user.user_id, lesson.id)
        card_number = saved if saved is not None and saved < total else 1
    if not 1 <= card_number <= total:
        return say(tr.t("learn.bad_card", given=card_number, last=total))
    await s.study.save_progress(user.platform, user.user_id, lesson.id, card_number, s.clock.now())
    card = await _card(ctx, lesson, card_number)
    # Progress is each learner's own: in a group the card is for the one who asked, where the
    # platform can show a message to one member only (Discord); elsewhere it is posted as usual.
    return [replace(card, ephemeral=ctx.incoming.kind is ChatKind.GROUP)]


async def _card(ctx: Context, lesson: LessonRecord, number: int) -> Message:
    tr = ctx.tr
    lang = tr.lang
    card = lesson.cards[number - 1]
    total = len(lesson.cards)
    title = lesson.title.get(lang) or lesson.title["en"]
    blocks: list[Block] = [
        Paragraph.of(Span(tr.t("learn.header", lesson=title, number=number, total=total), italic=True)),
        Paragraph.of(Span(card.title.get(lang) or card.title["en"], bold=True)),
        Paragraph.of("\n".join(f"• {p}" for p in card.points.get(lang) or card.points["en"])),
    ]
    events = await ctx.services.content.events_by_ids(list(card.events[:EVENTS_PER_CARD]))
    if events:
        lines = [tr.t("learn.events")]
        for event_id in card.events[:EVENTS_PER_CARD]:
            e = events.get(event_id)
            if e is not None:
                lines.append(f"{tr.date(e.day)} — {e.title.get(lang) or e.title['en']} (/event {e.id})")
        blocks.append(Paragraph.of("\n".join(lines)))
    buttons: list[Button] = []
    if number > 1:
        buttons.append(Button(tr.t("button.previous"), f"/learn {lesson.id} {number - 1}"))
    if number < total:
        buttons.append(Button(tr.t("button.next"), f"/learn {lesson.id} {number + 1}"))
    else:
        blocks.append(Paragraph.of(Span(tr.t("learn.done"), bold=True)))
        buttons.append(Button(tr.t("learn.button.quiz"), f"/quiz {LESSON_QUIZ_LENGTH} {lesson.id}"))
        if ctx.incoming.kind is ChatKind.PRIVATE:
            buttons.append(Button(tr.t("learn.button.study"), f"/study add {lesson.id}"))
    return Message(tuple(blocks), tuple(buttons))
