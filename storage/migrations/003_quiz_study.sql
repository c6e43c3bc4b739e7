-- Quizzes, scores and study decks: user data, never touched by a content reload. Questions are
-- referred to by key ('q-…' curated, 'year:<event>', 'date:<event>', 'first:<event>' generated),
-- not by foreign key, so reloading content never drops a score or a study card.

ALTER TABLE chats ADD COLUMN quiz_seconds INTEGER NOT NULL DEFAULT 30 CHECK (quiz_seconds BETWEEN 10 AND 120);
ALTER TABLE chats ADD COLUMN quiz_length INTEGER NOT NULL DEFAULT 5 CHECK (quiz_length BETWEEN 1 AND 20);

CREATE TABLE games (
    id             INTEGER PRIMARY KEY,
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    starter_id     TEXT NOT NULL,
    filter         TEXT NOT NULL DEFAULT '',   -- canonical: '', 'tag:nuclear', 'lesson:…', 'years:1955-1963'
    length         INTEGER NOT NULL CHECK (length BETWEEN 1 AND 20),
    answer_seconds INTEGER NOT NULL CHECK (answer_seconds BETWEEN 10 AND 120),
    asked          INTEGER NOT NULL DEFAULT 0, -- questions asked so far
    silent         INTEGER NOT NULL DEFAULT 0, -- questions in a row that nobody answered
    state          TEXT NOT NULL DEFAULT 'running'
                   CHECK (state IN ('running', 'finished', 'abandoned', 'stopped')),
    started_at     TEXT NOT NULL,
    ended_at       TEXT
);
CREATE UNIQUE INDEX games_one_running_per_chat ON games (platform, chat_id) WHERE state = 'running';

-- One asked question (in a game, alone, or in study mode), with a snapshot of the question in both
-- languages so a reveal after a restart or a content reload shows exactly what was asked.
CREATE TABLE rounds (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    game_id      INTEGER REFERENCES games (id),
    number       INTEGER NOT NULL DEFAULT 1,
    mode         TEXT NOT NULL CHECK (mode IN ('game', 'single', 'study')),
    asker_id     TEXT NOT NULL,
    question_key TEXT NOT NULL,
    question     TEXT NOT NULL,
    answer       INTEGER NOT NULL,
    choices      INTEGER NOT NULL,
    opened_at    TEXT NOT NULL,
    deadline     TEXT,                      -- NULL: open until answered
    closed_at    TEXT
);
CREATE UNIQUE INDEX rounds_one_open_per_chat ON rounds (platform, chat_id) WHERE closed_at IS NULL;
CREATE INDEX rounds_open_by_deadline ON rounds (deadline) WHERE closed_at IS NULL AND deadline IS NOT NULL;
CREATE INDEX rounds_by_game ON rounds (game_id, number);

-- Each user's first answer to a round; the primary key makes "counted once" a database fact.
CREATE TABLE answers (
    round_id    INTEGER NOT NULL REFERENCES rounds (id),
    user_id     TEXT NOT NULL,
    platform    TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at TEXT NOT NULL,
    elapsed_ms  INTEGER NOT NULL,
    local_day   TEXT NOT NULL,              -- the chat's local date when it was answered (streaks)
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX answers_by_chat ON answers (platform, chat_id, answered_at);
CREATE INDEX answers_by_user ON answers (platform, user_id, chat_id, local_day);

-- Which questions a chat has seen, so none repeats until the pool for a filter is used up.
CREATE TABLE quiz_history (
    platform     TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    question_key TEXT NOT NULL,
    asked_at     TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id, question_key)
) WITHOUT ROWID;

-- A learner's study deck: one py-fsrs card per question, due time copied out for the index.
CREATE TABLE study_cards (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    question_key TEXT NOT NULL,
    card         TEXT NOT NULL,             -- fsrs.Card.to_json()
    due          TEXT NOT NULL,
    added_at     TEXT NOT NULL,
    added_by     TEXT NOT NULL,             -- 'missed', 'lesson:<id>', 'tag:<id>'
    PRIMARY KEY (platform, user_id, question_key)
);
CREATE INDEX study_cards_by_due ON study_cards (platform, user_id, due);

CREATE TABLE study_reviews (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    question_key TEXT NOT NULL,
    rating       INTEGER NOT NULL,
    reviewed_at  TEXT NOT NULL,
    review_log   TEXT NOT NULL              -- fsrs.ReviewLog.to_json()
);
CREATE INDEX study_reviews_by_user ON study_reviews (platform, user_id, reviewed_at);

-- Where each learner stopped in each lesson, so /learn picks up there.
CREATE TABLE lesson_progress (
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    lesson_id  TEXT NOT NULL,
    card       INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, user_id, lesson_id)
) WITHOUT ROWID
