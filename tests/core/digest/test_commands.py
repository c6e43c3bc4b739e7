"""The digest from a chat's side: subscribing, choosing a time zone (typos forgiven), seeing the
digest on demand, and the settings that shape it."""

from __future__ import annotations

from datetime import datetime

from bot.app import App
from bot.core.clock import FixedClock
from tests.conftest import Chat


async def test_subscribing_in_a_group_takes_an_admin(app: App) -> None:
    member = Chat(app, chat_id="-1", user_id="2", group=True, admin=False)
    assert "Only the group's admins" in await member.say("/subscribe")
    admin = Chat(app, chat_id="-1", user_id="1", group=True)
    out = await admin.say("/subscribe")
    assert "every day at 09:00 (UTC)" in out and "Set yours with /timezone" in out
    assert "Daily digest: every day at 09:00" in await member.say("/settings")
    assert "Unsubscribed" in await admin.say("/unsubscribe")
    assert "no daily digest" in await admin.say("/unsubscribe")
    assert "Daily digest: off" in await member.say("/settings")


async def test_a_mistyped_zone_gets_the_closest_names(app: App, chat: Chat) -> None:
    out = await chat.say("/timezone Europe/Bucharst")
    assert "Did you mean Europe/Bucharest" in out and "/timezone Europe/Bucharest" in out
    assert "Europe/Bucharest" in await chat.say("/timezone bucharest")
    assert "Use Area/City" in await chat.say("/timezone qqqqqqqq")
    out = await chat.say("/timezone europe/bucharest")
    assert "Time zone set to Europe/Bucharest: it is 09:00 on 14 May 2026 there." in out
    assert "Time zone: Europe/Bucharest" in await chat.say("/settings")
    assert "This chat's time zone is Europe/Bucharest" in await chat.say("/timezone")


async def test_subscribe_with_a_time_and_a_zone(app: App, chat: Chat) -> None:
    out = await chat.say("/subscribe 18:30 Asia/Kathmandu")
    assert "every day at 18:30 (Asia/Kathmandu). Next one today at 18:30." in out
    assert "“25:00” is not a time I can read" in await chat.say("/subscribe 25:00")
    assert "Did you mean Asia/Kathmandu" in await chat.say("/subscribe 07:00 Asia/Kathmandoo")


async def test_the_digest_on_demand_follows_the_chats_local_date(
    app: App, clock: FixedClock, chat: Chat
) -> None:
    clock.set(datetime.fromisoformat("2026-05-13T23:30:00+00:00"))
    assert "This day in the Cold War · 13 May 2026" in await chat.say("/digest")
    await chat.say("/timezone Europe/Bucharest")
    out = await chat.say("/digest")
    assert "This day in the Cold War · 14 May 2026" in out
    assert "Warsaw Pact signed" in out and "Question of the day:" in out and "/question today" in out


async def test_a_busy_day_shows_five_events_the_same_for_everyone(app: App, clock: FixedClock) -> None:
    days = await app.services.content.days_with_events()
    busiest = max(
        days,
        key=lambda md: len(
            app.db.reader.execute("SELECT id FROM events WHERE month = ? AND dom = ?", md).fetchall()
        ),
    )
    clock.set(datetime(2026, busiest[0], busiest[1], 12, 0).astimezone())
    first = await Chat(app, chat_id="11", user_id="11").say("/digest")
    second = await Chat(app, chat_id="12", user_id="12").say("/digest")
    assert first == second
    assert first.count("Source") == 5


async def test_a_day_without_events_is_labelled_honestly(app: App, clock: FixedClock, chat: Chat) -> None:
    clock.set(datetime.fromisoformat("2028-02-29T12:00:00+00:00"))
    out = await chat.say("/digest")
    assert "Nothing in our records happened on 29 February; this week in the Cold War:" in out
    assert "28 February" in out or "1 March" in out


async def test_the_question_of_the_day_can_be_turned_off_and_answered(app: App, chat: Chat) -> None:
    assert "/subscribe first" in await chat.say("/settings digest-quiz off")
    await chat.say("/subscribe")
    assert "without a question of the day" in await chat.say("/settings digest-quiz off")
    assert "Question of the day" not in await chat.say("/digest")
    await chat.say("/settings digest-quiz on")
    digest = await chat.say("/digest")
    question_line = next(line for line in digest.splitlines() if line.startswith("Question of the day:"))
    asked = await chat.say("/question today")
    assert question_line.removeprefix("Question of the day: ") in asked
    assert "/question today for the question of the day" in await chat.say("/question tomorrow")


async def test_in_romanian(app: App) -> None:
    ro = Chat(app, chat_id="3", user_id="3", lang="ro")
    out = await ro.say("/subscribe 07:00 Europe/Bucharest")
    assert "Abonare făcută: un rezumat în fiecare zi la 07:00 (Europe/Bucharest)" in out
    assert "Această zi în Războiul Rece · 14 mai 2026" in await ro.say("/digest")
