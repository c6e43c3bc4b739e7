"""/report: users flag a mistake in an event or a question; the maintainer reads them with
``coldwar-bot reports``."""

from __future__ import annotations

from datetime import timedelta

from rapidfuzz import fuzz, process

from bot.core.context import Context
from bot.core.i18n import N_
from bot.core.model import Button, Reply, say
from bot.core.registry import Argument, CommandSet

commands = CommandSet()

REPORT_MAX = 1000
REPORTS_PER_DAY = 20


@commands.command(
    "report",
    summary=N_("cmd.report.summary"),
    details=N_("cmd.report.details"),
    args=(Argument("id", N_("arg.id"), required=True), Argument("text", N_("arg.text"), required=True)),
)
async def report(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    parts = args.split(maxsplit=1)
    if not parts:
        return say(tr.t("report.usage"))
    target = parts[0].lower()
    text = parts[1].strip() if len(parts) > 1 else ""
    content = ctx.services.content
    if await content.event(target) is not None:
        kind = "event"
    elif await content.has_question(target):
        kind = "question"
    else:
        known = [*await content.event_ids(), *await content.question_ids()]
        close = process.extract(target, known, scorer=fuzz.WRatio, limit=3, score_cutoff=70)
        shown = target[:60]
        if close:
            buttons = tuple(Button(c[0][:32], f"/report {c[0]} ") for c in close)
            return say(tr.t("report.unknown_suggest", id=shown), buttons)
        return say(tr.t("report.unknown", id=shown))
    if not text:
        return say(tr.t("report.no_text", id=target))
    if len(text) > REPORT_MAX:
        return say(tr.t("report.too_long", limit=REPORT_MAX, length=len(text)))
    s = ctx.services
    user = ctx.incoming.user
    now = s.clock.now()
    if await s.reports.count_since(user.platform, user.user_id, now - timedelta(days=1)) >= REPORTS_PER_DAY:
        return say(tr.t("report.too_many", limit=REPORTS_PER_DAY))
    number = await s.reports.add(
        target_kind=kind,
        target_id=target,
        text=text,
        platform=ctx.chat.platform,
        chat_id=ctx.chat.chat_id,
        user_id=user.user_id,
        user_name=user.display_name,
        now=now,
    )
    return say(tr.t("report.thanks", number=number, id=target))
