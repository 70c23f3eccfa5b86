-- Field clocks kept as one record per row (see core/src/store/clocks.rs): the old per-field rows
-- are folded into it by the migration's hook, which then drops `field_clocks`.
CREATE TABLE row_clocks (
    tbl    TEXT NOT NULL,
    row_id TEXT NOT NULL,
    clocks BLOB NOT NULL,
    PRIMARY KEY (tbl, row_id)
) STRICT, WITHOUT ROWID;
