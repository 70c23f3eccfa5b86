-- Lead management: capture details and scoring reasons on each lead, cadence tasks, auto-show
-- events, the showroom traffic log and up rotation, the assignment log, and the dealership's
-- lead settings (scoring weights, routing, cadences, CSV column presets).
ALTER TABLE leads ADD COLUMN event_id TEXT;
ALTER TABLE leads ADD COLUMN timeframe_days INTEGER;
ALTER TABLE leads ADD COLUMN trade_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN financing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN score_reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE leads ADD COLUMN assigned_at TEXT;
ALTER TABLE leads ADD COLUMN cadence TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN cadence_stopped TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN merged_into TEXT;
CREATE INDEX leads_by_status ON leads (status, received_at) WHERE deleted_at IS NULL;

-- A cadence step's task knows its lead (so a reply stops the rest) and carries its prepared message.
ALTER TABLE activities ADD COLUMN lead_id TEXT;
ALTER TABLE activities ADD COLUMN message TEXT NOT NULL DEFAULT '';
CREATE INDEX activities_by_lead ON activities (lead_id) WHERE lead_id IS NOT NULL;

-- A customer merged into another keeps a pointer to the one that survives.
ALTER TABLE customers ADD COLUMN merged_into TEXT;

CREATE TABLE events (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    venue      TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL
) STRICT;

-- Every walk-in, even anonymous; shared by the floor.
CREATE TABLE traffic (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    arrived_at  TEXT NOT NULL,
    rep_id      TEXT,
    name        TEXT NOT NULL,
    party_size  INTEGER NOT NULL,
    interest    TEXT NOT NULL,
    customer_id TEXT,
    lead_id     TEXT,
    outcome     TEXT NOT NULL,
    notes       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX traffic_by_arrival ON traffic (arrived_at);

-- One row per rep per day (the id is derived from both, so every device agrees): their place in
-- the up rotation while checked in.
CREATE TABLE floor_checkins (
    rid           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    user_id       TEXT NOT NULL,
    day           TEXT NOT NULL,
    position      INTEGER,
    checked_in_at TEXT NOT NULL,
    ups_taken     INTEGER NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX floor_checkins_by_day ON floor_checkins (day);

-- Every assignment of a lead with its reason.
CREATE TABLE lead_assignments (
    rid        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    lead_id    TEXT NOT NULL,
    rep_id     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    by_id      TEXT,
    at         TEXT NOT NULL
) STRICT;
CREATE INDEX lead_assignments_by_lead ON lead_assignments (lead_id, at);

CREATE TABLE lead_settings (
    rid              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    weights          TEXT NOT NULL,
    rules            TEXT NOT NULL,
    distribution     TEXT NOT NULL,
    response_minutes INTEGER NOT NULL,
    cadences         TEXT NOT NULL,
    csv_presets      TEXT NOT NULL,
    working_hours    TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
