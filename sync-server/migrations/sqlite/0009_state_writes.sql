-- A field's winning value names its write by number instead of repeating the write's clock (61
-- characters), id (36) and author (36) in every field: the fields of one write share one row of
-- `writes`, and `state.w` is that row's id * 256 + the field's index in the write (the last byte
-- of its change id). A field's change id is the write id with that index in its last byte.
-- `writes` rows no field names any more are removed when the log is compacted.
CREATE TABLE writes (
    id       INTEGER PRIMARY KEY,
    write_id TEXT NOT NULL,
    hlc      TEXT NOT NULL,
    user_id  TEXT
) STRICT;
CREATE INDEX writes_during_migration ON writes (write_id, hlc, user_id);
INSERT INTO writes (write_id, hlc, user_id)
    SELECT DISTINCT substr(change_id, 1, 34) || '00', hlc, user_id FROM state;

CREATE TABLE state_v3 (
    dealership_id TEXT NOT NULL,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    field         TEXT NOT NULL,
    value         TEXT NOT NULL,
    w             INTEGER NOT NULL,
    PRIMARY KEY (dealership_id, tbl, row_id, field)
) STRICT, WITHOUT ROWID;
INSERT INTO state_v3
    SELECT s.dealership_id, s.tbl, s.row_id, s.field, s.value,
        (SELECT wr.id FROM writes wr
         WHERE wr.write_id = substr(s.change_id, 1, 34) || '00' AND wr.hlc = s.hlc AND wr.user_id IS s.user_id) * 256
        + CASE WHEN length(s.change_id) = 36
            THEN (instr('0123456789abcdef', substr(s.change_id, 35, 1)) - 1) * 16
                 + instr('0123456789abcdef', substr(s.change_id, 36, 1)) - 1
            ELSE 0 END
    FROM state s;
DROP TABLE state;
ALTER TABLE state_v3 RENAME TO state;
DROP INDEX writes_during_migration;
CREATE INDEX state_contacts ON state (dealership_id, tbl, field, value) WHERE field IN ('email', 'phone');
CREATE INDEX state_links ON state (tbl, field, value)
    WHERE field = 'token_hash' OR field = 'quote_id' OR field = 'customer_id' OR field = 'lead_id';
CREATE INDEX state_statuses ON state (tbl, field, value) WHERE field = 'status';
