"""Questions, lessons and the seed map: Telegram's limits, links that resolve, and coverage of the
source text, all reported in one run."""

from pathlib import Path

import pytest

from content.loader import content_root, load_content
from content.seed import coverage, find_seed_file, sentences
from tests.content.trees import EVENT_1955 as EVENT
from tests.content.trees import TAGS, write

GOOD_Q = """
- id: q-good
  events: [warsaw-pact-signed]
  question: {en: "Where was the Warsaw Pact signed?", ro: "Unde a fost semnat Tratatul de la Varșovia?"}
  choices: {en: ["Warsaw", "Moscow", "Prague"], ro: ["Varșovia", "Moscova", "Praga"]}
  answer: 0
  explanation: {en: "In Warsaw, on 14 May 1955.", ro: "La Varșovia, pe 14 mai 1955."}
  difficulty: 1
"""
BAD_Q = """
- id: q-bad
  events: [no-such-event]
  question: {en: "LONG_QUESTION", ro: "Ce?"}
  choices: {en: ["a", "b", "c"], ro: ["a", "b"]}
  answer: 3
  explanation: {en: "one\\ntwo\\nthree\\nfour", ro: "x"}
  difficulty: 4
- id: q-long-choice
  events: [warsaw-pact-signed]
  question: {en: "Q?", ro: "Î?"}
  choices: {en: ["LONG_CHOICE", "b"], ro: ["a", "a"]}
  answer: 0
  explanation: {en: "x", ro: "x"}
  difficulty: 1
- id: q-good
  events: [warsaw-pact-signed]
  question: {en: "dup", ro: "dup"}
  choices: {en: ["a", "b"], ro: ["a", "b"]}
  answer: 0
  explanation: {en: "x", ro: "x"}
  difficulty: 1
""".replace("LONG_QUESTION", "x" * 301).replace("LONG_CHOICE", "y" * 101)
LESSON = """
id: not-the-file-name
title: {en: "A lesson", ro: "O lecție"}
summary: {en: "About.", ro: "Despre."}
cards:
  - title: {en: "Card", ro: "Card"}
    points: {en: ["one", "two", "three", "four", "five"], ro: ["unu", "doi"]}
    events: [warsaw-pact-signed]
    questions: [q-missing]
  - title: {en: "Empty", ro: "Gol"}
    points: {en: ["one", "two"], ro: ["unu", "doi"]}
"""
SEED_MAP = """
source: seed.txt
statements:
  - quote: "a fost semnat la Varșovia"
    fact: {en: "Signed in Warsaw.", ro: "Semnat la Varșovia."}
    events: [warsaw-pact-signed]
    questions: [q-good]
  - quote: "this quote is not in the text"
    fact: {en: "x"}
    questions: [q-nope]
"""
SEED_TEXT = (
    "Tratatul a fost semnat la Varșovia în anul 1955, de opt state. "
    "O a doua propoziție, destul de lungă, care nu are niciun citat în harta sursei.\n"
)


def test_every_problem_of_questions_lessons_and_seed_map_is_listed(tmp_path: Path) -> None:
    root = write(
        tmp_path / "content",
        {
            "tags.yaml": TAGS,
            "events/1955.yaml": EVENT,
            "quiz/good.yaml": GOOD_Q,
            "quiz/bad.yaml": BAD_Q,
            "lessons/a-lesson.yaml": LESSON,
            "seed-map.yaml": SEED_MAP,
        },
    )
    seed = tmp_path / "seed.txt"
    seed.write_text(SEED_TEXT, encoding="utf-8")
    result = load_content(root, seed_file=seed)
    found = {(e.file, e.item, e.field) for e in result.errors}
    expected = {
        ("quiz/bad.yaml", "q-bad", "events"),  # unknown event
        ("quiz/bad.yaml", "q-bad", "question"),  # over Telegram's 300
        ("quiz/bad.yaml", "q-bad", "choices"),  # 3 vs 2
        ("quiz/bad.yaml", "q-bad", "explanation"),  # line breaks
        ("quiz/bad.yaml", "q-bad", "difficulty"),
        ("quiz/bad.yaml", "q-long-choice", "choices"),
        ("quiz/good.yaml", "q-good", "id"),  # the duplicate, reported where it is used again
        ("lessons/a-lesson.yaml", "not-the-file-name", "cards.1.questions"),
        ("lessons/a-lesson.yaml", "not-the-file-name", "cards.0.points"),
        ("lessons/a-lesson.yaml", "not-the-file-name", "cards.1"),
        ("seed-map.yaml", "statement 2", "questions"),
        ("seed-map.yaml", "statement 2", "fact.ro"),
        ("seed-map.yaml", "this quote is not in the text", "quote"),
        ("seed-map.yaml", None, None),  # the second sentence has no quote
    }
    assert expected <= found, f"not reported: {expected - found}\nall: {sorted(map(str, found))}"
    assert result.seed_checked


def test_a_valid_tree_with_a_question_and_a_lesson(tmp_path: Path) -> None:
    lesson = LESSON.replace("not-the-file-name", "a-lesson").replace(', "four", "five"', "")
    lesson = lesson.replace("q-missing", "q-good").replace(
        '    points: {en: ["one", "two"], ro: ["unu", "doi"]}\n',
        '    points: {en: ["one", "two"], ro: ["unu", "doi"]}\n    questions: [q-good]\n',
    )
    root = write(
        tmp_path / "content",
        {
            "tags.yaml": TAGS,
            "events/1955.yaml": EVENT,
            "quiz/good.yaml": GOOD_Q,
            "lessons/a-lesson.yaml": lesson,
        },
    )
    result = load_content(root, seed_file=None)
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts()["quiz_questions"] == 1 and result.counts()["lessons"] == 1


def test_sentences_do_not_break_at_initials() -> None:
    text = (
        "Guvernul a fost de acord cu liderul cubanez F. Castro cu privire la rachete. "
        "Apoi discuțiile directe dintre JF Kennedy și N.S. Hrușciov."
    )
    assert sentences(text) == [
        "Guvernul a fost de acord cu liderul cubanez F. Castro cu privire la rachete.",
        "Apoi discuțiile directe dintre JF Kennedy și N.S. Hrușciov.",
    ]
    assert coverage(text, ["liderul cubanez F. Castro", "missing"]) == (["missing"], [sentences(text)[1]])


def test_the_shipped_seed_map_covers_every_sentence_of_the_source_text() -> None:
    seed = find_seed_file()
    if seed is None:
        pytest.skip("../shared/seed/ is not beside this checkout, so the source text cannot be read")
    if not (content_root() / "seed-map.yaml").exists():
        pytest.fail("content/seed-map.yaml is missing")
    result = load_content(seed_file=seed)
    seed_errors = [str(e) for e in result.errors if e.file == "seed-map.yaml"]
    assert not seed_errors, "\n".join(seed_errors)
