"""The content schema (pydantic v2). A file that does not fit it never reaches users."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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
