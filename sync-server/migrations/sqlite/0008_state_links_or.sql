-- The link index's condition as ORed equalities instead of a four-value IN list: SQLite checks a
-- partial index's condition on every insert into `state`, and an IN list of more than two values
-- builds a temporary lookup table each time (about a fifth of a new field's insert). Queries that
-- use this index spell the condition the same way (SQLite matches it as written).
DROP INDEX state_links;
CREATE INDEX state_links ON state (tbl, field, value)
    WHERE field = 'token_hash' OR field = 'quote_id' OR field = 'customer_id' OR field = 'lead_id';
