-- When each device last reached the server: a device away longer than the compaction's --away-days
-- no longer holds the purge of deleted rows back, and re-syncs from the state when it returns.
ALTER TABLE devices ADD COLUMN seen_ms INTEGER NOT NULL DEFAULT 0;

-- Rows purged (deleted, and every syncing device had the deletion): a change to one that arrives
-- later (a device away for long edited it) is taken and dropped, never bringing it back.
CREATE TABLE purged (
    dealership_id TEXT NOT NULL,
    tbl           TEXT NOT NULL,
    row_id        TEXT NOT NULL,
    PRIMARY KEY (dealership_id, tbl, row_id)
) STRICT, WITHOUT ROWID;
