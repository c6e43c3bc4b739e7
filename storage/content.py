"""Events, tags and the full-text index. Replaced as a whole when the content files change;
reads run inline (see :mod:`storage.db`)."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from content.loader import Content
from storage.db import Database

_EVENT_COLUMNS = "id, day, title_en, title_ro, summary_en, summary_ro, tags, sources"
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_SEARCH_TERMS = 12
MAX_TERM_LENGTH = 40
PREFIX_MIN_LENGTH = 4
# Words in nearly every summary: they cannot narrow a search, and matching them means ranking every
# row, so they are dropped (a query of nothing else finds nothing). English and Romanian, unaccented.
# fmt: off
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "had", "in", "into", "is",
    "it", "its", "of", "on", "or", "that", "the", "their", "this", "to", "was", "were", "which", "with",
    "al", "ale", "ca", "care", "ce", "cu", "cum", "de", "din", "dupa", "el", "ea", "este", "fi", "fost",
    "iar", "la", "le", "lor", "mai", "nu", "o", "pe", "pentru", "prin", "sa", "se", "si", "sau",
    "un", "una", "unei", "unui",
})
# fmt: on


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: str
    day: date
    title: dict[str, str]
    summary: dict[str, str]
    tags: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    id: str
    text: dict[str, str]
    choices: dict[str, tuple[str, ...]]
    answer: int
    explanation: dict[str, str]
    difficulty: int
    events: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LessonCard:
    title: dict[str, str]
    points: dict[str, tuple[str, ...]]
    events: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LessonRecord:
    id: str
    title: dict[str, str]
    summary: dict[str, str]
    cards: tuple[LessonCard, ...]

    @property
    def event_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for card in self.cards for e in card.events))

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q for card in self.cards for q in card.questions))


@dataclass(frozen=True, slots=True)
class EventBrief:
    id: str
    day: date
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    """What quizzes pick from, held in memory: a few hundred KB for the whole corpus, rebuilt only
    when the content changes, so choosing a question never scans a table."""

    events: tuple[EventBrief, ...]
    """Every event, in date order."""
    by_id: dict[str, EventBrief]
    question_events: dict[str, tuple[str, ...]]
    """Curated question id -> the events it is about, in the author's order."""
    lessons: dict[str, LessonRecord]
    tag_names: dict[str, dict[str, str]]
    """Tag id -> language -> name."""


def _lesson(row: tuple[str, str, str, str, str, str]) -> LessonRecord:
    id_, title_en, title_ro, summary_en, summary_ro, cards = row
    return LessonRecord(
        id=id_,
        title={"en": title_en, "ro": title_ro},
        summary={"en": summary_en, "ro": summary_ro},
        cards=tuple(
            LessonCard(
                title=dict(c["title"]),
                points={lang: tuple(c["points"][lang]) for lang in ("en", "ro")},
                events=tuple(c.get("events", ())),
                questions=tuple(c.get("questions", ())),
            )
            for c in json.loads(cards)
        ),
    )


@lru_cache(maxsize=8192)
def _json_list(text: str) -> tuple[str, ...]:
    # Tags and sources repeat across reads of immutable content; decode each distinct value once.
    return tuple(json.loads(text))


def _event(row: tuple[str, str, str, str, str, str, str, str]) -> EventRecord:
    id_, day, title_en, title_ro, summary_en, summary_ro, tags, sources = row
    return EventRecord(
        id=id_,
        day=date.fromisoformat(day),
        title={"en": title_en, "ro": title_ro},
        summary={"en": summary_en, "ro": summary_ro},
        tags=_json_list(tags),
        sources=_json_list(sources),
    )


def search_terms(text: str) -> list[str]:
    """The words of a user's query, stripped of everything FTS5 could read as syntax.

    Only runs of letters and digits survive, folded to lowercase without diacritics; operators such
    as ``AND``/``NEAR`` become plain words because every term is quoted."""
    terms: list[str] = []
    for word in _WORD.findall(text):
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c)
        ).replace("_", "")
        if folded and folded not in terms:
            terms.append(folded[:MAX_TERM_LENGTH])
        if len(terms) == MAX_SEARCH_TERMS:
            break
    return terms


def fts_query(terms: list[str], joiner: str) -> str:
    """Quoted terms are literal to FTS5. The last word may be unfinished ("varsov"), so it matches as
    a prefix; earlier words match whole, since a short prefix such as "stat" would match thousands of
    rows and every one of them must be ranked."""
    last = len(terms) - 1
    return f" {joiner} ".join(
        f'"{t}"*' if i == last and len(t) >= PREFIX_MIN_LENGTH else f'"{t}"' for i, t in enumerate(terms)
    )


class ContentStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._days: list[tuple[int, int]] | None = None
        self._ids: list[str] | None = None
        self._catalog: Catalog | None = None
        self._titles: dict[str, list[tuple[str, str, int]]] = {}

    # ---- loading -------------------------------------------------------------------------

    async def digest(self) -> str | None:
        row = self._db.reader.execute("SELECT value FROM content_meta WHERE key = 'digest'").fetchone()
        return str(row[0]) if row else None

    async def replace(self, content: Content, digest: str) -> None:
        """Swap in new content in one transaction; chats, users and everything else stay as they are."""
        async with self._db.transaction() as w:
            for table in (
                "events_fts",
                "question_events",
                "questions",
                "lessons",
                "event_tags",
                "events",
                "tags",
            ):
                await w.execute(f"DELETE FROM {table}")
            await w.executemany(
                "INSERT INTO tags (id, name_en, name_ro) VALUES (?, ?, ?)",
                [(t.id, t.name.get("en"), t.name.get("ro")) for t in content.tags],
            )
            await w.executemany(
                "INSERT INTO events (id, day, year, month, dom, title_en, title_ro, summary_en, summary_ro,"
                " tags, sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.id,
                        e.date.isoformat(),
                        e.date.year,
                        e.date.month,
                        e.date.day,
                        e.title.get("en"),
                        e.title.get("ro"),
                        e.summary.get("en"),
                        e.summary.get("ro"),
                        json.dumps(e.tags),
                        json.dumps(e.sources),
                    )
                    for e in content.events
                ],
            )
            await w.executemany(
                "INSERT INTO event_tags (event_id, tag) VALUES (?, ?)",
                [(e.id, tag) for e in content.events for tag in e.tags],
            )
            await w.executemany(
                "INSERT INTO events_fts (event_id, lang, title, summary) VALUES (?, ?, ?, ?)",
                [
                    (e.id, lang, e.title.get(lang), e.summary.get(lang))
                    for e in content.events
                    for lang in ("en", "ro")
                ],
            )
            await w.executemany(
                "INSERT INTO questions (id, difficulty, answer, question_en, question_ro,"
                " choices_en, choices_ro, explanation_en, explanation_ro) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        q.id,
                        q.difficulty,
                        q.answer,
                        q.question.get("en"),
                        q.question.get("ro"),
                        json.dumps(q.choices.get("en"), ensure_ascii=False),
                        json.dumps(q.choices.get("ro"), ensure_ascii=False),
                        q.explanation.get("en"),
                        q.explanation.get("ro"),
                    )
                    for q in content.questions
                ],
            )
            await w.executemany(
                "INSERT INTO question_events (question_id, event_id) VALUES (?, ?)",
                [(q.id, event_id) for q in content.questions for event_id in dict.fromkeys(q.events)],
            )
            await w.executemany(
                "INSERT INTO lessons (id, title_en, title_ro, summary_en, summary_ro, cards)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        lesson.id,
                        lesson.title.get("en"),
                        lesson.title.get("ro"),
                        lesson.summary.get("en"),
                        lesson.summary.get("ro"),
                        json.dumps([c.model_dump() for c in lesson.cards], ensure_ascii=False),
                    )
                    for lesson in content.lessons
                ],
            )
            await w.execute(
                "INSERT INTO content_meta (key, value) VALUES ('digest', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (digest,),
            )
        self._days = None
        self._ids = None
        self._catalog = None
        self._titles = {}

    # ---- reads ---------------------------------------------------------------------------

    async def event(self, event_id: str) -> EventRecord | None:
        row = self._db.reader.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        return _event(row) if row else None

    async def events_on(self, month: int, day: int) -> list[EventRecord]:
        """Every event on a month-day, oldest first."""
        rows = self._db.reader.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE month = ? AND dom = ? ORDER BY year, id",
            (month, day),
        ).fetchall()
        return [_event(r) for r in rows]

    async def events_in_year(self, year: int, offset: int, limit: int) -> tuple[list[EventRecord], int]:
        """One page of a year's events in date order, and how many the year has in all."""
        total = self._db.reader.execute("SELECT count(*) FROM events WHERE year = ?", (year,)).fetchone()[0]
        rows = self._db.reader.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE year = ? ORDER BY month, dom, id LIMIT ? OFFSET ?",
            (year, limit, offset),
        ).fetchall()
        return [_event(r) for r in rows], int(total)

    async def days_with_events(self) -> list[tuple[int, int]]:
        """Every (month, day) that has at least one event; cached until content is replaced."""
        if self._days is None:
            rows = self._db.reader.execute(
                "SELECT DISTINCT month, dom FROM events ORDER BY month, dom"
            ).fetchall()
            self._days = [(int(m), int(d)) for m, d in rows]
        return self._days

    async def event_ids(self) -> list[str]:
        if self._ids is None:
            self._ids = [r[0] for r in self._db.reader.execute("SELECT id FROM events ORDER BY id")]
        return self._ids

    async def random_event(self, rng: random.Random) -> EventRecord | None:
        ids = await self.event_ids()
        return await self.event(rng.choice(ids)) if ids else None

    async def events_by_ids(self, ids: list[str]) -> dict[str, EventRecord]:
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        rows = self._db.reader.execute(
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE id IN ({marks})", ids
        ).fetchall()
        return {r[0]: _event(r) for r in rows}

    async def question(self, question_id: str) -> QuestionRecord | None:
        row = self._db.reader.execute(
            "SELECT id, question_en, question_ro, choices_en, choices_ro, answer, explanation_en,"
            " explanation_ro, difficulty FROM questions WHERE id = ?",
            (question_id,),
        ).fetchone()
        if row is None:
            return None
        catalog = await self.catalog()
        return QuestionRecord(
            id=row[0],
            text={"en": row[1], "ro": row[2]},
            choices={"en": tuple(json.loads(row[3])), "ro": tuple(json.loads(row[4]))},
            answer=int(row[5]),
            explanation={"en": row[6], "ro": row[7]},
            difficulty=int(row[8]),
            events=catalog.question_events.get(row[0], ()),
        )

    async def lessons(self) -> list[LessonRecord]:
        """Every lesson, in the order of history (by the earliest event each teaches)."""
        return list((await self.catalog()).lessons.values())

    async def catalog(self) -> Catalog:
        if self._catalog is None:
            r = self._db.reader
            events = tuple(
                EventBrief(row[0], date.fromisoformat(row[1]), _json_list(row[2]))
                for row in r.execute("SELECT id, day, tags FROM events ORDER BY day, id")
            )
            question_events: dict[str, list[str]] = {}
            # rowid order is insertion order: the author's order of each question's events.
            for qid, eid in r.execute("SELECT question_id, event_id FROM question_events ORDER BY rowid"):
                question_events.setdefault(qid, []).append(eid)
            for (qid,) in r.execute("SELECT id FROM questions"):
                question_events.setdefault(qid, [])
            days = {e.id: e.day for e in events}
            loaded = [
                _lesson(row)
                for row in r.execute(
                    "SELECT id, title_en, title_ro, summary_en, summary_ro, cards FROM lessons ORDER BY id"
                )
            ]
            # Lessons in the order of history: by the earliest event they teach.
            loaded.sort(
                key=lambda lesson: (
                    min((days[e] for e in lesson.event_ids if e in days), default=date.max),
                    lesson.id,
                )
            )
            lessons = {lesson.id: lesson for lesson in loaded}
            tag_names = {
                row[0]: {"en": row[1], "ro": row[2]}
                for row in r.execute("SELECT id, name_en, name_ro FROM tags ORDER BY id")
            }
            self._catalog = Catalog(
                events=events,
                by_id={e.id: e for e in events},
                question_events={q: tuple(es) for q, es in question_events.items()},
                lessons=lessons,
                tag_names=tag_names,
            )
        return self._catalog

    async def titles(self, lang: str) -> list[tuple[str, str, int]]:
        """(event id, title in ``lang``, year) for every event in date order, kept in memory for
        as-you-type suggestions (a few hundred KB), rebuilt when the content changes."""
        found = self._titles.get(lang)
        if found is None:
            column = "title_ro" if lang == "ro" else "title_en"
            found = [
                (str(r[0]), str(r[1] or r[2]), int(str(r[3])[:4]))
                for r in self._db.reader.execute(
                    f"SELECT id, {column}, title_en, day FROM events ORDER BY day, id"
                )
            ]
            self._titles[lang] = found
        return found

    async def question_ids(self) -> list[str]:
        return [r[0] for r in self._db.reader.execute("SELECT id FROM questions ORDER BY id")]

    async def has_question(self, question_id: str) -> bool:
        row = self._db.reader.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone()
        return row is not None

    async def tag_names(self, lang: str) -> dict[str, str]:
        column = "name_ro" if lang == "ro" else "name_en"
        return {r[0]: r[1] for r in self._db.reader.execute(f"SELECT id, {column} FROM tags")}

    async def search(self, text: str, lang: str, limit: int = 5) -> list[EventRecord]:
        """Full-text search over titles and summaries in ``lang`` and English, best first (bm25,
        titles weighted above summaries). All words must match; if none does, any word may."""
        terms = [t for t in search_terms(text) if t not in STOPWORDS]
        if not terms:
            return []
        langs = (lang, "en") if lang != "en" else ("en", "en")
        joiners = ("AND", "OR") if len(terms) > 1 else ("AND",)
        for joiner in joiners:
            # Rank inside FTS5 and keep only the best rows (each event has a row per language), then
            # read those events: cheaper than grouping every match.
            hits = self._db.reader.execute(
                "SELECT event_id FROM events_fts WHERE events_fts MATCH ? AND lang IN (?, ?)"
                " ORDER BY bm25(events_fts, 0.0, 0.0, 10.0, 1.0), event_id LIMIT ?",
                (fts_query(terms, joiner), *langs, limit * 4),
            ).fetchall()
            ranked = list(dict.fromkeys(h[0] for h in hits))[:limit]
            if ranked:
                marks = ", ".join("?" * len(ranked))
                rows = self._db.reader.execute(
                    f"SELECT {_EVENT_COLUMNS} FROM events WHERE id IN ({marks})", ranked
                ).fetchall()
                by_id = {r[0]: _event(r) for r in rows}
                return [by_id[i] for i in ranked if i in by_id]
        return []
