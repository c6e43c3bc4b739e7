"""Group games from the players' side: three people play through the console adapter against the
real core and a real SQLite file, while the test moves the clock instead of waiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.model import ChatKind, ChatRef, Incoming, QuizPrompt, QuizReveal, UserRef
from tests.conftest import Chat
from tests.core.quiz.helpers import count, open_round, right, wrong

GROUP = "-100"


def players(app: App) -> tuple[Chat, Chat, Chat]:
    ana = Chat(app, chat_id=GROUP, user_id="1", name="Ana", group=True)
    ion = Chat(app, chat_id=GROUP, user_id="2", name="Ion", group=True, admin=False)
    eva = Chat(app, chat_id=GROUP, user_id="3", name="Eva", group=True, admin=False)
    return ana, ion, eva


async def pass_deadline(app: App, clock: FixedClock, seconds: int = 30) -> str:
    clock.advance(timedelta(seconds=seconds))
    return "\n\n".join(Chat(app).session.render(o.reply) for o in await app.tick() if o.chat.chat_id == GROUP)


async def test_a_whole_game_with_three_players(app: App, clock: FixedClock) -> None:
    ana, ion, eva = players(app)
    start = await ana.say("/quiz 3")
    assert "Quiz: 3 questions" in start and "Question 1 of 3 · 30 s" in start
    assert "  1. " in start and "  4. " in start

    for number in (1, 2, 3):
        r = await open_round(app, GROUP)
        assert r.number == number
        clock.advance(timedelta(seconds=2))
        assert "your answer" in await ana.say(right(r))
        clock.advance(timedelta(seconds=3))
        await ion.say(wrong(r))
        clock.advance(timedelta(seconds=1))
        await eva.say(f"/answer {right(r)}")
        # A second answer never replaces the first.
        assert "first answer counts" in await ion.say(right(r))
        out = await pass_deadline(app, clock, 24)
        assert f"Answer: {r.answer + 1}." in out
        assert "Right: Ana, Eva (of 3 answers)" in out
        assert "Source: https://" in out
        if number < 3:
            assert f"Question {number + 1} of 3" in out
        else:
            assert "Quiz over! Final ranking:" in out
            # Ana and Eva tie on points; Ana answered faster in total.
            assert (
                out.index("🥇 Ana — 3 points") < out.index("🥈 Eva — 3 points") < out.index("Ion — 0 points")
            )
            assert "/quiz 3" in out
    assert await count(app, "SELECT count(*) FROM answers") == 9
    assert await app.services.quiz.store.running_game("console", GROUP) is None
    # Ion missed all three: they wait in his study deck.
    assert await app.services.study.size("console", "2") == 3
    assert await app.services.study.size("console", "1") == 0


async def test_one_game_per_chat_and_nothing_else_while_it_runs(app: App) -> None:
    ana, ion, _ = players(app)
    await ana.say("/quiz")
    assert "A quiz is running here (question 1 of 5)" in await ion.say("/quiz 3")
    assert "A quiz is running here" in await ion.say("/question")
    # Another group is not affected.
    other = Chat(app, chat_id="-200", user_id="9", name="Dan", group=True)
    assert "Question 1 of 5" in await other.say("/quiz")


async def test_a_game_nobody_answers_is_abandoned_after_two_questions(app: App, clock: FixedClock) -> None:
    ana, _, _ = players(app)
    await ana.say("/quiz 10")
    first = await pass_deadline(app, clock)
    assert "Nobody answered." in first and "Question 2 of 10" in first
    second = await pass_deadline(app, clock)
    assert "Quiz over: two questions in a row went unanswered." in second
    assert "Question 3" not in second
    assert await app.services.quiz.store.running_game("console", GROUP) is None
    assert await pass_deadline(app, clock) == ""


async def test_an_answered_question_resets_the_silence_count(app: App, clock: FixedClock) -> None:
    ana, _, _ = players(app)
    await ana.say("/quiz 4")
    await pass_deadline(app, clock)  # silent
    await ana.say(right(await open_round(app, GROUP)))
    await pass_deadline(app, clock)  # answered
    out = await pass_deadline(app, clock)  # silent again: only one in a row
    assert "Question 4 of 4" in out


async def test_stop_by_the_starter_or_an_admin_only(app: App) -> None:
    ana, ion, _ = players(app)
    await ion.say("/quiz 5")  # Ion, an ordinary member, starts it
    ana_member = Chat(app, chat_id=GROUP, user_id="1", name="Ana", group=True, admin=False)
    assert "Only the player who started this quiz or a group admin" in await ana_member.say("/stop")
    r = await open_round(app, GROUP)
    out = await ion.say("/stop")
    assert f"Answer: {r.answer + 1}." in out and "Quiz stopped." in out
    assert "No quiz is running here" in await ion.say("/stop")
    await ion.say("/quiz 5")
    assert "Quiz stopped." in await ana.say("/stop")  # Ana as an admin


async def test_bad_input_gets_a_friendly_reply(app: App, clock: FixedClock) -> None:
    ana, ion, _ = players(app)
    assert "No question is open right now" in await ion.say("/answer 2")
    assert "No question is open right now" in await ion.say("2")
    assert "choose 1 to 20" in await ana.say("/quiz 0")
    assert "choose 1 to 20" in await ana.say("/quiz 500")
    assert "choose 1 to 20" in await ana.say("/quiz -3")
    out = await ana.say("/quiz abc")
    assert "I don't know “abc”" in out and "Examples:" in out
    assert "outside the Cold War years" in await ana.say("/quiz 1930-1950")
    assert "No quiz is running here" in await ion.say("/stop")
    await ana.say("/quiz 2")
    assert "There is no choice 9: pick a number from 1 to 4" in await ion.say("/answer 9")
    assert "Answer with the number" in await ion.say("/answer two")
    assert "There is no choice 0" in await ion.say("/answer 0")
    # Nothing above was scored.
    assert await count(app, "SELECT count(*) FROM answers") == 0


async def test_filters_choose_the_questions(app: App, clock: FixedClock) -> None:
    ana, _, _ = players(app)
    catalog = await app.services.content.catalog()
    out = await ana.say("/quiz 3 1962")
    assert "Quiz: 3 questions on 1962" in out
    for _ in range(3):
        r = await open_round(app, GROUP)
        years = {catalog.by_id[e].day.year for e in (await _question_events(app, r.id))}
        assert 1962 in years
        await ana.say(right(r))
        await pass_deadline(app, clock)
    out = await ana.say("/quiz 2 nuclear")
    assert "on Nuclear weapons" in out


async def _question_events(app: App, round_id: int) -> tuple[str, ...]:
    from bot.core.quiz.questions import QuizQuestion

    r = await app.services.quiz.store.round(round_id)
    assert r is not None
    return QuizQuestion.from_json(r.question).events


async def test_no_question_repeats_until_the_pool_is_used_up(app: App) -> None:
    """In a private chat each answer moves the game on, so a long run is quick to play."""
    me = Chat(app, chat_id="5", user_id="5", name="Me")
    catalog = await app.services.content.catalog()
    from bot.core.quiz.filters import QuizFilter

    # The smallest single-year pool in the corpus keeps the test short.
    year = min(range(1945, 1992), key=lambda y: len(QuizFilter("years", first=y, last=y).pool(catalog)))
    pool = QuizFilter("years", first=year, last=year).pool(catalog)
    asked: list[str] = []
    while len(asked) < len(pool) + 3:
        await me.say(f"/quiz 20 {year}")
        while (r := await app.services.quiz.store.open_round("console", "5")) is not None:
            asked.append(r.question_key)
            await me.say(right(r))
    assert len(set(asked[: len(pool)])) == len(pool), "a question repeated before the pool was used up"
    assert set(asked[: len(pool)]) == set(pool)


async def test_a_game_survives_a_restart(db_path: Path, clock: FixedClock) -> None:
    app = await App.start(db_path, clock=clock, seed=3)
    ana, ion, _ = players(app)
    await ana.say("/quiz 3")
    first = await open_round(app, GROUP)
    await ana.say(right(first))
    await app.stop()

    # The bot was down past the deadline: on start the question closes at once and the game goes on.
    clock.advance(timedelta(minutes=5))
    app = await App.start(db_path, clock=clock, seed=3)
    try:
        ana, ion, _ = players(app)
        out = await pass_deadline(app, clock, 0)
        assert "Right: Ana" in out and "Question 2 of 3" in out
        second = await open_round(app, GROUP)
        assert second.deadline == clock.now().replace(microsecond=0) + timedelta(seconds=30)
        await ion.say(right(second))
        await app.stop()
        # Restarted again before the deadline: the open question waits for it.
        app = await App.start(db_path, clock=clock, seed=3)
        ana, ion, eva = players(app)
        assert await pass_deadline(app, clock, 10) == ""
        await eva.say(right(second))
        out = await pass_deadline(app, clock, 20)
        assert "Right: Ion, Eva" in out and "Question 3 of 3" in out
    finally:
        await app.stop()


async def test_two_hundred_players_answer_at_once_and_each_counts_once(app: App) -> None:
    host = Chat(app, chat_id=GROUP, user_id="0", name="Host", group=True)
    await host.say("/question")
    r = await open_round(app, GROUP)

    def message(user: int, choice: str) -> Incoming:
        return Incoming(
            chat=ChatRef("console", GROUP),
            kind=ChatKind.GROUP,
            user=UserRef("console", f"u{user}", f"Player {user}"),
            text=f"/answer {choice}",
        )

    # Every player fires twice at the same moment (a double tap): half of them right, half wrong.
    batch = [message(u, right(r) if u % 2 else wrong(r)) for u in range(200)] * 2
    replies = await asyncio.gather(*(app.handle(m) for m in batch))
    assert await count(app, "SELECT count(*) FROM answers WHERE round_id = ?", r.id) == 200
    assert await count(app, "SELECT count(DISTINCT user_id) FROM answers WHERE round_id = ?", r.id) == 200
    assert await count(app, "SELECT sum(correct) FROM answers WHERE round_id = ?", r.id) == 100
    texts = [p.plain for rs in replies for m in rs for p in m.blocks if hasattr(p, "plain")]
    assert sum("is in" in t for t in texts) == 200
    assert sum("first answer counts" in t for t in texts) == 200


async def test_a_single_question_in_a_group_reveals_at_its_deadline(app: App, clock: FixedClock) -> None:
    ana, ion, _ = players(app)
    out = await ana.say("/question")
    assert "Question · 30 s to answer" in out
    assert "closes in 30 seconds" in await ion.say("/question")
    r = await open_round(app, GROUP)
    await ion.say(right(r))
    clock.advance(timedelta(seconds=31))
    assert "Too late" in await ana.say(f"/answer {right(r)}")
    assert await count(app, "SELECT count(*) FROM answers") == 1


async def test_in_a_private_chat_the_answer_comes_at_once(app: App, chat: Chat) -> None:
    out = await chat.say("/question")
    assert out.startswith("Question\n")
    r = await open_round(app, "1")
    out = await chat.say(wrong(r))
    assert f"Answer: {r.answer + 1}." in out and "It is now in your /study deck" in out
    await chat.say("/question")
    r = await open_round(app, "1")
    assert "You got it right!" in await chat.say(right(r))
    assert "No question is open" in await chat.say("/answer 1")


async def test_prompts_and_reveals_are_neutral_blocks_for_adapters(app: App) -> None:
    replies = await app.handle(
        Incoming(ChatRef("console", GROUP), ChatKind.GROUP, UserRef("console", "1", "Ana"), "/quiz 1")
    )
    prompt = replies[-1].blocks[0]
    assert isinstance(prompt, QuizPrompt)
    assert prompt.open_seconds == 30 and len(prompt.choices) == 4 and prompt.private_answers
    assert 0 <= prompt.correct < 4 and len(prompt.explanation) <= 200
    out = await app.tick(app.services.clock.now() + timedelta(seconds=30))
    reveal = out[0].reply.blocks[0]
    assert isinstance(reveal, QuizReveal) and reveal.round_id == prompt.round_id
    assert reveal.correct == prompt.correct


async def test_settings_change_the_answer_time_and_length(app: App, clock: FixedClock) -> None:
    ana, ion, _ = players(app)
    out = await ana.say("/settings")
    assert "Answer time: 30 seconds per question" in out and "Quiz length: 5 questions" in out
    assert "Only the group's admins" in await ion.say("/settings quiz-time 45")
    assert "stays open for 45 seconds" in await ana.say("/settings quiz-time 45")
    assert "asks 2 questions" in await ana.say("/settings quiz-length 2")
    assert "choose 10 to 120 seconds" in await ana.say("/settings quiz-time 5")
    assert "choose 10 to 120 seconds" in await ana.say("/settings quiz-time soon")
    assert "choose 1 to 20 questions" in await ana.say("/settings quiz-length 21")
    assert "Use /settings quiz-time" in await ana.say("/settings colour red")
    out = await ana.say("/quiz")
    assert "Quiz: 2 questions" in out and "· 45 s" in out
    assert "Question 2 of 2" in await pass_deadline(app, clock, 45)
