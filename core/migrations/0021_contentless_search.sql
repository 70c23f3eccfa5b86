-- The search tables keep only their index: the text they index (`terms`) is derived from the row
-- and never read back (searches join the row by rowid), yet each held a second copy of it,
-- ~120 bytes a customer written on every import and edit. `contentless_delete` keeps DELETE and
-- whole-row UPDATE by rowid working as before.
CREATE VIRTUAL TABLE customers_fts_v2 USING fts5 (terms, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
INSERT INTO customers_fts_v2 (rowid, terms) SELECT rowid, terms FROM customers_fts;
DROP TABLE customers_fts;
ALTER TABLE customers_fts_v2 RENAME TO customers_fts;
CREATE VIRTUAL TABLE leads_fts_v2 USING fts5 (terms, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
INSERT INTO leads_fts_v2 (rowid, terms) SELECT rowid, terms FROM leads_fts;
DROP TABLE leads_fts;
ALTER TABLE leads_fts_v2 RENAME TO leads_fts;
CREATE VIRTUAL TABLE vehicles_fts_v2 USING fts5 (terms, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
INSERT INTO vehicles_fts_v2 (rowid, terms) SELECT rowid, terms FROM vehicles_fts;
DROP TABLE vehicles_fts;
ALTER TABLE vehicles_fts_v2 RENAME TO vehicles_fts;
