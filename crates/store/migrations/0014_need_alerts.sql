-- Needs reach the robots (issue 15): an organization's own chat robot, told of urgent needs
-- addressed to it and of nothing else; and a need that stays unmet past its own time alerts.
ALTER TABLE webhooks ADD COLUMN organization_id TEXT REFERENCES organizations (id);
CREATE INDEX webhooks_organization ON webhooks (organization_id);
ALTER TABLE needs ADD COLUMN alert_after_hours BIGINT NOT NULL DEFAULT 24;
