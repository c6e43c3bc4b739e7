-- Quiz questions and lessons join the content tables; reports from users are user data.
CREATE TABLE questions (
    id             TEXT PRIMARY KEY,
    difficulty     INTEGER NOT NULL,
    answer         INTEGER NOT NULL,
    question_en    TEXT NOT NULL,
    question_ro    TEXT NOT NULL,
    choices_en     TEXT NOT NULL,         -- JSON array, same order as choices_ro
    choices_ro     TEXT NOT NULL,
    explanation_en TEXT NOT NULL,
    explanation_ro TEXT NOT NULL
);

CREATE TABLE question_events (
    question_id TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, event_id)
);
CREATE INDEX question_events_by_event ON question_events (event_id, question_id);

CREATE TABLE lessons (
    id         TEXT PRIMARY KEY,
    title_en   TEXT NOT NULL,
    title_ro   TEXT NOT NULL,
    summary_en TEXT NOT NULL,
    summary_ro TEXT NOT NULL,
    cards      TEXT NOT NULL              -- JSON: the validated cards, in order
);

-- A report names its target by id only: reloading content must never drop a report.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('event', 'question')),
    target_id   TEXT NOT NULL,
    text        TEXT NOT NULL,
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    user_name   TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX reports_by_state ON reports (closed_at, id);

-- Forget the loaded content's hash so the next start fills the new tables.
DELETE FROM content_meta WHERE key = 'digest'
