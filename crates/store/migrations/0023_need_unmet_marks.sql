-- A need still unmet past its time alerts once, and the scan marks it so: the scan reads only
-- needs not yet alerted, so old unmet needs cannot crowd out new ones however many there are.
ALTER TABLE needs ADD COLUMN unmet_alerted_at BIGINT;
CREATE INDEX needs_unmet_unalerted ON needs (unmet_alerted_at, status);
-- Needs that already alerted are marked, so none alerts a second time after the upgrade.
UPDATE needs SET unmet_alerted_at = (
    SELECT MIN(a.raised_at) FROM alerts a
    WHERE a.kind = 'need_unmet' AND a.subject_kind = 'need' AND a.subject_id = needs.id
) WHERE unmet_alerted_at IS NULL AND EXISTS (
    SELECT 1 FROM alerts a WHERE a.kind = 'need_unmet' AND a.subject_kind = 'need' AND a.subject_id = needs.id
);
