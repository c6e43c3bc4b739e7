"""Quiz questions, generated and curated, checked over the whole shipped corpus.

Every event yields a question of each generated kind, so a rule that fails for one event fails for
a user sooner or later: each test walks every event (it takes well under a second) and lists every
failure at once, so one run shows the whole extent of a problem.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.app import App
from bot.core.quiz.questions import GENERATED_KINDS, QuestionMaker, QuizQuestion, seed_of
from content.schema import (
    CHOICE_MAX,
    EXPLANATION_MAX,
    EXPLANATION_MAX_LINE_BREAKS,
    QUESTION_MAX,
)
from storage.content import Catalog, ContentStore, EventBrief

LANGS = ("en", "ro")


def generated_keys(catalog: Catalog) -> Iterator[str]:
    for event in catalog.events:
        for kind in GENERATED_KINDS:
            yield f"{kind}:{event.id}"


def anchor_of(key: str, catalog: Catalog) -> EventBrief:
    return catalog.by_id[key.partition(":")[2]]


def report(failures: list[str]) -> str:
    return f"{len(failures)} failure(s):\n" + "\n".join(failures)


async def all_generated(app: App) -> tuple[Catalog, dict[str, QuizQuestion | None]]:
    catalog = await app.services.content.catalog()
    maker = app.services.quiz.maker
    return catalog, {key: await maker.make(key) for key in generated_keys(catalog)}


def limit_problems(q: QuizQuestion) -> list[str]:
    """What would stop Telegram from sending the question as a native quiz poll."""
    problems: list[str] = []
    for lang in LANGS:
        text, choices, explanation = q.text.get(lang), q.choices.get(lang), q.explanation.get(lang)
        if not text or not choices or not explanation:
            problems.append(f"{lang}: text, choices or explanation missing")
            continue
        if len(text) > QUESTION_MAX:
            problems.append(f"{lang}: question has {len(text)} characters")
        for choice in choices:
            if len(choice) > CHOICE_MAX:
                problems.append(f"{lang}: choice {choice[:30]!r}… has {len(choice)} characters")
        if len(explanation) > EXPLANATION_MAX:
            problems.append(f"{lang}: explanation has {len(explanation)} characters")
        if explanation.count("\n") > EXPLANATION_MAX_LINE_BREAKS:
            problems.append(f"{lang}: explanation has too many line breaks")
    return problems


async def choice_order_problems(content: ContentStore, q: QuizQuestion) -> list[str]:
    """Each choice must be the title (perhaps shortened, perhaps with its year) of the event at the
    same place in ``q.events``: that is what makes the recorded answer the right one."""
    records = await content.events_by_ids(list(q.events))
    problems: list[str] = []
    for lang in LANGS:
        if len(q.choices[lang]) != len(q.events) or set(q.events) - records.keys():
            problems.append(f"{lang}: choices {q.choices[lang]} do not match events {q.events}")
            continue
        for i, (choice, event_id) in enumerate(zip(q.choices[lang], q.events, strict=True)):
            title = records[event_id].title.get(lang) or records[event_id].title["en"]
            shown = choice.removesuffix("…").rstrip()
            if not (title.startswith(shown) or shown.startswith(title)):
                problems.append(f"{lang} choice {i} {choice!r} is not the title of {event_id}")
    return problems


async def test_every_event_gives_a_sendable_question_of_every_kind(app: App) -> None:
    """A quiz draws any event and any kind; each must become a poll Telegram accepts: four distinct
    choices in both languages, the answer among them, every text within Telegram's limits, and a
    source the user can follow."""
    _, questions = await all_generated(app)
    assert len(questions) > 2_000, "the shipped corpus should have about a thousand events"
    failures: list[str] = []
    for key, q in questions.items():
        if q is None:
            failures.append(f"{key}: no question")
            continue
        problems = limit_problems(q)
        for lang in LANGS:
            choices = q.choices.get(lang, ())
            if len(choices) != 4:
                problems.append(f"{lang}: {len(choices)} choices")
            if len(set(choices)) != len(choices):
                problems.append(f"{lang}: repeated choice in {choices}")
        if not 0 <= q.answer < 4:
            problems.append(f"answer index {q.answer}")
        if not q.sources:
            problems.append("no source URL")
        if q.key != key:
            problems.append(f"key reads {q.key!r}")
        failures += [f"{key}: {p}" for p in problems]
    assert not failures, report(failures)


async def test_a_date_question_has_exactly_one_event_on_the_date_it_asks_about(app: App) -> None:
    """'What happened on 10 May 1948?' is fair only if just one of the four events happened then,
    and the choices name the events in the order the question records them."""
    catalog, questions = await all_generated(app)
    content = app.services.content
    failures: list[str] = []
    for key, q in questions.items():
        if not key.startswith("date:") or q is None:
            continue
        anchor = anchor_of(key, catalog)
        days = [catalog.by_id[e].day for e in q.events]
        on_the_day = [e for e, day in zip(q.events, days, strict=True) if day == anchor.day]
        if len(q.events) != 4 or q.events[q.answer] != anchor.id or on_the_day != [anchor.id]:
            failures.append(f"{key}: events {q.events} on {days}, answer {q.answer}")
        for lang in LANGS:
            asked = app.services.i18n[lang].date(anchor.day)
            if asked not in q.text[lang]:
                failures.append(f"{key}: {lang} text {q.text[lang]!r} does not name {asked}")
        failures += [f"{key}: {p}" for p in await choice_order_problems(content, q)]
    assert not failures, report(failures)


async def test_a_which_came_first_question_has_one_strictly_earliest_event(app: App) -> None:
    """'Which came first?' has no right answer if two choices happened the same day."""
    catalog, questions = await all_generated(app)
    content = app.services.content
    failures: list[str] = []
    for key, q in questions.items():
        if not key.startswith("first:") or q is None:
            continue
        days = [catalog.by_id[e].day for e in q.events]
        right = days[q.answer]
        others = [d for i, d in enumerate(days) if i != q.answer]
        if len(q.events) != 4 or anchor_of(key, catalog).id not in q.events:
            failures.append(f"{key}: events {q.events}")
        if not all(right < d for d in others):
            failures.append(f"{key}: answer {q.answer} on {right}, others on {others}")
        failures += [f"{key}: {p}" for p in await choice_order_problems(content, q)]
    assert not failures, report(failures)


async def test_a_year_question_offers_distinct_years_and_only_one_is_right(app: App) -> None:
    """'In what year…' offers four different years in order, and only the event's own year is right."""
    catalog, questions = await all_generated(app)
    failures: list[str] = []
    for key, q in questions.items():
        if not key.startswith("year:") or q is None:
            continue
        year = anchor_of(key, catalog).day.year
        for lang in LANGS:
            labels = q.choices[lang]
            if not all(label.isdigit() for label in labels):
                failures.append(f"{key}: {lang} choices {labels} are not years")
                continue
            years = [int(label) for label in labels]
            right = [i for i, y in enumerate(years) if y == year]
            if len(set(years)) != len(years) or right != [q.answer] or years != sorted(years):
                failures.append(f"{key}: {lang} years {years}, answer {q.answer}, event in {year}")
        if q.events != (anchor_of(key, catalog).id,):
            failures.append(f"{key}: events {q.events}")
    assert not failures, report(failures)


async def test_the_same_key_always_gives_the_same_question(app: App) -> None:
    """A question asked before a restart, or saved in a study deck, must read the same when it comes
    back: the key alone decides the choices and their order."""
    catalog, first = await all_generated(app)
    again = {key: await app.services.quiz.maker.make(key) for key in generated_keys(catalog)}
    fresh_maker = QuestionMaker(app.services.content, app.services.i18n)
    fresh = {key: await fresh_maker.make(key) for key in generated_keys(catalog)}
    failures = [key for key in first if not first[key] == again[key] == fresh[key]]
    assert not failures, report(failures)


async def test_the_seed_decides_a_generated_question(app: App) -> None:
    """``generate`` is a pure function of its seed: the same seed rebuilds the same question, and
    other seeds draw other choices (otherwise every quiz would look alike)."""
    catalog = await app.services.content.catalog()
    maker = app.services.quiz.maker
    anchor = catalog.by_id["warsaw-pact-signed"]
    for kind in GENERATED_KINDS:
        by_seed = [await maker.generate(kind, anchor, catalog, seed) for seed in range(12)]
        assert all(q is not None for q in by_seed)
        assert len({q.to_json() for q in by_seed if q}) > 1, f"{kind}: every seed gives the same"
        for seed, q in enumerate(by_seed):
            assert await maker.generate(kind, anchor, catalog, seed) == q
        key = f"{kind}:{anchor.id}"
        assert await maker.make(key) == await maker.generate(kind, anchor, catalog, seed_of(key))


async def test_every_curated_question_is_served_with_the_sources_of_its_events(app: App) -> None:
    """An author's question comes back as written, and its sources are the first source of each
    event it is about, in the author's order, without repeats."""
    content = app.services.content
    catalog = await content.catalog()
    maker = app.services.quiz.maker
    assert catalog.question_events, "the shipped corpus has curated questions"
    failures: list[str] = []
    for qid, event_ids in catalog.question_events.items():
        q = await maker.make(qid)
        record = await content.question(qid)
        if q is None or record is None:
            failures.append(f"{qid}: no question")
            continue
        events = await content.events_by_ids(list(event_ids))
        expected = tuple(dict.fromkeys(events[e].sources[0] for e in event_ids))
        if q.sources != expected or not q.sources:
            failures.append(f"{qid}: sources {q.sources}, expected {expected}")
        if q.events != event_ids or q.key != qid:
            failures.append(f"{qid}: key {q.key!r}, events {q.events}, expected {event_ids}")
        if (q.text, q.choices, q.answer, q.explanation) != (
            record.text,
            record.choices,
            record.answer,
            record.explanation,
        ):
            failures.append(f"{qid}: does not read as written")
        failures += [f"{qid}: {p}" for p in limit_problems(q)]
        if not 0 <= q.answer < len(q.choices["en"]) or len(q.choices["en"]) != len(q.choices["ro"]):
            failures.append(f"{qid}: answer {q.answer} of {len(q.choices['en'])} choices")
    assert not failures, report(failures)


async def test_a_question_survives_a_round_trip_through_json(app: App) -> None:
    """Games and study decks store questions as JSON; what comes back must equal what went in,
    Romanian letters included."""
    catalog, questions = await all_generated(app)
    maker = app.services.quiz.maker
    curated = [await maker.make(qid) for qid in catalog.question_events]
    every = [q for q in [*questions.values(), *curated] if q is not None]
    failures = [q.key for q in every if QuizQuestion.from_json(q.to_json()) != q]
    assert not failures, report(failures)
    sample = next(q for q in every if "ț" in q.to_json() or "ș" in q.to_json())
    assert "\\u" not in sample.to_json()


async def test_keys_the_content_no_longer_has_give_no_question(app: App) -> None:
    """A saved key whose event or question was removed, or that was never valid, is skipped, not
    an error."""
    maker = app.services.quiz.maker
    for key in ("year:no-such-event", "date:no-such-event", "first:", "bogus:x", "bogus", "", "q-no-such"):
        assert await maker.make(key) is None, key
