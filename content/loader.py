"""Load and validate every content file, collecting *all* problems in one pass so an author fixes
them in one round instead of one error per run."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ValidationError

from content.schema import LANGUAGES, Event, Lesson, Question, SeedMap, Tag
from content.seed import coverage, find_seed_file

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's loader is much faster


class _Loader(_Base):  # type: ignore[misc]
    """Safe loading with dates left as text: PyYAML raises on an impossible date such as
    1955-02-30, which would hide every other error in the file; pydantic reports it per item."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }


@dataclass(frozen=True, slots=True)
class ContentError:
    file: str
    item: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.item:
            where += f" [{self.item}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class Content:
    events: list[Event] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)
    seed_map: SeedMap | None = None


@dataclass(slots=True)
class LoadResult:
    content: Content
    errors: list[ContentError]
    missing_language: int
    """Items with at least one language missing (each also reported as an error)."""
    seed_checked: bool = False
    """Whether the source text was found, so the seed map's coverage of it was checked."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        per_day = Counter((e.date.month, e.date.day) for e in self.content.events)
        return {
            "events": len(self.content.events),
            "calendar_days_covered": len(per_day),
            "calendar_days": 366,
            "days_with_two_or_more": sum(1 for n in per_day.values() if n >= 2),
            "quiz_questions": len(self.content.questions),
            "lessons": len(self.content.lessons),
            "seed_statements": len(self.content.seed_map.statements) if self.content.seed_map else 0,
            "tags": len(self.content.tags),
            "items_missing_a_language": self.missing_language,
        }


def content_root() -> Path:
    """The folder holding the YAML, inside the installed package (so a wheel finds it too)."""
    return Path(str(resources.files("content")))


def content_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def content_digest(root: Path | None = None) -> str:
    """A hash of every content file's path and bytes: content is reloaded only when it changes."""
    root = root or content_root()
    digest = hashlib.sha256()
    for path in content_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _field(loc: tuple[int | str, ...]) -> str | None:
    return ".".join(str(part) for part in loc) or None


def _validate(
    model: type[BaseModel], raw: Any, file: str, index: int, errors: list[ContentError]
) -> Any | None:
    label = _label(raw, index)
    if not isinstance(raw, dict):
        errors.append(ContentError(file, label, None, "must be a mapping of fields"))
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(ContentError(file, label, _field(err["loc"]), err["msg"]))
        return None


def _read_list(path: Path, rel: str, errors: list[ContentError]) -> list[Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.append(ContentError(rel, None, None, f"is not valid YAML: {exc}"))
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        errors.append(ContentError(rel, None, None, "must be a YAML list of items"))
        return []
    return data


def _missing_languages(file: str, label: str, raw: Any, fields: tuple[str, ...]) -> list[ContentError]:
    """Read from the raw item, so a missing translation is reported even when the item has other
    errors that stop it validating."""
    found: list[ContentError] = []
    if not isinstance(raw, dict):
        return found
    for name in fields:
        value = raw.get(name)
        if not isinstance(value, dict):
            continue
        for lang in LANGUAGES:
            if value.get(lang) is None:
                found.append(
                    ContentError(file, label, f"{name}.{lang}", "is missing: every text needs en and ro")
                )
    return found


def _label(raw: Any, index: int) -> str:
    item = raw.get("id") if isinstance(raw, dict) else None
    return str(item) if item is not None else f"item {index + 1}"


class _Load:
    """One pass over a content tree; every problem goes to ``errors``."""

    def __init__(self, root: Path, seed_file: Path | None, require_seed_map: bool) -> None:
        self.root = root
        self.seed_file = seed_file
        self.require_seed_map = require_seed_map
        self.errors: list[ContentError] = []
        self.content = Content()
        self.missing = 0

    def _languages(self, file: str, label: str, raw: Any, fields: tuple[str, ...]) -> None:
        problems = _missing_languages(file, label, raw, fields)
        self.missing += bool(problems)
        self.errors.extend(problems)

    def _refs(self, file: str, item: str, name: str, ids: Any, known: set[str], what: str) -> None:
        for ref in ids if isinstance(ids, list) else ():
            if isinstance(ref, str) and ref not in known:
                self.errors.append(ContentError(file, item, name, f"unknown {what} id {ref!r}"))

    def run(self) -> LoadResult:
        root = self.root
        known_files = (
            {root / "tags.yaml", root / "seed-map.yaml"}
            | set((root / "events").glob("*.yaml"))
            | set((root / "quiz").glob("*.yaml"))
            | set((root / "lessons").glob("*.yaml"))
        )
        for path in content_files(root):
            if path not in known_files:
                rel = path.relative_to(root).as_posix()
                self.errors.append(ContentError(rel, None, None, "is not a known content file"))
        self.tags()
        self.events()
        self.questions()
        self.lessons()
        self.seed_map()
        self.content.events.sort(key=lambda e: (e.date, e.id))
        return LoadResult(self.content, self.errors, self.missing, self.seed_file is not None)

    def tags(self) -> None:
        tags_path = self.root / "tags.yaml"
        if not tags_path.exists():
            self.errors.append(ContentError("tags.yaml", None, None, "is missing"))
            return
        for i, raw in enumerate(_read_list(tags_path, "tags.yaml", self.errors)):
            tag = _validate(Tag, raw, "tags.yaml", i, self.errors)
            self._languages("tags.yaml", _label(raw, i), raw, ("name",))
            if tag is not None:
                self.content.tags.append(tag)
        tag_ids = Counter(t.id for t in self.content.tags)
        for dup in sorted(t for t, n in tag_ids.items() if n > 1):
            self.errors.append(ContentError("tags.yaml", dup, "id", "is declared twice"))

    def events(self) -> None:
        known_tags = {t.id for t in self.content.tags}
        seen: dict[str, str] = {}
        for path in sorted((self.root / "events").glob("*.yaml")):
            rel = path.relative_to(self.root).as_posix()
            file_year = path.stem
            if not (file_year.isdigit() and len(file_year) == 4):
                self.errors.append(
                    ContentError(rel, None, None, "event files are named by year, e.g. 1955.yaml")
                )
            for i, raw in enumerate(_read_list(path, rel, self.errors)):
                label = _label(raw, i)
                if not self._first_use(raw, rel, label, seen):
                    continue
                self._languages(rel, label, raw, ("title", "summary"))
                if isinstance(raw, dict):
                    self._refs(rel, label, "tags", raw.get("tags"), known_tags, "tag")
                event = _validate(Event, raw, rel, i, self.errors)
                if event is None:
                    continue
                if file_year.isdigit() and event.date.year != int(file_year):
                    self.errors.append(
                        ContentError(rel, event.id, "date", f"{event.date} does not belong in {path.name}")
                    )
                self.content.events.append(event)

    def _first_use(self, raw: Any, rel: str, label: str, seen: dict[str, str]) -> bool:
        """Record an item's id; a second use of it is an error and the item is skipped."""
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            if raw["id"] in seen:
                self.errors.append(ContentError(rel, label, "id", f"is already used in {seen[raw['id']]}"))
                return False
            seen[raw["id"]] = rel
        return True

    def questions(self) -> None:
        event_ids = {e.id for e in self.content.events}
        seen: dict[str, str] = {}
        for path in sorted((self.root / "quiz").glob("*.yaml")):
            rel = path.relative_to(self.root).as_posix()
            for i, raw in enumerate(_read_list(path, rel, self.errors)):
                label = _label(raw, i)
                if not self._first_use(raw, rel, label, seen):
                    continue
                self._languages(rel, label, raw, ("question", "choices", "explanation"))
                if isinstance(raw, dict):
                    self._refs(rel, label, "events", raw.get("events"), event_ids, "event")
                question = _validate(Question, raw, rel, i, self.errors)
                if question is not None:
                    self.content.questions.append(question)

    def lessons(self) -> None:
        event_ids = {e.id for e in self.content.events}
        question_ids = {q.id for q in self.content.questions}
        for path in sorted((self.root / "lessons").glob("*.yaml")):
            rel = path.relative_to(self.root).as_posix()
            raw = _read_mapping(path, rel, self.errors)
            if raw is None:
                continue
            label = _label(raw, 0)
            self._languages(rel, label, raw, ("title", "summary"))
            for n, card in enumerate(raw.get("cards") or [], 1):
                if isinstance(card, dict):
                    self._languages(rel, label, card, ("title", "points"))
                    self._refs(rel, label, f"cards.{n}.events", card.get("events"), event_ids, "event")
                    self._refs(
                        rel, label, f"cards.{n}.questions", card.get("questions"), question_ids, "question"
                    )
            lesson = _validate(Lesson, raw, rel, 0, self.errors)
            if lesson is None:
                continue
            if lesson.id != path.stem:
                self.errors.append(
                    ContentError(rel, lesson.id, "id", f"must match the file name ({path.stem})")
                )
            self.content.lessons.append(lesson)

    def seed_map(self) -> None:
        path = self.root / "seed-map.yaml"
        if not path.exists():
            if self.require_seed_map:
                self.errors.append(
                    ContentError("seed-map.yaml", None, None, "is missing: it maps the source text")
                )
            return
        raw = _read_mapping(path, "seed-map.yaml", self.errors)
        if raw is None:
            return
        event_ids = {e.id for e in self.content.events}
        question_ids = {q.id for q in self.content.questions}
        for n, statement in enumerate(raw.get("statements") or [], 1):
            if isinstance(statement, dict):
                label = f"statement {n}"
                self._languages("seed-map.yaml", label, statement, ("fact",))
                self._refs("seed-map.yaml", label, "events", statement.get("events"), event_ids, "event")
                self._refs(
                    "seed-map.yaml", label, "questions", statement.get("questions"), question_ids, "question"
                )
        seed_map = _validate(SeedMap, raw, "seed-map.yaml", 0, self.errors)
        if seed_map is None:
            return
        self.content.seed_map = seed_map
        if self.seed_file is None:
            return
        text = self.seed_file.read_text(encoding="utf-8")
        missing, uncovered = coverage(text, [s.quote for s in seed_map.statements])
        for quote in missing:
            self.errors.append(
                ContentError("seed-map.yaml", quote[:50], "quote", "is not in the source text verbatim")
            )
        for sentence in uncovered:
            self.errors.append(
                ContentError(
                    "seed-map.yaml", None, None, f"no statement quotes this sentence: {sentence[:120]!r}"
                )
            )


def _read_mapping(path: Path, rel: str, errors: list[ContentError]) -> dict[str, Any] | None:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        errors.append(ContentError(rel, None, None, f"is not valid YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        errors.append(ContentError(rel, None, None, "must be a YAML mapping"))
        return None
    return data


_AUTO = Path()


def load_content(
    root: Path | None = None, seed_file: Path | None = _AUTO, *, require_seed_map: bool | None = None
) -> LoadResult:
    """Load every file under ``root`` (default: the shipped content, which must have a seed map).
    The seed map's coverage of the source text is checked when the text is found (``../shared/seed/``
    or ``$COLDWAR_SEED_FILE``); pass ``seed_file=None`` to skip that."""
    if seed_file is _AUTO:
        seed_file = find_seed_file()
    if require_seed_map is None:
        require_seed_map = root is None
    return _Load(root or content_root(), seed_file, require_seed_map).run()
