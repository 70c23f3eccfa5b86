-- A customer books a test drive on the portal: the response carries the slot they chose; the rep's
-- laptop turns it into the booking (or, when the vehicle was taken meanwhile, a call task).
ALTER TABLE portal_responses ADD COLUMN starts_at TEXT;
