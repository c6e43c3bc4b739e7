"""Study mode from a learner's side: a deck fed by lessons and by missed quiz questions, reviewed
with py-fsrs over simulated weeks, the due dates moving the way the answers say."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.quiz.study import EASY_SECONDS, rating_for
from tests.conftest import Chat
from tests.core.quiz.helpers import count, open_round, right, wrong

LESSON = "khrushchev-thaw-foreign-policy"


async def deck_due(app: App, key: str) -> datetime:
    card = await app.services.study.card("console", "1", key)
    assert card is not None
    return card.due


async def test_an_empty_deck_explains_how_to_fill_it(chat: Chat) -> None:
    out = await chat.say("/study")
    assert "Your study deck is empty" in out and f"/study add {LESSON}" in out


async def test_study_is_for_private_chats(group: Chat) -> None:
    assert "works in a private chat with me only" in await group.say("/study")


async def test_adding_a_lesson_then_reviewing_it(app: App, clock: FixedClock, chat: Chat) -> None:
    out = await chat.say(f"/study add {LESSON}")
    lesson = (await app.services.content.catalog()).lessons[LESSON]
    assert f"Added {len(lesson.question_ids)} questions" in out or "Added" in out
    size = await app.services.study.size("console", "1")
    assert size >= len(lesson.question_ids)
    again = await chat.say(f"/study add {LESSON}")
    assert "Added 0 questions" in again and f"{size} were in it already" in again

    out = await chat.say("/study")
    assert f"Study · {size} due today" in out
    r = await open_round(app, "1")
    clock.advance(timedelta(seconds=20))
    out = await chat.say(right(r))
    assert "Right!" in out and "Rated Good." in out
    # A new card answered right takes its next learning step (10 minutes): still due today.
    assert "Next review of this question: in 10 minutes." in out
    assert f"Due today: {size} more." in out and "/study" in out
    assert await count(app, "SELECT count(*) FROM study_reviews") == 1
    assert await deck_due(app, r.question_key) == clock.now().replace(microsecond=0) + timedelta(minutes=10)


async def test_a_wrong_answer_comes_back_soon_a_right_one_later(
    app: App, clock: FixedClock, chat: Chat
) -> None:
    await chat.say("/study add nuclear")
    await chat.say("/study")
    first = await open_round(app, "1")
    clock.advance(timedelta(seconds=20))
    out = await chat.say(wrong(first))
    assert "Not quite." in out and "Rated Again" in out and "in 1 minute" in out
    await chat.say("/study")
    second = await open_round(app, "1")
    assert second.question_key != first.question_key  # the missed card waits for its minute
    clock.advance(timedelta(seconds=3))
    out = await chat.say(right(second))
    assert "Rated Easy" in out
    assert await deck_due(app, first.question_key) < await deck_due(app, second.question_key)


async def test_due_dates_follow_the_ratings_over_weeks(app: App, clock: FixedClock, chat: Chat) -> None:
    """Always right: each interval is longer than the one before. One slip: back to minutes."""
    await chat.say("/study add nuclear")
    store = app.services.study
    key = (await store.next_due("console", "1", clock.now())).question_key  # type: ignore[union-attr]
    intervals: list[timedelta] = []
    for _ in range(6):
        due = await deck_due(app, key)
        clock.set(max(due, clock.now()))
        # Review exactly this card: open it through the engine like /study does.
        question = await app.services.quiz.maker.make(key)
        assert question is not None
        settings = await app.services.chats.get("console", "1")
        assert settings is not None
        await app.services.quiz.open_study(settings, chat.session_user, question, "Study")
        r = await open_round(app, "1")
        clock.advance(timedelta(seconds=20))
        await chat.say(right(r))
        intervals.append(await deck_due(app, key) - clock.now())
    assert all(b > a for a, b in itertools.pairwise(intervals)), intervals
    assert intervals[-1] > timedelta(days=14)

    clock.set(await deck_due(app, key))
    question = await app.services.quiz.maker.make(key)
    assert question is not None
    settings = await app.services.chats.get("console", "1")
    assert settings is not None
    await app.services.quiz.open_study(settings, chat.session_user, question, "Study")
    r = await open_round(app, "1")
    await chat.say(wrong(r))
    assert await deck_due(app, key) - clock.now() < timedelta(hours=1)
    assert await count(app, "SELECT count(*) FROM study_reviews WHERE question_key = ?", key) == 7


async def test_nothing_due_says_when_the_next_card_is(app: App, clock: FixedClock, chat: Chat) -> None:
    await chat.say("/study add 1949")
    size = await app.services.study.size("console", "1")
    for _ in range(size):
        await chat.say("/study")
        r = await open_round(app, "1")
        clock.advance(timedelta(seconds=20))
        await chat.say(right(r))
    out = await chat.say("/study")
    assert "Nothing is due now" in out and "Next card due:" in out


def test_the_rating_comes_from_the_answer() -> None:
    quick, slow = timedelta(seconds=EASY_SECONDS), timedelta(seconds=EASY_SECONDS + 1)
    assert rating_for(False, quick).name == "Again"
    assert rating_for(True, quick).name == "Easy"
    assert rating_for(True, slow).name == "Good"


async def test_a_game_blocks_study_until_it_ends(app: App, chat: Chat) -> None:
    await chat.say("/study add nuclear")
    await chat.say("/quiz 2")
    assert "A quiz is running here" in await chat.say("/study")


async def test_bad_study_input(chat: Chat) -> None:
    assert "Use /study to review" in await chat.say("/study now")
    assert "Add a lesson or a tag" in await chat.say("/study add")
    assert "I don't know “zzzq”" in await chat.say("/study add zzzq")
