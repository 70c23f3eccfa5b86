-- Applying changes from other devices: which changes were applied, values that lost, and field
-- values of rows not complete yet (a row arrives as one change per field).
ALTER TABLE field_clocks ADD COLUMN change_id TEXT;

CREATE TABLE applied_changes (
    change_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

CREATE TABLE field_history (
    id         INTEGER PRIMARY KEY,
    tbl        TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    field      TEXT NOT NULL,
    value      TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    change_id  TEXT NOT NULL,
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX field_history_by_row ON field_history (tbl, row_id, field);

CREATE TABLE sync_pending (
    tbl       TEXT NOT NULL,
    row_id    TEXT NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    hlc       TEXT NOT NULL,
    change_id TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id, field)
) STRICT, WITHOUT ROWID;
