-- The keys compare byte by byte, as on SQLite, whatever the database's collation: they mark
-- numbers and parts with control characters that a locale's collation would pass over.
ALTER TABLE areas ALTER COLUMN sort_key TYPE TEXT COLLATE "C";
ALTER TABLE households ALTER COLUMN address_key TYPE TEXT COLLATE "C";
