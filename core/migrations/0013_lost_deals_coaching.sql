-- A deal lost because the customer bought elsewhere names where (a competitor or brand), for the
-- lost-deals report; deals lost that way before this field existed read "Not recorded".
-- Coaching: a manager's notes and goals for one rep (their 1:1s), in that rep's own partition so
-- only the rep and the managers ever receive them.
ALTER TABLE opportunities ADD COLUMN competitor TEXT NOT NULL DEFAULT '';
UPDATE opportunities SET competitor = 'Not recorded'
 WHERE status = 'lost' AND lower(lost_reason) = 'bought elsewhere' AND competitor = '';

CREATE TABLE coaching_notes (
    rid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    rep_id      TEXT NOT NULL,
    author_id   TEXT,
    kind        TEXT NOT NULL,
    body        TEXT NOT NULL,
    due         TEXT,
    done_at     TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;
CREATE INDEX coaching_notes_by_rep ON coaching_notes (rep_id, created_at);
