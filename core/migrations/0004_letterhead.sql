-- The dealership's letterhead for printed documents.
ALTER TABLE dealerships ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE dealerships ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE dealerships ADD COLUMN email TEXT NOT NULL DEFAULT '';
-- PNG, base64-encoded, at most 512 KB decoded.
ALTER TABLE dealerships ADD COLUMN logo_png TEXT;
