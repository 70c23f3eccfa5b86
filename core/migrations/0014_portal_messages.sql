-- The customer portal and outgoing messages. A share link's token never syncs: only its SHA-256
-- (quote_shares, in the customer's partition). What a customer does on the portal arrives as a
-- portal_responses row written by the server; the rep's laptop completes it (handled_at). Messages
-- a rep sends are queued here and leave from the server's outbox, which writes their status back.
CREATE TABLE quote_shares (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    quote_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT,
    created_by  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX quote_shares_by_quote ON quote_shares (quote_id, created_at);

CREATE TABLE portal_responses (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    quote_id    TEXT,
    share_id    TEXT,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    message     TEXT NOT NULL,
    at          TEXT NOT NULL,
    handled_at  TEXT,
    outcome     TEXT NOT NULL
) STRICT;
CREATE INDEX portal_responses_waiting ON portal_responses (handled_at, at);
CREATE INDEX portal_responses_by_customer ON portal_responses (customer_id, at);

CREATE TABLE outgoing_messages (
    rid           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    customer_id   TEXT NOT NULL,
    channel       TEXT NOT NULL,
    to_address    TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    quote_id      TEXT,
    author_id     TEXT,
    status        TEXT NOT NULL,
    status_detail TEXT NOT NULL,
    queued_at     TEXT NOT NULL,
    sent_at       TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX outgoing_messages_by_customer ON outgoing_messages (customer_id, queued_at);
