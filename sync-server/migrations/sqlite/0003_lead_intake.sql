-- Lead sources: one API key per website, OEM or marketplace feed; only the key's hash is kept.
CREATE TABLE lead_sources (
    id            TEXT PRIMARY KEY,
    dealership_id TEXT NOT NULL,
    name          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    -- The local part of its email intake address (ADF by SMTP).
    mailbox       TEXT NOT NULL UNIQUE,
    created_ms    INTEGER NOT NULL,
    revoked_ms    INTEGER,
    last_used_ms  INTEGER
) STRICT;

-- Every lead taken in: a provider's id sent again by the same source is answered, not stored twice.
CREATE TABLE intake (
    dealership_id TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    provider_id   TEXT NOT NULL,
    lead_id       TEXT NOT NULL,
    received_ms   INTEGER NOT NULL,
    PRIMARY KEY (dealership_id, source_id, provider_id)
) STRICT, WITHOUT ROWID;

-- A web lead is linked to the customer with the same email or phone: found without a scan.
CREATE INDEX state_contacts ON state (dealership_id, tbl, field, value) WHERE field IN ('email', 'phone');
