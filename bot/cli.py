"""The ``coldwar-bot`` command line: console chat, one-shot ``ask``, ``tick``, ``reports`` and
``content check``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_path

from bot.app import App, ContentInvalid
from bot.core.clock import Clock, FixedClock, SystemClock
from bot.core.i18n import LANGUAGES
from storage.db import SchemaTooNew

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bot.adapters.telegram.adapter import WebhookConfig

DB_ENV = "COLDWAR_BOT_DB"
TELEGRAM_TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
DISCORD_TOKEN_ENV = "DISCORD_BOT_TOKEN"
DISCORD_DEV_GUILD_ENV = "DISCORD_DEV_GUILD"
DISCORD_API_BASE_ENV = "DISCORD_API_BASE"
DISCORD_GATEWAY_ENV = "DISCORD_GATEWAY_URL"


def default_db_path() -> Path:
    """``$COLDWAR_BOT_DB``, else the user data directory (XDG on Linux)."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return user_data_path("coldwar-bot", appauthor=False) / "bot.sqlite3"


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date-time, e.g. 2026-05-14T09:00:00+03:00"
        ) from exc
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset; add one, e.g. 2026-05-14T09:00:00+03:00 or …Z"
        )
    return value


def _chat_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=LANGUAGES, help="the chat's language (sets it, as /lang would)")
    parser.add_argument("--db", type=Path, help=f"database file (default: ${DB_ENV} or the user data dir)")
    parser.add_argument("--now", type=_instant, help="fix the clock, ISO 8601 with offset")
    parser.add_argument("--chat", help="chat id (default: the user id, or -1 with --group)")
    parser.add_argument("--user", default="1", help="id of the user who speaks (default: 1)")
    parser.add_argument("--name", default="Console user", help="display name of the user who speaks")
    parser.add_argument("--group", action="store_true", help="make the chat a group chat")
    parser.add_argument(
        "--member",
        action="store_true",
        help="in a group, speak as an ordinary member rather than an admin",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coldwar-bot",
        description="Cold War Study Bot. With no command, starts the console chat.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the bot does to stderr")
    sub = parser.add_subparsers(dest="command")

    console = sub.add_parser("console", help="chat with the bot in this terminal (a private chat)")
    _chat_options(console)

    ask = sub.add_parser("ask", help="send one message and print the replies")
    _chat_options(ask)
    ask.add_argument("text", nargs="+", help="the message, e.g. '/date 14 May'")

    run = sub.add_parser(
        "run",
        help="run the bot on Telegram (TELEGRAM_BOT_TOKEN) and/or Discord (DISCORD_BOT_TOKEN) until"
        " stopped; see the README for every setting",
    )
    run.add_argument("--db", type=Path, help=f"database file (default: ${DB_ENV} or the user data dir)")
    run.add_argument("--now", type=_instant, help=argparse.SUPPRESS)

    tick = sub.add_parser(
        "tick",
        help="run the timers that are due once (close questions whose time is up) and print what is sent",
    )
    tick.add_argument("--db", type=Path, help=f"database file (default: ${DB_ENV} or the user data dir)")
    tick.add_argument("--now", type=_instant, help="the time to run at, ISO 8601 with offset (default: now)")

    reports = sub.add_parser("reports", help="list the mistakes users reported, or close one")
    reports.add_argument("--db", type=Path, help=f"database file (default: ${DB_ENV} or the user data dir)")
    reports.add_argument("--open", action="store_true", help="only the reports not closed yet")
    reports_sub = reports.add_subparsers(dest="reports_command")
    close = reports_sub.add_parser("close", help="close a report once it is dealt with")
    close.add_argument("id", type=int, help="the report's number")
    close.add_argument("--db", type=Path, dest="close_db", help="database file")

    content = sub.add_parser("content", help="work with the content files")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    check = content_sub.add_parser("check", help="validate every content file and print counts")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def _clock(now: datetime | None) -> Clock:
    return FixedClock(now) if now is not None else SystemClock()


async def _start(args: argparse.Namespace) -> App | None:
    """The app on the chosen database and clock; ``None`` (after saying why) when it cannot start."""
    try:
        return await App.start(args.db or default_db_path(), clock=_clock(args.now))
    except (ContentInvalid, SchemaTooNew) as exc:
        print(f"coldwar-bot: {exc}", file=sys.stderr)
        return None


async def _chat(args: argparse.Namespace, one_message: str | None) -> int:
    from bot.adapters.console import ConsoleSession, interactive

    app = await _start(args)
    if app is None:
        return 1
    async with app:
        session = ConsoleSession(
            app,
            chat_id=args.chat or ("-1" if args.group else args.user),
            user_id=args.user,
            name=args.name,
            group=args.group,
            admin=not args.member,
            lang=args.lang,
        )
        if one_message is None:
            await interactive(session)
            return 0
        await session.prepare()
        for text in await session.due():
            print(text, end="\n\n")
        for text in await session.send(one_message):
            print(text, end="\n\n")
    return 0


def _webhook_from_env() -> WebhookConfig | None:
    from bot.adapters.telegram.adapter import WebhookConfig

    url = os.environ.get("TELEGRAM_WEBHOOK_URL")
    if not url:
        return None
    secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
    if not secret:
        raise SystemExit(
            "coldwar-bot: TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not; Telegram must sign"
            " every update with a secret token (1–256 characters: A-Z, a-z, 0-9, _ and -)"
        )
    return WebhookConfig(
        url=url,
        secret_token=secret,
        listen=os.environ.get("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0"),
        port=int(os.environ.get("TELEGRAM_WEBHOOK_PORT", "8443")),
        url_path=os.environ.get("TELEGRAM_WEBHOOK_PATH", "telegram"),
    )


async def _run(args: argparse.Namespace) -> int:
    """Every adapter whose token is set, in one process and one event loop, until SIGINT/SIGTERM."""
    import signal

    telegram_token = os.environ.get(TELEGRAM_TOKEN_ENV, "").strip()
    discord_token = os.environ.get(DISCORD_TOKEN_ENV, "").strip()
    if not telegram_token and not discord_token:
        print(
            f"coldwar-bot: set {TELEGRAM_TOKEN_ENV} and/or {DISCORD_TOKEN_ENV} to run on Telegram"
            " and/or Discord (or run `coldwar-bot` for the console)",
            file=sys.stderr,
        )
        return 2
    webhook = _webhook_from_env() if telegram_token else None
    dev_guild = _dev_guild_from_env() if discord_token else None
    app = await _start(args)
    if app is None:
        return 1
    log = logging.getLogger(__name__)
    # Signals first: a SIGTERM while an adapter is still connecting stops the bot cleanly too.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        stoppers: list[Callable[[], Awaitable[None]]] = []
        try:
            if telegram_token:
                from bot.adapters.telegram.adapter import TelegramAdapter

                telegram = TelegramAdapter(
                    app, telegram_token, base_url=os.environ.get("TELEGRAM_BASE_URL") or None, webhook=webhook
                )
                if not await _started("Telegram", telegram.start(), telegram_token):
                    return 1
                stoppers.append(telegram.stop)
                log.info("running on Telegram as @%s", telegram.application.bot.username)
            if discord_token:
                from bot.adapters.discord.adapter import DiscordAdapter

                _point_discord_from_env()
                discord_bot = DiscordAdapter(app, discord_token, dev_guild=dev_guild)
                stoppers.append(discord_bot.stop)
                if not await _started("Discord", discord_bot.start(), discord_token):
                    return 1
                log.info("running on Discord as %s", discord_bot.user)
            digests = asyncio.create_task(app.services.digest.run_forever())
            try:
                await stop.wait()
            finally:
                digests.cancel()
                await asyncio.gather(digests, return_exceptions=True)
        finally:
            for stopper in reversed(stoppers):  # adapters before the database closes
                with contextlib.suppress(Exception):
                    await stopper()
    return 0


async def _started(platform: str, starting: Awaitable[None], token: str) -> bool:
    """Start one adapter; on failure (an invalid token, no network) say why, without the token."""
    try:
        await starting
    except Exception as exc:
        print(
            f"coldwar-bot: {platform} did not start:"
            f" {type(exc).__name__}: {str(exc).replace(token, '<token>')}",
            file=sys.stderr,
        )
        return False
    return True


def _point_discord_from_env() -> None:
    """``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``: another Discord to talk to (a proxy, or a
    local fake in tests), as ``TELEGRAM_BASE_URL`` is for Telegram."""
    import discord.gateway
    import discord.http
    import yarl

    if base := os.environ.get(DISCORD_API_BASE_ENV, "").strip():
        discord.http.Route.BASE = base.rstrip("/")
    if gateway := os.environ.get(DISCORD_GATEWAY_ENV, "").strip():
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)


def _dev_guild_from_env() -> int | None:
    """``DISCORD_DEV_GUILD``: a server whose commands sync instantly (for testing), or ``None``."""
    raw = os.environ.get(DISCORD_DEV_GUILD_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise SystemExit(
            f"coldwar-bot: {DISCORD_DEV_GUILD_ENV} must be a server id (digits), not {raw[:40]!r}"
        )
    return int(raw)


async def _tick(args: argparse.Namespace) -> int:
    from bot.adapters.console import ConsoleTransport, render

    app = await _start(args)
    if app is None:
        return 1
    async with app:
        for item in await app.tick():
            text = render(item.reply, app.services.i18n[item.reply.lang or "en"])
            print(f"── {item.chat.platform} chat {item.chat.chat_id} ──\n{text}", end="\n\n")
        app.services.digest.register(ConsoleTransport(app, sys.stdout))
        await app.services.digest.run_pass()
    return 0


def _content_check(as_json: bool) -> int:
    from content.loader import load_content

    result = load_content()
    counts = result.counts()
    if as_json:
        report = {
            "ok": result.ok,
            "counts": counts,
            "seed_checked": result.seed_checked,
            "errors": [asdict(e) for e in result.errors],
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"events: {counts['events']}")
        print(f"calendar days covered: {counts['calendar_days_covered']} of {counts['calendar_days']}")
        print(f"days with 2 or more events: {counts['days_with_two_or_more']}")
        print(f"quiz questions: {counts['quiz_questions']}")
        print(f"lessons: {counts['lessons']}")
        print(f"seed statements mapped: {counts['seed_statements']}")
        print(f"tags: {counts['tags']}")
        print(f"items missing a language: {counts['items_missing_a_language']}")
        if not result.seed_checked:
            print("(source text not found: the seed map's coverage of it was not checked)")
        if result.errors:
            print(f"\n{len(result.errors)} error(s):")
            for error in result.errors:
                print(f"  {error}")
        else:
            print("\ncontent OK")
    return 0 if result.ok else 1


async def _reports(args: argparse.Namespace) -> int:
    from storage.db import Database
    from storage.reports import ReportStore

    db_path = getattr(args, "close_db", None) or args.db or default_db_path()
    db = await Database.open(db_path)
    async with db:
        store = ReportStore(db)
        if args.reports_command == "close":
            now = SystemClock().now()
            if await store.close(args.id, now):
                print(f"report #{args.id} closed")
                return 0
            print(f"coldwar-bot: there is no open report #{args.id}", file=sys.stderr)
            return 1
        found = await store.list(open_only=args.open)
        if not found:
            print("no open reports" if args.open else "no reports")
        for r in found:
            state = "open" if r.is_open else f"closed {r.closed_at}"
            who = r.user_name or r.user_id
            print(f"#{r.id} [{state}] {r.created_at} {r.target_kind} {r.target_id}")
            print(f"    by {who} ({r.platform} chat {r.chat_id}): {r.text}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (``coldwar-bot ask … | head``): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command == "content":
        return _content_check(args.json)
    if args.command == "reports":
        return asyncio.run(_reports(args))
    if args.command == "tick":
        return asyncio.run(_tick(args))
    tokens = os.environ.get(TELEGRAM_TOKEN_ENV) or os.environ.get(DISCORD_TOKEN_ENV)
    if args.command == "run" or (args.command is None and tokens):
        if args.command is None:
            args = parser.parse_args(["run"])
        try:
            return asyncio.run(_run(args))
        except KeyboardInterrupt:
            return 0
    if args.command == "ask":
        text = " ".join(args.text)
        return asyncio.run(_chat(args, text))
    if args.command is None:
        args = parser.parse_args(["console", *(argv if argv is not None else sys.argv[1:])])
    try:
        return asyncio.run(_chat(args, None))
    except KeyboardInterrupt:
        return 0
