"""Saying when something will happen, in the chat's language and zone: "in 10 minutes", "today at
18:30", "tomorrow at 09:00", "on 3 December 2026 at 09:00"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import Translator


def moment(tr: Translator, at: datetime, now: datetime, zone: ZoneInfo, *, relative: bool = False) -> str:
    """``relative`` says "in 10 minutes" for anything within the hour (a study card coming back);
    without it, a clock time (a digest's schedule)."""
    delta = at - now
    if relative and delta <= timedelta(0):
        return tr.t("when.now")
    if relative and delta < timedelta(hours=1):
        return tr.tn("when.minutes", "when.minutes_plural", max(1, int(delta.total_seconds() // 60)))
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return tr.t("when.today_at", time=clock)
    if local.date() == today + timedelta(days=1):
        return tr.t("when.tomorrow_at", time=clock)
    return tr.t("when.on_date", date=tr.date(local.date()), time=clock)
