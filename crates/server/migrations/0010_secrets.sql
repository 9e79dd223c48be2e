-- Keys every server process on this database must share. On Postgres the key that signs
-- links ('signing') is kept here, so a link one server made works at any other; with SQLite
-- it stays in the data folder's secret.key, as before.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
