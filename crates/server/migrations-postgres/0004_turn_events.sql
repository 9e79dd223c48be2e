-- As `migrations/0011_turn_events.sql`: a turn's events as sent, and the server a session's
-- turn runs in.
CREATE TABLE turn_events (
    session_id TEXT NOT NULL,
    id         BIGINT NOT NULL,
    event      TEXT NOT NULL,
    PRIMARY KEY (session_id, id)
);
ALTER TABLE sessions ADD COLUMN turn_instance TEXT;
-- Which turn holds it (a new one per turn): only that turn's end clears it.
ALTER TABLE sessions ADD COLUMN turn_token TEXT;
-- When the claim lapses even if nothing ends it (a lost end): the turn limit and a margin.
ALTER TABLE sessions ADD COLUMN turn_until BIGINT;
