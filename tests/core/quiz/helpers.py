"""Reading the open question from the database, so a test can answer right or wrong on purpose."""

from __future__ import annotations

from bot.app import App
from storage.quiz import Round


async def open_round(app: App, chat_id: str) -> Round:
    found = await app.services.quiz.store.open_round("console", chat_id)
    assert found is not None, f"no question is open in chat {chat_id}"
    return found


def right(r: Round) -> str:
    return str(r.answer + 1)


def wrong(r: Round) -> str:
    return str((r.answer + 1) % r.choices + 1)


async def count(app: App, sql: str, *params: object) -> int:
    return int(app.db.reader.execute(sql, params).fetchone()[0])
