"""Small content trees written into tmp_path, for tests that need content they control."""

from pathlib import Path

TAGS = '- id: alliances\n  name: {en: "Alliances", ro: "Alianțe"}\n'
EVENT_1955 = (
    "- id: warsaw-pact-signed\n  date: 1955-05-14\n"
    '  title: {en: "Warsaw Pact signed", ro: "Semnarea Tratatului de la Varșovia"}\n'
    '  summary: {en: "Signed.", ro: "Semnat."}\n  tags: [alliances]\n'
    '  sources: ["https://example.org/w"]\n'
)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def one_event_tree(root: Path, **more: str) -> Path:
    """One tag and one event (the Warsaw Pact), plus any other files given by relative path."""
    return write(root, {"tags.yaml": TAGS, "events/1955.yaml": EVENT_1955, **more})
