-- As `migrations/0010_secrets.sql`: keys every server process on this database shares (the
-- key that signs links).
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
