-- The daily digest: one subscription per chat, its next post instant in an indexed column, and a
-- delivery ledger with one row per (chat, local date) claimed before sending.
CREATE TABLE subscriptions (
    platform      TEXT NOT NULL,
    chat_id       TEXT NOT NULL,
    local_time    TEXT NOT NULL,               -- 'HH:MM' in the chat's time zone (chats.timezone)
    with_quiz     INTEGER NOT NULL DEFAULT 1 CHECK (with_quiz IN (0, 1)),
    target        TEXT,                        -- where to post when not the chat itself (a Discord channel)
    next_date     TEXT NOT NULL,               -- the local date the next post is for
    next_due      TEXT NOT NULL,               -- its UTC instant
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused')),
    paused_reason TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id)
);
CREATE INDEX subscriptions_due ON subscriptions (next_due) WHERE state = 'active';

CREATE TABLE digest_deliveries (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    local_date TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'skipped', 'failed')),
    claimed_at TEXT NOT NULL,
    done_at    TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    retry_at   TEXT,                           -- a claimed post to try again (NULL while in flight)
    detail     TEXT,                           -- why it was skipped, failed or is being retried
    PRIMARY KEY (platform, chat_id, local_date)
);
CREATE INDEX digest_deliveries_retry ON digest_deliveries (retry_at) WHERE state = 'claimed' AND retry_at IS NOT NULL;
CREATE INDEX digest_deliveries_claimed ON digest_deliveries (platform, chat_id) WHERE state = 'claimed'
