-- The link index's condition spelled as in SQLite's (ORed equalities), so the queries that use
-- it read the same on both stores.
DROP INDEX state_links;
CREATE INDEX state_links ON state (tbl, field, value)
    WHERE field = 'token_hash' OR field = 'quote_id' OR field = 'customer_id' OR field = 'lead_id';
