-- Manager analytics: a deal's front-end gross, a second rep on a split deal and the date a sold
-- deal unwound (a chargeback); monthly goals, commission plans and approved statements, marketing
-- spend per source, and the monthly forecast snapshots that forecast accuracy is measured on.
ALTER TABLE opportunities ADD COLUMN gross_cents INTEGER;
ALTER TABLE opportunities ADD COLUMN co_owner_id TEXT;
ALTER TABLE opportunities ADD COLUMN unwound_at TEXT;
CREATE INDEX opportunities_by_close ON opportunities (status, closed_at);
CREATE INDEX activities_done ON activities (done_at, owner_id, kind) WHERE done_at IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX leads_by_received_all ON leads (received_at, first_response_at);

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
