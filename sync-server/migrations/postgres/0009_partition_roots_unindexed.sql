-- A partition's root is found by its key, not by the partition index (see the SQLite migration
-- 0013).
DROP INDEX rows_by_partition;
CREATE INDEX rows_by_partition ON rows (dealership_id, partition_id)
    WHERE partition_id <> row_id
       OR (tbl <> 'customers' AND tbl <> 'leads' AND tbl <> 'commission_statements' AND tbl <> 'coaching_notes');
