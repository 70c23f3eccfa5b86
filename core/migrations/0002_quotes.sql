-- Quotes with frozen versions, and the sales orders an accepted quote becomes.

CREATE TABLE quotes (
    rid            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    number         TEXT NOT NULL,
    customer_id    TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    opportunity_id TEXT,
    vehicle_id     TEXT,
    status         TEXT NOT NULL,
    valid_until    TEXT NOT NULL,
    version        INTEGER NOT NULL,
    owner_id       TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
) STRICT;
CREATE INDEX quotes_by_customer ON quotes (customer_id, created_at);

-- One row per version. A version is frozen once presented or printed; a later edit adds a version.
CREATE TABLE quote_versions (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    quote_id   TEXT NOT NULL REFERENCES quotes (id) DEFERRABLE INITIALLY DEFERRED,
    version    INTEGER NOT NULL,
    deal       TEXT NOT NULL,
    calc       TEXT NOT NULL,
    frozen     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (quote_id, version)
) STRICT;

CREATE TABLE sales_orders (
    rid           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    number        TEXT NOT NULL,
    quote_id      TEXT NOT NULL REFERENCES quotes (id) DEFERRABLE INITIALLY DEFERRED,
    quote_version INTEGER NOT NULL,
    customer_id   TEXT NOT NULL,
    vehicle_id    TEXT,
    deposit_cents INTEGER NOT NULL,
    delivery_date TEXT,
    status        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
) STRICT;
