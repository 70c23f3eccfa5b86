-- showroom-sync's own database: accounts, tokens, the change log, the current state of every field,
-- where every row lives (dealership, partition) and who owns each partition.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE dealerships (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    dealership_id TEXT NOT NULL REFERENCES dealerships (id),
    login         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rep', 'manager')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Only the SHA-256 of a token is stored.
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    device_id  TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE INDEX tokens_by_user ON tokens (user_id);

-- A customer's partition (or a lone lead's); NULL partition = shared reference data.
CREATE TABLE partitions (
    id            TEXT PRIMARY KEY,
    dealership_id TEXT NOT NULL,
    owner_id      TEXT,
    creator_id    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX partitions_by_owner ON partitions (owner_id);

-- A partition changing hands: its former owner may still push edits made before they knew.
CREATE TABLE moves (
    seq          INTEGER PRIMARY KEY,
    partition_id TEXT NOT NULL,
    from_user    TEXT,
    to_user      TEXT
) STRICT;
CREATE INDEX moves_by_partition ON moves (partition_id, from_user);

CREATE TABLE rows (
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    dealership_id TEXT NOT NULL,
    partition_id  TEXT,
    PRIMARY KEY (tbl, row_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX rows_by_partition ON rows (partition_id);

-- The winning value of every field.
CREATE TABLE state (
    tbl       TEXT NOT NULL,
    row_id    TEXT NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    change_id TEXT NOT NULL,
    user_id   TEXT,
    PRIMARY KEY (tbl, row_id, field)
) STRICT, WITHOUT ROWID;

-- Everything in arrival order. kind: change (delivered), refused (kept, not delivered),
-- evict and notice (delivered to `audience` only).
CREATE TABLE log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    change_id     TEXT,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    field         TEXT,
    value         TEXT,
    hlc           TEXT,
    dealership_id TEXT NOT NULL,
    partition_id  TEXT,
    audience      TEXT,
    user_id       TEXT,
    device_id     TEXT,
    received_ms   INTEGER NOT NULL
) STRICT;
CREATE INDEX log_by_dealership ON log (dealership_id, seq);

-- Change ids already taken, for idempotent pushes.
CREATE TABLE seen (
    change_id TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
