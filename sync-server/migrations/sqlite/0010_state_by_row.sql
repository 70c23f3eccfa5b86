-- A field's winning value is keyed by its row's number instead of repeating the dealership id,
-- the table and the row id (two 36-character ids) in each of a row's fields: a 14-field customer
-- stored 14 copies of them, more than half of the server's bytes. `rows` gets an integer id,
-- `state_fields` holds (row, field) -> (value, write), and `state` is a view joining the two,
-- so readers keep their columns. Writers write `state_fields` (see `SET_STATE`).
CREATE TABLE rows_v3 (
    id            INTEGER PRIMARY KEY,
    dealership_id TEXT NOT NULL,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    partition_id  TEXT,
    -- The user whose push first wrote the row (an event's creator may change it).
    creator_id    TEXT,
    UNIQUE (dealership_id, tbl, row_id)
) STRICT;
INSERT INTO rows_v3 (dealership_id, tbl, row_id, partition_id, creator_id)
    SELECT dealership_id, tbl, row_id, partition_id, creator_id FROM rows ORDER BY dealership_id, tbl, row_id;
-- A value without its row's record (none is written so today) keeps its place as a shared row.
INSERT INTO rows_v3 (dealership_id, tbl, row_id)
    SELECT DISTINCT dealership_id, tbl, row_id FROM state s
    WHERE NOT EXISTS (SELECT 1 FROM rows r WHERE r.dealership_id = s.dealership_id AND r.tbl = s.tbl AND r.row_id = s.row_id);
DROP TABLE rows;
ALTER TABLE rows_v3 RENAME TO rows;
CREATE INDEX rows_by_partition ON rows (dealership_id, partition_id);

CREATE TABLE state_fields (
    rid   INTEGER NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    w     INTEGER NOT NULL,
    PRIMARY KEY (rid, field)
) STRICT, WITHOUT ROWID;
INSERT INTO state_fields (rid, field, value, w)
    SELECT r.id, s.field, s.value, s.w FROM state s
    JOIN rows r ON r.dealership_id = s.dealership_id AND r.tbl = s.tbl AND r.row_id = s.row_id
    ORDER BY r.id, s.field;
DROP TABLE state;
CREATE VIEW state AS
    SELECT r.dealership_id, r.tbl, r.row_id, f.field, f.value, f.w, f.rid
    FROM state_fields f JOIN rows r ON r.id = f.rid;
CREATE INDEX state_contacts ON state_fields (field, value) WHERE field IN ('email', 'phone');
CREATE INDEX state_links ON state_fields (field, value)
    WHERE field = 'token_hash' OR field = 'quote_id' OR field = 'customer_id' OR field = 'lead_id';
CREATE INDEX state_statuses ON state_fields (field, value) WHERE field = 'status';
