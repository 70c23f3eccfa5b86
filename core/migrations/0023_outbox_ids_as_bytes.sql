-- The outbox keeps a write's ids as 16-byte blobs and its clock as numbers instead of text: a
-- write spelt its write id, row id, device and author (36 characters each) and its HLC (61, the
-- device again among them), ~190 bytes of every new row's outbox record and ~20 of its unique key,
-- all written by an import and read back by the push. `outbox` still shows them as text.
CREATE TABLE outbox_writes_v2 (
    seq         INTEGER PRIMARY KEY,
    -- A v7 uuid whose last byte is 00.
    write_id    BLOB NOT NULL UNIQUE,
    tbl         TEXT NOT NULL,
    row_id      BLOB NOT NULL,
    -- The write's HLC: milliseconds, counter and node.
    hlc_ms      INTEGER NOT NULL,
    hlc_counter INTEGER NOT NULL,
    hlc_node    BLOB NOT NULL,
    device_id   BLOB NOT NULL,
    user_id     BLOB,
    -- [[index, field, value], ...]; a field leaves once acknowledged or refused.
    fields      TEXT NOT NULL,
    pending     INTEGER NOT NULL
) STRICT;
INSERT INTO outbox_writes_v2
    SELECT seq, unhex(write_id, '-'), tbl, unhex(row_id, '-'), CAST(substr(hlc, 1, 18) AS INTEGER),
           CAST(substr(hlc, 20, 5) AS INTEGER), unhex(substr(hlc, 26), '-'), unhex(device_id, '-'),
           unhex(user_id, '-'), fields, pending
    FROM outbox_writes ORDER BY seq;
DROP VIEW outbox;
DROP TABLE outbox_writes;
ALTER TABLE outbox_writes_v2 RENAME TO outbox_writes;
CREATE INDEX outbox_writes_pending ON outbox_writes (pending);

CREATE VIEW outbox AS
    WITH w AS (
        SELECT seq, lower(hex(write_id)) AS wid, tbl, lower(hex(row_id)) AS rid, hlc_ms, hlc_counter,
               lower(hex(hlc_node)) AS node, lower(hex(device_id)) AS dev,
               CASE WHEN user_id IS NOT NULL THEN lower(hex(user_id)) END AS uid, fields
        FROM outbox_writes
    )
    SELECT w.seq,
           substr(wid, 1, 8) || '-' || substr(wid, 9, 4) || '-' || substr(wid, 13, 4) || '-' || substr(wid, 17, 4)
               || '-' || substr(wid, 21, 10) || printf('%02x', f.value ->> 0) AS change_id,
           w.tbl,
           substr(rid, 1, 8) || '-' || substr(rid, 9, 4) || '-' || substr(rid, 13, 4) || '-' || substr(rid, 17, 4)
               || '-' || substr(rid, 21) AS row_id,
           CASE json_type(f.value, '$[1]')
                WHEN 'integer' THEN (SELECT name FROM field_numbers WHERE n = f.value ->> 1)
                ELSE f.value ->> 1 END AS field,
           f.value -> 2 AS value,
           printf('%018d-%05d-', hlc_ms, hlc_counter) || substr(node, 1, 8) || '-' || substr(node, 9, 4) || '-'
               || substr(node, 13, 4) || '-' || substr(node, 17, 4) || '-' || substr(node, 21) AS hlc,
           substr(dev, 1, 8) || '-' || substr(dev, 9, 4) || '-' || substr(dev, 13, 4) || '-' || substr(dev, 17, 4)
               || '-' || substr(dev, 21) AS device_id,
           CASE WHEN uid IS NOT NULL THEN
               substr(uid, 1, 8) || '-' || substr(uid, 9, 4) || '-' || substr(uid, 13, 4) || '-' || substr(uid, 17, 4)
               || '-' || substr(uid, 21) END AS user_id
    FROM w, json_each(w.fields) f;
