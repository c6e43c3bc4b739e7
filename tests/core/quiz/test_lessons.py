"""Lessons: a list in the order of history, cards stepped through with buttons, and a quiz at the
end on what was just read."""

from __future__ import annotations

from bot.app import App
from tests.conftest import Chat

THAW = "khrushchev-thaw-foreign-policy"


async def test_lessons_are_listed_in_the_order_of_history(chat: Chat) -> None:
    out = await chat.say("/lessons")
    assert out.startswith("Lessons")
    assert out.index("origins-1945-1949") < out.index("korea-and-the-1950s") < out.index(THAW)
    assert out.index(THAW) < out.index("detente-1969-1979") < out.index("end-of-the-cold-war-1985-1991")


async def test_stepping_through_a_lesson_with_its_buttons(app: App, chat: Chat) -> None:
    lesson = (await app.services.content.catalog()).lessons[THAW]
    total = len(lesson.cards)
    first = await chat.say(f"/learn {THAW}")
    assert f"card 1 of {total}" in first and "A world of rival blocs" in first
    assert f"/learn {THAW} 2" in first and "◀ Previous" not in first
    second = await chat.say(f"/learn {THAW} 2")
    assert "The Warsaw Pact (1955)" in second and "14 May 1955" in second
    assert f"/learn {THAW} 1" in second and f"/learn {THAW} 3" in second
    last = await chat.say(f"/learn {THAW} {total}")
    assert "That was the last card" in last
    assert f"/quiz 5 {THAW}" in last and f"/study add {THAW}" in last
    # Plain /learn picks up where the learner stopped.
    assert f"card {total} of {total}" in await chat.say("/learn")


async def test_a_lesson_by_number_or_by_a_word_in_romanian(app: App) -> None:
    ro = Chat(app, chat_id="2", user_id="2", lang="ro")
    out = await ro.say("/learn korea")
    assert "fișa 1 din" in out
    assert "Lecții" in await ro.say("/lessons")
    out = await ro.say("/learn 1")
    assert "1945" in out


async def test_the_quiz_offered_at_the_end_asks_about_the_lesson(app: App, chat: Chat) -> None:
    out = await chat.say(f"/quiz 5 {THAW}")
    assert "Quiz: 5 questions on Soviet foreign policy in the Khrushchev thaw" in out


async def test_bad_lesson_input(app: App, chat: Chat, group: Chat) -> None:
    assert "There are lessons 1 to 6" in await chat.say("/learn 99")
    out = await chat.say("/learn zzzq")
    assert "I don't know “zzzq”" in out and "/learn " in out
    assert "is not a lesson" in await chat.say("/learn nuclear")
    assert "this lesson has cards" in (await chat.say(f"/learn {THAW} 99")).lower()
    # In a group the last card offers the quiz, not a private study deck.
    total = len((await app.services.content.catalog()).lessons[THAW].cards)
    last = await group.say(f"/learn {THAW} {total}")
    assert "/quiz 5" in last and "/study add" not in last
