-- Residents are listed by the pinyin of their names (issue 16): the key is written with the
-- name (store::registry), and rows from before are keyed at start-up (Db::migrate).
ALTER TABLE residents ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
DROP INDEX residents_path_name;
DROP INDEX residents_name;
CREATE INDEX residents_path_sort ON residents (area_path, sort_key, id);
-- The name rides along so that a name search counts without reading the rows.
CREATE INDEX residents_sort ON residents (sort_key, id, name);
