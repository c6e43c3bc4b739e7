"""What ``/quiz [N] [filter]`` understands, and which questions each filter lets a quiz ask."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.app import App
from bot.core.quiz.filters import ParseError, QuizFilter, QuizRequest, parse_filter, parse_quiz_args
from bot.core.quiz.questions import CURATED_PREFIX, GENERATED_KINDS
from content.schema import FIRST_YEAR, LAST_YEAR
from storage.content import Catalog


@pytest.fixture
async def catalog(app: App) -> Catalog:
    return await app.services.content.catalog()


def years(first: int, last: int) -> QuizFilter:
    return QuizFilter("years", first=first, last=last)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", QuizRequest(None, QuizFilter())),
        ("   ", QuizRequest(None, QuizFilter())),
        ("5", QuizRequest(5, QuizFilter())),
        ("5 1955-1963", QuizRequest(5, years(1955, 1963))),
        ("1955-1963 5", QuizRequest(5, years(1955, 1963))),
        ("10 nuclear", QuizRequest(10, QuizFilter("tag", "nuclear"))),
        ("nuclear 10", QuizRequest(10, QuizFilter("tag", "nuclear"))),
        ("1962", QuizRequest(None, years(1962, 1962))),
        ("5 1962", QuizRequest(5, years(1962, 1962))),
        ("1960s", QuizRequest(None, years(1960, 1969))),
        ("1940s", QuizRequest(None, years(FIRST_YEAR, 1949))),
        ("1963-1955", QuizRequest(None, years(1955, 1963))),
        ("20 1985–1991", QuizRequest(20, years(1985, LAST_YEAR))),
    ],
)
async def test_a_user_asks_for_a_quiz_in_the_words_they_would_use(
    catalog: Catalog, args: str, expected: QuizRequest
) -> None:
    """A length and a filter in either order; a four-digit number in the Cold War is a year, never a
    length, so "/quiz 1962" asks about 1962 rather than for 1,962 questions."""
    assert parse_quiz_args(args, catalog) == expected


@pytest.mark.parametrize("args", ["0", "500", "-3", "21", "+21", "12345", "0 nuclear", "nuclear 100"])
async def test_a_length_outside_one_to_twenty_is_refused_with_the_allowed_range(
    catalog: Catalog, args: str
) -> None:
    """The reply can tell the user what to type instead."""
    found = parse_quiz_args(args, catalog)
    assert isinstance(found, ParseError)
    assert found.key == "quiz.bad_length"
    assert (found.values["min"], found.values["max"]) == (1, 20)


@pytest.mark.parametrize(
    "args", ["1930-1950", "1990-2000", "1930s", "1944", "1992", "5 1944", "1992 5", "2500"]
)
async def test_years_outside_the_cold_war_are_refused_as_years(catalog: Catalog, args: str) -> None:
    """ "/quiz 1944" is plainly a year, alone or after a length: the reply names the years covered
    (as /year does) rather than calling it a bad number of questions."""
    found = parse_quiz_args(args, catalog)
    assert isinstance(found, ParseError)
    assert found.key == "quiz.bad_year"
    assert (found.values["first"], found.values["last"]) == (FIRST_YEAR, LAST_YEAR)


async def test_words_that_name_nothing_are_refused_not_guessed(catalog: Catalog) -> None:
    """An unknown filter is an error (with suggestions when something is close), never a quiz about
    a topic the user did not ask for."""
    found = parse_quiz_args("abc", catalog)
    assert isinstance(found, ParseError)
    assert found.key in ("quiz.unknown_filter", "quiz.unknown_filter_suggest")
    assert found.values["given"] == "abc"


@pytest.mark.parametrize(
    ("args", "tag"),
    [
        ("Arme nucleare", "nuclear"),
        ("arme nucleare", "nuclear"),
        ("ARME NUCLEARE", "nuclear"),
        ("Nuclear weapons", "nuclear"),
        ("Controlul armamentelor și dezarmare", "disarmament"),
        ("controlul armamentelor si dezarmare", "disarmament"),
        ("Cursa spațială", "space"),
        ("cursa spatiala", "space"),
        ("arms race", "arms-race"),
    ],
)
async def test_a_tag_is_found_by_its_name_in_either_language_with_or_without_diacritics(
    catalog: Catalog, args: str, tag: str
) -> None:
    """Romanian users often type without ș and ț; the name must still find the tag."""
    assert parse_quiz_args(args, catalog) == QuizRequest(None, QuizFilter("tag", tag))


async def test_the_start_of_a_lesson_id_is_enough_to_pick_the_lesson(catalog: Catalog) -> None:
    (korea,) = [lesson_id for lesson_id in catalog.lessons if lesson_id.startswith("korea")]
    assert parse_quiz_args("korea", catalog) == QuizRequest(None, QuizFilter("lesson", korea))
    assert parse_quiz_args("3 Korea", catalog) == QuizRequest(3, QuizFilter("lesson", korea))


async def test_a_stored_filter_reads_back_as_the_same_filter(catalog: Catalog) -> None:
    """A game stores its filter as ``canonical`` and buttons carry it: parsing it again must give
    back the very same filter, for every tag, every lesson, every year and a range of ranges."""
    filters = [
        QuizFilter(),
        *(QuizFilter("tag", tag) for tag in catalog.tag_names),
        *(QuizFilter("lesson", lesson) for lesson in catalog.lessons),
        *(years(y, y) for y in range(FIRST_YEAR, LAST_YEAR + 1)),
        years(FIRST_YEAR, LAST_YEAR),
        years(1955, 1963),
        years(1960, 1969),
        years(1990, 1991),
    ]
    failures = [
        f"{f} -> {f.canonical!r} -> {back}"
        for f in filters
        if (back := parse_filter(f.canonical, catalog)) != f
    ]
    assert not failures, "\n".join(failures)


def generated(pool: list[str]) -> list[tuple[str, str]]:
    """The (kind, event id) of each generated key in a pool."""
    out = []
    for key in pool:
        if not key.startswith(CURATED_PREFIX):
            kind, _, event_id = key.partition(":")
            assert kind in GENERATED_KINDS, key
            out.append((kind, event_id))
    return out


def curated(pool: list[str]) -> list[str]:
    return [key for key in pool if key.startswith(CURATED_PREFIX)]


async def test_a_year_range_quiz_asks_only_about_those_years(catalog: Catalog) -> None:
    """Every event in the range is asked about in every kind, and a curated question belongs when it
    is about at least one event in the range."""
    pool = years(1955, 1963).pool(catalog)
    in_range = {e.id for e in catalog.events if 1955 <= e.day.year <= 1963}
    outside = [f"{kind}:{e}" for kind, e in generated(pool) if e not in in_range]
    assert not outside, outside
    assert set(generated(pool)) == {(kind, e) for e in in_range for kind in GENERATED_KINDS}
    linked = {q for q, events in catalog.question_events.items() if in_range.intersection(events)}
    assert set(curated(pool)) == linked
    assert linked, "the shipped corpus has curated questions about 1955–1963"


async def test_a_tag_quiz_asks_only_about_events_with_that_tag(catalog: Catalog) -> None:
    failures: list[str] = []
    for tag in catalog.tag_names:
        pool = QuizFilter("tag", tag).pool(catalog)
        failures += [f"{tag}: {kind}:{e}" for kind, e in generated(pool) if tag not in catalog.by_id[e].tags]
        tagged = {e.id for e in catalog.events if tag in e.tags}
        if {e for _, e in generated(pool)} != tagged:
            failures.append(f"{tag}: pool misses events with the tag")
    assert not failures, "\n".join(failures)


async def test_a_lesson_quiz_asks_every_question_its_cards_list(catalog: Catalog) -> None:
    """The author put these questions on the lesson's cards: a quiz on the lesson must be able to ask
    each of them, and about each event the cards teach."""
    failures: list[str] = []
    for lesson_id, lesson in catalog.lessons.items():
        pool = QuizFilter("lesson", lesson_id).pool(catalog)
        missing = [q for q in lesson.question_ids if q not in pool]
        missing += [
            f"{kind}:{e}" for e in lesson.event_ids for kind in GENERATED_KINDS if f"{kind}:{e}" not in pool
        ]
        if missing:
            failures.append(f"{lesson_id}: misses {missing}")
    assert not failures, "\n".join(failures)


async def test_the_whole_corpus_pool_offers_each_question_once(catalog: Catalog) -> None:
    pool = QuizFilter().pool(catalog)
    duplicates = sorted(key for key, n in Counter(pool).items() if n > 1)
    assert not duplicates, duplicates
    assert set(curated(pool)) == set(catalog.question_events)
    assert len(generated(pool)) == len(catalog.events) * len(GENERATED_KINDS)
