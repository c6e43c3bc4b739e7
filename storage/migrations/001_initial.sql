-- Content: replaced as a whole when the content files change (see storage/content.py).
CREATE TABLE content_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tags (
    id      TEXT PRIMARY KEY,
    name_en TEXT NOT NULL,
    name_ro TEXT NOT NULL
);

CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    day        TEXT NOT NULL,             -- ISO date of the event
    year       INTEGER NOT NULL,
    month      INTEGER NOT NULL,
    dom        INTEGER NOT NULL,          -- day of month
    title_en   TEXT NOT NULL,
    title_ro   TEXT NOT NULL,
    summary_en TEXT NOT NULL,
    summary_ro TEXT NOT NULL,
    tags       TEXT NOT NULL,             -- JSON array of tag ids, in the author's order
    sources    TEXT NOT NULL              -- JSON array of URLs
);
CREATE INDEX events_by_month_day ON events (month, dom, year);
CREATE INDEX events_by_year ON events (year, month, dom);

CREATE TABLE event_tags (
    event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    tag      TEXT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (event_id, tag)
);
CREATE INDEX event_tags_by_tag ON event_tags (tag, event_id);

-- One row per event and language; diacritics-insensitive so "varsovia" finds "Varșovia".
CREATE VIRTUAL TABLE events_fts USING fts5 (
    event_id UNINDEXED,
    lang UNINDEXED,
    title,
    summary,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- User data: never touched by a content reload.
CREATE TABLE chats (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('private', 'group')),
    lang       TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'ro')),
    timezone   TEXT NOT NULL DEFAULT 'UTC',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id)
);

CREATE TABLE users (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    lang_hint    TEXT,
    first_seen   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
)
