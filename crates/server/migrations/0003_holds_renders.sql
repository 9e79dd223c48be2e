-- Credits held for work under way: settled (charged) or released exactly once.
CREATE TABLE holds (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    amount     INTEGER NOT NULL CHECK (amount >= 0),
    -- 'held', 'settled' or 'released'
    state      TEXT NOT NULL DEFAULT 'held',
    reason     TEXT NOT NULL,
    -- A hold still 'held' after this (its work died with its process) is released.
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX holds_by_user ON holds (user_id, state);

-- A session's Draft changes only from the version a change started from.
ALTER TABLE sessions ADD COLUMN draft_version INTEGER NOT NULL DEFAULT 0;
-- The id of the last chat event sent in the session (ids go on across turns and restarts).
ALTER TABLE sessions ADD COLUMN last_event_id INTEGER NOT NULL DEFAULT 0;

-- Export jobs: a queue with leases. A worker claims a job (attempt + 1, lease), renews the
-- lease while it renders, and completes it only under the attempt it claimed.
CREATE TABLE renders (
    user_id      TEXT NOT NULL REFERENCES users (id),
    id           TEXT NOT NULL,
    session_id   TEXT NOT NULL REFERENCES sessions (id),
    -- The Draft to render (wire form, with the output canvas applied) and its sha256.
    draft        TEXT NOT NULL,
    draft_hash   TEXT NOT NULL,
    quality      TEXT NOT NULL,
    -- 'pending', 'processing', 'completed', 'failed' or 'cancelled'
    status       TEXT NOT NULL DEFAULT 'pending',
    progress     INTEGER NOT NULL DEFAULT 0,
    attempt      INTEGER NOT NULL DEFAULT 0,
    lease_until  INTEGER NOT NULL DEFAULT 0,
    hold_id      TEXT REFERENCES holds (id),
    error        TEXT,
    duration_ms  INTEGER,
    size         INTEGER,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX renders_queue ON renders (status, created_at);
CREATE INDEX renders_by_session ON renders (session_id, status);

-- A named user made by the operator (`cutline admin token create`); anonymous users have none.
ALTER TABLE users ADD COLUMN name TEXT;
