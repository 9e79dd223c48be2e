-- As `migrations/0009_instances.sql`: the server processes using this database and their
-- leases; the holds of a process whose lease ran out are released.
CREATE TABLE instances (
    id          TEXT PRIMARY KEY,
    lease_until BIGINT NOT NULL
);
