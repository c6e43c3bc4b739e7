"""The Discord renderer: core replies (real ones from the app, and hand-made edge cases) as the
content, embeds and buttons the adapter sends, checked against Discord's limits; and the app-command
spec, checked against Discord's naming rules and the OpenAPI schema of the bulk-overwrite request."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord.render import (
    MANAGE_GUILD,
    QUIZ_TEMPLATE,
    Out,
    app_commands_spec,
    command_for_custom_id,
    command_hash,
    custom_id,
    is_command_name,
    parse_quiz_custom_id,
    quiz_custom_id,
    render,
)
from bot.app import App
from bot.core.i18n import I18n, Translator
from bot.core.model import (
    Button,
    ChatKind,
    ChatRef,
    EventCard,
    Incoming,
    Message,
    Paragraph,
    QuizPrompt,
    QuizReveal,
    Span,
    UserRef,
)
from bot.core.registry import Argument, Command, Registry, Scope

SPEC_PATH = Path("/work/shared/specs/discord-openapi.json")


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n()


@pytest.fixture(scope="module")
def en(i18n: I18n) -> Translator:
    return i18n["en"]


async def ask(app: App, text: str, *, group: bool = False, lang: str = "en") -> list[Message]:
    async def admin() -> bool:
        return True

    kind = ChatKind.GROUP if group else ChatKind.PRIVATE
    chat = ChatRef("discord", f"{'-100' if group else '1'}-{lang}")
    return await app.handle(
        Incoming(chat, kind, UserRef("discord", "7", "Ana"), text, language_hint=lang, is_admin=admin)
    )


def rendered(app: App, replies: list[Message]) -> list[Out]:
    return [out for m in replies for out in render(m, app.services.i18n[m.lang or "en"])]


def check_limits(outs: list[Out]) -> None:
    """Every part is a message Discord accepts."""
    for out in outs:
        assert out.content or out.embeds or out.buttons
        if out.content is not None:
            assert 1 <= len(out.content) <= 2000
        assert len(out.embeds) <= 10
        assert sum(len(e) for e in out.embeds) <= 6000
        for e in out.embeds:
            d = e.to_dict()
            assert len(d.get("title", "")) <= 256
            assert len(d.get("description", "")) <= 4096
            assert len(d.get("footer", {}).get("text", "")) <= 2048
            assert len(d.get("fields", [])) <= 25
            for f in d.get("fields", []):
                assert 1 <= len(f["name"]) <= 256 and 1 <= len(f["value"]) <= 1024
            if "url" in d:
                assert re.match(r"https?://\S+$", d["url"])
        assert len(out.buttons) <= 25
        assert len(out.rows) <= 5 and all(1 <= len(row) <= 5 for row in out.rows)
        assert all(1 <= len(label) <= 80 for label, _ in out.buttons)


def card(i: int, **kw: Any) -> EventCard:
    values: dict[str, Any] = {
        "event_id": f"e{i}",
        "day": date(1960, 1, 1),
        "date_text": "1 January 1960",
        "years_ago_text": "66 years ago",
        "title": f"Event {i}",
        "summary": "Something happened.",
        "sources": (f"https://example.org/{i}",),
    }
    values.update(kw)
    return EventCard(**values)


# ---- real replies -------------------------------------------------------------------------------


async def test_full_event_card_is_one_embed_with_every_source_and_tags_in_footer(app: App) -> None:
    replies = await ask(app, "/event warsaw-pact-signed")
    [block] = replies[0].blocks
    assert isinstance(block, EventCard) and block.full
    outs = rendered(app, replies)
    check_limits(outs)
    [out] = outs
    assert out.content is None and not out.buttons
    [embed] = out.embeds
    assert embed.title == "Warsaw Pact signed"
    assert embed.url == block.sources[0]
    assert embed.description == discord.utils.escape_markdown(block.summary)
    footer = embed.footer.text or ""
    assert block.date_text in footer and block.years_ago_text in footer
    assert all(tag in footer for tag in block.tags) and "Tags" in footer
    sources = "\n".join(f.value or "" for f in embed.fields)
    assert all(f"(<{url}>)" in sources for url in block.sources)
    assert embed.fields[0].name == "Sources"


async def test_year_page_is_header_content_with_short_card_embeds_and_next_button(app: App) -> None:
    replies = await ask(app, "/year 1962")
    cards = [b for b in replies[0].blocks if isinstance(b, EventCard)]
    outs = rendered(app, replies)
    check_limits(outs)
    [out] = outs
    assert out.content is not None and out.content.startswith("**1962")
    assert out.content.endswith("**")
    assert [e.title for e in out.embeds] == [discord.utils.escape_markdown(c.title) for c in cards]
    for embed, c in zip(out.embeds, cards, strict=True):
        assert embed.url == c.sources[0]
        footer = embed.footer.text or ""
        assert c.date_text in footer and c.years_ago_text in footer and f"/event {c.event_id}" in footer
    assert out.buttons == (("Next ▶", "/year 1962 2"),)


async def test_group_quiz_prompt_is_an_embed_with_one_button_per_choice(app: App) -> None:
    replies = await ask(app, "/quiz", group=True)
    prompts = [b for m in replies for b in m.blocks if isinstance(b, QuizPrompt)]
    assert prompts
    prompt = prompts[0]
    outs = rendered(app, replies)
    check_limits(outs)
    out = next(o for o in outs if o.embeds and o.embeds[0].title == prompt.header)
    description = out.embeds[0].description or ""
    assert description.startswith(discord.utils.escape_markdown(prompt.question))
    for i, choice in enumerate(prompt.choices, 1):
        assert f"{i}\\. {choice}" in description
    assert [cmd for _, cmd in out.buttons] == [
        f"/answer {i} #{prompt.round_id}" for i in range(1, len(prompt.choices) + 1)
    ]
    for i, (_, cmd) in enumerate(out.buttons, 1):
        cid = custom_id(cmd)
        assert cid == quiz_custom_id(prompt.round_id, i)
        assert re.fullmatch(QUIZ_TEMPLATE, cid)
        assert command_for_custom_id(cid) == cmd


@pytest.mark.parametrize(("lang", "title"), [("en", "What I can do"), ("ro", "Ce pot face")])
async def test_help_is_markdown_content_in_both_languages(app: App, lang: str, title: str) -> None:
    outs = rendered(app, await ask(app, "/help", lang=lang))
    check_limits(outs)
    text = "\n".join(o.content or "" for o in outs)
    assert text.startswith(f"**{title}**")
    assert "**/start** — " in text
    assert "**/lang <en\\|ro>**" in text  # "|" is markdown (spoilers): escaped
    assert all(not o.embeds for o in outs)


# ---- hand-made edge cases -----------------------------------------------------------------------


def test_markdown_in_text_is_escaped_and_spans_become_markdown(en: Translator) -> None:
    message = Message(
        (
            Paragraph.of(
                "a_b *c* ~~d~~ `e` ",
                Span("bold*", bold=True),
                " ",
                Span("it", italic=True),
                Span(" both ", bold=True, italic=True),
                Span("see [1]", link="https://example.org/a_b"),
                " ",
                Span("ftp", link="ftp://x"),
            ),
        )
    )
    [out] = render(message, en)
    assert out.content == (
        "a\\_b \\*c\\* \\~\\~d\\~\\~ \\`e\\` **bold\\***"
        " *it* ***both*** [see \\[1\\]](<https://example.org/a_b>) ftp (ftp://x)"
    )


def test_abutting_markers_are_kept_apart(en: Translator) -> None:
    [out] = render(Message((Paragraph.of(Span("a", bold=True), Span("b", italic=True)),)), en)
    assert out.content == "**a**\u200b*b*"


def test_long_content_is_split_at_line_breaks(en: Translator) -> None:
    lines = [f"line {i} " + "x" * 60 for i in range(100)]
    outs = render(Message((Paragraph.of("\n".join(lines)),)), en)
    check_limits(outs)
    assert len(outs) >= 4
    assert [line for o in outs for line in (o.content or "").split("\n")] == lines


def test_a_single_long_bold_line_is_cut_with_markers_reopened(en: Translator) -> None:
    text = " ".join(f"word{i}" for i in range(1200))
    outs = render(Message((Paragraph.of(Span(text, bold=True)),)), en)
    check_limits(outs)
    assert len(outs) >= 2
    for o in outs:
        assert o.content is not None and o.content.startswith("**") and o.content.endswith("**")
    assert " ".join((o.content or "").strip("*") for o in outs) == text


def test_more_than_ten_cards_go_on_further_messages_with_buttons_on_the_last(en: Translator) -> None:
    message = Message(
        (Paragraph.of("Header"), *(card(i) for i in range(23))), (Button("More", "/year 1960 2"),)
    )
    outs = render(message, en)
    check_limits(outs)
    assert [len(o.embeds) for o in outs] == [10, 10, 3]
    assert outs[0].content == "Header" and outs[1].content is None
    assert [e.title for o in outs for e in o.embeds] == [f"Event {i}" for i in range(23)]
    assert [o.buttons for o in outs] == [(), (), (("More", "/year 1960 2"),)]


def test_embeds_over_6000_characters_are_split_too(en: Translator) -> None:
    outs = render(Message(tuple(card(i, summary="y " * 1500) for i in range(5))), en)
    check_limits(outs)
    assert len(outs) == 5


def test_a_paragraph_after_an_embed_starts_a_new_message(en: Translator) -> None:
    outs = render(Message((Paragraph.of("before"), card(1), Paragraph.of("after"))), en)
    assert [(o.content, len(o.embeds)) for o in outs] == [("before", 1), ("after", 0)]


def test_more_than_25_buttons_go_on_button_only_messages(en: Translator) -> None:
    buttons = tuple(Button(f"b{i}" + ("!" * 100 if i == 0 else ""), f"/x {i}") for i in range(31))
    outs = render(Message((Paragraph.of("pick"),), buttons), en)
    check_limits(outs)
    assert [len(o.buttons) for o in outs] == [25, 6]
    assert outs[1].content is None and not outs[1].embeds
    assert [len(row) for row in outs[0].rows] == [5] * 5
    assert len(outs[0].buttons[0][0]) == 80 and outs[0].buttons[0][0].endswith("…")
    assert [cmd for o in outs for _, cmd in o.buttons] == [f"/x {i}" for i in range(31)]


def test_quiz_reveal_is_an_embed(en: Translator) -> None:
    reveal = QuizReveal(1, 2, "Answer: 2. Warsaw", "Signed in *Warsaw*.", "https://e.org/w", "Ana got it.")
    [out] = render(Message((reveal,)), en)
    [embed] = out.embeds
    assert embed.title == "Answer: 2. Warsaw"
    assert embed.description == "Signed in \\*Warsaw\\*."
    assert embed.url == "https://e.org/w"
    assert embed.footer.text == "Ana got it."


def test_non_web_sources_are_text_not_urls(en: Translator) -> None:
    outs = render(Message((card(1, sources=("Archive box 12",)),)), en)
    check_limits(outs)
    [embed] = outs[0].embeds
    assert embed.url is None and embed.fields[0].value == "Archive box 12"


def test_quiz_prompt_with_long_choices_fits(en: Translator) -> None:
    prompt = QuizPrompt(9, "Q", "Which?", tuple("c" * 300 for _ in range(4)), 0, "", None, "hint")
    outs = render(Message((prompt,)), en)
    check_limits(outs)
    assert [cmd for _, cmd in outs[0].buttons] == [f"/answer {i} #9" for i in range(1, 5)]


def test_ephemeral_is_kept_on_every_part(en: Translator) -> None:
    outs = render(Message(tuple(card(i) for i in range(12)), ephemeral=True), en)
    assert len(outs) == 2 and all(o.ephemeral for o in outs)


def test_custom_ids() -> None:
    assert custom_id("/random") == "cw:/random"
    assert command_for_custom_id("cw:/random") == "/random"
    assert custom_id("/search " + "x" * 89) == "cw:/search " + "x" * 89  # exactly 100
    assert custom_id("/search " + "x" * 90) is None
    assert custom_id("") is None
    assert custom_id("/answer 3 #41") == "cwq:41:3"
    assert quiz_custom_id(41, 3) == "cwq:41:3"
    assert parse_quiz_custom_id("cwq:41:3") == (41, 3)
    assert parse_quiz_custom_id("cwq:41:x") is None and parse_quiz_custom_id("cw:/random") is None
    assert command_for_custom_id("other") is None


# ---- application commands -----------------------------------------------------------------------


def check_command(entry: dict[str, Any]) -> None:
    assert entry["type"] == 1
    assert is_command_name(entry["name"])
    assert 1 <= len(entry["description"]) <= 100
    for name in entry.get("name_localizations", {}).values():
        assert is_command_name(name)
    for text in entry.get("description_localizations", {}).values():
        assert 1 <= len(text) <= 100
    options = entry.get("options", [])
    assert len(options) <= 25
    assert len({o["name"] for o in options}) == len(options)
    required = [o.get("required", False) for o in options]
    assert required == sorted(required, reverse=True), "required options come first"
    for o in options:
        assert o["type"] == 3 and is_command_name(o["name"]) and 1 <= len(o["description"]) <= 100
        choices = o.get("choices", [])
        assert len(choices) <= 25
        for c in choices:
            assert 1 <= len(c["name"]) <= 100 and 1 <= len(c["value"]) <= 100
    assert entry["contexts"] and set(entry["contexts"]) <= {0, 1, 2}
    assert entry["integration_types"] and set(entry["integration_types"]) <= {0, 1}
    len_total = len(entry["name"]) + len(entry["description"])
    len_total += sum(len(o["name"]) + len(o["description"]) for o in options)
    assert len_total <= 4000


def test_app_commands_follow_discords_rules(app: App, i18n: I18n) -> None:
    registry = app.services.registry
    spec = app_commands_spec(registry, i18n)
    for entry in spec:
        check_command(entry)
    by_name = {e["name"]: e for e in spec}
    assert list(by_name) == [c.name for c in registry]
    assert "fact" not in by_name  # aliases are left out by default
    assert by_name["study"]["contexts"] == [1]
    assert by_name["today"]["contexts"] == [0, 1]
    assert by_name["lang"]["default_member_permissions"] == MANAGE_GUILD
    assert "default_member_permissions" not in by_name["today"]
    assert by_name["lang"]["options"][0]["choices"] == [
        {"name": "en", "value": "en"},
        {"name": "ro", "value": "ro"},
    ]
    assert by_name["today"]["description"] == i18n["en"].t("cmd.today.summary")
    assert by_name["today"]["description_localizations"] == {"ro": i18n["ro"].t("cmd.today.summary")}
    assert by_name["year"]["options"][0]["description_localizations"] == {"ro": "an"}


def test_app_commands_options_scope_names_and_aliases(app: App, i18n: I18n) -> None:
    async def handler(ctx: Any, args: str) -> list[Message]:
        return []

    registry = Registry()
    registry.add(
        Command(
            "pair",
            "cmd.today.summary",
            handler,
            args=(Argument("a", "arg.id"), Argument("b", "arg.id", required=True)),
            aliases=("duo",),
            scope=Scope.GROUP,
        )
    )
    spec = app_commands_spec(
        registry, i18n, localized_names={"ro": {"pair": "pereche"}}, include_aliases=True
    )
    assert [e["name"] for e in spec] == ["pair", "duo"]
    assert spec[0]["name_localizations"] == {"ro": "pereche"}
    assert [o["required"] for o in spec[0]["options"]] == [False, False]
    assert spec[0]["contexts"] == [0]
    assert spec[1]["options"] == spec[0]["options"]
    for entry in spec:
        check_command(entry)
    wide = app_commands_spec(app.services.registry, i18n, user_install=True)
    assert {e["name"]: e["contexts"] for e in wide}["study"] == [1, 2]
    assert wide[0]["integration_types"] == [0, 1]
    with pytest.raises(ValueError):
        app_commands_spec(registry, i18n, localized_names={"ro": {"pair": "Pereche!"}})
    with pytest.raises(ValueError):
        app_commands_spec(app.services.registry, i18n, localized_names={"ro": {"today": "help"}})


def test_command_hash_is_stable_and_changes_with_the_set(app: App, i18n: I18n) -> None:
    spec = app_commands_spec(app.services.registry, i18n)
    again = app_commands_spec(app.services.registry, i18n)
    assert command_hash(spec) == command_hash(again) == command_hash(list(reversed(spec)))
    assert re.fullmatch(r"[0-9a-f]{64}", command_hash(spec))
    changed = [dict(spec[0], description="other"), *spec[1:]]
    assert command_hash(changed) != command_hash(spec)


# ---- the OpenAPI request schema -----------------------------------------------------------------


class _Schema:
    """Just enough JSON Schema for the request body: $ref, type, properties, required,
    additionalProperties, lengths, bounds, items, enum/const, oneOf/anyOf/allOf."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.doc
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    @staticmethod
    def _is(value: Any, kind: str) -> bool:
        return {
            "null": value is None,
            "boolean": isinstance(value, bool),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "string": isinstance(value, str),
            "array": isinstance(value, list),
            "object": isinstance(value, dict),
        }[kind]

    def errors(self, value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
        s = self.resolve(schema)
        out: list[str] = []
        if "type" in s:
            kinds = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not any(self._is(value, k) for k in kinds):
                return [f"{path}: {value!r} is not {kinds}"]
        if "const" in s and value != s["const"]:
            out.append(f"{path}: {value!r} != {s['const']!r}")
        if "enum" in s and value not in s["enum"]:
            out.append(f"{path}: {value!r} not in {s['enum']}")
        if isinstance(value, str):
            if len(value) < s.get("minLength", 0) or len(value) > s.get("maxLength", 10**9):
                out.append(f"{path}: length {len(value)} out of bounds")
            if "pattern" in s and not re.search(s["pattern"], value):
                out.append(f"{path}: {value!r} does not match {s['pattern']}")
        low, high = s.get("minimum", -(10**30)), s.get("maximum", 10**30)
        if self._is(value, "number") and not low <= value <= high:
            out.append(f"{path}: {value} out of bounds")
        if isinstance(value, list):
            if len(value) < s.get("minItems", 0) or len(value) > s.get("maxItems", 10**9):
                out.append(f"{path}: {len(value)} items out of bounds")
            if s.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
                out.append(f"{path}: items not unique")
            if "items" in s:
                for i, item in enumerate(value):
                    out.extend(self.errors(item, s["items"], f"{path}[{i}]"))
        if isinstance(value, dict):
            if len(value) > s.get("maxProperties", 10**9):
                out.append(f"{path}: too many properties")
            for key in s.get("required", []):
                if key not in value:
                    out.append(f"{path}: missing {key}")
            props = s.get("properties", {})
            extra = s.get("additionalProperties", True)
            for key, item in value.items():
                if key in props:
                    out.extend(self.errors(item, props[key], f"{path}.{key}"))
                elif extra is False:
                    out.append(f"{path}: unexpected {key}")
                elif isinstance(extra, dict):
                    out.extend(self.errors(item, extra, f"{path}.{key}"))
        for sub in s.get("allOf", []):
            out.extend(self.errors(value, sub, path))
        if "anyOf" in s and all(self.errors(value, sub, path) for sub in s["anyOf"]):
            out.append(f"{path}: matches no anyOf branch")
        if "oneOf" in s:
            matches = sum(not self.errors(value, sub, path) for sub in s["oneOf"])
            if matches != 1:
                out.append(f"{path}: matches {matches} oneOf branches")
        return out


@pytest.mark.skipif(not SPEC_PATH.exists(), reason=f"{SPEC_PATH} not present")
def test_app_commands_match_the_openapi_request_schema(app: App, i18n: I18n) -> None:
    doc = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    body = doc["paths"]["/applications/{application_id}/commands"]["put"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    spec = app_commands_spec(
        app.services.registry,
        i18n,
        localized_names={"ro": {"today": "azi"}},
        include_aliases=True,
        user_install=True,
    )
    # The OpenAPI file types default_member_permissions as an integer; Discord's documentation and
    # discord.py send it as a string of digits, which the API accepts. Check the value as a number.
    for entry in spec:
        if "default_member_permissions" in entry:
            assert entry["default_member_permissions"].isdigit()
    as_sent = [
        {**e, "default_member_permissions": int(e["default_member_permissions"])}
        if "default_member_permissions" in e
        else e
        for e in spec
    ]
    validator = _Schema(doc)
    assert validator.errors(as_sent, schema) == []
    assert validator.errors([{"name": "x" * 33}], schema) != []  # the checker does check
    assert validator.errors([{"name": "a", "options": [{"type": 3, "name": "o"}]}], schema) != []
