-- The outbox names a write's fields by number (store/field_numbers.rs: `NAMES`, the same numbers
-- the clock records use) instead of spelling them: a new customer's outbox record carried ~110
-- bytes of names. `field_numbers` holds the list (filled from `NAMES` when the store opens), so
-- the `outbox` view still reads names: a number is looked up, a spelt name (a field not numbered,
-- or a write recorded before) is read as written.
CREATE TABLE field_numbers (
    n    INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;

DROP VIEW outbox;
CREATE VIEW outbox AS
    SELECT w.seq, substr(w.write_id, 1, 34) || printf('%02x', f.value ->> 0) AS change_id, w.tbl, w.row_id,
           CASE json_type(f.value, '$[1]')
                WHEN 'integer' THEN (SELECT name FROM field_numbers WHERE n = f.value ->> 1)
                ELSE f.value ->> 1 END AS field,
           f.value -> 2 AS value, w.hlc, w.device_id, w.user_id
    FROM outbox_writes w, json_each(w.fields) f;
