-- Schema 18 changes no table. `row_clocks` records are now written as version 2 (a field keeps its
-- index in its write instead of its whole change id, store/clocks.rs), which builds before this one
-- cannot read: the bumped version makes such a build refuse this store when it opens it ("written by
-- a newer version") instead of failing later in the middle of a sync.
UPDATE meta SET value = value WHERE 0;
