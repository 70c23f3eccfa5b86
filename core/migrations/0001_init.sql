-- Showroom local schema, version 1. Append-only: never edit a shipped migration, add a new file.
-- Every synced table has a local integer `rid` (stable FTS rowid, never sent) and a UUIDv7 `id`.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE dealerships (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    country    TEXT NOT NULL,
    timezone   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE teams (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
    team_id    TEXT,
    active     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE customers (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    owner_id    TEXT,
    first_name  TEXT NOT NULL,
    last_name   TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    street      TEXT NOT NULL,
    city        TEXT NOT NULL,
    region      TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    language    TEXT NOT NULL,
    birth_date  TEXT,
    consent     TEXT NOT NULL,
    preferences TEXT NOT NULL,
    notes       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;
CREATE INDEX customers_by_name ON customers (last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX customers_by_email ON customers (email) WHERE email IS NOT NULL;
CREATE INDEX customers_by_phone ON customers (phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_by_owner ON customers (owner_id);
CREATE INDEX customers_by_updated ON customers (updated_at);

CREATE TABLE vehicles (
    rid           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    vin           TEXT NOT NULL,
    stock_no      TEXT NOT NULL,
    year          INTEGER NOT NULL,
    make          TEXT NOT NULL,
    model         TEXT NOT NULL,
    trim          TEXT NOT NULL,
    body          TEXT NOT NULL,
    colour        TEXT NOT NULL,
    mileage       INTEGER NOT NULL,
    condition     TEXT NOT NULL,
    msrp_cents    INTEGER NOT NULL,
    invoice_cents INTEGER NOT NULL,
    price_cents   INTEGER NOT NULL,
    status        TEXT NOT NULL,
    location      TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT
) STRICT;
CREATE UNIQUE INDEX vehicles_by_stock_no ON vehicles (stock_no) WHERE deleted_at IS NULL;
CREATE INDEX vehicles_by_vin ON vehicles (vin);

CREATE TABLE leads (
    rid               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    customer_id       TEXT REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    first_name        TEXT NOT NULL,
    last_name         TEXT NOT NULL,
    email             TEXT,
    phone             TEXT,
    channel           TEXT NOT NULL,
    source            TEXT NOT NULL,
    campaign          TEXT NOT NULL,
    vehicle_interest  TEXT NOT NULL,
    vehicle_id        TEXT,
    status            TEXT NOT NULL,
    score             INTEGER NOT NULL,
    assignee_id       TEXT,
    received_at       TEXT NOT NULL,
    first_response_at TEXT,
    notes             TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    deleted_at        TEXT
) STRICT;
CREATE INDEX leads_by_customer ON leads (customer_id);
CREATE INDEX leads_by_received ON leads (received_at);

CREATE TABLE pipeline_stages (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    pipeline    TEXT NOT NULL,
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    probability INTEGER NOT NULL,
    colour      TEXT NOT NULL,
    idle_days   INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;

CREATE TABLE opportunities (
    rid              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    customer_id      TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    lead_id          TEXT,
    vehicle_id       TEXT,
    stage_id         TEXT NOT NULL,
    title            TEXT NOT NULL,
    amount_cents     INTEGER NOT NULL,
    owner_id         TEXT,
    status           TEXT NOT NULL,
    expected_close   TEXT,
    lost_reason      TEXT NOT NULL,
    stage_entered_at TEXT NOT NULL,
    closed_at        TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    deleted_at       TEXT
) STRICT;
CREATE INDEX opportunities_by_customer ON opportunities (customer_id);
CREATE INDEX opportunities_by_stage ON opportunities (stage_id, status);

CREATE TABLE activities (
    rid            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    customer_id    TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    opportunity_id TEXT,
    kind           TEXT NOT NULL,
    subject        TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    done_at        TEXT,
    outcome        TEXT NOT NULL,
    owner_id       TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    deleted_at     TEXT
) STRICT;
CREATE INDEX activities_by_customer ON activities (customer_id, due_at);
CREATE INDEX activities_open_by_due ON activities (due_at) WHERE done_at IS NULL;

CREATE TABLE interactions (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    channel     TEXT NOT NULL,
    direction   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    duration_s  INTEGER,
    author_id   TEXT,
    occurred_at TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX interactions_by_customer ON interactions (customer_id, occurred_at);

-- Search: one FTS5 table per searchable entity, rowid = the entity's rid, kept in step by the
-- store in the same transaction as the row. Prefix indexes make search-as-you-type cheap.
CREATE VIRTUAL TABLE customers_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE VIRTUAL TABLE leads_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
CREATE VIRTUAL TABLE vehicles_fts USING fts5 (terms, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');

-- Every local edit: one row per changed field, written in the same transaction as the edit.
-- The sync engine pushes these in `seq` order and deletes them once the server acknowledged.
CREATE TABLE outbox (
    seq       INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,
    tbl       TEXT NOT NULL,
    row_id    TEXT NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    device_id TEXT NOT NULL,
    user_id   TEXT
) STRICT;

-- The HLC of the value each field holds now: what the merge rule compares an incoming change with.
CREATE TABLE field_clocks (
    tbl    TEXT NOT NULL,
    row_id TEXT NOT NULL,
    field  TEXT NOT NULL,
    hlc    TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id, field)
) STRICT, WITHOUT ROWID;
