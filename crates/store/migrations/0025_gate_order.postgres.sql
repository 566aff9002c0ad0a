-- The key compares byte by byte, as on SQLite, whatever the database's collation.
ALTER TABLE gates ALTER COLUMN name_key TYPE TEXT COLLATE "C";
