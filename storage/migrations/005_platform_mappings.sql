-- What platforms hand back to us by their own ids: a Telegram poll id names a quiz round, and a
-- button too long for a platform's limit (Telegram's callback_data is 64 bytes) is stored here and
-- sent as a short token. Both survive restarts, so a late poll answer or an old button still works.
CREATE TABLE platform_polls (
    platform   TEXT NOT NULL,
    poll_id    TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    round_id   INTEGER NOT NULL REFERENCES rounds (id),
    message_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, poll_id)
);

CREATE TABLE button_tokens (
    token      TEXT PRIMARY KEY,               -- a hash of the command: the same command, the same token
    command    TEXT NOT NULL,
    created_at TEXT NOT NULL
)
