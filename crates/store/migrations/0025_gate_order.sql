-- A compound's gates are listed as people count them ("2号门" before "10号门"): the key is
-- written with the name (store::gates, core::areas::natural_sort_key), and gates from before
-- are keyed at start-up (Db::migrate).
ALTER TABLE gates ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
