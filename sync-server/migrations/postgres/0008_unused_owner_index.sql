-- No query looks partitions up by owner (see the SQLite migration 0012).
DROP INDEX IF EXISTS partitions_by_owner;
