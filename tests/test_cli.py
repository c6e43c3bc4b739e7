"""The command line as users and outside checks call it: ``coldwar-bot ask`` / ``content check``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(
    *args: str, db: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS``; with ``db`` the database is passed as ``--db`` after the subcommand."""
    full_env = {k: v for k, v in os.environ.items() if k != "COLDWAR_BOT_DB"} | (env or {})
    if db is not None:
        args = (args[0], "--db", str(db), *args[1:])
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=120,
    )


def test_ask_answers_with_a_fixed_clock_and_keeps_state_between_calls(db_path: Path) -> None:
    now = "--now=2026-05-14T09:00:00+03:00"
    out = run("ask", now, "/today", db=db_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("On this day, 14 May")
    assert run("ask", "/lang", "ro", db=db_path).returncode == 0
    again = run("ask", now, "/today", db=db_path)
    assert again.stdout.startswith("În această zi, 14 mai")
    # another chat keeps its own language
    other = run("ask", now, "--chat", "99", "/today", db=db_path)
    assert other.stdout.startswith("On this day")


def test_ask_lists_buttons_as_the_commands_they_send(db_path: Path) -> None:
    out = run("ask", "/year", "1955", db=db_path)
    assert "/year 1955 2" in out.stdout


def test_ask_in_a_group_as_a_member(db_path: Path) -> None:
    out = run("ask", "--group", "--member", "--user", "8", "--name", "Ion", "/lang ro", db=db_path)
    assert out.returncode == 0
    assert "Only the group's admins" in out.stdout
    out = run("ask", "--group", "--user", "7", "/lang ro", db=db_path)
    assert "română" in out.stdout


def test_ask_uses_the_database_named_by_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env" / "bot.sqlite3"
    out = run("ask", "--lang", "ro", "/start", env={"COLDWAR_BOT_DB": str(db)})
    assert out.returncode == 0, out.stderr
    assert "Încearcă" in out.stdout
    assert db.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["ask"],
        ["ask", "--now", "yesterday", "/today"],
        ["ask", "--now", "2026-05-14T09:00:00", "/today"],
        ["ask", "--lang", "fr", "/today"],
        ["content"],
        ["nonsense"],
    ],
)
def test_usage_errors_exit_non_zero_with_a_message(args: list[str], tmp_path: Path) -> None:
    out = run(*args, env={"COLDWAR_BOT_DB": str(tmp_path / "db.sqlite3")})
    assert out.returncode == 2
    assert "usage:" in out.stderr


def test_bad_input_is_still_exit_zero(db_path: Path) -> None:
    out = run("ask", "/date 02-30", db=db_path)
    assert out.returncode == 0 and "can't read" in out.stdout


def test_content_check_prints_counts_and_json() -> None:
    out = run("content", "check")
    assert out.returncode == 0, out.stdout
    assert "events:" in out.stdout and "calendar days covered:" in out.stdout and "of 366" in out.stdout
    assert "items missing a language: 0" in out.stdout
    report = json.loads(run("content", "check", "--json").stdout)
    assert report["ok"] is True and report["errors"] == []
    assert report["counts"]["events"] >= 40


def test_console_chat_reads_lines_until_quit(db_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(db_path)],
        input="/date 14 May\n\n/quit\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Type /help to begin" in proc.stdout
    assert "Warsaw Pact signed" in proc.stdout


def _open_answer(db: Path, chat: str) -> int:
    """The right choice (1-based) of the chat's open question, read from the database."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT answer FROM rounds WHERE chat_id = ? AND closed_at IS NULL", (chat,)
        ).fetchone()
    assert row is not None, "no open question"
    return int(row[0]) + 1


def test_a_whole_group_game_through_one_shot_ask_calls(db_path: Path) -> None:
    """Each ``ask`` is a fresh process: the game lives in the database, and a later ``--now`` moves
    it on — the reply shows the reveal and the next question, then the final ranking."""
    t0 = "2026-05-14T09:00:00+03:00"
    group = ("--group", "--chat", "7")
    out = run("ask", *group, "--user", "1", "--name", "Ana", "--now", t0, "/quiz 2", db=db_path)
    assert "Question 1 of 2" in out.stdout, out.stderr
    for second, (user, name) in enumerate((("2", "Ion"), ("3", "Eva")), 1):
        good = str(_open_answer(db_path, "7"))
        at = f"2026-05-14T09:00:0{second}+03:00"
        out = run("ask", *group, "--member", "--user", user, "--name", name, "--now", at, good, db=db_path)
        assert f"{name}, your answer ({good}) is in." in out.stdout
    out = run("ask", *group, "--user", "1", "--now", "2026-05-14T09:00:31+03:00", "/top", db=db_path)
    assert "Right: Ion, Eva (of 2 answers)" in out.stdout
    assert "Question 2 of 2" in out.stdout
    assert out.stdout.index("Question 2 of 2") < out.stdout.index("Leaderboard, all time")
    good = str(_open_answer(db_path, "7"))
    run(
        "ask",
        *group,
        "--member",
        "--user",
        "3",
        "--name",
        "Eva",
        "--now",
        "2026-05-14T09:00:35+03:00",
        good,
        db=db_path,
    )
    out = run("ask", *group, "--user", "1", "--now", "2026-05-14T09:01:10+03:00", "/stats", db=db_path)
    assert "Quiz over! Final ranking:" in out.stdout
    assert out.stdout.index("🥇 Eva — 2 points") < out.stdout.index("🥈 Ion — 1 point")


def test_tick_runs_due_timers_once(db_path: Path) -> None:
    t0 = "2026-05-14T09:00:00+03:00"
    run("ask", "--group", "--chat", "8", "--now", t0, "/question", db=db_path)
    early = run("tick", "--now", "2026-05-14T09:00:10+03:00", db=db_path)
    assert early.returncode == 0 and early.stdout == ""
    due = run("tick", "--now", "2026-05-14T09:00:31+03:00", db=db_path)
    assert "── console chat 8 ──" in due.stdout and "Nobody answered." in due.stdout
    again = run("tick", "--now", "2026-05-14T09:00:32+03:00", db=db_path)
    assert again.returncode == 0 and again.stdout == ""


def test_tick_posts_each_days_digest_once(db_path: Path) -> None:
    early = "2026-05-14T08:00:00+03:00"
    out = run("ask", "--chat", "42", "--now", early, "/subscribe 09:00 Europe/Bucharest", db=db_path)
    assert "Subscribed" in out.stdout, out.stderr
    assert run("tick", "--now", "2026-05-14T08:59:00+03:00", db=db_path).stdout == ""
    first = run("tick", "--now", "2026-05-14T09:00:00+03:00", db=db_path)
    assert first.returncode == 0, first.stderr
    assert "── console chat 42 ──" in first.stdout
    assert "This day in the Cold War · 14 May 2026" in first.stdout
    assert run("tick", "--now", "2026-05-14T09:01:00+03:00", db=db_path).stdout == ""
    assert "15 May 2026" in run("tick", "--now", "2026-05-15T09:00:00+03:00", db=db_path).stdout


def test_run_needs_a_token_and_never_prints_it(db_path: Path) -> None:
    out = run("run", db=db_path)
    assert out.returncode == 2 and "TELEGRAM_BOT_TOKEN" in out.stderr
    token = "123456:SECRET-TOKEN-VALUE"
    env = {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
    }  # nothing listens there
    out = run("run", db=db_path, env=env)
    assert out.returncode == 1 and "Telegram did not start" in out.stderr
    assert token not in out.stderr and token not in out.stdout
    hook = run(
        "run",
        db=db_path,
        env={"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_WEBHOOK_URL": "https://x.example/telegram"},
    )
    assert hook.returncode != 0 and "TELEGRAM_WEBHOOK_SECRET" in hook.stderr


def test_run_on_discord_without_a_reachable_discord_says_so_without_the_token(db_path: Path) -> None:
    token = "MTIz.DISCORD-SECRET.VALUE"
    env = {"DISCORD_BOT_TOKEN": token, "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10"}
    out = run("run", db=db_path, env=env)
    assert out.returncode == 1 and "Discord did not start" in out.stderr
    assert token not in out.stderr and token not in out.stdout
    bad = run("run", db=db_path, env={"DISCORD_BOT_TOKEN": token, "DISCORD_DEV_GUILD": "my-server"})
    assert bad.returncode != 0 and "DISCORD_DEV_GUILD" in bad.stderr
