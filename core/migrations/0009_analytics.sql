-- Manager analytics: a deal's front-end gross, a second rep on a split deal and the date a sold
-- deal unwound (a chargeback); monthly goals, commission plans and approved statements, marketing
-- spend per source, and the monthly forecast snapshots that forecast accuracy is measured on.
ALTER TABLE opportunities ADD COLUMN gross_cents INTEGER;
ALTER TABLE opportunities ADD COLUMN co_owner_id TEXT;
ALTER TABLE opportunities ADD COLUMN unwound_at TEXT;
-- Where the deal came from (its lead's source and channel), kept on the deal for attribution.
ALTER TABLE opportunities ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN channel TEXT;
UPDATE opportunities SET source = coalesce((SELECT l.source FROM leads l WHERE l.id = opportunities.lead_id), ''),
    channel = (SELECT l.channel FROM leads l WHERE l.id = opportunities.lead_id)
 WHERE lead_id IS NOT NULL;
CREATE INDEX opportunities_by_close ON opportunities (status, closed_at);
CREATE INDEX activities_done ON activities (done_at, owner_id, kind, deleted_at);
CREATE INDEX activities_appointments ON activities (customer_id, kind, created_at, done_at, deleted_at);
CREATE INDEX leads_by_received_all ON leads (received_at, deleted_at, first_response_at);
DROP INDEX leads_by_received; -- a prefix of the one above

-- Completed activities per UTC day, rep and kind: a rollup kept by triggers (local, derived,
-- never synced), so activity metrics over months read a few hundred rows, not a million.
CREATE TABLE activity_days (
    day      TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    kind     TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (day, owner_id, kind)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER activity_days_insert AFTER INSERT ON activities
WHEN NEW.done_at IS NOT NULL AND NEW.deleted_at IS NULL AND NEW.owner_id IS NOT NULL
BEGIN
    INSERT INTO activity_days (day, owner_id, kind, n) VALUES (substr(NEW.done_at, 1, 10), NEW.owner_id, NEW.kind, 1)
    ON CONFLICT (day, owner_id, kind) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER activity_days_delete AFTER DELETE ON activities
WHEN OLD.done_at IS NOT NULL AND OLD.deleted_at IS NULL AND OLD.owner_id IS NOT NULL
BEGIN
    UPDATE activity_days SET n = n - 1 WHERE day = substr(OLD.done_at, 1, 10) AND owner_id = OLD.owner_id AND kind = OLD.kind;
END;
CREATE TRIGGER activity_days_update AFTER UPDATE OF done_at, deleted_at, owner_id, kind ON activities
BEGIN
    UPDATE activity_days SET n = n - 1
     WHERE OLD.done_at IS NOT NULL AND OLD.deleted_at IS NULL AND OLD.owner_id IS NOT NULL
       AND day = substr(OLD.done_at, 1, 10) AND owner_id = OLD.owner_id AND kind = OLD.kind;
    INSERT INTO activity_days (day, owner_id, kind, n)
    SELECT substr(NEW.done_at, 1, 10), NEW.owner_id, NEW.kind, 1
     WHERE NEW.done_at IS NOT NULL AND NEW.deleted_at IS NULL AND NEW.owner_id IS NOT NULL
    ON CONFLICT (day, owner_id, kind) DO UPDATE SET n = n + 1;
END;
INSERT INTO activity_days (day, owner_id, kind, n)
SELECT substr(done_at, 1, 10), owner_id, kind, count(*) FROM activities
 WHERE done_at IS NOT NULL AND deleted_at IS NULL AND owner_id IS NOT NULL GROUP BY 1, 2, 3;

CREATE TABLE goals (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    user_id     TEXT,
    team_id     TEXT,
    month       TEXT NOT NULL,
    units       INTEGER NOT NULL,
    gross_cents INTEGER NOT NULL,
    activities  INTEGER NOT NULL
) STRICT;
CREATE INDEX goals_by_month ON goals (month);

CREATE TABLE commission_plans (
    rid                    INTEGER PRIMARY KEY,
    id                     TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    flat_per_unit_cents    INTEGER NOT NULL,
    gross_percent_bp       INTEGER NOT NULL,
    minimum_per_deal_cents INTEGER NOT NULL,
    tiers                  TEXT NOT NULL,
    csat_bonus_cents       INTEGER NOT NULL,
    csat_min_tenths        INTEGER NOT NULL,
    user_ids               TEXT NOT NULL
) STRICT;

CREATE TABLE commission_statements (
    rid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL,
    month        TEXT NOT NULL,
    plan_id      TEXT NOT NULL,
    total_cents  INTEGER NOT NULL,
    lines        TEXT NOT NULL,
    approved_by  TEXT,
    approved_at  TEXT,
    created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE marketing_spend (
    rid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    month        TEXT NOT NULL,
    source       TEXT NOT NULL,
    amount_cents INTEGER NOT NULL
) STRICT;

CREATE TABLE forecast_snapshots (
    rid                INTEGER PRIMARY KEY,
    id                 TEXT NOT NULL UNIQUE,
    month              TEXT NOT NULL,
    made_at            TEXT NOT NULL,
    units_milli        INTEGER NOT NULL,
    units_low_milli    INTEGER NOT NULL,
    units_high_milli   INTEGER NOT NULL,
    revenue_cents      INTEGER NOT NULL,
    revenue_low_cents  INTEGER NOT NULL,
    revenue_high_cents INTEGER NOT NULL
) STRICT;
