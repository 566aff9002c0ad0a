-- Compounds and addresses are listed as people count them ("2号楼" before "10号楼", room 201
-- before 1001): the keys are written with the name or address (core::areas::natural_sort_key,
-- store::areas, store::registry), and rows from before are keyed at start-up (Db::migrate).
ALTER TABLE areas ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN address_key TEXT NOT NULL DEFAULT '';
CREATE INDEX households_path_address ON households (area_path, address_key, id);
