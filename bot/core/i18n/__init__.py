"""Translations (gettext catalogs read with Babel) and localized dates.

Message ids are stable symbolic keys (``today.none``) so English wording can change without
touching Romanian. Each language has a ``messages.po``; we compile it in memory at start-up with
Babel and serve it through :class:`babel.support.Translations`, so plural forms follow each
catalog's own ``Plural-Forms`` rule (Romanian has three: 1 an, 2 ani, 20 de ani).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("en", "ro")
DEFAULT_LANGUAGE = "en"
LOCALES_DIR = Path(__file__).with_name("locales")


def N_(key: str) -> str:
    """Mark a key for extraction where it is declared but translated later (command help)."""
    return key


def normalize_language(hint: str | None) -> str | None:
    """Map a platform's language hint (``ro``, ``ro-RO``, ``en_US``) onto a supported language."""
    if not hint:
        return None
    base = hint.replace("_", "-").split("-", 1)[0].strip().lower()
    return base if base in LANGUAGES else None


class Translator:
    """All user-facing text for one language."""

    def __init__(self, lang: str, translations: Translations) -> None:
        self.lang = lang
        self._tr = translations
        self._locale = Locale.parse(lang)

    def t(self, key: str, /, **values: object) -> str:
        text = self._tr.gettext(key)
        return text.format(**values) if values else text

    def tn(self, key: str, plural_key: str, n: int, /, **values: object) -> str:
        """A plural message; ``{n}`` is always available to the text."""
        return self._tr.ngettext(key, plural_key, n).format(n=n, **values)

    def date(self, d: date, *, with_year: bool = True) -> str:
        return _format_date(d, self.lang, with_year)

    def month_name(self, month: int) -> str:
        return str(self._locale.months["format"]["wide"][month])


@cache
def _format_date(d: date, lang: str, with_year: bool) -> str:
    # Content dates are few and immutable: caching keeps Babel off the hot path.
    return format_date(d, "d MMMM y" if with_year else "d MMMM", locale=lang)


def load_catalog(lang: str, locales_dir: Path = LOCALES_DIR) -> Translations:
    po_path = locales_dir / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


class I18n:
    """Every language's translator, loaded once."""

    def __init__(self, languages: Iterable[str] = LANGUAGES) -> None:
        self._translators = {lang: Translator(lang, load_catalog(lang)) for lang in languages}

    def __getitem__(self, lang: str) -> Translator:
        return self._translators.get(lang) or self._translators[DEFAULT_LANGUAGE]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._translators)
