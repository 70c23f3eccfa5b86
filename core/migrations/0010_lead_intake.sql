-- A lead read from a feed keeps what it arrived as: the original text of its record (the ADF
-- <prospect> element, decoded) and every repair or problem met while reading it (a JSON list of
-- {field, message}), e.g. "phone could not be read: 393-999-3922", so nothing a provider sent is
-- ever lost and the rep sees what to check.
ALTER TABLE leads ADD COLUMN original TEXT NOT NULL DEFAULT '';
ALTER TABLE leads ADD COLUMN intake_warnings TEXT NOT NULL DEFAULT '[]';
