-- Needs and commitments (需求对接, issue 15): a community asks for people for a post's shifts or
-- for a service; organizations commit people (booked into the shifts) or take on the service;
-- the community confirms. `committed` is moved only by single UPDATEs, so two organizations
-- committing at once on two nodes both count.
CREATE TABLE needs (
    id TEXT PRIMARY KEY,
    area_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    post_id TEXT REFERENCES posts (id),
    service TEXT,
    wanted BIGINT NOT NULL,
    committed BIGINT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    urgency TEXT NOT NULL,
    audience TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX needs_path ON needs (area_path, status);
CREATE INDEX needs_audience ON needs (audience, status);

CREATE TABLE need_commitments (
    id TEXT PRIMARY KEY,
    need_id TEXT NOT NULL REFERENCES needs (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    people BIGINT NOT NULL,
    shifts_booked BIGINT NOT NULL,
    note TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX need_commitments_need ON need_commitments (need_id);
