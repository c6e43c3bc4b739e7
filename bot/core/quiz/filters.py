"""What ``/quiz [N] [filter]`` asks about: a tag, a lesson, a year or a range of years, and the
pool of question keys each filter allows."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.core.i18n import N_, Translator
from bot.core.quiz.questions import GENERATED_KINDS
from content.schema import FIRST_YEAR, LAST_YEAR
from storage.content import Catalog

MIN_LENGTH, MAX_LENGTH = 1, 20
_RANGE = re.compile(r"^(\d{4})\s*(?:-|–|—|\.\.|to|la)\s*(\d{4})$")
_NUMBER = re.compile(r"[-+]?\d{1,9}")
_DECADE = re.compile(r"^(\d{3})0s$|^anii\s*(\d{3})0$")


def fold(text: str) -> str:
    """Lowercase without diacritics, so "varsovia" finds "Varșovia" and "nucleare" finds "Nucleare"."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    ).strip()


@dataclass(frozen=True, slots=True)
class QuizFilter:
    kind: str = "all"
    """``all``, ``tag``, ``lesson`` or ``years``."""
    value: str = ""
    first: int = FIRST_YEAR
    last: int = LAST_YEAR

    @property
    def canonical(self) -> str:
        """How a game stores its filter, and how buttons name it."""
        if self.kind == "years":
            return f"{self.first}-{self.last}" if self.first != self.last else str(self.first)
        return self.value if self.kind in ("tag", "lesson") else ""

    def label(self, tr: Translator, catalog: Catalog) -> str:
        if self.kind == "tag":
            return catalog.tag_names.get(self.value, {}).get(tr.lang, self.value)
        if self.kind == "lesson":
            lesson = catalog.lessons.get(self.value)
            return lesson.title.get(tr.lang, self.value) if lesson else self.value
        if self.kind == "years":
            return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"
        return tr.t("quiz.filter.all")

    def pool(self, catalog: Catalog) -> list[str]:
        """Every question key this filter allows: curated ones first, then generated ones."""
        if self.kind == "tag":
            events = [e.id for e in catalog.events if self.value in e.tags]
        elif self.kind == "lesson":
            lesson = catalog.lessons.get(self.value)
            events = list(lesson.event_ids) if lesson else []
        elif self.kind == "years":
            events = [e.id for e in catalog.events if self.first <= e.day.year <= self.last]
        else:
            events = [e.id for e in catalog.events]
        wanted = set(events)
        curated = sorted(q for q, evs in catalog.question_events.items() if wanted.intersection(evs))
        if self.kind == "lesson" and self.value in catalog.lessons:
            extra = set(catalog.lessons[self.value].question_ids) & catalog.question_events.keys()
            curated = sorted(set(curated) | extra)
        return curated + [f"{kind}:{e}" for e in events for kind in GENERATED_KINDS]


@dataclass(frozen=True, slots=True)
class ParseError:
    key: str
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuizRequest:
    length: int | None
    filter: QuizFilter


def parse_filter(text: str, catalog: Catalog) -> QuizFilter | ParseError:
    """A tag, a lesson, a year, a decade or a range of years, as a user would type it."""
    folded = fold(text)
    if not folded:
        return QuizFilter()
    if folded.isdigit():
        year = int(folded)
        if FIRST_YEAR <= year <= LAST_YEAR:
            return QuizFilter("years", first=year, last=year)
        return ParseError(N_("quiz.bad_year"), {"given": text[:20], "first": FIRST_YEAR, "last": LAST_YEAR})
    if m := _RANGE.match(folded):
        first, last = sorted((int(m.group(1)), int(m.group(2))))
        if first < FIRST_YEAR or last > LAST_YEAR:
            return ParseError(
                N_("quiz.bad_year"), {"given": text[:20], "first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return QuizFilter("years", first=first, last=last)
    if m := _DECADE.match(folded):
        start = int(m.group(1) or m.group(2)) * 10
        first, last = max(start, FIRST_YEAR), min(start + 9, LAST_YEAR)
        if first > last:
            return ParseError(
                N_("quiz.bad_year"), {"given": text[:20], "first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return QuizFilter("years", first=first, last=last)

    names: dict[str, QuizFilter] = {}
    for tag_id, tag_names in catalog.tag_names.items():
        names[tag_id] = QuizFilter("tag", tag_id)
        for name in tag_names.values():
            names.setdefault(fold(name), QuizFilter("tag", tag_id))
    for lesson_id, lesson in catalog.lessons.items():
        names[lesson_id] = QuizFilter("lesson", lesson_id)
        for title in lesson.title.values():
            names.setdefault(fold(title), QuizFilter("lesson", lesson_id))
    slug = folded.replace(" ", "-")
    if folded in names:
        return names[folded]
    if slug in names:
        return names[slug]
    starting = {f for name, f in names.items() if name.startswith(folded) or name.startswith(slug)}
    if len(starting) == 1:
        return starting.pop()
    best = process.extract(folded, list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=75)
    suggestions = list(dict.fromkeys(names[b[0]].value for b in best))
    if suggestions:
        return ParseError(
            N_("quiz.unknown_filter_suggest"), {"given": text[:40], "suggestions": ", ".join(suggestions)}
        )
    return ParseError(N_("quiz.unknown_filter"), {"given": text[:40]})


def parse_quiz_args(args: str, catalog: Catalog) -> QuizRequest | ParseError:
    """``[N] [filter]`` in either order: ``/quiz 5 1955-1963``, ``/quiz nuclear 10``, ``/quiz``."""
    words = args.split()
    length: int | None = None
    rest: list[str] = []
    for i, word in enumerate(words):
        if _NUMBER.fullmatch(word) and length is None and (i == 0 or i == len(words) - 1):
            n = int(word)
            if MIN_LENGTH <= n <= MAX_LENGTH:
                length = n
                continue
            if not 1000 <= n <= 2999:  # four digits read as a year, answered as one
                return ParseError(
                    N_("quiz.bad_length"), {"given": word[:12], "min": MIN_LENGTH, "max": MAX_LENGTH}
                )
        rest.append(word)
    found = parse_filter(" ".join(rest), catalog)
    if isinstance(found, ParseError):
        return found
    return QuizRequest(length, found)
