"""Whatever a user types after a command that takes arguments, the bot answers and never fails."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SyncBot

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FTS_NOISE = st.sampled_from(['"', "*", "(", ")", "AND", "OR", "NOT", "NEAR", "^", ":", "-", "+", "{", "}"])
ARGUMENT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(FTS_NOISE, st.text(max_size=8)), max_size=40).map(" ".join),
    st.text(min_size=3000, max_size=4000),
)


def answered(replies: list[str]) -> bool:
    return bool(replies) and all(r.strip() for r in replies) and not any("went wrong" in r for r in replies)


@SETTINGS
@given(ARGUMENT)
def test_search_always_answers(sync_bot: SyncBot, text: str) -> None:
    assert answered(sync_bot.say(f"/search {text}"))


@SETTINGS
@given(st.one_of(ARGUMENT, st.from_regex(r"\d{1,4}[-./ ]\d{1,2}([-./ ]\d{1,4})?", fullmatch=True)))
def test_date_always_answers(sync_bot: SyncBot, text: str) -> None:
    assert answered(sync_bot.say(f"/date {text}"))


@SETTINGS
@given(
    st.one_of(
        ARGUMENT,
        st.integers(-(10**12), 10**12).map(str),
        st.tuples(st.integers(), st.integers()).map(lambda t: f"{t[0]} {t[1]}"),
    )
)
def test_year_always_answers(sync_bot: SyncBot, text: str) -> None:
    assert answered(sync_bot.say(f"/year {text}"))


QUIZ_WORDS = st.sampled_from(
    ["5", "0", "20", "21", "1962", "1944", "1955-1963", "1960s", "nuclear", "korea", "-3"]
)


@SETTINGS
@given(st.one_of(ARGUMENT, st.lists(st.one_of(QUIZ_WORDS, st.text(max_size=6)), max_size=4).map(" ".join)))
def test_quiz_and_answer_always_answer(sync_bot: SyncBot, text: str) -> None:
    assert answered(sync_bot.say(f"/quiz {text}"))
    assert answered(sync_bot.say(f"/answer {text}"))
    assert answered(sync_bot.say("/stop"))


@SETTINGS
@given(st.one_of(ARGUMENT, st.lists(st.one_of(QUIZ_WORDS, st.text(max_size=6)), max_size=3).map(" ".join)))
def test_learn_study_and_settings_always_answer(sync_bot: SyncBot, text: str) -> None:
    assert answered(sync_bot.say(f"/learn {text}"))
    assert answered(sync_bot.say(f"/study add {text}"))
    assert answered(sync_bot.say(f"/settings {text}"))
    assert answered(sync_bot.say(f"/settings quiz-time {text}"))


@SETTINGS
@given(
    st.one_of(
        ARGUMENT,
        st.lists(
            st.sampled_from(["09:00", "25:99", "Europe/Bucharest", "Europe/Bucharst", "x/y", "9"]), max_size=3
        ).map(" ".join),
    )
)
def test_subscribe_and_timezone_always_answer(sync_bot: SyncBot, text: str) -> None:
    assert answered(sync_bot.say(f"/subscribe {text}"))
    assert answered(sync_bot.say(f"/timezone {text}"))
    assert answered(sync_bot.say("/digest"))
