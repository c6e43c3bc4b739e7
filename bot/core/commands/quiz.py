"""Quizzes and scores: /quiz, /question, /answer, /stop, /top, /stats and /settings."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.core.commands.digest import subscription_line
from bot.core.commands.general import LANGUAGE_NAMES
from bot.core.context import Context
from bot.core.i18n import N_
from bot.core.model import Button, ChatKind, Message, Paragraph, Reply, Span, say
from bot.core.quiz.filters import MAX_LENGTH, MIN_LENGTH, ParseError, parse_quiz_args
from bot.core.quiz.streaks import streaks
from bot.core.registry import ArgKind, Argument, CommandSet

commands = CommandSet()

TOP_SIZE = 10
TODAY_WORDS = ("today", "azi", "astazi", "astăzi")
QUIZ_SECONDS = (10, 120)
_ANSWER = re.compile(r"^(\d{1,3})(?:\s+#?(\d{1,12}))?$")
_SETTING_NAMES = {
    "quiz-time": "quiz-time",
    "quiz_time": "quiz-time",
    "quiztime": "quiz-time",
    "quiz-length": "quiz-length",
    "quiz_length": "quiz-length",
    "quizlength": "quiz-length",
    "digest-quiz": "digest-quiz",
    "digest_quiz": "digest-quiz",
}
_ON = ("on", "yes", "da", "pornit", "1")
_OFF = ("off", "no", "nu", "oprit", "0")


@commands.command(
    "quiz",
    summary=N_("cmd.quiz.summary"),
    details=N_("cmd.quiz.details"),
    args=(
        Argument("count", N_("arg.count"), kind=ArgKind.INTEGER, minimum=MIN_LENGTH, maximum=MAX_LENGTH),
        Argument("filter", N_("arg.filter"), suggest="filter"),
    ),
)
async def quiz(ctx: Context, args: str) -> list[Reply]:
    s = ctx.services
    parsed = parse_quiz_args(args, await s.content.catalog())
    if isinstance(parsed, ParseError):
        return say(ctx.tr.t(parsed.key, **parsed.values) + "\n\n" + ctx.tr.t("quiz.examples"))
    length = parsed.length or ctx.chat.quiz_length
    return await s.quiz.start_game(ctx.chat, ctx.incoming.kind, ctx.incoming.user, length, parsed.filter)


@commands.command(
    "question",
    summary=N_("cmd.question.summary"),
    details=N_("cmd.question.details"),
    args=(Argument("today", N_("arg.today"), choices=("today",)),),
)
async def question(ctx: Context, args: str) -> list[Reply]:
    word = args.strip().lower()
    key = None
    if word in TODAY_WORDS:
        key = (await ctx.services.digest.builder.plan(ctx.today())).question_key
    elif word:
        return say(ctx.tr.t("question.usage"))
    return await ctx.services.quiz.ask_single(ctx.chat, ctx.incoming.kind, ctx.incoming.user, key)


@commands.command(
    "answer",
    summary=N_("cmd.answer.summary"),
    details=N_("cmd.answer.details"),
    args=(Argument("number", N_("arg.number"), required=True),),
)
async def answer(ctx: Context, args: str) -> list[Reply]:
    match = _ANSWER.match(args.strip())
    if match is None:
        return say(ctx.tr.t("quiz.answer_usage"))
    round_id = int(match.group(2)) if match.group(2) else None
    return await ctx.services.quiz.answer(
        ctx.chat, ctx.incoming.kind, ctx.incoming.user, int(match.group(1)), round_id
    )


@commands.command("stop", summary=N_("cmd.stop.summary"), details=N_("cmd.stop.details"))
async def stop(ctx: Context, args: str) -> list[Reply]:
    i = ctx.incoming
    return await ctx.services.quiz.stop(ctx.chat, i.kind, i.user, i.is_admin)


@commands.command(
    "top",
    summary=N_("cmd.top.summary"),
    details=N_("cmd.top.details"),
    args=(Argument("period", N_("arg.period"), choices=("week", "all")),),
)
async def top(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    word = args.strip().lower()
    if word in ("", "all", "tot", "toate", "total"):
        period, since = "all", None
    elif word in ("week", "saptamana", "săptămâna", "săptămână", "7"):
        period, since = "week", ctx.services.clock.now() - timedelta(days=7)
    else:
        return say(tr.t("top.usage"))
    chat = ctx.chat
    board = await ctx.services.quiz.store.leaderboard(chat.platform, chat.chat_id, since, TOP_SIZE)
    other = (
        ("/top week", tr.t("top.button.week")) if period == "all" else ("/top all", tr.t("top.button.all"))
    )
    buttons = (Button(other[1], other[0]),)
    title = tr.t("top.title_all") if period == "all" else tr.t("top.title_week")
    if not board:
        empty = tr.t("top.empty_all") if period == "all" else tr.t("top.empty_week")
        return [Message((Paragraph.of(Span(title, bold=True)), Paragraph.of(empty)), buttons)]
    lines = []
    for rank, row in enumerate(board, 1):
        points = tr.tn("quiz.points", "quiz.points_plural", row.points)
        lines.append(tr.t("top.line", rank=rank, name=row.name, points=points, answered=row.answered))
    return [Message((Paragraph.of(Span(title, bold=True)), Paragraph.of("\n".join(lines))), buttons)]


@commands.command("stats", summary=N_("cmd.stats.summary"), details=N_("cmd.stats.details"))
async def stats(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    s = ctx.services
    user = ctx.incoming.user
    group = ctx.incoming.kind is ChatKind.GROUP
    where = ctx.chat.chat_id if group else None
    answered, correct = await s.quiz.store.totals(user.platform, user.user_id, where)
    name = user.display_name or user.user_id
    title = tr.t("stats.title_group", name=name) if group else tr.t("stats.title_private", name=name)
    if answered == 0:
        return say(tr.t("stats.none"), (Button(tr.t("stats.button.question"), "/question"),))
    days = [
        date.fromisoformat(d) for d in await s.quiz.store.correct_days(user.platform, user.user_id, where)
    ]
    best, current = streaks(days, ctx.today())
    percent = round(100 * correct / answered)
    lines = [
        tr.tn("stats.answered", "stats.answered_plural", answered),
        tr.t("stats.correct", correct=correct, percent=percent),
        tr.tn("stats.current_streak", "stats.current_streak_plural", current),
        tr.tn("stats.best_streak", "stats.best_streak_plural", best),
    ]
    if not group:
        size = await s.study.size(user.platform, user.user_id)
        if size:
            lines.append(tr.tn("stats.deck", "stats.deck_plural", size))
    return [Message((Paragraph.of(Span(title, bold=True)), Paragraph.of("\n".join(lines))))]


@commands.command(
    "settings",
    summary=N_("cmd.settings.summary"),
    details=N_("cmd.settings.details"),
    args=(Argument("setting", N_("arg.setting")), Argument("value", N_("arg.value"))),
)
async def settings(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    chat = ctx.chat
    words = args.split()
    if not words:
        lines = [
            tr.t("settings.lang", value=tr.t(LANGUAGE_NAMES[chat.lang])),
            tr.t("settings.timezone", value=chat.timezone),
            tr.tn("settings.quiz_time", "settings.quiz_time_plural", chat.quiz_seconds),
            tr.tn("settings.quiz_length", "settings.quiz_length_plural", chat.quiz_length),
            subscription_line(
                tr, await ctx.services.digest.store.get(chat.platform, chat.chat_id), ctx.services.clock.now()
            ),
        ]
        return [
            Message(
                (
                    Paragraph.of(Span(tr.t("settings.title"), bold=True)),
                    Paragraph.of("\n".join(lines)),
                    Paragraph.of(Span(tr.t("settings.how"), italic=True)),
                )
            )
        ]
    name = _SETTING_NAMES.get(words[0].lower())
    if name == "digest-quiz" and len(words) == 2:
        return await _digest_quiz(ctx, words[1].lower())
    if name is None or len(words) != 2:
        return say(tr.t("settings.usage"))
    if ctx.incoming.kind is ChatKind.GROUP and not await ctx.incoming.is_admin():
        return say(tr.t("router.admins_only", command="/settings " + name))
    value = words[1]
    now = ctx.services.clock.now()
    if name == "quiz-time":
        low, high = QUIZ_SECONDS
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            return say(tr.t("settings.bad_quiz_time", given=value[:12], min=low, max=high))
        await ctx.services.chats.set_quiz_seconds(chat.platform, chat.chat_id, int(value), now)
        return say(tr.tn("settings.quiz_time_set", "settings.quiz_time_set_plural", int(value)))
    if not (value.isascii() and value.isdigit()) or not MIN_LENGTH <= int(value) <= MAX_LENGTH:
        return say(tr.t("settings.bad_quiz_length", given=value[:12], min=MIN_LENGTH, max=MAX_LENGTH))
    await ctx.services.chats.set_quiz_length(chat.platform, chat.chat_id, int(value), now)
    return say(tr.tn("settings.quiz_length_set", "settings.quiz_length_set_plural", int(value)))


async def _digest_quiz(ctx: Context, value: str) -> list[Reply]:
    tr = ctx.tr
    if value not in _ON + _OFF:
        return say(tr.t("settings.usage"))
    if ctx.incoming.kind is ChatKind.GROUP and not await ctx.incoming.is_admin():
        return say(tr.t("router.admins_only", command="/settings digest-quiz"))
    on = value in _ON
    chat = ctx.chat
    if not await ctx.services.digest.store.set_with_quiz(
        chat.platform, chat.chat_id, on, ctx.services.clock.now()
    ):
        return say(tr.t("settings.digest_quiz_unsubscribed"))
    return say(tr.t("settings.digest_quiz_set_on") if on else tr.t("settings.digest_quiz_set_off"))
