-- The phone a household calls about a place (a community's office, a compound's gate room),
-- printed on the isolation notice beside the responsible worker (issue 16).
CREATE TABLE area_contacts (
    area_id TEXT PRIMARY KEY REFERENCES areas (id),
    phone TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
