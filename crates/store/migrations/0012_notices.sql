-- Notices (动员, issue 15): the bureau or an organization sends a notice to its people, all of
-- them or those deployed in one community or with one skill; each reader's first read is kept
-- once, so read counts are exact however often the page is opened.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    organization_id TEXT REFERENCES organizations (id),
    area_id TEXT REFERENCES areas (id),
    area_path TEXT,
    community_path TEXT,
    skill TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    sender_name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notices_organization ON notices (organization_id, created_at);
CREATE INDEX notices_area ON notices (area_path, created_at);

CREATE TABLE notice_reads (
    notice_id TEXT NOT NULL REFERENCES notices (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    read_at BIGINT NOT NULL,
    PRIMARY KEY (notice_id, user_id)
);

-- An organization's contribution counts the scans its members recorded (issue 15).
CREATE INDEX scans_recorded_by ON scans (recorded_by, scanned_at);
