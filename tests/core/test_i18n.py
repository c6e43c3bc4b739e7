"""Both catalogs are complete: every key the code uses exists in en and ro, with a translation
and the same placeholders; Romanian uses comma-below letters."""

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import bot
from bot.core.i18n import LANGUAGES, LOCALES_DIR, I18n, normalize_language

KEYWORDS = {"t": (1,), "tn": (1, 2), "N_": (1,), "_": (1,)}
BOT_DIR = Path(bot.__file__).parent


def used_keys() -> set[str]:
    keys: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(BOT_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            keys.update(m for m in message if m)
        else:
            keys.add(message)
    return keys


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def keys_of(cat) -> dict[str, object]:  # type: ignore[no-untyped-def]
    out: dict[str, object] = {}
    for message in cat:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for key in ids:
            out[key] = message.string
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_code_uses_keys_and_extraction_finds_them() -> None:
    keys = used_keys()
    assert {"today.header", "card.years_ago", "card.years_ago_plural", "cmd.today.summary"} <= keys


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_code_uses_is_translated(lang: str) -> None:
    translated = keys_of(catalog(lang))
    missing = sorted(k for k in used_keys() if k not in translated)
    empty = sorted(k for k, v in translated.items() if not v or (isinstance(v, tuple) and not all(v)))
    assert not missing, f"{lang} catalog lacks: {missing}"
    assert not empty, f"{lang} catalog has empty translations: {empty}"


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en, ro = keys_of(catalog("en")), keys_of(catalog("ro"))
    assert set(en) == set(ro), f"only en: {set(en) - set(ro)}, only ro: {set(ro) - set(en)}"
    problems = []
    for key, en_text in en.items():
        en_forms = en_text if isinstance(en_text, tuple) else (en_text,)
        ro_text = ro[key]
        ro_forms = ro_text if isinstance(ro_text, tuple) else (ro_text,)
        expected = placeholders(str(en_forms[-1]))
        problems += [(key, f) for f in ro_forms if placeholders(str(f)) != expected]
    assert not problems, problems


def test_no_unused_keys_linger_in_the_catalogs() -> None:
    unused = sorted(set(keys_of(catalog("en"))) - used_keys())
    assert not unused, f"keys nobody uses: {unused}"


def test_romanian_uses_comma_below_never_cedilla() -> None:
    text = (LOCALES_DIR / "ro" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert not re.search("[şţŞŢ]", text)
    assert "ș" in text and "ț" in text


def test_romanian_plurals_follow_its_three_forms() -> None:
    ro = I18n()["ro"]
    forms = [ro.tn("card.years_ago", "card.years_ago_plural", n) for n in (1, 2, 19, 20, 71, 101, 120)]
    assert forms == [
        "acum 1 an",
        "acum 2 ani",
        "acum 19 ani",
        "acum 20 de ani",
        "acum 71 de ani",
        "acum 101 ani",
        "acum 120 de ani",
    ]
    en = I18n()["en"]
    assert en.tn("card.years_ago", "card.years_ago_plural", 1) == "1 year ago"
    assert en.tn("card.years_ago", "card.years_ago_plural", 71) == "71 years ago"


def test_dates_are_formatted_per_language() -> None:
    from datetime import date

    i18n = I18n()
    assert i18n["en"].date(date(1955, 5, 14)) == "14 May 1955"
    assert i18n["ro"].date(date(1955, 5, 14)) == "14 mai 1955"
    assert i18n["ro"].date(date(1955, 5, 14), with_year=False) == "14 mai"


@pytest.mark.parametrize(
    ("hint", "expected"),
    [("ro", "ro"), ("ro-RO", "ro"), ("en_US", "en"), ("de", None), (None, None), ("", None)],
)
def test_platform_language_hints(hint: str | None, expected: str | None) -> None:
    assert normalize_language(hint) == expected


def test_every_translated_call_is_visible_to_extraction(capfd: pytest.CaptureFixture[str]) -> None:
    # Babel skips a call whose arguments include an f-string; its key would escape this check.
    used_keys()
    assert "warning" not in capfd.readouterr().err
