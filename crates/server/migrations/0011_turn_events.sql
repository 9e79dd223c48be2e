-- A chat turn's events, kept as they are sent, so a client whose stream dropped can resume
-- with Last-Event-ID at any server on this database, and the server a session's turn runs
-- in (NULL when none runs): one turn per session across servers, and a turn whose server's
-- lease ran out is ended, by whichever server a client resumes at, with an `error` event.
CREATE TABLE turn_events (
    session_id TEXT NOT NULL,
    id         INTEGER NOT NULL,
    event      TEXT NOT NULL,
    PRIMARY KEY (session_id, id)
);
ALTER TABLE sessions ADD COLUMN turn_instance TEXT;
-- Which turn holds it (a new one per turn): only that turn's end clears it.
ALTER TABLE sessions ADD COLUMN turn_token TEXT;
-- When the claim lapses even if nothing ends it (a lost end): the turn limit and a margin.
ALTER TABLE sessions ADD COLUMN turn_until INTEGER;
