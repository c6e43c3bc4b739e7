-- A digest can post in another channel of the same server (Discord's /subscribe channel:), and
-- whoever subscribed is told on their next command when a digest had to be paused.
ALTER TABLE subscriptions ADD COLUMN target_name TEXT;     -- the channel's name when it was chosen
ALTER TABLE subscriptions ADD COLUMN created_by TEXT;      -- the user id of who last subscribed

CREATE TABLE notices (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    key        TEXT NOT NULL,                  -- a catalog key
    params     TEXT NOT NULL,                  -- its values, as a JSON object
    created_at TEXT NOT NULL
);
CREATE INDEX notices_user ON notices (platform, user_id);

-- Small per-platform facts the adapters keep across restarts (the hash of the commands last
-- uploaded to Discord).
CREATE TABLE platform_meta (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A Discord quiz message is found again by its round, to edit it when the question closes.
CREATE INDEX platform_polls_round ON platform_polls (round_id);
