"""The only place SQL lives: one SQLite file (WAL, foreign keys on), forward-only migrations,
and a repository per aggregate. Callers see async functions named for what they need, so a
PostgreSQL backend can later implement the same functions."""

from storage.db import Database

__all__ = ["Database"]
