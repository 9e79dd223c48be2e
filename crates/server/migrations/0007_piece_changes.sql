-- When each piece last changed (an upload, a turn, a join), in Unix milliseconds: the studio
-- lists a user's sessions by their last change.
ALTER TABLE pieces ADD COLUMN changed_ms INTEGER NOT NULL DEFAULT 0;
UPDATE pieces SET changed_ms = created_at * 1000;
CREATE INDEX sessions_by_user ON sessions (user_id);
