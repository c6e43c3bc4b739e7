"""End-to-end stories: a user talks to the real core through the console adapter, against a real
SQLite file, with the clock fixed at 14 May 2026, 09:00 in Bucharest."""

from datetime import datetime
from pathlib import Path

from bot.app import App
from bot.core.clock import FixedClock
from tests.conftest import Chat
from tests.content.trees import one_event_tree


async def test_a_newcomer_starts_and_asks_for_help(chat: Chat) -> None:
    start = await chat.say("/start")
    assert "Cold War Study Bot" in start and "/today" in start
    help_ = await chat.say("/help")
    for command in ("/today", "/date", "/event", "/search", "/year", "/random", "/lang"):
        assert command in help_
    assert "/fact" in help_
    details = await chat.say("/help date")
    assert "05-14" in details and "1955-05-14" in details
    assert "There is no command /nope" in await chat.say("/help nope")


async def test_today_shows_this_days_events_oldest_first(chat: Chat) -> None:
    out = await chat.say("/today")
    assert out.startswith("On this day, 14 May")
    assert "14 May 1955 · 71 years ago" in out
    assert "Warsaw Pact signed" in out
    assert "Source: https://" in out
    assert out.index("1955") < out.index("1964")


async def test_today_follows_the_chats_local_date(app: App, clock: FixedClock, chat: Chat) -> None:
    # 23:30 UTC on 13 May: still 13 May in a UTC chat, already 14 May in Bucharest.
    clock.set(datetime.fromisoformat("2026-05-13T23:30:00+00:00"))
    assert (await chat.say("/today")).startswith("On this day, 13 May")
    await app.services.chats.set_timezone("console", "1", "Europe/Bucharest", clock.now())
    assert (await chat.say("/today")).startswith("On this day, 14 May")


async def test_an_empty_day_offers_the_nearest_days_that_have_events(
    app: App, clock: FixedClock, chat: Chat
) -> None:
    # Every day of the year has events except 29 February, which only leap years have.
    assert await app.services.content.events_on(2, 29) == []
    clock.set(datetime.fromisoformat("2028-02-29T12:00:00+00:00"))
    out = await chat.say("/today")
    assert "no events on 29 February" in out
    assert "/date 02-28" in out and "/date 03-01" in out
    assert "no events on 29 February" in await chat.say("/date 29.02")


async def test_date_in_every_accepted_form(chat: Chat) -> None:
    for form in ("05-14", "14.05", "14 May", "May 14", "14 mai"):
        out = await chat.say(f"/date {form}")
        assert out.startswith("On 14 May"), form
        assert "Warsaw Pact signed" in out, form


async def test_a_full_date_shows_that_day_then_other_years(chat: Chat) -> None:
    out = await chat.say("/date 1964-05-14")
    assert out.startswith("On 14 May 1964")
    assert out.index("Nile") < out.index("14 May in other years") < out.index("Warsaw Pact signed")
    nothing = await chat.say("/date 1970-05-14")
    assert "no event recorded on 14 May 1970" in nothing
    assert "Warsaw Pact signed" in nothing
    outside = await chat.say("/date 2001-05-14")
    assert "1945–1991" in outside and "Warsaw Pact signed" in outside


async def test_bad_dates_get_examples(chat: Chat) -> None:
    for bad in ("02-30", "13-45", "tomorrow"):
        out = await chat.say(f"/date {bad}")
        assert f"can't read “{bad}” as a date" in out
        assert "/date 1955-05-14" in out
    assert "Which day?" in await chat.say("/date")


async def test_an_event_in_full_with_every_source_and_its_tags(chat: Chat) -> None:
    out = await chat.say("/event warsaw-pact-signed")
    assert "Warsaw Pact signed" in out
    assert "Sources:" in out and out.count("https://") >= 2
    assert "Tags: Alliances and blocs" in out
    near = await chat.say("/event warsaw-pact-signd")
    assert "Did you mean" in near and "/event warsaw-pact-signed" in near
    assert "no event with the id" in await chat.say("/event qqqqqqqqqq")
    assert "Which event?" in await chat.say("/event")


async def test_search_and_its_alias_find_facts_with_ids(chat: Chat) -> None:
    out = await chat.say("/search warsaw pact")
    assert "Best matches for “warsaw pact”" in out
    assert "/event warsaw-pact-signed" in out
    assert out == await chat.say("/fact warsaw pact")
    assert 1 <= out.count("years ago") <= 5
    assert "Source: https://" in out
    assert "Nothing found for “qqqzzz”" in await chat.say("/search qqqzzz")
    assert "What should I look for?" in await chat.say("/search")


async def test_search_survives_hostile_input(chat: Chat) -> None:
    for text in (
        '"',
        "*",
        "NEAR",
        "AND OR NOT",
        "((",
        "a) OR (b",
        '"unterminated',
        "x" * 4000,
        "'; DROP TABLE events; --",
        "^*^",
        "NEAR(a b, 2)",
        "🚀🚀",
    ):
        out = await chat.say(f"/search {text}")
        assert "something went wrong" not in out, text
        assert out
    assert "Warsaw Pact signed" in await chat.say("/search warsaw")


async def test_a_year_page_by_page(app: App, chat: Chat) -> None:
    _, total = await app.services.content.events_in_year(1955, 0, 1)
    pages = (total + 4) // 5
    assert pages >= 3
    first = await chat.say("/year 1955")
    assert f"1955: {total} events — page 1 of {pages}" in first
    assert first.count("years ago") == 5  # each event with its date, age, summary and source
    assert "/year 1955 2" in first and "/year 1955 0" not in first
    second = await chat.say("/year 1955 2")
    assert f"page 2 of {pages}" in second and "/year 1955 1" in second and "/year 1955 3" in second
    last = await chat.say(f"/year 1955 {pages}")
    assert last.count("years ago") == total - 5 * (pages - 1) and f"/year 1955 {pages + 1}" not in last
    assert f"no page {pages + 1}" in await chat.say(f"/year 1955 {pages + 1}")
    assert "outside the Cold War" in await chat.say("/year 1944")
    assert "outside the Cold War" in await chat.say("/year 1992")
    assert "Which year?" in await chat.say("/year nineteen")
    assert "Which year?" in await chat.say("/year")


async def test_random_gives_an_event_and_another(chat: Chat) -> None:
    out = await chat.say("/random")
    assert "years ago" in out and "/random" in out


async def test_switching_to_romanian_persists_across_restarts(db_path: Path, clock: FixedClock) -> None:
    async with await App.start(db_path, clock=clock) as app:
        chat = Chat(app)
        reply = await chat.say("/lang ro")
        assert reply == "Gata: în această conversație voi vorbi în română."
        out = await chat.say("/today")
        assert out.startswith("În această zi, 14 mai")
        assert "14 mai 1955 · acum 71 de ani" in out
        assert "Semnarea Tratatului de la Varșovia" in out
        assert "Sursă: https://" in out
    async with await App.start(db_path, clock=clock) as restarted:
        assert (await Chat(restarted).say("/today")).startswith("În această zi")


async def test_romanian_replies_to_every_bad_input(chat: Chat) -> None:
    await chat.say("/lang ro")
    assert "Nu pot citi „02-30” ca dată" in await chat.say("/date 02-30")
    assert "Nu cunosc comanda /nope" in await chat.say("/nope")
    assert "Răspund la comenzi" in await chat.say("salut")
    assert "N-am găsit nimic" in await chat.say("/search qqqzzz")
    assert "Care an?" in await chat.say("/year x")
    assert "Nu vorbesc „fr”" in await chat.say("/lang fr")
    assert "Limba acestei conversații este română" in await chat.say("/lang")
    search = await chat.say("/search varsovia")
    assert "Semnarea Tratatului de la Varșovia" in search


async def test_in_a_group_only_admins_change_the_language(app: App) -> None:
    member = Chat(app, chat_id="-100", user_id="8", name="Ion", group=True, admin=False)
    admin = Chat(app, chat_id="-100", user_id="7", name="Ana", group=True, admin=True)
    assert "Only the group's admins can use /lang" in await member.say("/lang ro")
    assert "(group admins only)" in await member.say("/help")
    assert "română" in await admin.say("/lang ro")
    assert (await member.say("/today")).startswith("În această zi")


async def test_unknown_commands_and_plain_text_point_to_help(chat: Chat) -> None:
    assert "Did you mean /today?" in await chat.say("/todya")
    assert "I don't know /xyzzy" in await chat.say("/xyzzy")
    assert "/help" in await chat.say("what happened today?")


async def test_a_year_without_events_says_so(tmp_path: Path, clock: FixedClock) -> None:
    root = one_event_tree(tmp_path / "content")
    async with await App.start(tmp_path / "db.sqlite3", clock=clock, content=root) as app:
        chat = Chat(app)
        assert "no events for 1947 yet" in await chat.say("/year 1947")
        assert "1955: 1 event — page 1 of 1" in await chat.say("/year 1955")
