"""Whatever a user types after /search, /date or /year, the bot answers and never fails."""

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
