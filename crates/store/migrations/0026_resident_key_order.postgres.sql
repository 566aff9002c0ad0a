-- A database made with a Chinese collation passes over the spaces that end each syllable of the
-- key and would list 连杰 ("lian jie ") before 李四 ("li si "); the name's prefix range is
-- byte order too. Compared byte by byte, as on SQLite, whatever the database's collation.
ALTER TABLE residents ALTER COLUMN sort_key TYPE TEXT COLLATE "C";
ALTER TABLE residents ALTER COLUMN name TYPE TEXT COLLATE "C";
