-- The subscriptions' instants become Unix seconds (INTEGER) instead of ISO 8601 text. This is the
-- scheduler's table: every subscription is rewritten each day and its next_due is in the due index
-- too, and an instant takes 4 to 6 bytes instead of 25, so a subscription with its index entry takes
-- about half the pages, which halves what a bulk subscribe writes and checkpoints. Integers still
-- sort and compare as time. Other tables keep their text instants.
CREATE TABLE subscriptions_new (
    platform      TEXT NOT NULL,
    chat_id       TEXT NOT NULL,
    local_time    TEXT NOT NULL,               -- 'HH:MM' in the chat's time zone (chats.timezone)
    with_quiz     INTEGER NOT NULL DEFAULT 1 CHECK (with_quiz IN (0, 1)),
    target        TEXT,                        -- where to post when not the chat itself (a Discord channel)
    next_date     TEXT NOT NULL,               -- the local date the next post is for
    next_due      INTEGER NOT NULL,            -- its UTC instant, in Unix seconds
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused')),
    paused_reason TEXT,
    target_name   TEXT,                        -- the channel's name when it was chosen
    created_by    TEXT,                        -- the user id of who last subscribed
    created_at    INTEGER NOT NULL,            -- Unix seconds
    updated_at    INTEGER NOT NULL,            -- Unix seconds
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;
INSERT INTO subscriptions_new (
    platform, chat_id, local_time, with_quiz, target, next_date, next_due, state, paused_reason,
    target_name, created_by, created_at, updated_at
)
SELECT platform, chat_id, local_time, with_quiz, target, next_date,
       CAST(strftime('%s', next_due) AS INTEGER), state, paused_reason, target_name, created_by,
       CAST(strftime('%s', created_at) AS INTEGER), CAST(strftime('%s', updated_at) AS INTEGER)
FROM subscriptions ORDER BY platform, chat_id;
DROP INDEX subscriptions_due;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
CREATE INDEX subscriptions_due ON subscriptions (next_due) WHERE state = 'active'
