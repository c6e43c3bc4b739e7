-- Chats become a WITHOUT ROWID table: a chat's settings live in its primary key's B-tree, so reading
-- them is one B-tree search instead of two (the key's index, then the rowid row). Every read of chats
-- is by (platform, chat_id): each command's settings, the digest's due read that joins them, and a
-- bulk subscribe, which reads the zones of a run of chats as one range of that B-tree, in key order.
-- Same columns (001's and 003's), defaults and checks; the rows are copied as they are.
CREATE TABLE chats_new (
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('private', 'group')),
    lang         TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'ro')),
    timezone     TEXT NOT NULL DEFAULT 'UTC',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    quiz_seconds INTEGER NOT NULL DEFAULT 30 CHECK (quiz_seconds BETWEEN 10 AND 120),
    quiz_length  INTEGER NOT NULL DEFAULT 5 CHECK (quiz_length BETWEEN 1 AND 20),
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;
INSERT INTO chats_new (
    platform, chat_id, kind, lang, timezone, created_at, updated_at, quiz_seconds, quiz_length
)
SELECT platform, chat_id, kind, lang, timezone, created_at, updated_at, quiz_seconds, quiz_length
FROM chats ORDER BY platform, chat_id;
DROP TABLE chats;
ALTER TABLE chats_new RENAME TO chats
