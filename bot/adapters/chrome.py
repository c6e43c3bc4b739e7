"""The few words adapters add around the core's cards ("Source", "Sources", "Tags", "More"), in
the message's language: shared, so every platform labels a card the same way."""

from __future__ import annotations

from bot.core.i18n import Translator


class Chrome:
    def __init__(self, tr: Translator) -> None:
        self.source = tr.t("render.source")
        self.sources = tr.t("render.sources")
        self.tags = tr.t("render.tags")
        self.more = tr.t("render.more")
