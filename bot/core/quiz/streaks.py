"""Streaks: consecutive chat-local days with at least one correct answer."""

from __future__ import annotations

from datetime import date, timedelta


def streaks(days: list[date], today: date) -> tuple[int, int]:
    """(best, current) for sorted distinct days. The current streak is still alive when its last day
    is today or yesterday: a learner who has not played yet today has not broken it."""
    best = run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    current = run if previous is not None and today - previous <= timedelta(days=1) else 0
    return best, current
