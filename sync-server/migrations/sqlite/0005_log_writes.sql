-- The log keeps ONE entry per row write (sync-server/src/storage.rs, `log_write`): the fields a
-- device wrote together share their table, row, HLC, author, device and partition, stored once;
-- `fields` holds `[[index, field, value], ...]` and `change_id` the write id, each field's change
-- id being the write id with its index in the last byte. Entries logged before are rewritten so.
ALTER TABLE log ADD COLUMN fields TEXT;
UPDATE log
SET fields = json_array(json_array(
        (instr('0123456789abcdef', substr(change_id, 35, 1)) - 1) * 16
            + instr('0123456789abcdef', substr(change_id, 36, 1)) - 1,
        field, json(value))),
    change_id = substr(change_id, 1, 34) || '00',
    field = NULL,
    value = NULL
WHERE change_id IS NOT NULL AND field IS NOT NULL;

-- Write ids already taken (with each entry logged under them), for idempotent pushes.
CREATE TABLE seen_writes (
    write_id TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (write_id, seq)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO seen_writes (write_id, seq) SELECT substr(change_id, 1, 34) || '00', seq FROM seen;
DROP TABLE seen;
ALTER TABLE seen_writes RENAME TO seen;
