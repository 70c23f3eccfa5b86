-- A write's id is kept as its 16 bytes, in `write_records` and in `seen` (see the SQLite
-- migration 0019).
DROP VIEW writes;
ALTER TABLE write_records ALTER COLUMN write_id TYPE BYTEA USING decode(replace(write_id, '-', ''), 'hex');
CREATE VIEW writes AS
    SELECT w.id, encode(w.write_id, 'hex')::uuid::text AS write_id,
        lpad((w.at / 100000)::text, 18, '0') || '-' || lpad((w.at % 100000)::text, 5, '0') || '-'
          || (SELECT id FROM short_ids WHERE n = w.node) AS hlc,
        (SELECT id FROM short_ids WHERE n = w.author) AS user_id
    FROM write_records w;
ALTER TABLE seen ALTER COLUMN write_id TYPE BYTEA USING decode(replace(write_id, '-', ''), 'hex');
