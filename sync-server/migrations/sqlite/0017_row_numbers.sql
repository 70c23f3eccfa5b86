-- A row names its dealership and creator by their numbers in `short_ids` instead of spelling two
-- 36-character ids, and so does its key (the dealership, table and row id, which every lookup of
-- a row by id reads): a customer's row and key took 0.28 KB. `rows` is a view with the old
-- columns, for readers; writers write `row_records`. `state` and `log` read the table.
INSERT INTO short_ids (id) SELECT DISTINCT dealership_id FROM rows WHERE true ORDER BY 1 ON CONFLICT DO NOTHING;
INSERT INTO short_ids (id) SELECT DISTINCT creator_id FROM rows WHERE creator_id IS NOT NULL ORDER BY 1
    ON CONFLICT DO NOTHING;
DROP VIEW state;
DROP VIEW log;

CREATE TABLE row_records (
    id           INTEGER PRIMARY KEY,
    dealership   INTEGER NOT NULL,
    tbl          TEXT NOT NULL,
    row_id       TEXT NOT NULL,
    partition_id TEXT,
    -- The user whose push first wrote the row (an event's creator may change it).
    creator      INTEGER,
    UNIQUE (dealership, tbl, row_id)
) STRICT;
INSERT INTO row_records (id, dealership, tbl, row_id, partition_id, creator)
    SELECT r.id, (SELECT n FROM short_ids WHERE id = r.dealership_id), r.tbl, r.row_id, r.partition_id,
        (SELECT n FROM short_ids WHERE id = r.creator_id)
    FROM rows r ORDER BY r.id;
DROP TABLE rows;
CREATE INDEX rows_by_partition ON row_records (dealership, partition_id)
    WHERE partition_id <> row_id
       OR (tbl <> 'customers' AND tbl <> 'leads' AND tbl <> 'commission_statements' AND tbl <> 'coaching_notes');

CREATE VIEW rows AS
    SELECT r.id, d.id AS dealership_id, r.tbl, r.row_id, r.partition_id,
        (SELECT id FROM short_ids WHERE n = r.creator) AS creator_id, r.dealership
    FROM row_records r JOIN short_ids d ON d.n = r.dealership;
CREATE VIEW state AS
    SELECT d.id AS dealership_id, r.tbl, r.row_id, n.name AS field, f.value, f.w, f.rid, f.fid
    FROM state_fields f JOIN row_records r ON r.id = f.rid JOIN short_ids d ON d.n = r.dealership
    JOIN field_names n ON n.id = f.fid;
CREATE VIEW log AS
    SELECT l.seq, l.kind, l.change_id,
        CASE WHEN l.tbl = '' THEN (SELECT tbl FROM row_records WHERE id = l.rid) ELSE l.tbl END AS tbl,
        CASE WHEN l.tbl = '' THEN (SELECT row_id FROM row_records WHERE id = l.rid) ELSE l.row_id END AS row_id,
        l.field, l.value, l.hlc, (SELECT id FROM short_ids WHERE n = l.dealership) AS dealership_id,
        CASE WHEN l.tbl = '' THEN (SELECT partition_id FROM row_records WHERE id = l.rid) ELSE l.partition_id END
          AS partition_id,
        l.audience, l.user_id, (SELECT id FROM short_ids WHERE n = l.device) AS device_id, l.received_ms, l.fields,
        l.rid, l.w_from, l.w_to, l.dealership, l.device
    FROM log_entries l;
