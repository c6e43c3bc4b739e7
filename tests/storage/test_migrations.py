"""Migrations run forward from any earlier version, and the result matches a fresh database."""

import sqlite3
from datetime import datetime
from pathlib import Path

import aiosqlite
import pytest

from storage.db import Database, SchemaTooNew, latest_version, migrate, migrations


def schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        ).fetchall()
    return [(name, " ".join(sql.split())) for name, sql in rows]


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in migrations()]
    assert versions == list(range(1, latest_version() + 1))


async def test_an_empty_database_is_migrated_to_the_latest_version(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "new.sqlite3")
    async with db:
        assert db.reader.execute("SELECT version FROM schema_version").fetchone()[0] == latest_version()
        assert (await db.writer.execute_fetchall("PRAGMA journal_mode"))[0][0] == "wal"
        assert (await db.writer.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1


@pytest.mark.parametrize("start", range(latest_version()))
async def test_every_earlier_version_migrates_to_the_same_schema_keeping_data(
    tmp_path: Path, start: int
) -> None:
    fresh = tmp_path / "fresh.sqlite3"
    old = tmp_path / "old.sqlite3"
    await (await Database.open(fresh)).close()
    await (await Database.open(old, migrate_to=start)).close()
    if start >= 1:  # a database made by an earlier version holds user data that must survive
        with sqlite3.connect(old) as conn:
            conn.execute(
                "INSERT INTO chats (platform, chat_id, kind, lang, created_at, updated_at)"
                " VALUES ('telegram', '42', 'group', 'ro', 'x', 'x')"
            )
    db = await Database.open(old)
    async with db:
        assert db.reader.execute("SELECT version FROM schema_version").fetchone()[0] == latest_version()
        if start >= 1:
            row = db.reader.execute("SELECT lang FROM chats WHERE chat_id = '42'").fetchone()
            assert row == ("ro",)
    assert schema(old) == schema(fresh)


async def test_running_migrations_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path)).close()
    before = schema(path)
    async with aiosqlite.connect(path) as conn:
        assert await migrate(conn) == latest_version()
    assert schema(path) == before


async def test_a_database_from_a_newer_bot_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = 999")
    with pytest.raises(SchemaTooNew):
        await Database.open(path)


async def test_upgrading_from_version_1_reloads_content_into_the_new_tables(tmp_path: Path) -> None:
    from bot.app import App

    path = tmp_path / "db.sqlite3"
    await (await Database.open(path, migrate_to=1)).close()
    with sqlite3.connect(path) as conn:  # version 1 had loaded content and remembered its hash
        conn.execute("INSERT INTO content_meta (key, value) VALUES ('digest', 'from-version-1')")
    app = await App.start(path)
    async with app:
        assert await app.services.content.digest() not in (None, "from-version-1")
        assert await app.services.content.event("warsaw-pact-signed") is not None


async def test_subscriptions_move_to_a_without_rowid_table_intact(tmp_path: Path) -> None:
    """Version 7 rebuilds ``subscriptions`` as WITHOUT ROWID: every row of a version 6 database,
    active or paused, keeps every column, and reads still go through ``subscriptions_due``."""
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path, migrate_to=6)).close()
    columns = (
        "platform, chat_id, local_time, with_quiz, target, next_date, next_due, state, paused_reason,"
        " target_name, created_by, created_at, updated_at"
    )
    rows = [
        ("telegram", "-100", "09:00", 1, None, "2026-05-14", "2026-05-14T06:00:00+00:00", "active", None,
         None, "5", "2026-05-01T10:00:00+00:00", "2026-05-02T10:00:00+00:00"),
        ("telegram", "42", "21:30", 0, None, "2026-05-15", "2026-05-15T18:30:00+00:00", "paused",
         "Forbidden: bot was blocked by the user", None, None, "2026-05-01T10:00:00+00:00",
         "2026-05-03T10:00:00+00:00"),
        ("discord", "7", "07:15", 1, "9", "2026-05-14", "2026-05-14T11:15:00+00:00", "active", None,
         "history", "8", "2026-05-01T10:00:00+00:00", "2026-05-01T10:00:00+00:00"),
    ]  # fmt: skip
    with sqlite3.connect(path) as conn:
        conn.executemany(f"INSERT INTO subscriptions ({columns}) VALUES ({', '.join('?' * 13)})", rows)
        conn.execute(
            "INSERT INTO digest_deliveries (platform, chat_id, local_date, state, claimed_at)"
            " VALUES ('telegram', '42', '2026-05-13', 'sent', '2026-05-13T06:00:00+00:00')"
        )
    conn.close()
    db = await Database.open(path, migrate_to=7)
    async with db:
        kept = db.reader.execute(f"SELECT {columns} FROM subscriptions ORDER BY platform, chat_id").fetchall()
        assert kept == sorted(rows)
        assert db.reader.execute("SELECT count(*) FROM digest_deliveries").fetchone() == (1,)
        with pytest.raises(sqlite3.OperationalError, match="rowid"):
            db.reader.execute("SELECT rowid FROM subscriptions")
        due = db.reader.execute(
            "SELECT chat_id FROM subscriptions WHERE state = 'active' AND next_due <= '2026-05-14T12'"
            " ORDER BY next_due"
        ).fetchall()
        assert due == [("-100",), ("7",)]


async def test_subscription_instants_become_unix_seconds(tmp_path: Path) -> None:
    """Version 8 stores the subscriptions' instants as Unix seconds: each text instant of a version 7
    database becomes the same instant, every other column is kept, and the due index still serves
    the range read."""
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path, migrate_to=7)).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO subscriptions (platform, chat_id, local_time, with_quiz, target, next_date,"
            " next_due, state, paused_reason, target_name, created_by, created_at, updated_at) VALUES"
            " ('telegram', '-100', '09:00', 0, NULL, '2026-05-14', '2026-05-14T06:00:00+00:00', 'active',"
            " NULL, NULL, '5', '2026-05-01T10:00:00+00:00', '2026-05-02T10:30:15+00:00'),"
            " ('discord', '7', '21:30', 1, '9', '2026-05-15', '2026-05-15T18:30:00+00:00', 'paused',"
            " 'Forbidden', 'history', NULL, '2026-05-01T10:00:00+00:00', '2026-05-03T10:00:00+00:00')"
        )
    conn.close()
    db = await Database.open(path, migrate_to=8)
    async with db:
        rows = db.reader.execute("SELECT * FROM subscriptions ORDER BY platform, chat_id").fetchall()
        assert rows == [
            ("discord", "7", "21:30", 1, "9", "2026-05-15", seconds("2026-05-15T18:30:00+00:00"), "paused",
             "Forbidden", "history", None, seconds("2026-05-01T10:00:00+00:00"),
             seconds("2026-05-03T10:00:00+00:00")),
            ("telegram", "-100", "09:00", 0, None, "2026-05-14", seconds("2026-05-14T06:00:00+00:00"),
             "active", None, None, "5", seconds("2026-05-01T10:00:00+00:00"),
             seconds("2026-05-02T10:30:15+00:00")),
        ]  # fmt: skip
        assert {type(v) for r in rows for v in (r[6], r[11], r[12])} == {int}
        plan = db.reader.execute(
            "EXPLAIN QUERY PLAN SELECT chat_id FROM subscriptions WHERE state = 'active'"
            " AND next_due <= ? ORDER BY next_due",
            (seconds("2026-05-15T00:00:00+00:00"),),
        ).fetchall()
        assert "subscriptions_due" in plan[0][3]


async def test_chats_move_to_a_without_rowid_table_intact(tmp_path: Path) -> None:
    """Version 9 rebuilds ``chats`` as WITHOUT ROWID: every chat of a version 8 database keeps every
    setting, the defaults and checks still hold, and a chat is found by its key alone."""
    path = tmp_path / "db.sqlite3"
    await (await Database.open(path, migrate_to=8)).close()
    rows = [
        ("telegram", "-100", "group", "ro", "Europe/Bucharest", "2026-05-01T10:00:00+00:00",
         "2026-05-02T10:00:00+00:00", 45, 10),
        ("discord", "7", "group", "en", "Asia/Kathmandu", "2026-05-01T10:00:00+00:00",
         "2026-05-01T10:00:00+00:00", 30, 5),
        ("telegram", "42", "private", "en", "UTC", "2026-05-03T10:00:00+00:00",
         "2026-05-03T10:00:00+00:00", 120, 1),
    ]  # fmt: skip
    columns = "platform, chat_id, kind, lang, timezone, created_at, updated_at, quiz_seconds, quiz_length"
    with sqlite3.connect(path) as conn:
        conn.executemany(f"INSERT INTO chats ({columns}) VALUES ({', '.join('?' * 9)})", rows)
    conn.close()
    db = await Database.open(path, migrate_to=9)
    async with db:
        kept = db.reader.execute(f"SELECT {columns} FROM chats ORDER BY platform, chat_id").fetchall()
        assert kept == sorted(rows)
        with pytest.raises(sqlite3.OperationalError, match="rowid"):
            db.reader.execute("SELECT rowid FROM chats")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            await db.write("UPDATE chats SET quiz_seconds = 5 WHERE chat_id = '42'")
        await db.write(
            "INSERT INTO chats (platform, chat_id, kind, created_at, updated_at)"
            " VALUES ('console', 'me', 'private', 'now', 'now')"
        )
        assert db.reader.execute(
            "SELECT lang, timezone, quiz_seconds, quiz_length FROM chats WHERE chat_id = 'me'"
        ).fetchone() == ("en", "UTC", 30, 5)
        plan = db.reader.execute(
            "EXPLAIN QUERY PLAN SELECT timezone FROM chats WHERE platform = 'telegram' AND chat_id = '42'"
        ).fetchall()
        assert "PRIMARY KEY" in plan[0][3]


def seconds(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())
