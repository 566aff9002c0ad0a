-- Linkages with duties (issue 15): what an organization takes on in a community decides what its
-- people may do there. A linkage is proposed by one side and accepted by the other. Linkages
-- made before this carried only free text and granted nothing; they stay active with no duty.
ALTER TABLE linkages ADD COLUMN duties TEXT NOT NULL DEFAULT '';
ALTER TABLE linkages ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE linkages ADD COLUMN proposed_by TEXT NOT NULL DEFAULT 'organization';
ALTER TABLE linkages ADD COLUMN starts_on TEXT;
ALTER TABLE linkages ADD COLUMN ends_on TEXT;
ALTER TABLE linkages ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE linkages ADD COLUMN changed_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX linkages_organization ON linkages (organization_id, status);
-- A member of an organization is a social worker (社工) or a volunteer.
ALTER TABLE grants ADD COLUMN member_kind TEXT NOT NULL DEFAULT 'volunteer';
CREATE INDEX grants_organization ON grants (organization_id, role);
-- A duty post can name the gate its people staff.
ALTER TABLE posts ADD COLUMN gate_id TEXT REFERENCES gates (id);
