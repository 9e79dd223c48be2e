-- How long an export's timeline is, so workers can take short jobs apart from long ones (the
-- short lane) without reading every Draft. Jobs from before get theirs from their Draft.
ALTER TABLE renders ADD COLUMN length_ms INTEGER NOT NULL DEFAULT 0;
UPDATE renders SET length_ms = COALESCE(json_extract(draft, '$.d'), 0);
CREATE INDEX renders_running_by_user ON renders (user_id, status);

-- The server process (an id made at each start) whose work a hold pays for: a chat turn's
-- hold dies with its process, so a new start releases the holds of the ones before. NULL for
-- holds of exports, whose jobs resume after a restart.
ALTER TABLE holds ADD COLUMN instance TEXT;
