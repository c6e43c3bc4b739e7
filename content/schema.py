"""The content schema (pydantic v2). A file that does not fit it never reaches users."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

FIRST_YEAR = 1945
LAST_YEAR = 1991
LANGUAGES = ("en", "ro")
MAX_LENGTH = {"title": 120, "summary": 700}

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CEDILLA = re.compile("[şţŞŢ]")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$")


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError("must be a lowercase slug: letters a-z, digits and single hyphens")
    if len(value) > 60:
        raise ValueError("must be at most 60 characters")
    return value


def _url(value: str) -> str:
    if not URL.match(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
SourceUrl = Annotated[str, AfterValidator(_url)]


class Localized(BaseModel):
    """Text in each language. A missing language is reported by the loader, not here, so that one
    check run can count every item that lacks a translation."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    en: str | None = None
    ro: str | None = None

    @field_validator("en", "ro")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("ro")
    @classmethod
    def _comma_below(cls, value: str | None) -> str | None:
        if value is not None and (bad := CEDILLA.search(value)):
            raise ValueError(
                f"uses the cedilla letter {bad.group()!r}; Romanian writes ș ț with a comma below"
            )
        return value

    def missing(self) -> list[str]:
        return [lang for lang in LANGUAGES if getattr(self, lang) is None]

    def get(self, lang: str) -> str:
        value = getattr(self, lang, None) or self.en or self.ro
        assert value is not None
        return value


class Tag(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: Localized


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    date: dt.date
    title: Localized
    summary: Localized
    tags: list[Slug] = Field(min_length=1, max_length=4)
    sources: list[SourceUrl] = Field(min_length=1)

    @field_validator("date")
    @classmethod
    def _in_period(cls, value: dt.date) -> dt.date:
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"must be within {FIRST_YEAR}–{LAST_YEAR}")
        return value

    @field_validator("title", "summary")
    @classmethod
    def _not_too_long(cls, value: Localized, info: ValidationInfo) -> Localized:
        name = info.field_name or ""
        limit = MAX_LENGTH[name]
        for lang in LANGUAGES:
            text = getattr(value, lang)
            if text and len(text) > limit:
                raise ValueError(f"{lang} {name} is {len(text)} characters; keep it within {limit}")
        return value

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists a tag twice")
        return value


# ---- quiz questions --------------------------------------------------------------------------
# Telegram quiz polls: question <= 300 characters, option <= 100, explanation <= 200 with at most
# 2 line breaks. The loader enforces them so every question can be sent natively.
QUESTION_MAX = 300
CHOICE_MAX = 100
EXPLANATION_MAX = 200
EXPLANATION_MAX_LINE_BREAKS = 2
CHOICES_MIN, CHOICES_MAX = 2, 6

QUESTION_ID = re.compile(r"^q-[a-z0-9]+(?:-[a-z0-9]+)*$")


def _question_id(value: str) -> str:
    if not QUESTION_ID.match(value) or len(value) > 64:
        raise ValueError("must be 'q-' followed by a lowercase slug, at most 64 characters")
    return value


QuestionId = Annotated[str, AfterValidator(_question_id)]


class LocalizedList(BaseModel):
    """A list of texts in each language (quiz choices, a card's key points), same order in each."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    en: list[str] | None = None
    ro: list[str] | None = None

    @field_validator("en", "ro")
    @classmethod
    def _not_blank(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not item for item in value):
            raise ValueError("has an empty item")
        return value

    @field_validator("ro")
    @classmethod
    def _comma_below(cls, value: list[str] | None) -> list[str] | None:
        for item in value or ():
            if bad := CEDILLA.search(item):
                raise ValueError(
                    f"uses the cedilla letter {bad.group()!r}; Romanian writes ș ț with a comma below"
                )
        return value

    def get(self, lang: str) -> list[str]:
        return getattr(self, lang, None) or self.en or self.ro or []


def _within(value: Localized, name: str, limit: int) -> None:
    for lang in LANGUAGES:
        text = getattr(value, lang)
        if text and len(text) > limit:
            raise ValueError(f"{lang} {name} is {len(text)} characters; Telegram allows {limit}")


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: QuestionId
    events: list[Slug] = Field(min_length=1)
    question: Localized
    choices: LocalizedList
    answer: int = Field(ge=0)
    explanation: Localized
    difficulty: int = Field(ge=1, le=3)

    @field_validator("question")
    @classmethod
    def _question_fits(cls, value: Localized) -> Localized:
        _within(value, "question", QUESTION_MAX)
        return value

    @field_validator("explanation")
    @classmethod
    def _explanation_fits(cls, value: Localized) -> Localized:
        _within(value, "explanation", EXPLANATION_MAX)
        for lang in LANGUAGES:
            text = getattr(value, lang) or ""
            if text.count("\n") > EXPLANATION_MAX_LINE_BREAKS:
                raise ValueError(
                    f"{lang} explanation has more than {EXPLANATION_MAX_LINE_BREAKS} line breaks"
                )
        return value

    @field_validator("choices")
    @classmethod
    def _choices_fit(cls, value: LocalizedList) -> LocalizedList:
        for lang in LANGUAGES:
            items = getattr(value, lang)
            if items is None:
                continue
            if not CHOICES_MIN <= len(items) <= CHOICES_MAX:
                raise ValueError(f"{lang} has {len(items)} choices; give {CHOICES_MIN}–{CHOICES_MAX}")
            if len({i.casefold() for i in items}) != len(items):
                raise ValueError(f"{lang} lists the same choice twice")
            for item in items:
                if len(item) > CHOICE_MAX:
                    raise ValueError(
                        f"{lang} choice {item[:30]!r}… has {len(item)} characters; the limit is {CHOICE_MAX}"
                    )
        if value.en is not None and value.ro is not None and len(value.en) != len(value.ro):
            raise ValueError("en and ro must have the same number of choices, in the same order")
        return value

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> Question:
        count = len(self.choices.en or self.choices.ro or [])
        if count and self.answer >= count:
            raise ValueError(f"answer {self.answer} is not a choice index (0–{count - 1})")
        return self


# ---- lessons ---------------------------------------------------------------------------------


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Localized
    points: LocalizedList
    events: list[Slug] = Field(default_factory=list)
    questions: list[QuestionId] = Field(default_factory=list)

    @field_validator("points")
    @classmethod
    def _two_to_four(cls, value: LocalizedList) -> LocalizedList:
        for lang in LANGUAGES:
            items = getattr(value, lang)
            if items is not None and not 2 <= len(items) <= 4:
                raise ValueError(f"{lang} has {len(items)} key points; give 2–4")
        return value

    @model_validator(mode="after")
    def _links_something(self) -> Card:
        if not self.events and not self.questions:
            raise ValueError("a card links at least one event or question")
        return self


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Localized
    summary: Localized
    cards: list[Card] = Field(min_length=1)


# ---- the seed map ----------------------------------------------------------------------------


class SeedStatement(BaseModel):
    """One factual statement of the source text: quoted as written, stated correctly, and the
    content that teaches it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quote: str = Field(min_length=8, max_length=300)
    fact: Localized
    note: str | None = None
    events: list[Slug] = Field(default_factory=list)
    questions: list[QuestionId] = Field(min_length=1)


class SeedMap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    statements: list[SeedStatement] = Field(min_length=1)
