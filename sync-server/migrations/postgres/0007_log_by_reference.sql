-- A row write whose every field won when it arrived is logged without its values (see the SQLite
-- migration 0011): the entry names its fields in `state_fields` by row number and `w` range.
ALTER TABLE log ADD COLUMN rid BIGINT;
ALTER TABLE log ADD COLUMN w_from BIGINT;
ALTER TABLE log ADD COLUMN w_to BIGINT;
