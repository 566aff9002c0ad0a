-- Door-to-door by a linked organization's social workers (issue 15): a campaign's building —
-- the households of one area with one 楼栋 — handed to a person, who logs visits there while
-- their organization holds the door-to-door duty with the community.
CREATE TABLE campaign_assignments (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    area_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    building TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    UNIQUE (campaign_id, area_id, building, user_id)
);
CREATE INDEX campaign_assignments_user ON campaign_assignments (user_id, campaign_id);
