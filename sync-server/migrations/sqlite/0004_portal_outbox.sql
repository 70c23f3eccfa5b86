-- The customer portal finds a share link by its token's hash, a quote's versions and a customer's
-- portal responses without a scan, and a lead's assignments move with it; the outbox finds
-- queued messages.
CREATE INDEX state_links ON state (tbl, field, value) WHERE field IN ('token_hash', 'quote_id', 'customer_id', 'lead_id');
CREATE INDEX state_statuses ON state (tbl, field, value) WHERE field = 'status';

-- One-click unsubscribe links (RFC 8058) in the emails the outbox sends: only the token's hash.
CREATE TABLE unsubscribes (
    hash          TEXT PRIMARY KEY,
    dealership_id TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    message_id    TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    used_ms       INTEGER
) STRICT, WITHOUT ROWID;

-- A message the relay could not take yet: when to try again.
CREATE TABLE outbox_attempts (
    message_id    TEXT PRIMARY KEY,
    dealership_id TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    next_ms       INTEGER NOT NULL,
    last_error    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
