"""Looking things up: /today, /date, /event, /search (/fact), /year and /random."""

from __future__ import annotations

from datetime import date

from rapidfuzz import fuzz, process

from bot.core.cards import event_card
from bot.core.context import Context
from bot.core.dates import DayQuery, nearest_days, parse_day
from bot.core.i18n import N_
from bot.core.model import Block, Button, Message, Paragraph, Reply, Span, say
from bot.core.registry import ArgKind, Argument, CommandSet
from content.schema import FIRST_YEAR, LAST_YEAR
from storage.content import EventRecord

commands = CommandSet()

YEAR_PAGE_SIZE = 5
SEARCH_LIMIT = 5
BUTTON_LABEL_MAX = 32


def _short(text: str, limit: int = BUTTON_LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def _day_reply(ctx: Context, query: DayQuery, *, is_today: bool) -> list[Reply]:
    """Events on a month-day; with a full date, that exact day first and then other years."""
    tr = ctx.tr
    today = ctx.today()
    events = await ctx.services.content.events_on(query.month, query.day)
    day_name = tr.date(date(2000, query.month, query.day), with_year=False)
    blocks: list[Block] = []
    exact = query.full_date
    if exact is not None:
        same = [e for e in events if e.day == exact]
        others = [e for e in events if e.day != exact]
        if not FIRST_YEAR <= exact.year <= LAST_YEAR:
            blocks.append(Paragraph.of(tr.t("date.outside_period", first=FIRST_YEAR, last=LAST_YEAR)))
        elif same:
            blocks.append(Paragraph.of(Span(tr.t("date.exact_header", date=tr.date(exact)), bold=True)))
            blocks.extend(event_card(e, tr, today) for e in same)
        else:
            blocks.append(Paragraph.of(tr.t("date.exact_none", date=tr.date(exact))))
        if others:
            blocks.append(Paragraph.of(Span(tr.t("date.other_years", day=day_name), bold=True)))
            blocks.extend(event_card(e, tr, today) for e in others)
        if same or others:
            return [Message(tuple(blocks))]
    elif events:
        header = tr.t("today.header", day=day_name) if is_today else tr.t("date.header", day=day_name)
        blocks.append(Paragraph.of(Span(header, bold=True)))
        blocks.extend(event_card(e, tr, today) for e in events)
        return [Message(tuple(blocks))]

    near = nearest_days(query.month, query.day, await ctx.services.content.days_with_events())
    if not near:
        blocks.append(Paragraph.of(tr.t("date.none_at_all")))
        return [Message(tuple(blocks))]
    if exact is None:
        blocks.append(Paragraph.of(tr.t("date.none", day=day_name)))
    blocks.append(Paragraph.of(tr.t("date.nearest")))
    buttons = tuple(
        Button(tr.date(date(2000, m, d), with_year=False), f"/date {m:02d}-{d:02d}") for m, d in near
    )
    return [Message(tuple(blocks), buttons)]


@commands.command("today", summary=N_("cmd.today.summary"), details=N_("cmd.today.details"))
async def today(ctx: Context, args: str) -> list[Reply]:
    local = ctx.today()
    return await _day_reply(ctx, DayQuery(local.month, local.day), is_today=True)


@commands.command(
    "date",
    summary=N_("cmd.date.summary"),
    details=N_("cmd.date.details"),
    args=(Argument("when", N_("arg.when"), required=True),),
)
async def date_(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    if not args:
        return say(tr.t("date.usage"))
    query = parse_day(args)
    if query is None:
        return say(tr.t("date.invalid", given=_short(args, 40)))
    return await _day_reply(ctx, query, is_today=False)


@commands.command(
    "event",
    summary=N_("cmd.event.summary"),
    details=N_("cmd.event.details"),
    args=(Argument("id", N_("arg.id"), required=True, suggest="event"),),
)
async def event(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    if not args:
        return say(tr.t("event.usage"))
    wanted = "-".join(args.lower().split())[:80]
    content = ctx.services.content
    found = await content.event(wanted)
    if found is not None:
        tag_names = await content.tag_names(tr.lang)
        return [Message((event_card(found, tr, ctx.today(), full=True, tag_names=tag_names),))]
    close = process.extract(wanted, await content.event_ids(), scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    if not close:
        return say(tr.t("event.not_found", id=_short(wanted, 40)))
    buttons = tuple(Button(_short(eid), f"/event {eid}") for eid, _score, _i in close)
    return [Message((Paragraph.of(tr.t("event.not_found_suggest", id=_short(wanted, 40))),), buttons)]


def _result_buttons(events: list[EventRecord], lang: str) -> tuple[Button, ...]:
    return tuple(Button(_short(e.title.get(lang) or e.title["en"]), f"/event {e.id}") for e in events)


@commands.command(
    "search",
    summary=N_("cmd.search.summary"),
    details=N_("cmd.search.details"),
    args=(Argument("words", N_("arg.words"), required=True, suggest="search"),),
    aliases=("fact",),
)
async def search(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    if not args:
        return say(tr.t("search.usage"))
    shown = _short(" ".join(args.split()), 60)
    found = await ctx.services.content.search(args, tr.lang, SEARCH_LIMIT)
    if not found:
        return say(tr.t("search.none", query=shown))
    blocks: list[Block] = [Paragraph.of(Span(tr.t("search.header", query=shown), bold=True))]
    today = ctx.today()
    blocks.extend(event_card(e, tr, today) for e in found)
    return [Message(tuple(blocks), _result_buttons(found, tr.lang))]


@commands.command(
    "year",
    summary=N_("cmd.year.summary"),
    details=N_("cmd.year.details"),
    args=(
        Argument(
            "year", N_("arg.year"), required=True, kind=ArgKind.INTEGER, minimum=FIRST_YEAR, maximum=LAST_YEAR
        ),
        Argument("page", N_("arg.page"), kind=ArgKind.INTEGER, minimum=1, maximum=100),
    ),
)
async def year(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    parts = args.split()
    if not parts or len(parts) > 2 or not all(p.isdigit() and p.isascii() and len(p) <= 6 for p in parts):
        return say(tr.t("year.usage", first=FIRST_YEAR, last=LAST_YEAR))
    wanted = int(parts[0])
    page = int(parts[1]) if len(parts) == 2 else 1
    if not FIRST_YEAR <= wanted <= LAST_YEAR:
        return say(tr.t("year.outside", year=wanted, first=FIRST_YEAR, last=LAST_YEAR))
    if page < 1:
        return say(tr.t("year.usage", first=FIRST_YEAR, last=LAST_YEAR))
    events, total = await ctx.services.content.events_in_year(
        wanted, (page - 1) * YEAR_PAGE_SIZE, YEAR_PAGE_SIZE
    )
    if total == 0:
        return say(tr.t("year.empty", year=wanted))
    pages = (total + YEAR_PAGE_SIZE - 1) // YEAR_PAGE_SIZE
    if page > pages:
        return say(tr.t("year.no_page", year=wanted, page=page, pages=pages))
    header = tr.tn("year.header", "year.header_plural", total, year=wanted, page=page, pages=pages)
    blocks: list[Block] = [Paragraph.of(Span(header, bold=True))]
    today = ctx.today()
    blocks.extend(event_card(e, tr, today) for e in events)
    buttons: list[Button] = []
    if page > 1:
        buttons.append(Button(tr.t("button.previous"), f"/year {wanted} {page - 1}"))
    if page < pages:
        buttons.append(Button(tr.t("button.next"), f"/year {wanted} {page + 1}"))
    return [Message(tuple(blocks), tuple(buttons))]


@commands.command("random", summary=N_("cmd.random.summary"))
async def random_(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    found = await ctx.services.content.random_event(ctx.services.rng)
    if found is None:
        return say(tr.t("date.none_at_all"))
    return [Message((event_card(found, tr, ctx.today()),), (Button(tr.t("button.another"), "/random"),))]
