-- The sync client: who made each winning and losing value, edits the server refused (kept, never
-- dropped silently), notices from the server, and conflicts the user has dealt with.
ALTER TABLE field_clocks ADD COLUMN user_id TEXT;
ALTER TABLE field_history ADD COLUMN user_id TEXT;
ALTER TABLE field_history ADD COLUMN resolved_at TEXT;
-- Each change id at most once in history: replays are recognised by it (applied_changes retires).
DELETE FROM field_history WHERE id NOT IN (SELECT MIN(id) FROM field_history GROUP BY change_id);
CREATE UNIQUE INDEX field_history_by_change ON field_history (change_id);
DELETE FROM applied_changes;

-- Rows to remove once their pending edits are pushed (their partition moved to another rep).
CREATE TABLE sync_evict_later (
    tbl    TEXT NOT NULL,
    row_id TEXT NOT NULL,
    PRIMARY KEY (tbl, row_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_refused (
    change_id  TEXT PRIMARY KEY,
    tbl        TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    field      TEXT NOT NULL,
    value      TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    reason     TEXT NOT NULL,
    refused_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sync_notices (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    message    TEXT NOT NULL,
    tbl        TEXT NOT NULL,
    row_id     TEXT NOT NULL,
    at         TEXT NOT NULL,
    dismissed  INTEGER NOT NULL DEFAULT 0
) STRICT;
