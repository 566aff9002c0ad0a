-- An application names its organization by id (issue 14): who may vet it, and whose hours a
-- volunteer's service counts in, is decided by the organization's id, not by a name anyone
-- can type. The name as typed stays for the record. Existing applications are matched to the
-- organization registered under exactly the name they gave.
ALTER TABLE volunteer_applications ADD COLUMN organization_id TEXT;
UPDATE volunteer_applications SET organization_id = (SELECT MIN(o.id) FROM organizations o WHERE o.name = volunteer_applications.organization) WHERE organization <> '';
CREATE INDEX volunteer_applications_organization ON volunteer_applications (organization_id);
