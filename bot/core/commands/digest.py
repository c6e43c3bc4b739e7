"""The daily digest: /subscribe, /unsubscribe, /timezone and /digest."""

from __future__ import annotations

from datetime import datetime, time
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from rapidfuzz import fuzz, process

from bot.core.context import Context
from bot.core.digest.timing import DEFAULT_TIME, parse_hhmm
from bot.core.i18n import N_, Translator
from bot.core.model import Button, Message, Paragraph, Reply, Span, say
from bot.core.registry import ArgKind, Argument, CommandSet
from bot.core.when import moment
from storage.digest import Subscription

commands = CommandSet()


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone name zoneinfo knows, by its lowercase form."""
    return {z.lower(): z for z in available_timezones() if "/" in z or z == "UTC"}


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone name a chat may choose, sorted."""
    return tuple(sorted(_zones().values()))


def find_zone(text: str) -> str | None:
    return _zones().get(text.strip().lower().replace(" ", "_"))


def closest_zones(text: str, limit: int = 3) -> list[str]:
    """The zone names nearest a typo: "Europe/Bucharst" → Europe/Bucharest; "bucharest" too."""
    wanted = text.strip().replace(" ", "_")
    names = sorted(_zones().values())
    by_name = process.extract(wanted, names, scorer=fuzz.WRatio, limit=limit, score_cutoff=70)
    cities = {n.rsplit("/", 1)[-1]: n for n in names}
    by_city = process.extract(
        wanted.rsplit("/", 1)[-1], list(cities), scorer=fuzz.ratio, limit=limit, score_cutoff=75
    )
    ranked = sorted(
        [(score, name) for name, score, _ in by_name] + [(score + 1, cities[c]) for c, score, _ in by_city],
        reverse=True,
    )
    return list(dict.fromkeys(name for _, name in ranked))[:limit]


def _zone_error(tr: Translator, given: str) -> list[Reply]:
    close = closest_zones(given)
    if close:
        buttons = tuple(Button(z, f"/timezone {z}") for z in close)
        return say(tr.t("timezone.suggest", given=given[:40], suggestions=", ".join(close)), buttons)
    return say(tr.t("timezone.unknown", given=given[:40]))


def when_text(tr: Translator, instant: datetime, timezone: str, now: datetime) -> str:
    return moment(tr, instant, now, ZoneInfo(timezone))


def subscription_line(tr: Translator, sub: Subscription | None, now: datetime) -> str:
    if sub is None:
        return tr.t("settings.digest_off")
    at = sub.local_time.strftime("%H:%M")
    quiz = tr.t("settings.quiz_on") if sub.with_quiz else tr.t("settings.quiz_off")
    where = " " + tr.t("settings.digest_where", channel=sub.target_name) if sub.target_name else ""
    if sub.state == "paused":
        return tr.t("settings.digest_paused", time=at, reason=sub.paused_reason or "") + where
    line = tr.t("settings.digest_on", time=at, quiz=quiz, next=when_text(tr, sub.next_due, sub.timezone, now))
    return line + where


@commands.command(
    "subscribe",
    summary=N_("cmd.subscribe.summary"),
    details=N_("cmd.subscribe.details"),
    args=(
        Argument("time", N_("arg.time")),
        Argument("timezone", N_("arg.timezone"), suggest="timezone"),
        Argument("channel", N_("arg.channel"), kind=ArgKind.CHANNEL),
    ),
    admin_only=True,
)
async def subscribe(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    s = ctx.services
    chat = ctx.chat
    at: time | None = None
    zone: str | None = None
    for word in args.split():
        if at is None and (parsed := parse_hhmm(word)) is not None:
            at = parsed
        elif zone is None and (found := find_zone(word)) is not None:
            zone = found
        elif ":" in word or word.replace(".", "").isdigit():
            return say(tr.t("subscribe.bad_time", given=word[:20]))
        else:
            return _zone_error(tr, word)
    now = s.clock.now()
    if zone is not None and zone != chat.timezone:
        await s.chats.set_timezone(chat.platform, chat.chat_id, zone, now)
        chat = await s.chats.get(chat.platform, chat.chat_id) or chat
    if at is None:
        current = await s.digest.store.get(chat.platform, chat.chat_id)
        at = current.local_time if current else DEFAULT_TIME
    incoming = ctx.incoming
    sub = await s.digest.subscribe(
        chat, at, target=incoming.target, target_name=incoming.target_name, by=incoming.user.user_id
    )
    text = tr.t(
        "subscribe.done",
        time=at.strftime("%H:%M"),
        timezone=chat.timezone,
        next=when_text(tr, sub.next_due, chat.timezone, now),
    )
    if sub.target_name:
        text += " " + tr.t("settings.digest_where", channel=sub.target_name)

    hint = tr.t("subscribe.utc_hint") if chat.timezone == "UTC" and zone is None else ""
    blocks = [Paragraph.of(Span(text, bold=True))]
    if incoming.target and incoming.target_missing:
        missing = ", ".join(incoming.target_missing)
        where = incoming.target_name or incoming.target
        blocks.append(Paragraph.of(tr.t("subscribe.target_missing", channel=where, missing=missing)))
    if hint:
        blocks.append(Paragraph.of(hint))
    return [Message(tuple(blocks), (Button(tr.t("digest.button.preview"), "/digest"),))]


@commands.command("unsubscribe", summary=N_("cmd.unsubscribe.summary"), admin_only=True)
async def unsubscribe(ctx: Context, args: str) -> list[Reply]:
    if await ctx.services.digest.unsubscribe(ctx.chat):
        return say(ctx.tr.t("unsubscribe.done"))
    return say(ctx.tr.t("unsubscribe.none"))


@commands.command(
    "timezone",
    summary=N_("cmd.timezone.summary"),
    details=N_("cmd.timezone.details"),
    args=(Argument("timezone", N_("arg.timezone"), required=True, suggest="timezone"),),
    admin_only=True,
)
async def timezone(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    s = ctx.services
    chat = ctx.chat
    if not args.strip():
        return say(tr.t("timezone.current", timezone=chat.timezone))
    zone = find_zone(args)
    if zone is None:
        return _zone_error(tr, args.strip())
    now = s.clock.now()
    await s.chats.set_timezone(chat.platform, chat.chat_id, zone, now)
    updated = await s.chats.get(chat.platform, chat.chat_id)
    assert updated is not None
    local = now.astimezone(ZoneInfo(zone))
    lines = [tr.t("timezone.set", timezone=zone, time=local.strftime("%H:%M"), date=tr.date(local.date()))]
    sub = await s.digest.replan(updated)
    if sub is not None:
        lines.append(tr.t("timezone.digest_moves", next=when_text(tr, sub.next_due, zone, now)))
    return say("\n".join(lines))


@commands.command("digest", summary=N_("cmd.digest.summary"), details=N_("cmd.digest.details"))
async def digest(ctx: Context, args: str) -> list[Reply]:
    s = ctx.services
    sub = await s.digest.store.get(ctx.chat.platform, ctx.chat.chat_id)
    plan = await s.digest.builder.plan(ctx.today())
    return [await s.digest.builder.message(plan, ctx.tr.lang, sub.with_quiz if sub else True)]
