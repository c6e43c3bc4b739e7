"""The loader reports every problem in one run: file, item id, field and reason."""

from pathlib import Path

from content.loader import load_content
from tests.content.trees import one_event_tree, write

TAGS = """
- id: alliances
  name: {en: "Alliances", ro: "Alianțe"}
- id: nuclear
  name: {en: "Nuclear"}
"""

EVENTS_1955 = """
- id: warsaw-pact-signed
  date: 1955-05-14
  title: {en: "Warsaw Pact signed", ro: "Semnarea Tratatului de la Varşovia"}
  summary: {en: "Signed in Warsaw."}
  tags: [alliances, made-up]
  sources: ["https://example.org/warsaw"]
- id: Bad Id
  date: 1955-02-30
  title: {en: "x", ro: "y"}
  summary: {en: "x", ro: "y"}
  tags: []
  sources: []
- id: wrong-year
  date: 1956-01-01
  title: {en: "LONG_TITLE", ro: "y"}
  summary: {en: "x", ro: "y"}
  tags: [nuclear]
  sources: ["not a url"]
  extra: 1
- id: warsaw-pact-signed
  date: 1955-05-14
  title: {en: "dup", ro: "dup"}
  summary: {en: "dup", ro: "dup"}
  tags: [alliances]
  sources: ["https://example.org"]
"""


EVENTS_1955 = EVENTS_1955.replace("LONG_TITLE", "x" * 121)


def test_all_errors_are_listed_at_once(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "tags.yaml": TAGS,
            "events/1955.yaml": EVENTS_1955,
            "events/1960.yaml": "- [not, a, mapping]\n",
            "events/notes.yaml": "[]\n",
            "stray.yaml": "[]\n",
        },
    )
    result = load_content(root)
    found = {(e.file, e.item, e.field) for e in result.errors}
    expected = {
        ("tags.yaml", "nuclear", "name.ro"),
        ("events/1955.yaml", "warsaw-pact-signed", "title.ro"),  # cedilla
        ("events/1955.yaml", "warsaw-pact-signed", "summary.ro"),  # missing
        ("events/1955.yaml", "warsaw-pact-signed", "tags"),  # unknown tag
        ("events/1955.yaml", "Bad Id", "id"),
        ("events/1955.yaml", "Bad Id", "date"),
        ("events/1955.yaml", "Bad Id", "tags"),
        ("events/1955.yaml", "Bad Id", "sources"),
        ("events/1955.yaml", "wrong-year", "sources.0"),
        ("events/1955.yaml", "wrong-year", "title"),  # too long
        ("events/1955.yaml", "wrong-year", "extra"),
        ("events/1955.yaml", "warsaw-pact-signed", "id"),  # duplicate id
        ("events/1960.yaml", "item 1", None),
        ("events/notes.yaml", None, None),
        ("stray.yaml", None, None),
    }
    assert expected <= found, f"not reported: {expected - found}"
    assert result.missing_language == 2  # the tag and the first event
    assert not result.ok


def test_a_valid_tree_loads_with_counts(tmp_path: Path) -> None:
    result = load_content(one_event_tree(tmp_path))
    assert result.ok, result.errors
    assert result.counts()["events"] == 1
    assert result.counts()["calendar_days_covered"] == 1


def test_a_wrong_year_file_and_unparsable_yaml_are_reported(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "tags.yaml": '- id: alliances\n  name: {en: "A", ro: "A"}\n',
            "events/1956.yaml": (
                "- id: x-event\n  date: 1955-05-14\n  title: {en: a, ro: a}\n  summary: {en: a, ro: a}\n"
                "  tags: [alliances]\n  sources: ['https://example.org/a']\n"
            ),
            "events/1957.yaml": "- id: [unclosed\n",
        },
    )
    errors = {(e.file, e.item, e.field) for e in load_content(root).errors}
    assert ("events/1956.yaml", "x-event", "date") in errors
    assert ("events/1957.yaml", None, None) in errors
