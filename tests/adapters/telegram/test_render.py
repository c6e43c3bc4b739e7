"""The Telegram renderer: core replies (real ones from the app, and hand-made edge cases) as the HTML
parts, inline keyboards and quiz polls the adapter sends. Every HTML part is parsed to check that
its tags are balanced and are tags Telegram accepts."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from bot.adapters.telegram.render import (
    MAX_TEXT,
    PollOut,
    TextOut,
    callback_data,
    menu_commands,
    render,
    toast,
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

ALLOWED_TAGS = {"b", "i", "a", "code", "pre", "s", "u", "tg-spoiler", "blockquote"}
EN = "en"


# ---- helpers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n()


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"], attrs
            self.links.append(attrs[0][1] or "")
        else:
            assert not attrs, (tag, attrs)
        self.stack.append(tag)
        self.tags += 1

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack, tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def check(html: str) -> _Checker:
    """Parse Telegram HTML: balanced, allowed tags only, every <, > and & outside tags escaped."""
    assert not re.search(r"<(?!/?(?:b|i|a)[ >])", html), html
    assert not re.search(r"&(?!(?:amp|lt|gt|quot|#x27|#\d+);)", html), html
    outside_tags = re.sub(r"<[^>]*>", "", html)
    assert ">" not in outside_tags, html
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.stack, (checker.stack, html)
    return checker


def visible(html: str) -> str:
    return "".join(check(html).text)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def texts(items: list[TextOut | PollOut]) -> list[TextOut]:
    found = [item for item in items if isinstance(item, TextOut)]
    for item in found:
        check(item.html)
        assert item.html and units(item.html) <= MAX_TEXT
    return found


def polls(items: list[TextOut | PollOut]) -> list[PollOut]:
    return [item for item in items if isinstance(item, PollOut)]


async def _admin() -> bool:
    return True


async def ask(app: App, text: str, *, group: bool = False, user: str = "7") -> list[Message]:
    incoming = Incoming(
        chat=ChatRef("telegram", "-100" if group else "1"),
        kind=ChatKind.GROUP if group else ChatKind.PRIVATE,
        user=UserRef("telegram", user, "Ana"),
        text=text,
        is_admin=_admin,
    )
    return await app.handle(incoming)


def tr_of(app: App, message: Message) -> Translator:
    return app.services.i18n[message.lang or EN]


def card(**changes: object) -> EventCard:
    values: dict[str, object] = {
        "event_id": "warsaw-pact-signed",
        "day": date(1955, 5, 14),
        "date_text": "14 May 1955",
        "years_ago_text": "71 years ago",
        "title": "Warsaw Pact signed",
        "summary": "Eight states signed a treaty.",
        "sources": ("https://example.org/a", "https://example.org/b"),
    }
    values.update(changes)
    return EventCard(**values)  # type: ignore[arg-type]


def prompt(**changes: object) -> QuizPrompt:
    values: dict[str, object] = {
        "round_id": 42,
        "header": "Question 1 of 5 · 30 s",
        "question": "Which city gave the pact its name?",
        "choices": ("Warsaw", "Prague", "Sofia", "Tirana"),
        "correct": 0,
        "explanation": "It was signed in Warsaw.",
        "open_seconds": 30,
        "hint": "Reply with the number (1–4), or /answer 2.",
        "private_answers": True,
    }
    values.update(changes)
    return QuizPrompt(**values)  # type: ignore[arg-type]


# ---- real replies -------------------------------------------------------------------------------


async def test_event_reply_is_a_full_card_with_numbered_sources_tags_and_a_preview(app: App) -> None:
    [message] = await ask(app, "/event warsaw-pact-signed")
    [out] = render(message, tr_of(app, message), group=False)
    assert isinstance(out, TextOut)
    lines = out.html.split("\n")
    assert lines[0] == "<b>14 May 1955</b> · 71 years ago"
    assert lines[1] == "<b>Warsaw Pact signed</b>"
    [shown] = [b for b in message.blocks if isinstance(b, EventCard)]
    links = check(out.html).links
    assert links == list(shown.sources) and len(links) >= 2
    assert "\nSources:\n1. <a href=" in out.html and "\n2. <a href=" in out.html
    assert lines[-1] == "Tags: Alliances and blocs, Eastern Bloc, Soviet Union, Romania"
    assert out.link_preview == shown.sources[0]
    assert out.buttons == ()


async def test_a_year_page_has_short_cards_between_blank_lines_and_its_next_button(app: App) -> None:
    [message] = await ask(app, "/year 1962")
    [out] = render(message, tr_of(app, message), group=False)
    assert isinstance(out, TextOut)
    blocks = out.html.split("\n\n")
    assert blocks[0] == "<b>1962: 34 events — page 1 of 7</b>"
    cards = [b for b in message.blocks if isinstance(b, EventCard)]
    assert len(blocks) == 1 + len(cards) == 6
    for text, shown in zip(blocks[1:], cards, strict=True):
        lines = text.split("\n")
        assert lines[0] == f"<b>{shown.date_text}</b> · {shown.years_ago_text}"
        assert lines[1] == f"<b>{shown.title}</b>"
        assert lines[-2] == f'<a href="{shown.sources[0]}">Source</a>'
        assert lines[-1] == f"More: /event {shown.event_id}"
    assert out.buttons == ((("Next ▶", "/year 1962 2"),),)
    assert out.link_preview is None  # five cards: no single page to preview


async def test_a_group_quiz_sends_its_intro_then_the_header_then_a_native_quiz_poll(app: App) -> None:
    intro, question = await ask(app, "/quiz", group=True)
    [first] = render(intro, tr_of(app, intro), group=True)
    assert isinstance(first, TextOut) and first.html.startswith("<b>Quiz: 5 questions")
    [shown] = question.blocks
    assert isinstance(shown, QuizPrompt)
    header, poll = render(question, tr_of(app, question), group=True)
    assert isinstance(header, TextOut) and header.html == f"<b>{shown.header}</b>"
    assert poll == PollOut(
        round_id=shown.round_id,
        question=shown.question,
        options=shown.choices,
        correct_option_id=shown.correct,
        explanation=shown.explanation,
        open_period=shown.open_seconds,
    )


async def test_a_private_question_is_text_with_one_answer_button_per_choice(app: App) -> None:
    [message] = await ask(app, "/question")
    [out] = render(message, tr_of(app, message), group=False)
    assert isinstance(out, TextOut)
    [shown] = message.blocks
    assert isinstance(shown, QuizPrompt)
    lines = out.html.split("\n")
    assert lines[0] == f"<b>{shown.header}</b>"
    assert lines[1] == shown.question
    assert lines[2:-1] == [f"{i}. {c}" for i, c in enumerate(shown.choices, 1)]
    assert lines[-1] == f"<i>{shown.hint}</i>"
    commands = [command for row in out.buttons for _, command in row]
    assert commands == [f"/answer {i} #{shown.round_id}" for i in range(1, len(shown.choices) + 1)]
    labels = [label for row in out.buttons for label, _ in row]
    if any(len(c) > 30 for c in shown.choices):  # long choices: numbered buttons, four to a row
        assert labels == [str(i) for i in range(1, len(shown.choices) + 1)]
        assert len(out.buttons[0]) == min(4, len(shown.choices))
    else:  # the choices themselves, one per row unless all are very short
        assert labels == list(shown.choices)


async def test_a_private_quiz_game_is_text_even_though_it_is_timed(app: App) -> None:
    _, question = await ask(app, "/quiz")
    [shown] = question.blocks
    assert isinstance(shown, QuizPrompt) and shown.open_seconds
    [out] = render(question, tr_of(app, question), group=False)
    assert isinstance(out, TextOut) and shown.question in out.html
    assert out.buttons[0][0][1] == f"/answer 1 #{shown.round_id}"


async def test_a_reveal_shows_the_answer_explanation_source_and_outcome(app: App) -> None:
    await ask(app, "/question")
    [message] = await ask(app, "/answer 1")
    [reveal] = message.blocks
    assert isinstance(reveal, QuizReveal) and reveal.source
    [out] = render(message, tr_of(app, message), group=False)
    assert isinstance(out, TextOut)
    assert out.html == (
        f"✅ <b>{reveal.answer_text}</b>\n{reveal.explanation}\n"
        f'<a href="{reveal.source}">Source</a>\n<i>{reveal.outcome}</i>'
    )


async def test_help_is_escaped_and_balanced_in_english_and_romanian(app: App) -> None:
    [english] = await ask(app, "/help", group=True)
    [en] = texts(render(english, tr_of(app, english), group=True))
    assert "<b>/lang &lt;en|ro&gt;</b>" in en.html
    assert "/lang <en|ro>" in visible(en.html)
    assert en.html.endswith("</i>")
    await ask(app, "/lang ro", group=True)
    [romanian] = await ask(app, "/help", group=True)
    assert romanian.lang == "ro"
    [ro] = texts(render(romanian, tr_of(app, romanian), group=True))
    assert ro.html != en.html and "&lt;" in ro.html and "<b>/lang" in ro.html


async def test_an_answer_receipt_is_ephemeral_renders_and_has_a_toast(app: App) -> None:
    await ask(app, "/quiz", group=True)
    [receipt] = await ask(app, "/answer 1", group=True, user="8")
    assert receipt.ephemeral
    [out] = texts(render(receipt, tr_of(app, receipt), group=True))
    assert toast(receipt) == visible(out.html) == "Ana, your answer (1) is in."


async def test_menus_per_chat_kind_admins_and_language(app: App) -> None:
    registry = app.services.registry
    en, ro = app.services.i18n["en"], app.services.i18n["ro"]
    private = menu_commands(registry, en, for_admins=False, group=False)
    group = menu_commands(registry, en, for_admins=False, group=True)
    admins = menu_commands(registry, en, for_admins=True, group=True)
    names = {n for n, _ in private}, {n for n, _ in group}, {n for n, _ in admins}
    assert "study" in names[0] and "study" not in names[1] | names[2]  # private-only
    assert "lang" in names[0]  # admin-only applies to groups, not private chats
    assert "lang" not in names[1] and "lang" in names[2]
    admin_only = {c.name for c in registry if c.admin_only}
    assert admin_only and not admin_only & names[1] and admin_only <= names[2] | {"study"}
    assert "fact" not in names[0]  # aliases stay out of menus
    for pairs, t in (
        (private, en),
        (admins, en),
        (menu_commands(registry, ro, for_admins=True, group=True), ro),
    ):
        for name, description in pairs:
            assert re.fullmatch(r"[a-z0-9_]{1,32}", name)
            command = registry.find(name)
            assert command is not None and description == t.t(command.summary)
            assert 1 <= len(description) <= 256
    assert dict(menu_commands(registry, ro, for_admins=False, group=False))["today"] != dict(private)["today"]


# ---- hand-made edge cases -----------------------------------------------------------------------


def test_spans_become_b_i_and_links_only_for_http_and_https(i18n: I18n) -> None:
    tr = i18n[EN]
    message = Message(
        (
            Paragraph.of(
                Span("bold", bold=True),
                " ",
                Span("italic", italic=True),
                " ",
                Span("both", bold=True, italic=True),
                " ",
                Span("site", bold=True, link="https://example.org/x"),
                " ",
                Span("plain", link="http://example.org/y"),
                " ",
                Span("evil", link="javascript:alert(1)"),
                " ",
                Span("mail", link="mailto:a@b.c"),
            ),
        )
    )
    [out] = texts(render(message, tr, group=False))
    assert out.html == (
        "<b>bold</b> <i>italic</i> <b><i>both</i></b> "
        '<a href="https://example.org/x"><b>site</b></a> <a href="http://example.org/y">plain</a> '
        "evil (javascript:alert(1)) mail (mailto:a@b.c)"
    )


def test_titles_and_urls_are_escaped(i18n: I18n) -> None:
    tr = i18n[EN]
    url = "https://example.org/?a=1&b=\"2\"&c=<3>'4'"
    title = "Tom & \"Jerry\" <script>alert(1)</script> 'quoted'"
    shown = card(title=title, summary="a < b && c > d", sources=(url,))
    message = Message((shown, Paragraph.of(Span("x & y <z>", bold=True, link=url))))
    [out] = texts(render(message, tr, group=False))
    parsed = check(out.html)
    assert parsed.links == [url, url]
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;&amp;c=&lt;3&gt;&#x27;4&#x27;"' in out.html
    assert f"<b>{title.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</b>" in out.html
    assert "&quot;Jerry&quot;" not in out.html  # quotes are left alone outside attributes
    text = "".join(parsed.text)
    assert title in text and "a < b && c > d" in text and "x & y <z>" in text
    assert out.link_preview == url


def test_a_10000_character_message_is_split_under_the_limit_with_buttons_last(i18n: I18n) -> None:
    tr = i18n[EN]
    blocks = tuple(
        Paragraph.of(
            Span(f"Heading {n} & more", bold=True),
            "\n",
            "Some <plain> words and a ",
            Span("link", link=f"https://example.org/{n}"),
            " then ",
            Span("an italic stretch " * 8, italic=True),
            "\n" + "filler text " * 10,
        )
        for n in range(40)
    )
    message = Message(blocks, (Button("Next", "/year 1962 2"), Button("Back", "/year 1962 1")))
    plain = "\n\n".join(b.plain for b in blocks)
    assert len(plain) >= 10_000
    parts = texts(render(message, tr, group=False))
    assert len(parts) >= 3
    assert all(units(p.html) <= MAX_TEXT for p in parts)
    assert [p.buttons for p in parts[:-1]] == [()] * (len(parts) - 1)
    assert parts[-1].buttons == ((("Next", "/year 1962 2"), ("Back", "/year 1962 1")),)
    joined = "".join(visible(p.html) for p in parts)
    assert "".join(joined.split()) == "".join(plain.split())
    # Every cut falls between blocks: each part begins with a heading.
    assert all(p.html.startswith("<b>Heading ") for p in parts)


def test_a_single_line_too_long_is_split_between_words_with_tags_reopened(i18n: I18n) -> None:
    tr = i18n[EN]
    words = Span("bold words " * 600, bold=True)  # 6,600 characters
    link = Span("linked & italic " * 300, italic=True, link="https://example.org/long")
    unbroken = Span("x" * 5000)
    message = Message((Paragraph.of(words, link, unbroken),), (Button("More", "/more"),))
    parts = texts(render(message, tr, group=False))
    assert len(parts) >= 4
    for part in parts:
        assert units(part.html) <= MAX_TEXT
        assert "\n" not in part.html
    assert parts[0].html.startswith("<b>bold words") and parts[0].html.endswith("</b>")
    assert parts[1].html.startswith("<b>") and "</b>" in parts[1].html  # the cut reopened <b>
    assert sum(p.html.startswith('<a href="https://example.org/long"><i>') for p in parts) >= 2
    joined = "".join(visible(p.html) for p in parts)
    assert joined.replace(" ", "") == (words.text + link.text + unbroken.text).replace(" ", "")
    assert parts[-1].buttons == ((("More", "/more"),),) and all(not p.buttons for p in parts[:-1])


def test_no_part_has_more_than_100_formatting_entities(i18n: I18n) -> None:
    tr = i18n[EN]
    lines = [s for n in range(150) for s in (Span(f"/cmd{n}", bold=True), Span(" — does things\n"))]
    parts = texts(render(Message((Paragraph(tuple(lines)),)), tr, group=False))
    assert len(parts) == 2
    assert all(check(p.html).tags <= 100 for p in parts)
    assert sum(check(p.html).tags for p in parts) == 150


def test_callback_data_is_the_command_only_when_it_fits_64_bytes() -> None:
    assert callback_data("/answer 2 #123456789012") == "/answer 2 #123456789012"
    assert callback_data("/" + "a" * 63) == "/" + "a" * 63
    assert callback_data("/" + "a" * 64) is None
    romanian = "/learn războiul-rece-în-românia-și-tratatul-de-la-varșovia-țăî"
    assert len(romanian) <= 64 and len(romanian.encode("utf-8")) == 70
    assert callback_data(romanian) is None
    assert callback_data("") is None


def test_buttons_two_per_row_when_short_else_one_and_labels_at_most_64(i18n: I18n) -> None:
    tr = i18n[EN]
    body = (Paragraph.of("Pick one."),)
    short = Message(body, tuple(Button(f"Button {i}", f"/b {i}") for i in range(5)))
    [out] = texts(render(short, tr, group=False))
    assert [len(row) for row in out.buttons] == [2, 2, 1]
    assert out.buttons[0] == (("Button 0", "/b 0"), ("Button 1", "/b 1"))
    long = Message(body, (Button("Short", "/a"), Button("A label well over twenty characters", "/b")))
    [out] = texts(render(long, tr, group=False))
    assert [len(row) for row in out.buttons] == [1, 1]
    huge = Message(body, (Button("word " * 40, "/c"),))
    [out] = texts(render(huge, tr, group=False))
    [[(label, command)]] = out.buttons
    assert len(label) <= 64 and label.endswith("…") and command == "/c"


def test_choice_buttons_numbers_for_long_choices_and_four_per_row_when_short(i18n: I18n) -> None:
    tr = i18n[EN]
    years = prompt(choices=("1953", "1955", "1956", "1961", "1968"), open_seconds=None)
    [out] = texts(render(Message((years,)), tr, group=False))
    assert out.buttons == (
        (
            ("1953", "/answer 1 #42"),
            ("1955", "/answer 2 #42"),
            ("1956", "/answer 3 #42"),
            ("1961", "/answer 4 #42"),
        ),
        (("1968", "/answer 5 #42"),),
    )
    long_choices = ("It introduced its own currency and blockaded West Berlin", "It built the Berlin Wall")
    long = prompt(choices=long_choices, private_answers=False)
    [out] = texts(render(Message((long,), (Button("Skip", "/skip"),)), tr, group=True))
    assert out.buttons == (
        (("1", "/answer 1 #42"), ("2", "/answer 2 #42")),
        (("Skip", "/skip"),),
    )
    assert f"1. {long_choices[0]}" in out.html and f"2. {long_choices[1]}" in out.html


def test_poll_question_options_explanation_and_open_period_fit_telegram(i18n: I18n) -> None:
    tr = i18n[EN]
    explanation = "First line.\nSecond line.\n\nThird line.\nFourth line.\n" + "Because " * 60
    long = prompt(
        question="Why " * 100,
        choices=("A " * 80, "B", "C", "D"),
        explanation=explanation,
        open_seconds=3,
    )
    [_, poll] = render(Message((long,)), tr, group=True)
    assert isinstance(poll, PollOut)
    assert len(poll.question) <= 300 and poll.question.endswith("…")
    assert all(len(option) <= 100 for option in poll.options) and poll.options[1:] == ("B", "C", "D")
    assert poll.explanation is not None
    assert len(poll.explanation) <= 200 and poll.explanation.count("\n") <= 2
    assert poll.explanation.startswith("First line.\nSecond line.\nThird line. Fourth line. Because")
    assert poll.open_period == 5
    [_, slow] = render(Message((prompt(open_seconds=1000, explanation=""),)), tr, group=True)
    assert isinstance(slow, PollOut) and slow.open_period == 600 and slow.explanation is None


def test_the_poll_header_is_sent_only_when_it_is_not_empty(i18n: I18n) -> None:
    tr = i18n[EN]
    [poll] = render(Message((prompt(header=""),)), tr, group=True)
    assert isinstance(poll, PollOut) and poll.round_id == 42
    header, poll = render(Message((prompt(header="Question 3 of 5 · <30 s>"),)), tr, group=True)
    assert isinstance(header, TextOut) and header.html == "<b>Question 3 of 5 · &lt;30 s&gt;</b>"
    assert isinstance(poll, PollOut)


def test_a_prompt_is_text_when_not_a_timed_private_answer_group_question(i18n: I18n) -> None:
    tr = i18n[EN]
    for shown, group in (
        (prompt(), False),
        (prompt(open_seconds=None), True),
        (prompt(private_answers=False), True),
        (prompt(choices=("Only one",)), True),
    ):
        [out] = render(Message((shown,)), tr, group=group)
        assert isinstance(out, TextOut) and shown.question in out.html


def test_blocks_before_a_poll_go_before_it_and_buttons_on_the_last_text(i18n: I18n) -> None:
    tr = i18n[EN]
    message = Message((Paragraph.of("Score: Ana 2"), prompt()), (Button("Stop", "/stop"),))
    text, poll = render(message, tr, group=True)
    assert isinstance(text, TextOut) and isinstance(poll, PollOut)
    assert text.html == "Score: Ana 2\n\n<b>Question 1 of 5 · 30 s</b>"
    assert text.buttons == ((("Stop", "/stop"),),)


def test_link_preview_only_for_exactly_one_card_with_a_web_source(i18n: I18n) -> None:
    tr = i18n[EN]
    [one] = texts(render(Message((card(),), (Button("Another one", "/random"),)), tr, group=False))
    assert one.link_preview == "https://example.org/a"
    [two] = texts(render(Message((card(), card(event_id="other"))), tr, group=False))
    assert two.link_preview is None
    [none] = texts(render(Message((Paragraph.of(Span("x", link="https://example.org")),)), tr, group=False))
    assert none.link_preview is None
    [ftp] = texts(render(Message((card(sources=("ftp://example.org/a",)),)), tr, group=False))
    assert ftp.link_preview is None and "Source: ftp://example.org/a" in ftp.html


def test_sources_that_are_not_web_links_are_shown_as_text(i18n: I18n) -> None:
    tr = i18n[EN]
    full = card(full=True, sources=("https://example.org/a", "Archive box 12"), tags=("Cold War",))
    reveal = QuizReveal(1, 0, "Answer: 1. Warsaw", "Why.", "Archive box 12", "Nobody answered.")
    [out] = texts(render(Message((full, reveal)), tr, group=False))
    assert '1. <a href="https://example.org/a">example.org</a>\n2. Archive box 12' in out.html
    assert "\nSource: Archive box 12\n<i>Nobody answered.</i>" in out.html
    assert check(out.html).links == ["https://example.org/a"]


def test_a_toast_is_plain_text_of_at_most_200_characters() -> None:
    message = Message(
        (Paragraph.of(Span("Answer <recorded>", bold=True), " & " + "counted " * 40),), ephemeral=True
    )
    text = toast(message)
    assert len(text) <= 200 and text.startswith("Answer <recorded> & counted") and text.endswith("…")
    assert toast(Message((Paragraph.of("Too late!"),), ephemeral=True)) == "Too late!"


def test_romanian_chrome_comes_from_the_catalog(i18n: I18n) -> None:
    tr = i18n["ro"]
    [out] = texts(
        render(Message((card(), card(event_id="b", full=True, tags=("Blocuri",)))), tr, group=False)
    )
    assert ">Sursă</a>\nDetalii: /event warsaw-pact-signed" in out.html
    assert "\nSurse:\n1. " in out.html and "\nEtichete: Blocuri" in out.html
