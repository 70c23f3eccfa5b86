-- Stage history: one row each time a deal enters a stage (opened, moved, advanced, won, lost),
-- so the forecast learns each stage's real win rate and time to close from this dealership's own
-- deals. Deals from before this version have no history; the forecast falls back to the
-- configured probabilities for them.
CREATE TABLE stage_moves (
    rid            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    opportunity_id TEXT NOT NULL,
    customer_id    TEXT NOT NULL,
    from_stage_id  TEXT,
    stage_id       TEXT NOT NULL,
    at             TEXT NOT NULL,
    by_id          TEXT
) STRICT;
CREATE INDEX stage_moves_by_deal ON stage_moves (opportunity_id, at);
CREATE INDEX stage_moves_by_customer ON stage_moves (customer_id);
