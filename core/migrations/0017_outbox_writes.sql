-- Unpushed changes kept as one record per row write (core/src/store/outbox.rs): a write's fields
-- share their table, row, HLC, device and user, stored once; each field's change id is the write
-- id with the field's index in its last byte. `outbox` stays, as a view of one row per change.
CREATE TABLE outbox_writes (
    seq       INTEGER PRIMARY KEY,
    -- A v7 uuid whose last byte is 00.
    write_id  TEXT NOT NULL UNIQUE,
    tbl       TEXT NOT NULL,
    row_id    TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    device_id TEXT NOT NULL,
    user_id   TEXT,
    -- [[index, field, value], ...]; a field leaves once acknowledged or refused.
    fields    TEXT NOT NULL,
    pending   INTEGER NOT NULL
) STRICT;

-- A change recorded before keeps its id: the write id is its first 15 bytes, its index the last
-- (changes recorded with random ids become a write each).
INSERT INTO outbox_writes (seq, write_id, tbl, row_id, hlc, device_id, user_id, fields, pending)
    SELECT min(seq), substr(change_id, 1, 34) || '00', tbl, row_id, hlc, device_id, user_id,
           json_group_array(json_array(
               (instr('0123456789abcdef', substr(change_id, 35, 1)) - 1) * 16
                   + instr('0123456789abcdef', substr(change_id, 36, 1)) - 1,
               field, json(value))),
           count(*)
    FROM (SELECT * FROM outbox ORDER BY seq)
    GROUP BY substr(change_id, 1, 34);
DROP TABLE outbox;

CREATE VIEW outbox AS
    SELECT w.seq, substr(w.write_id, 1, 34) || printf('%02x', f.value ->> 0) AS change_id, w.tbl, w.row_id,
           f.value ->> 1 AS field, f.value -> 2 AS value, w.hlc, w.device_id, w.user_id
    FROM outbox_writes w, json_each(w.fields) f;
