-- A write's id is kept as its 16 bytes, in `write_records` and in `seen`, instead of 36
-- characters of text (0.04 KB a customer). `writes` spells it as before; code binds the bytes
-- (`write_key` in storage/mod.rs) to look one up in `seen`.
DROP VIEW writes;
CREATE TABLE write_records_v2 (
    id       INTEGER PRIMARY KEY,
    write_id BLOB NOT NULL,
    at       INTEGER NOT NULL,
    node     INTEGER NOT NULL,
    author   INTEGER
) STRICT;
INSERT INTO write_records_v2 (id, write_id, at, node, author)
    SELECT id, unhex(replace(write_id, '-', '')), at, node, author FROM write_records ORDER BY id;
DROP TABLE write_records;
ALTER TABLE write_records_v2 RENAME TO write_records;
CREATE VIEW writes AS
    SELECT w.id,
        lower(substr(hex(w.write_id), 1, 8) || '-' || substr(hex(w.write_id), 9, 4) || '-'
          || substr(hex(w.write_id), 13, 4) || '-' || substr(hex(w.write_id), 17, 4) || '-'
          || substr(hex(w.write_id), 21)) AS write_id,
        printf('%018d-%05d-%s', w.at / 100000, w.at % 100000, (SELECT id FROM short_ids WHERE n = w.node)) AS hlc,
        (SELECT id FROM short_ids WHERE n = w.author) AS user_id
    FROM write_records w;

CREATE TABLE seen_v2 (
    write_id BLOB NOT NULL,
    seq      INTEGER NOT NULL,
    PRIMARY KEY (write_id, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO seen_v2 (write_id, seq) SELECT unhex(replace(write_id, '-', '')), seq FROM seen ORDER BY 1, 2;
DROP TABLE seen;
ALTER TABLE seen_v2 RENAME TO seen;
