-- The tables of `migrations/` (SQLite, 0001–0008) as they stand after all of them, for
-- PostgreSQL. The same columns with the same meanings (see the comments there); integers are
-- BIGINT throughout (the store reads and binds i64), and the tables the store takes in
-- insertion order have a `seq` column for what SQLite's `rowid` gives.

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    client_id  TEXT UNIQUE,
    name       TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    expires_at BIGINT NOT NULL
);

CREATE TABLE ledger (
    id         BIGSERIAL PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    delta      BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX ledger_by_user ON ledger (user_id);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    seq           BIGSERIAL UNIQUE,
    task_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    task_name     TEXT NOT NULL,
    language      TEXT NOT NULL,
    draft         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    draft_version BIGINT NOT NULL DEFAULT 0,
    last_event_id BIGINT NOT NULL DEFAULT 0,
    current_piece TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE anonymous_signups (
    ip         TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX anonymous_signups_by_ip ON anonymous_signups (ip, created_at);

CREATE TABLE assets (
    id          TEXT PRIMARY KEY,
    seq         BIGSERIAL UNIQUE,
    user_id     TEXT NOT NULL REFERENCES users (id),
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    filename    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    width       BIGINT,
    height      BIGINT,
    fps         DOUBLE PRECISION,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX assets_by_session ON assets (session_id);

CREATE TABLE holds (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    amount     BIGINT NOT NULL CHECK (amount >= 0),
    state      TEXT NOT NULL DEFAULT 'held',
    reason     TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    instance   TEXT
);
CREATE INDEX holds_by_user ON holds (user_id, state);

CREATE TABLE renders (
    user_id      TEXT NOT NULL REFERENCES users (id),
    id           TEXT NOT NULL,
    seq          BIGSERIAL UNIQUE,
    session_id   TEXT NOT NULL REFERENCES sessions (id),
    piece_id     TEXT,
    draft        TEXT NOT NULL,
    draft_hash   TEXT NOT NULL,
    quality      TEXT NOT NULL,
    format       TEXT NOT NULL DEFAULT 'mp4',
    length_ms    BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL DEFAULT 'pending',
    progress     BIGINT NOT NULL DEFAULT 0,
    attempt      BIGINT NOT NULL DEFAULT 0,
    lease_until  BIGINT NOT NULL DEFAULT 0,
    hold_id      TEXT REFERENCES holds (id),
    error        TEXT,
    duration_ms  BIGINT,
    size         BIGINT,
    created_at   BIGINT NOT NULL,
    completed_at BIGINT,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX renders_queue ON renders (status, created_at);
CREATE INDEX renders_by_session ON renders (session_id, status);
CREATE INDEX renders_running_by_user ON renders (user_id, status);

CREATE TABLE pieces (
    id            TEXT PRIMARY KEY,
    session_id    TEXT NOT NULL REFERENCES sessions (id),
    position      BIGINT NOT NULL,
    name          TEXT NOT NULL,
    joined        BIGINT NOT NULL DEFAULT 0,
    draft         TEXT NOT NULL,
    draft_version BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    changed_ms    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX pieces_by_session ON pieces (session_id, position);

CREATE TABLE render_parts (
    user_id     TEXT NOT NULL,
    render_id   TEXT NOT NULL,
    number      BIGINT NOT NULL,
    seq         BIGSERIAL UNIQUE,
    start_ms    BIGINT NOT NULL,
    end_ms      BIGINT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    progress    BIGINT NOT NULL DEFAULT 0,
    attempt     BIGINT NOT NULL DEFAULT 0,
    lease_until BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, render_id, number),
    FOREIGN KEY (user_id, render_id) REFERENCES renders (user_id, id)
);
CREATE INDEX render_parts_queue ON render_parts (status, lease_until);
