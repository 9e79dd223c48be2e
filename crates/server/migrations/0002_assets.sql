-- Uploaded media: stored under a server-made key; the client's file name is display text.
CREATE TABLE assets (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    filename    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    width       INTEGER,
    height      INTEGER,
    fps         REAL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX assets_by_session ON assets (session_id);
