"""Leaderboards and personal stats: every answer is stored as it arrives, and streaks count the
chat's local days, DST changes included."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.quiz.streaks import streaks
from tests.conftest import Chat
from tests.core.quiz.helpers import open_round, right, wrong

GROUP = "-100"


async def play_single(app: App, clock: FixedClock, who: list[tuple[Chat, bool]]) -> None:
    """One /question in the group, answered by each player right or wrong, then closed."""
    await who[0][0].say("/question")
    r = await open_round(app, GROUP)
    for player, is_right in who:
        clock.advance(timedelta(seconds=1))
        await player.say(right(r) if is_right else wrong(r))
    clock.advance(timedelta(seconds=30))
    await app.tick()


async def test_top_ranks_the_chat_by_points_for_all_time_and_the_last_week(
    app: App, clock: FixedClock
) -> None:
    ana = Chat(app, chat_id=GROUP, user_id="1", name="Ana", group=True)
    ion = Chat(app, chat_id=GROUP, user_id="2", name="Ion", group=True)
    assert "No answers here yet" in await ana.say("/top")
    for _ in range(3):
        await play_single(app, clock, [(ana, True), (ion, False)])
    clock.advance(timedelta(days=8))
    for _ in range(2):
        await play_single(app, clock, [(ion, True), (ana, False)])

    all_time = await ana.say("/top")
    assert "Leaderboard, all time" in all_time
    assert all_time.index("1. Ana — 3 points (5 answered)") < all_time.index("2. Ion — 2 points (5 answered)")
    week = await ana.say("/top week")
    assert "Leaderboard, last 7 days" in week
    assert week.index("1. Ion — 2 points (2 answered)") < week.index("2. Ana — 0 points (2 answered)")
    assert "/top all" in week and "/top week" in all_time
    assert "Use /top for all time" in await ana.say("/top month")
    # Another chat's board is its own.
    other = Chat(app, chat_id="-300", user_id="1", name="Ana", group=True)
    assert "No answers here yet" in await other.say("/top")


async def test_stats_show_answers_accuracy_and_streaks(app: App, clock: FixedClock) -> None:
    ana = Chat(app, chat_id=GROUP, user_id="1", name="Ana", group=True)
    assert "You have not answered any questions here yet" in await ana.say("/stats")
    await play_single(app, clock, [(ana, True)])
    await play_single(app, clock, [(ana, False)])
    clock.advance(timedelta(days=1))
    await play_single(app, clock, [(ana, True)])
    out = await ana.say("/stats")
    assert "Ana in this group" in out
    assert "Answered: 3 questions" in out and "Right: 2 (67%)" in out
    assert "Current streak: 2 days" in out and "Best streak: 2 days" in out
    clock.advance(timedelta(days=2))  # a whole day without a right answer breaks the streak
    out = await ana.say("/stats")
    assert "Current streak: 0 days" in out and "Best streak: 2 days" in out


async def test_a_streak_follows_local_days_across_a_dst_change(
    app: App, clock: FixedClock, chat: Chat
) -> None:
    """Bucharest springs forward on 29 March 2026. Three local days in a row, though two of the
    answers fall on the same UTC day: the streak is 3, where UTC dates would give 2."""
    await chat.say("/start")
    await app.services.chats.set_timezone("console", "1", "Europe/Bucharest", clock.now())
    moments = [
        "2026-03-28T23:30:00+02:00",  # local 28 March (21:30 UTC, 28th)
        "2026-03-29T23:30:00+03:00",  # local 29 March (20:30 UTC, 29th), after the change
        "2026-03-30T00:30:00+03:00",  # local 30 March (21:30 UTC, still the 29th)
    ]
    for moment in moments:
        clock.set(datetime.fromisoformat(moment))
        await chat.say("/question")
        r = await open_round(app, "1")
        await chat.say(right(r))
    days = app.db.reader.execute("SELECT local_day FROM answers ORDER BY answered_at").fetchall()
    assert [d[0] for d in days] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    out = await chat.say("/stats")
    assert "Current streak: 3 days" in out and "Best streak: 3 days" in out
    assert "everywhere" in out


def test_streak_arithmetic() -> None:
    d = date.fromisoformat
    assert streaks([], d("2026-05-14")) == (0, 0)
    run = [d("2026-05-10"), d("2026-05-11"), d("2026-05-13")]
    assert streaks(run, d("2026-05-13")) == (2, 1)
    assert streaks(run, d("2026-05-14")) == (2, 1)  # yesterday still counts: today is not over
    assert streaks(run, d("2026-05-15")) == (2, 0)
