-- Users, their tokens (hashed), the credits ledger and sessions.
CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    -- The X-Client-Id an anonymous user came with: the same client gets the same user.
    client_id  TEXT UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    -- sha256 of the token: the token itself is never stored.
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL
);

-- Every change of a balance, so the ledger always sums to it.
CREATE TABLE ledger (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL REFERENCES users (id),
    delta      INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ledger_by_user ON ledger (user_id);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    task_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    task_name  TEXT NOT NULL,
    language   TEXT NOT NULL,
    -- The Draft in its wire form.
    draft      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- New anonymous users per client address, for the rate limit.
CREATE TABLE anonymous_signups (
    ip         TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX anonymous_signups_by_ip ON anonymous_signups (ip, created_at);
