-- A partition's root (a customer, a lead that is its own partition, a commission statement, a
-- coaching note) is found by its key, not by the partition index: the index leaves out the rows
-- of the root tables whose partition is their own id (`PARTITION_ROWS` in storage/mod.rs reads
-- both, and repeats this condition as written, which SQLite needs to use a partial index). A
-- customer's entry cost 0.09 KB of every customer's 1.85 KB, and a B-tree insert in every push
-- that creates one.
DROP INDEX rows_by_partition;
CREATE INDEX rows_by_partition ON rows (dealership_id, partition_id)
    WHERE partition_id <> row_id
       OR (tbl <> 'customers' AND tbl <> 'leads' AND tbl <> 'commission_statements' AND tbl <> 'coaching_notes');
