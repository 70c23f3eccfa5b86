-- Tax jurisdictions a dealership defines itself (county and city add-ons, or a state we do not ship).
CREATE TABLE custom_jurisdictions (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    code       TEXT NOT NULL,
    rule       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;
CREATE UNIQUE INDEX custom_jurisdictions_by_code ON custom_jurisdictions (code) WHERE deleted_at IS NULL;
