-- Dealer groups: a group owns several dealerships (rooftops). A group manager is a manager whose
-- `group_id` is set: they may sign in to any rooftop of the group (the token names which).
-- Transfers: a rooftop asks a sister rooftop of its group for a vehicle; the owner decides.
CREATE TABLE dealer_groups (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT, WITHOUT ROWID;

ALTER TABLE dealerships ADD COLUMN group_id TEXT;
ALTER TABLE users ADD COLUMN group_id TEXT;
-- The rooftop a token serves when it is not the user's own (a group manager's).
ALTER TABLE tokens ADD COLUMN dealership_id TEXT;

CREATE TABLE transfers (
    id              TEXT PRIMARY KEY,
    group_id        TEXT NOT NULL,
    vehicle_id      TEXT NOT NULL,
    vehicle         TEXT NOT NULL,
    from_dealership TEXT NOT NULL,
    to_dealership   TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_ms    INTEGER NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'requested',
    decided_by      TEXT,
    decided_ms      INTEGER,
    reason          TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;
CREATE INDEX transfers_by_vehicle ON transfers (vehicle_id, status);
