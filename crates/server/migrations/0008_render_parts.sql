-- A long export is made in parts (server::worker): its whole sound (number 0) and the
-- picture of each range of its timeline (1, 2, …), each claimed by any worker under a lease,
-- as exports are, and joined by the worker holding the export when all are done.
CREATE TABLE render_parts (
    user_id     TEXT NOT NULL,
    render_id   TEXT NOT NULL,
    number      INTEGER NOT NULL,
    -- The timeline range it covers (the whole timeline for the sound).
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    -- 'pending', 'processing' or 'done'
    status      TEXT NOT NULL DEFAULT 'pending',
    progress    INTEGER NOT NULL DEFAULT 0,
    attempt     INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, render_id, number),
    FOREIGN KEY (user_id, render_id) REFERENCES renders (user_id, id)
);
CREATE INDEX render_parts_queue ON render_parts (status, lease_until);
