"""Cold War Study Bot: a platform-neutral core with Telegram, Discord and console adapters."""

__version__ = "0.1.0"
