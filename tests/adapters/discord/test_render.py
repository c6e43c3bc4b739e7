"""The Discord renderer: core replies (real ones from the app, and hand-made edge cases) as the
content, embeds and buttons the adapter sends, checked against Discord's limits."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import discord
import pytest

from bot.adapters.discord.render import (
    QUIZ_TEMPLATE,
    Out,
    command_for_custom_id,
    custom_id,
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
