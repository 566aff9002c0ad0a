-- Safe on the internet (issue 13).
-- Failed sign-ins are counted per user name and per client address: a stranger's failures slow
-- that stranger, never lock the real user out.
ALTER TABLE sign_in_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at);
-- One user's reveals of full numbers in the last minutes, counted on each reveal.
CREATE INDEX audit_log_actor ON audit_log (actor_id, action, at);
