-- Rows, their state and partitions belong to a dealership: two dealerships on one server may
-- hold the same id (the default pipeline stages, the lead settings row) without colliding.
CREATE TABLE rows_v2 (
    dealership_id TEXT NOT NULL,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    partition_id  TEXT,
    -- The user whose push first wrote the row (an event's creator may change it).
    creator_id    TEXT,
    PRIMARY KEY (dealership_id, tbl, row_id)
) STRICT, WITHOUT ROWID;
INSERT INTO rows_v2 (dealership_id, tbl, row_id, partition_id)
    SELECT dealership_id, tbl, row_id, partition_id FROM rows;

CREATE TABLE state_v2 (
    dealership_id TEXT NOT NULL,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    field         TEXT NOT NULL,
    value         TEXT NOT NULL,
    hlc           TEXT NOT NULL,
    change_id     TEXT NOT NULL,
    user_id       TEXT,
    PRIMARY KEY (dealership_id, tbl, row_id, field)
) STRICT, WITHOUT ROWID;
INSERT INTO state_v2
    SELECT r.dealership_id, s.tbl, s.row_id, s.field, s.value, s.hlc, s.change_id, s.user_id
    FROM state s JOIN rows r ON r.tbl = s.tbl AND r.row_id = s.row_id;
DROP TABLE state;
ALTER TABLE state_v2 RENAME TO state;
DROP TABLE rows;
ALTER TABLE rows_v2 RENAME TO rows;
CREATE INDEX rows_by_partition ON rows (dealership_id, partition_id);

CREATE TABLE partitions_v2 (
    dealership_id TEXT NOT NULL,
    id            TEXT NOT NULL,
    owner_id      TEXT,
    creator_id    TEXT NOT NULL,
    PRIMARY KEY (dealership_id, id)
) STRICT, WITHOUT ROWID;
INSERT INTO partitions_v2 SELECT dealership_id, id, owner_id, creator_id FROM partitions;
DROP TABLE partitions;
ALTER TABLE partitions_v2 RENAME TO partitions;
CREATE INDEX partitions_by_owner ON partitions (dealership_id, owner_id);

-- When a partition moved (server clock): a former owner's late edits must be older.
ALTER TABLE moves ADD COLUMN dealership_id TEXT NOT NULL DEFAULT '';
ALTER TABLE moves ADD COLUMN moved_ms INTEGER NOT NULL DEFAULT 0;
UPDATE moves SET dealership_id = COALESCE((SELECT p.dealership_id FROM partitions p WHERE p.id = moves.partition_id), '');

-- A customer's partition shared with the rep a lead in it is assigned to.
CREATE TABLE grants (
    dealership_id TEXT NOT NULL,
    partition_id  TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    PRIMARY KEY (dealership_id, partition_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX grants_by_user ON grants (dealership_id, user_id);

-- Each device's pull cursor, kept by the server (a client's word for it is not trusted).
CREATE TABLE devices (
    user_id   TEXT NOT NULL,
    device_id TEXT NOT NULL,
    pulled_to INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, device_id)
) STRICT, WITHOUT ROWID;

-- A device to erase its customer data at its next contact (reported lost, or its user disabled).
CREATE TABLE wipes (
    user_id      TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    requested_ms INTEGER NOT NULL,
    -- When the device was told (its next contact after the request).
    done_ms      INTEGER,
    PRIMARY KEY (user_id, device_id)
) STRICT, WITHOUT ROWID;
