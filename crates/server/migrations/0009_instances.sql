-- The server processes using this database, each with a lease it renews while it runs. A
-- chat turn's hold carries its process's id (holds.instance); once that process's lease has
-- run out, the turn died with it and the hold is released — by any other process, on any
-- machine sharing the database.
CREATE TABLE instances (
    id          TEXT PRIMARY KEY,
    lease_until INTEGER NOT NULL
);
