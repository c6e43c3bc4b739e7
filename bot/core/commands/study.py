"""/study: spaced-repetition review of a learner's own deck, in a private chat."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.i18n import N_
from bot.core.model import Button, Message, Paragraph, Reply, Span, say
from bot.core.quiz.filters import ParseError, parse_filter
from bot.core.quiz.questions import CURATED_PREFIX, fit
from bot.core.registry import Argument, CommandSet, Scope
from bot.core.when import moment

commands = CommandSet()

ADD_WORDS = ("add", "adauga", "adaugă")
GENERATED_FALLBACK = 20
"""A set with no curated questions gets this many generated ones instead."""
STALE_CARDS = 5
"""How many cards whose question left the content one /study may clear before giving up."""


def end_of_local_day(now: datetime, timezone: str) -> datetime:
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone) - timedelta(
        microseconds=1
    )


@commands.command(
    "study",
    summary=N_("cmd.study.summary"),
    details=N_("cmd.study.details"),
    args=(Argument("add", N_("arg.study_add")),),
    scope=Scope.PRIVATE,
)
async def study(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    words = args.split()
    if words and words[0].lower() in ADD_WORDS:
        return await _add(ctx, " ".join(words[1:]))
    if words:
        return say(tr.t("study.usage"))
    s = ctx.services
    busy = await s.quiz.busy_for_study(ctx.chat)
    if busy is not None:
        return [busy]
    user = ctx.incoming.user
    now = s.clock.now()
    size = await s.study.size(user.platform, user.user_id)
    if size == 0:
        lessons = await s.content.lessons()
        buttons = tuple(
            Button(fit(lesson.title.get(tr.lang, lesson.id), 32), f"/study add {lesson.id}")
            for lesson in lessons
        )
        return say(tr.t("study.empty"), buttons)
    for _ in range(STALE_CARDS):
        card = await s.study.next_due(user.platform, user.user_id, now)
        if card is None:
            break
        question = await s.quiz.maker.make(card.question_key)
        if question is None:
            await s.study.remove(user.platform, user.user_id, card.question_key)
            continue
        due_today = await s.study.count_due(
            user.platform, user.user_id, end_of_local_day(now, ctx.chat.timezone)
        )
        header = tr.tn("study.header", "study.header_plural", due_today)
        return await s.quiz.open_study(ctx.chat, user, question, header)
    earliest = await s.study.earliest_due(user.platform, user.user_id)
    lines = [tr.tn("study.nothing_due", "study.nothing_due_plural", size)]
    if earliest is not None:
        when = moment(tr, earliest, now, ZoneInfo(ctx.chat.timezone), relative=True)
        lines.append(tr.t("study.next_due", when=when))
    return say("\n".join(lines), (Button(tr.t("study.button.question"), "/question"),))


async def _add(ctx: Context, text: str) -> list[Reply]:
    tr = ctx.tr
    s = ctx.services
    if not text.strip():
        return say(tr.t("study.add_usage"))
    catalog = await s.content.catalog()
    found = parse_filter(text, catalog)
    if isinstance(found, ParseError):
        return say(tr.t(found.key, **found.values) + "\n\n" + tr.t("study.add_usage"))
    if found.kind == "all":
        return say(tr.t("study.add_usage"))
    pool = found.pool(catalog)
    keys = [k for k in pool if k.startswith(CURATED_PREFIX)]
    if not keys:
        keys = [k for k in pool if k.startswith("year:")][:GENERATED_FALLBACK]
    if not keys:
        return say(tr.t("quiz.empty_pool", filter=found.label(tr, catalog)))
    user = ctx.incoming.user
    now = s.clock.now()
    cards = [(k, s.quiz.deck.new_card(k, now)) for k in keys]
    added = await s.study.add(user.platform, user.user_id, cards, now, f"{found.kind}:{found.canonical}")
    size = await s.study.size(user.platform, user.user_id)
    label = found.label(tr, catalog)
    lines = [Span(tr.tn("study.added", "study.added_plural", added, filter=label), bold=True)]
    if added < len(keys):
        lines.append(Span("\n" + tr.tn("study.already", "study.already_plural", len(keys) - added)))
    lines.append(Span("\n" + tr.tn("study.deck_size", "study.deck_size_plural", size)))
    return [Message((Paragraph(tuple(lines)),), (Button(tr.t("study.button.start"), "/study"),))]
