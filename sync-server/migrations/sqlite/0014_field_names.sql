-- A field's name is stored once, in `field_names`, and each winning value names it by number
-- (`state_fields.fid`) instead of spelling it: a 14-field customer spelt ~110 bytes of names in
-- every copy of its values. The fields the partial indexes cover have fixed numbers, which the
-- indexes' conditions and the lookups that use them name (`field_names::INDEXED` in
-- storage/mod.rs); others are numbered as they first arrive. `state` keeps its columns (`field`
-- is the name) and adds `fid`.
CREATE TABLE field_names (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO field_names (id, name) VALUES
    (1, 'email'), (2, 'phone'), (3, 'token_hash'), (4, 'quote_id'), (5, 'customer_id'), (6, 'lead_id'),
    (7, 'status');
INSERT INTO field_names (name)
    SELECT DISTINCT field FROM state_fields WHERE field NOT IN (SELECT name FROM field_names) ORDER BY field;

DROP VIEW state;
CREATE TABLE state_fields_v2 (
    rid   INTEGER NOT NULL,
    fid   INTEGER NOT NULL,
    value TEXT NOT NULL,
    w     INTEGER NOT NULL,
    PRIMARY KEY (rid, fid)
) STRICT, WITHOUT ROWID;
INSERT INTO state_fields_v2 (rid, fid, value, w)
    SELECT f.rid, n.id, f.value, f.w FROM state_fields f JOIN field_names n ON n.name = f.field
    ORDER BY f.rid, n.id;
DROP TABLE state_fields;
ALTER TABLE state_fields_v2 RENAME TO state_fields;
CREATE VIEW state AS
    SELECT r.dealership_id, r.tbl, r.row_id, n.name AS field, f.value, f.w, f.rid, f.fid
    FROM state_fields f JOIN rows r ON r.id = f.rid JOIN field_names n ON n.id = f.fid;
CREATE INDEX state_contacts ON state_fields (fid, value) WHERE fid = 1 OR fid = 2;
CREATE INDEX state_links ON state_fields (fid, value) WHERE fid = 3 OR fid = 4 OR fid = 5 OR fid = 6;
CREATE INDEX state_statuses ON state_fields (fid, value) WHERE fid = 7;
