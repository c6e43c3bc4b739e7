"""What every adapter puts around the core's cards the same way: the few words ("Source", "Sources",
"Tags", "More") in the message's language, and which sources may become links."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.core.i18n import Translator


def is_web_link(url: str | None) -> bool:
    """Whether ``url`` may become a link: http or https, with a host, no spaces or control
    characters (a source can also be a book or an archive, which stays text)."""
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


class Chrome:
    def __init__(self, tr: Translator) -> None:
        self.source = tr.t("render.source")
        self.sources = tr.t("render.sources")
        self.tags = tr.t("render.tags")
        self.more = tr.t("render.more")
