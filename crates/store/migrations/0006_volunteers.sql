-- Volunteers' applications from the public sign-up page, and their vetting (issue 5, M9).

CREATE TABLE volunteer_applications (
    id TEXT PRIMARY KEY,
    area_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    name TEXT NOT NULL,
    document_cipher TEXT NOT NULL,
    document_hash TEXT NOT NULL,
    document_masked TEXT NOT NULL,
    phone_cipher TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    skills TEXT NOT NULL,
    availability TEXT NOT NULL,
    organization TEXT NOT NULL,
    status TEXT NOT NULL,
    decision_note TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    user_id TEXT REFERENCES users (id),
    applied_at BIGINT NOT NULL
);
CREATE INDEX volunteer_applications_path ON volunteer_applications (area_path, status);
CREATE INDEX volunteer_applications_document ON volunteer_applications (document_hash);
