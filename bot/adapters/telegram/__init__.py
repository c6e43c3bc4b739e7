"""The Telegram adapter: core replies as HTML messages, inline keyboards and native quiz polls."""
