-- A partition's root (a customer, a lead that is its own partition, a commission statement, a
-- coaching note) stores '' for its partition, which is its own id: a customer spelt its id twice
-- (0.04 KB). Readers read the partition as `CASE WHEN partition_id = '' THEN row_id ELSE
-- partition_id END` (`rows` and `log` do); writers store '' for such a row (`ROW_PARTITION` in
-- storage/mod.rs). The partition index leaves those rows out by the '' (it left them out by
-- their tables before, migration 0013); `PARTITION_ROWS` finds them by key.
DROP INDEX rows_by_partition;
UPDATE row_records SET partition_id = ''
    WHERE partition_id = row_id AND tbl IN ('customers', 'leads', 'commission_statements', 'coaching_notes');
CREATE INDEX rows_by_partition ON row_records (dealership, partition_id) WHERE partition_id IS DISTINCT FROM '';

DROP VIEW rows;
CREATE VIEW rows AS
    SELECT r.id, d.id AS dealership_id, r.tbl, r.row_id,
        CASE WHEN r.partition_id = '' THEN r.row_id ELSE r.partition_id END AS partition_id,
        (SELECT id FROM short_ids WHERE n = r.creator) AS creator_id, r.dealership
    FROM row_records r JOIN short_ids d ON d.n = r.dealership;
DROP VIEW log;
CREATE VIEW log AS
    SELECT l.seq, l.kind, l.change_id,
        CASE WHEN l.tbl = '' THEN (SELECT tbl FROM row_records WHERE id = l.rid) ELSE l.tbl END AS tbl,
        CASE WHEN l.tbl = '' THEN (SELECT row_id FROM row_records WHERE id = l.rid) ELSE l.row_id END AS row_id,
        l.field, l.value, l.hlc, (SELECT id FROM short_ids WHERE n = l.dealership) AS dealership_id,
        CASE WHEN l.tbl = '' THEN (
            SELECT CASE WHEN partition_id = '' THEN row_id ELSE partition_id END FROM row_records WHERE id = l.rid)
          ELSE l.partition_id END AS partition_id,
        l.audience, l.user_id, (SELECT id FROM short_ids WHERE n = l.device) AS device_id, l.received_ms, l.fields,
        l.rid, l.w_from, l.w_to, l.dealership, l.device
    FROM log_entries l;
