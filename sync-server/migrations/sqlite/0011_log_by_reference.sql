-- A row write whose every field won when it arrived is logged without its values: the state holds
-- them, and the entry names them by the row's number (`rid`) and the range of `state_fields.w`
-- its fields take (`w_from` to `w_to`: the write's `writes` id * 256 + the first and the last
-- field's index). `fields`, `hlc` and `user_id` stay NULL for such an entry (the write's `writes`
-- row holds its clock and author); see `logged_fields` in storage/mod.rs.
-- Before another write overwrites one of its values, the entry takes its values, clock and
-- author back, so it serves the same fields as an entry that stored them.
ALTER TABLE log ADD COLUMN rid INTEGER;
ALTER TABLE log ADD COLUMN w_from INTEGER;
ALTER TABLE log ADD COLUMN w_to INTEGER;
