-- Test drives booked against a vehicle, survey answers (CSAT, NPS) and referrals between customers.
-- All three live in the customer's partition.
CREATE TABLE test_drives (
    rid            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    customer_id    TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    vehicle_id     TEXT NOT NULL,
    opportunity_id TEXT,
    starts_at      TEXT NOT NULL,
    ends_at        TEXT NOT NULL,
    licence_number TEXT NOT NULL,
    licence_region TEXT NOT NULL,
    licence_expiry TEXT NOT NULL,
    status         TEXT NOT NULL,
    feedback       TEXT NOT NULL,
    activity_id    TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX test_drives_by_vehicle ON test_drives (vehicle_id, starts_at);
CREATE INDEX test_drives_by_activity ON test_drives (activity_id);

CREATE TABLE surveys (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    order_id    TEXT,
    kind        TEXT NOT NULL,
    score       INTEGER NOT NULL,
    comment     TEXT NOT NULL,
    answered_at TEXT NOT NULL
) STRICT;
CREATE INDEX surveys_by_customer ON surveys (customer_id);

CREATE TABLE referrals (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL REFERENCES customers (id) DEFERRABLE INITIALLY DEFERRED,
    referrer_id TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX referrals_by_customer ON referrals (customer_id);
CREATE INDEX referrals_by_referrer ON referrals (referrer_id);
