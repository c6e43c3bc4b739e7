"""Users' stories on Discord, with the real discord.py client, the real core and a real database
against the fake Discord: every command, a whole game, a restart in the middle of one, channel
digests with flood control and a missing permission, and a slow command that must be deferred."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.render import quiz_custom_id
from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import Incoming

from .conftest import TIMEOUT
from .fake_discord import DEFAULT_PERMISSIONS, FakeDiscord, FakeGuild

MANAGE_GUILD = 1 << 5
ADMIN = DEFAULT_PERMISSIONS | MANAGE_GUILD
EPHEMERAL = 64
DEFERRED = 5


@pytest.fixture
def guild(fake_discord: FakeDiscord) -> FakeGuild:
    return fake_discord.add_guild("Cold War Study Group", channels=("general", "history", "quiz"))


def _channel(guild: FakeGuild, name: str) -> int:
    return next(c.id for c in guild.channels if c.name == name)


async def _answer(fake: FakeDiscord, payload: dict[str, Any]) -> dict[str, Any]:
    """Send an interaction; return the callback body Discord got (type 4, 5, 8 ...)."""
    await fake.send_interaction(payload)
    call = await fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=TIMEOUT)
    assert call.status in (200, 204)
    return call.json


async def _followups(fake: FakeDiscord, payload: dict[str, Any], count: int = 1) -> list[dict[str, Any]]:
    path = f"/webhooks/{fake.application_id}/{payload['token']}"
    for _ in range(int(TIMEOUT / 0.02)):
        found = [c.json for c in fake.calls("POST", path)]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"no follow-up for {payload['data']}")


def _texts(body: dict[str, Any]) -> str:
    data = body.get("data", body)
    parts = [data.get("content") or ""]
    for embed in data.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f.get("value", "") for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for row in message.get("components") or [] for b in row.get("components", [])]


async def test_every_command_is_answered_in_a_server(
    fake_discord: FakeDiscord, guild: FakeGuild, start_adapter: Callable[..., Any], app: App
) -> None:
    await start_adapter()
    fake = fake_discord
    opt = fake.option
    event_id = (await app.services.content.event_ids())[0]
    lesson_id = (await app.services.content.lessons())[0].id
    history = _channel(guild, "history")
    samples: dict[str, list[dict[str, Any]]] = {
        "help": [opt("command", "quiz")],
        "lang": [opt("language", "en")],
        "date": [opt("when", "16 October")],
        "event": [opt("id", event_id)],
        "search": [opt("words", "berlin wall")],
        "year": [opt("year", 1962), opt("page", 1)],
        "quiz": [opt("count", 2), opt("filter", "cuba")],
        "answer": [opt("number", "1")],
        "top": [opt("period", "week")],
        "learn": [opt("lesson", lesson_id)],
        "subscribe": [opt("time", "09:00"), opt("timezone", "Europe/Bucharest"), opt("channel", history, 7)],
        "timezone": [opt("timezone", "Europe/Bucharest")],
        "report": [opt("id", event_id), opt("text", "the summary has a typo")],
    }
    internal = {app.services.i18n[lang].t("error.internal") for lang in ("en", "ro")}
    names = [c.name for c in app.services.registry]
    assert set(samples) <= set(names)
    for name in names:
        payload = fake.slash_command(
            guild.id, guild.channel.id, fake.owner_id, name, samples.get(name), member_permissions=ADMIN
        )
        body = await _answer(fake, payload)
        assert body["type"] in (4, DEFERRED), name
        replies = [body] if body["type"] == 4 else await _followups(fake, payload)
        text = "\n".join(_texts(r) for r in replies)
        assert text.strip() or any(_buttons(r.get("data", r)) for r in replies), name
        assert not any(i in text for i in internal), (name, text)
        if name == "learn":  # a lesson card is the learner's own: only they see it
            assert all((r.get("data", r).get("flags") or 0) & EPHEMERAL for r in replies)
        if name == "subscribe":
            sub = await app.services.digest.store.get("discord", str(guild.channel.id))
            assert sub is not None and sub.target == str(history) and sub.target_name == "history"
    assert fake.violations == []


async def test_autocomplete_offers_events_and_search_words(
    fake_discord: FakeDiscord, guild: FakeGuild, start_adapter: Callable[..., Any]
) -> None:
    await start_adapter()
    fake = fake_discord
    body = await _answer(
        fake,
        fake.autocomplete(
            guild.id, guild.channel.id, fake.owner_id, "search", [fake.option("words", "berlin wa")], "words"
        ),
    )
    assert body["type"] == 8
    names = [c["name"] for c in body["data"]["choices"]]
    assert names and any("Berlin Wall" in n for n in names) and len(names) <= 25
    body = await _answer(
        fake,
        fake.autocomplete(
            guild.id,
            guild.channel.id,
            fake.owner_id,
            "timezone",
            [fake.option("timezone", "Europe/Bucharst")],
            "timezone",
        ),
    )
    assert body["data"]["choices"][0]["value"] == "Europe/Bucharest"
    assert fake.violations == []


async def _start_game(
    fake: FakeDiscord, guild: FakeGuild, app: App, count: int = 2
) -> tuple[int, dict[str, Any]]:
    start = fake.slash_command(
        guild.id, guild.channel.id, fake.owner_id, "quiz", [fake.option("count", count)]
    )
    body = await _answer(fake, start)
    assert body["type"] == 4
    row = app.db.reader.execute("SELECT id FROM rounds WHERE closed_at IS NULL").fetchone()
    round_id = int(row[0])
    return round_id, await _question_message(fake, round_id)


async def _question_message(fake: FakeDiscord, round_id: int) -> dict[str, Any]:
    """The channel message carrying the round's buttons, once it has been posted."""
    wanted = quiz_custom_id(round_id, 1)
    for _ in range(int(TIMEOUT / 0.02)):
        for message in list(fake.messages.values()):
            if any(b.get("custom_id") == wanted for b in _buttons(message)):
                return message
        await asyncio.sleep(0.02)
    raise AssertionError(f"round {round_id} was not posted with buttons")


async def _wait_edit(fake: FakeDiscord, channel_id: int, message_id: str) -> dict[str, Any]:
    call = await fake.wait_for("PATCH", f"/channels/{channel_id}/messages/{message_id}", timeout=TIMEOUT)
    return call.json


async def test_a_whole_game_three_players_click_and_the_question_is_closed_in_place(
    fake_discord: FakeDiscord,
    guild: FakeGuild,
    start_adapter: Callable[..., Any],
    app: App,
    clock: FixedClock,
) -> None:
    await start_adapter()
    fake = fake_discord
    players = [fake.add_user(n) for n in ("ana", "ion", "maria")]
    for question_number in (1, 2):
        if question_number == 1:
            round_id, question = await _start_game(fake, guild, app)
        else:
            for _ in range(int(TIMEOUT / 0.02)):
                row = app.db.reader.execute("SELECT id FROM rounds WHERE closed_at IS NULL").fetchone()
                if row is not None:
                    break
                await asyncio.sleep(0.02)
            round_id = int(row[0])
            question = await _question_message(fake, round_id)
        correct = int(
            app.db.reader.execute("SELECT answer FROM rounds WHERE id = ?", (round_id,)).fetchone()[0]
        )
        for i, player in enumerate(players):
            choice = correct + 1 if i < 2 else (correct + 1) % 4 + 1
            click = fake.component_click(
                guild.id, guild.channel.id, player, quiz_custom_id(round_id, choice), int(question["id"])
            )
            body = await _answer(fake, click)
            assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL  # only the clicker sees it
        again = await _answer(
            fake,
            fake.component_click(
                guild.id, guild.channel.id, players[0], quiz_custom_id(round_id, 1), int(question["id"])
            ),
        )
        assert again["data"]["flags"] & EPHEMERAL
        stored = app.db.reader.execute(
            "SELECT COUNT(*) FROM answers WHERE round_id = ?", (round_id,)
        ).fetchone()[0]
        assert stored == 3  # each player's first click counts, once

        clock.advance(timedelta(seconds=31))
        app.wake_timers()
        edited = await _wait_edit(fake, guild.channel.id, question["id"])
        buttons = _buttons(edited)
        assert buttons and all(b["disabled"] for b in buttons)
        right = [b for b in buttons if b["style"] == 3]
        assert len(right) == 1 and right[0]["custom_id"] == quiz_custom_id(round_id, correct + 1)
        closed = _texts({"data": edited})
        assert "Right: Ana, Ion (of 3 answers)." in closed
        assert "Reply with the number" not in closed  # the how-to-answer hint is gone
    await asyncio.sleep(0.2)
    top = app.db.reader.execute("SELECT COUNT(*) FROM quiz_history").fetchone()[0]
    assert top >= 2
    assert fake.violations == []


async def test_a_click_on_a_question_from_before_a_restart_still_counts(
    fake_discord: FakeDiscord,
    guild: FakeGuild,
    start_adapter: Callable[..., Any],
    app: App,
    db_path: Path,
    clock: FixedClock,
) -> None:
    fake = fake_discord
    first: DiscordAdapter = await start_adapter()
    round_id, question = await _start_game(fake, guild, app)
    await first.stop()
    await app.stop()

    restarted = await App.start(db_path, clock=clock, seed=3)
    second: DiscordAdapter | None = None
    try:
        second = await start_adapter(restarted)
        player = fake.add_user("elena")
        correct = int(
            restarted.db.reader.execute("SELECT answer FROM rounds WHERE id = ?", (round_id,)).fetchone()[0]
        )
        click = fake.component_click(
            guild.id, guild.channel.id, player, quiz_custom_id(round_id, correct + 1), int(question["id"])
        )
        body = await _answer(fake, click)
        assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL
        counted = restarted.db.reader.execute(
            "SELECT user_id FROM answers WHERE round_id = ?", (round_id,)
        ).fetchall()
        assert [r[0] for r in counted] == [str(player)]
        clock.advance(timedelta(seconds=31))
        restarted.wake_timers()
        edited = await _wait_edit(fake, guild.channel.id, question["id"])
        assert "Right: Elena (of 1 answer)." in _texts({"data": edited})
    finally:
        if second is not None:
            await second.stop()  # the adapter first: its timers use the app's database
        await restarted.stop()
    assert fake.violations == []


async def test_a_channel_digest_needs_manage_server_and_a_lost_permission_is_told_to_the_admin(
    fake_discord: FakeDiscord,
    guild: FakeGuild,
    start_adapter: Callable[..., Any],
    app: App,
    clock: FixedClock,
) -> None:
    fake = fake_discord
    await start_adapter()
    history = _channel(guild, "history")
    member = fake.add_user("student")
    options = [
        fake.option("time", "09:00"),
        fake.option("timezone", "UTC"),
        fake.option("channel", history, 7),
    ]
    refused = await _answer(
        fake, fake.slash_command(guild.id, guild.channel.id, member, "subscribe", options)
    )
    assert "admin" in refused["data"]["content"].lower()
    assert await app.services.digest.store.get("discord", str(guild.channel.id)) is None

    clock.set(datetime.fromisoformat("2026-05-14T08:00:00+00:00"))
    done = await _answer(
        fake,
        fake.slash_command(
            guild.id, guild.channel.id, fake.owner_id, "subscribe", options, member_permissions=ADMIN
        ),
    )
    assert "#history" in _texts(done)
    await _run_digests(app, clock, "2026-05-14T09:00:00+00:00")
    posts = fake.calls("POST", f"/channels/{history}/messages")
    assert len(posts) == 1 and posts[0].ok and "14 May 2026" in _texts(posts[0].json)
    assert not fake.calls("POST", f"/channels/{guild.channel.id}/messages")

    # The bot loses the right to post in #history.
    fake.fail("POST", rf"^/channels/{history}/messages$", status=403)
    await _run_digests(app, clock, "2026-05-15T09:00:00+00:00")
    sub = await app.services.digest.store.get("discord", str(guild.channel.id))
    assert sub is not None and sub.state == "paused" and "permission" in (sub.paused_reason or "")

    # The admin's next command, in another channel, starts with why, shown only to them.
    quiz = _channel(guild, "quiz")
    body = await _answer(
        fake, fake.slash_command(guild.id, quiz, fake.owner_id, "today", member_permissions=ADMIN)
    )
    assert body["data"]["flags"] & EPHEMERAL
    assert "#history" in body["data"]["content"] and "/subscribe" in body["data"]["content"]
    assert fake.violations == []


async def _run_digests(app: App, clock: FixedClock, when: str) -> None:
    """Digest passes on a moved clock until nothing more is due soon (retries included)."""
    digest = app.services.digest

    async def wait_until(moment: datetime) -> None:
        clock.set(max(clock.now(), moment))

    digest.wait_until = wait_until
    digest.workers = 1
    clock.set(datetime.fromisoformat(when))
    for _ in range(6):
        await digest.run_pass()
        wake = await digest.next_wakeup()
        if wake is None or wake > clock.now() + timedelta(hours=1):
            return
        clock.set(max(clock.now(), wake))


async def test_a_digest_to_twenty_channels_through_flood_control_and_a_forbidden_channel(
    fake_discord: FakeDiscord, start_adapter: Callable[..., Any], app: App, clock: FixedClock
) -> None:
    fake = fake_discord
    server = fake.add_guild("Big Server", channels=[f"class-{i}" for i in range(20)])
    await start_adapter()
    clock.set(datetime.fromisoformat("2026-05-14T08:00:00+03:00"))
    channels = [c.id for c in server.channels]
    for channel in channels:
        options = [fake.option("time", "09:00"), fake.option("timezone", "Europe/Bucharest")]
        body = await _answer(
            fake,
            fake.slash_command(
                server.id, channel, fake.owner_id, "subscribe", options, member_permissions=ADMIN
            ),
        )
        assert "Subscribed" in _texts(body)
    limited, forbidden = channels[6], channels[13]
    fake.fail("POST", rf"^/channels/{limited}/messages$", status=429, retry_after=0.05)
    fake.fail("POST", rf"^/channels/{forbidden}/messages$", status=403)

    await _run_digests(app, clock, "2026-05-14T09:00:00+03:00")
    delivered = [
        int(c.path.split("/")[2])
        for c in fake.calls("POST", "/channels/")
        if c.ok and c.path.endswith("/messages")
    ]
    assert sorted(delivered) == sorted(c for c in channels if c != forbidden)  # each exactly once
    assert len(fake.calls("POST", f"/channels/{limited}/messages")) == 2  # refused once, then sent
    paused = await app.services.digest.store.get("discord", str(forbidden))
    assert paused is not None and paused.state == "paused"
    ledger = await app.services.digest.store.ledger("discord", str(limited))
    assert [(d, state) for d, state, _n, _why in ledger] == [("2026-05-14", "sent")]

    await _run_digests(app, clock, "2026-05-14T09:30:00+03:00")  # a second pass posts nothing
    assert len([c for c in fake.calls("POST", "/channels/") if c.ok]) == len(delivered)
    assert fake.violations == []


async def test_a_slow_command_is_deferred_then_answered(
    fake_discord: FakeDiscord, guild: FakeGuild, start_adapter: Callable[..., Any], app: App
) -> None:
    fake = fake_discord
    adapter: DiscordAdapter = await start_adapter(defer_after=0.01)
    handle = app.handle

    async def slow(incoming: Incoming) -> list[Any]:
        await asyncio.sleep(0.2)
        return await handle(incoming)

    app.handle = slow  # type: ignore[method-assign]
    payload = fake.slash_command(guild.id, guild.channel.id, fake.owner_id, "today")
    body = await _answer(fake, payload)
    assert body["type"] == DEFERRED
    (followup,) = await _followups(fake, payload)
    assert followup["embeds"] or followup["content"]
    assert adapter.defer_after == 0.01
    assert fake.violations == []


async def test_study_in_a_direct_message_with_buttons(
    fake_discord: FakeDiscord, guild: FakeGuild, start_adapter: Callable[..., Any], app: App
) -> None:
    fake = fake_discord
    await start_adapter()
    student = fake.add_user("radu")
    lesson_id = (await app.services.content.lessons())[0].id

    refused = await _answer(fake, fake.slash_command(guild.id, guild.channel.id, student, "study"))
    assert "private" in _texts(refused).lower()  # in a server: the bot says where it works

    empty = await _answer(
        fake, fake.in_dm(fake.slash_command(guild.id, guild.channel.id, student, "study"), student)
    )
    buttons = _buttons(empty["data"])
    assert buttons and all(b["custom_id"].startswith("cw:/study add ") for b in buttons)
    added = await _answer(
        fake,
        fake.in_dm(
            fake.component_click(guild.id, guild.channel.id, student, f"cw:/study add {lesson_id}"), student
        ),
    )
    assert added["type"] == 4
    payload = fake.in_dm(fake.slash_command(guild.id, guild.channel.id, student, "study"), student)
    question = await _answer(fake, payload)
    choices = [b["custom_id"] for b in _buttons(question["data"]) if b["custom_id"].startswith("cwq:")]
    assert len(choices) >= 2
    click = fake.in_dm(fake.component_click(guild.id, guild.channel.id, student, choices[0]), student)
    result = await _answer(fake, click)
    assert result["type"] == 4 and _texts(result).strip()
    reviews = app.db.reader.execute("SELECT COUNT(*) FROM study_reviews").fetchone()[0]
    assert reviews == 1
    assert fake.violations == []


async def test_subscribing_a_channel_the_bot_cannot_post_in_warns_at_once(
    fake_discord: FakeDiscord, start_adapter: Callable[..., Any]
) -> None:
    fake = fake_discord
    send_messages = 1 << 11
    quiet = fake.add_guild(
        "Read-only",
        channels=("general", "announcements"),
        everyone_permissions=DEFAULT_PERMISSIONS & ~send_messages,
    )
    await start_adapter()
    target = _channel(quiet, "announcements")
    options = [fake.option("channel", target, 7)]
    body = await _answer(
        fake,
        fake.slash_command(
            quiet.id, quiet.channel.id, fake.owner_id, "subscribe", options, member_permissions=ADMIN
        ),
    )
    text = _texts(body)
    assert "#announcements" in text and "missing: Send Messages" in text
    assert "View Channel" not in text
    assert fake.violations == []
