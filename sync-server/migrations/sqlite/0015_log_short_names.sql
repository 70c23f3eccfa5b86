-- A log entry names its dealership and the device that pushed it by small numbers
-- (`short_ids`) instead of spelling the two 36-character ids, and an entry logged by reference
-- (migration 0011) names its row only by number (`rid`): its table, row id and partition are
-- the row's (`rows`), and `tbl` and `row_id` hold '' (no bytes) for "the row's". Together a
-- customer's entry and its index entry took 0.25 KB of every customer's 1.4 KB.
-- Before a row moves to another partition, its entries by reference are given their names back
-- (`NAME_ENTRIES` in storage/mod.rs), so an entry keeps the partition it was written in; before
-- one of its values is overwritten, an entry takes its values and names back (`materialize`).
-- The table is `log_entries`; `log` is a view with the old columns, for readers.
CREATE TABLE short_ids (
    n  INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO short_ids (id) SELECT id FROM dealerships ORDER BY id;
INSERT INTO short_ids (id) SELECT DISTINCT dealership_id FROM log WHERE true ORDER BY 1 ON CONFLICT DO NOTHING;
INSERT INTO short_ids (id) SELECT DISTINCT device_id FROM log WHERE device_id IS NOT NULL ORDER BY 1 ON CONFLICT DO NOTHING;

ALTER TABLE log RENAME TO log_entries;
ALTER TABLE log_entries ADD COLUMN dealership INTEGER NOT NULL DEFAULT 0;
ALTER TABLE log_entries ADD COLUMN device INTEGER;
UPDATE log_entries SET
    dealership = (SELECT n FROM short_ids WHERE id = log_entries.dealership_id),
    device = (SELECT n FROM short_ids WHERE id = log_entries.device_id);
UPDATE log_entries SET tbl = '', row_id = '', partition_id = NULL WHERE rid IS NOT NULL;
DROP INDEX log_by_dealership;
ALTER TABLE log_entries DROP COLUMN dealership_id;
ALTER TABLE log_entries DROP COLUMN device_id;
CREATE INDEX log_by_dealership ON log_entries (dealership, seq);

-- (One table and scalar lookups, so that SQLite flattens the view into any join that reads it.)
CREATE VIEW log AS
    SELECT l.seq, l.kind, l.change_id,
        CASE WHEN l.tbl = '' THEN (SELECT tbl FROM rows WHERE id = l.rid) ELSE l.tbl END AS tbl,
        CASE WHEN l.tbl = '' THEN (SELECT row_id FROM rows WHERE id = l.rid) ELSE l.row_id END AS row_id,
        l.field, l.value, l.hlc, (SELECT id FROM short_ids WHERE n = l.dealership) AS dealership_id,
        CASE WHEN l.tbl = '' THEN (SELECT partition_id FROM rows WHERE id = l.rid) ELSE l.partition_id END
          AS partition_id,
        l.audience, l.user_id, (SELECT id FROM short_ids WHERE n = l.device) AS device_id, l.received_ms, l.fields,
        l.rid, l.w_from, l.w_to, l.dealership, l.device
    FROM log_entries l;
