-- A need still unmet past its time alerts once, and the scan marks it so: the scan reads only
-- needs not yet alerted, so old unmet needs cannot crowd out new ones however many there are.
ALTER TABLE needs ADD COLUMN unmet_alerted_at BIGINT;
CREATE INDEX needs_unmet_unalerted ON needs (unmet_alerted_at, status);
