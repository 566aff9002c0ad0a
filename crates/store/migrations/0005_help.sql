-- Help requests (代买药品): errands for people who cannot go out (issue 5, DESIGN.md M11).

CREATE TABLE help_requests (
    id TEXT PRIMARY KEY,
    area_path TEXT NOT NULL,
    household_id TEXT REFERENCES households (id),
    address TEXT NOT NULL,
    for_whom TEXT NOT NULL,
    needs TEXT NOT NULL,
    urgency TEXT NOT NULL,
    vulnerable BIGINT NOT NULL,
    contact_cipher TEXT,
    contact_masked TEXT,
    status TEXT NOT NULL,
    volunteer_id TEXT REFERENCES users (id),
    asked_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    bought_at BIGINT,
    delivered_at BIGINT,
    cancelled_at BIGINT,
    cancel_reason TEXT,
    cost_fen BIGINT,
    created_by TEXT NOT NULL,
    -- The resident's receipt link: only its hash is kept.
    link_hash TEXT NOT NULL UNIQUE,
    confirmed_at BIGINT
);
CREATE INDEX help_requests_path ON help_requests (area_path, status);
CREATE INDEX help_requests_volunteer ON help_requests (volunteer_id, status);
