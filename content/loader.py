"""Load and validate every content file, collecting *all* problems in one pass so an author fixes
them in one round instead of one error per run."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ValidationError

from content.schema import LANGUAGES, Event, Tag

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


@dataclass(slots=True)
class LoadResult:
    content: Content
    errors: list[ContentError]
    missing_language: int
    """Items with at least one language missing (each also reported as an error)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        days = {(e.date.month, e.date.day) for e in self.content.events}
        return {
            "events": len(self.content.events),
            "calendar_days_covered": len(days),
            "calendar_days": 366,
            "quiz_questions": 0,
            "lessons": 0,
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


def load_content(root: Path | None = None) -> LoadResult:
    root = root or content_root()
    errors: list[ContentError] = []
    content = Content()
    missing = 0
    known = {root / "tags.yaml"} | set((root / "events").glob("*.yaml"))

    for path in content_files(root):
        if path not in known:
            errors.append(
                ContentError(path.relative_to(root).as_posix(), None, None, "is not a known content file")
            )

    tags_path = root / "tags.yaml"
    if not tags_path.exists():
        errors.append(ContentError("tags.yaml", None, None, "is missing"))
    else:
        for i, raw in enumerate(_read_list(tags_path, "tags.yaml", errors)):
            tag = _validate(Tag, raw, "tags.yaml", i, errors)
            problems = _missing_languages("tags.yaml", _label(raw, i), raw, ("name",))
            missing += bool(problems)
            errors.extend(problems)
            if tag is not None:
                content.tags.append(tag)
    tag_ids = [t.id for t in content.tags]
    for dup in sorted({t for t in tag_ids if tag_ids.count(t) > 1}):
        errors.append(ContentError("tags.yaml", dup, "id", "is declared twice"))
    known_tags = set(tag_ids)

    seen: dict[str, str] = {}
    for path in sorted((root / "events").glob("*.yaml")):
        rel = path.relative_to(root).as_posix()
        file_year = path.stem
        if not (file_year.isdigit() and len(file_year) == 4):
            errors.append(ContentError(rel, None, None, "event files are named by year, e.g. 1955.yaml"))
        for i, raw in enumerate(_read_list(path, rel, errors)):
            label = _label(raw, i)
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                if raw["id"] in seen:
                    errors.append(ContentError(rel, label, "id", f"is already used in {seen[raw['id']]}"))
                    continue
                seen[raw["id"]] = rel
            problems = _missing_languages(rel, label, raw, ("title", "summary"))
            missing += bool(problems)
            errors.extend(problems)
            raw_tags = raw.get("tags") if isinstance(raw, dict) else None
            for tag in raw_tags if isinstance(raw_tags, list) else ():
                if isinstance(tag, str) and tag not in known_tags:
                    errors.append(ContentError(rel, label, "tags", f"unknown tag {tag!r} (see tags.yaml)"))
            event = _validate(Event, raw, rel, i, errors)
            if event is None:
                continue
            if file_year.isdigit() and event.date.year != int(file_year):
                errors.append(
                    ContentError(rel, event.id, "date", f"{event.date} does not belong in {path.name}")
                )
            content.events.append(event)

    content.events.sort(key=lambda e: (e.date, e.id))
    return LoadResult(content, errors, missing)
