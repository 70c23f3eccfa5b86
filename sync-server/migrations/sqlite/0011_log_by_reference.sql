-- A row write whose every field won when it arrived is logged without its values: the state holds
-- them, and the entry names them by the row's number (`rid`) and the range of `state_fields.w`
-- its fields take (`w_from` to `w_to`: the write's `writes` id * 256 + the first and the last
-- field's index). `fields` stays NULL for such an entry; see `LOGGED_FIELDS` in storage/mod.rs.
-- A field another write wins later is no longer served with this entry: the later entry serves
-- it, and every device that reads this entry reads that one after it.
ALTER TABLE log ADD COLUMN rid INTEGER;
ALTER TABLE log ADD COLUMN w_from INTEGER;
ALTER TABLE log ADD COLUMN w_to INTEGER;
