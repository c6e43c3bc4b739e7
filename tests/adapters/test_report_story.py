"""A reader spots a mistake and reports it; the maintainer lists and closes reports."""

from bot.app import App
from tests.conftest import Chat
from tests.test_cli import run


async def test_a_report_is_stored_with_who_where_and_when(app: App, group: Chat) -> None:
    out = await group.say("/report warsaw-pact-signed Albania left in 1968, not 1962")
    assert "Report #1 about warsaw-pact-signed is saved" in out
    [report] = await app.services.reports.list()
    assert (report.target_kind, report.target_id) == ("event", "warsaw-pact-signed")
    assert report.text == "Albania left in 1968, not 1962"
    assert (report.platform, report.chat_id, report.user_id, report.user_name) == (
        "console",
        "-100",
        "7",
        "Ana",
    )
    assert report.created_at == "2026-05-14T06:00:00+00:00"  # stored in UTC
    assert report.is_open


async def test_bad_reports_get_clear_answers_in_both_languages(chat: Chat) -> None:
    assert "What is wrong, and where?" in await chat.say("/report")
    assert "What is wrong with warsaw-pact-signed?" in await chat.say("/report warsaw-pact-signed")
    near = await chat.say("/report warsaw-pact-signd wrong day")
    assert "Did you mean" in near and "/report warsaw-pact-signed" in near
    assert "no event or question with the id “zzzz”" in await chat.say("/report zzzz wrong")
    assert "please keep it within 1000" in await chat.say("/report warsaw-pact-signed " + "x" * 1001)
    await chat.say("/lang ro")
    assert "Ce e greșit și unde?" in await chat.say("/report")
    assert "Mulțumesc! Semnalarea nr. 1" in await chat.say("/report warsaw-pact-signed data")


async def test_one_user_cannot_flood_the_reports(chat: Chat) -> None:
    for _ in range(20):
        assert "Thank you!" in await chat.say("/report warsaw-pact-signed typo")
    assert "20 reports today" in await chat.say("/report warsaw-pact-signed typo")


async def test_the_maintainer_lists_and_closes_reports(app: App, chat: Chat, db_path) -> None:  # type: ignore[no-untyped-def]
    await chat.say("/report warsaw-pact-signed first")
    await chat.say("/report belgrade-declaration second")
    await app.stop()
    listed = run("reports", db=db_path)
    assert listed.returncode == 0
    assert (
        "#1 [open]" in listed.stdout and "warsaw-pact-signed" in listed.stdout and "second" in listed.stdout
    )
    assert run("reports", "close", "1", db=db_path).stdout.strip() == "report #1 closed"
    again = run("reports", "close", "1", db=db_path)
    assert again.returncode == 1 and "no open report #1" in again.stderr
    open_only = run("reports", "--open", db=db_path).stdout
    assert "#1" not in open_only and "#2 [open]" in open_only
