-- Pieces of work (batch sessions): each uploaded video is its own Draft, named after its
-- file, rendered on its own; "join them" makes one piece of several. The session's own
-- `draft` column is no longer written: a session's timelines are its pieces.
CREATE TABLE pieces (
    id            TEXT PRIMARY KEY,
    session_id    TEXT NOT NULL REFERENCES sessions (id),
    -- Upload (and join) order: "the second video" counts the uploaded ones.
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    -- 1 when made by joining others.
    joined        INTEGER NOT NULL DEFAULT 0,
    -- The Draft in its wire form; it changes only from the version a change started from.
    draft         TEXT NOT NULL,
    draft_version INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX pieces_by_session ON pieces (session_id, position);

-- The piece last spoken of (or the one video just uploaded); NULL when words must say which.
ALTER TABLE sessions ADD COLUMN current_piece TEXT;
-- The piece an export was made of (NULL for a Draft a client sent that is no piece's).
ALTER TABLE renders ADD COLUMN piece_id TEXT;

-- A session from before with a timeline keeps it as its one piece.
INSERT INTO pieces (id, session_id, position, name, draft, draft_version, created_at)
    SELECT 'piece_' || id, id, 1, task_name, draft, draft_version, created_at FROM sessions
    WHERE json_array_length(draft, '$.t') > 0;
UPDATE sessions SET current_piece = 'piece_' || id
    WHERE EXISTS (SELECT 1 FROM pieces WHERE pieces.id = 'piece_' || sessions.id);
