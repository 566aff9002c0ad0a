-- Foundation: areas, organizations, accounts, registry, audit.
-- Portable SQL only (TEXT, BIGINT, DOUBLE PRECISION); ids are UUIDv7 in simple hex form made by
-- the application; times are UTC milliseconds. Applied once; never edit, add a new file.

CREATE TABLE areas (
    id TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES areas (id),
    kind TEXT NOT NULL,
    code TEXT,
    name TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    depth BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX areas_parent ON areas (parent_id, name);
CREATE INDEX areas_code ON areas (code);
CREATE INDEX areas_name ON areas (name);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    home_area_id TEXT REFERENCES areas (id),
    home_path TEXT,
    contact TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE linkages (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    community_id TEXT NOT NULL REFERENCES areas (id),
    community_path TEXT NOT NULL,
    organization_provides TEXT NOT NULL,
    community_provides TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (organization_id, community_id)
);
CREATE INDEX linkages_community ON linkages (community_path);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    area_id TEXT REFERENCES areas (id),
    organization_id TEXT REFERENCES organizations (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX grants_user ON grants (user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE sign_in_failures (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_user ON sign_in_failures (username, at);

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    area_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    building TEXT NOT NULL,
    unit TEXT NOT NULL,
    room TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (area_id, building, unit, room)
);
CREATE INDEX households_path ON households (area_path, building, unit, room);

CREATE TABLE residents (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households (id),
    area_path TEXT NOT NULL,
    name TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    document_kind TEXT NOT NULL,
    document_cipher TEXT NOT NULL,
    document_hash TEXT NOT NULL UNIQUE,
    document_masked TEXT NOT NULL,
    phone_cipher TEXT,
    phone_hash TEXT,
    phone_masked TEXT,
    living_alone BIGINT NOT NULL,
    elderly_80 BIGINT NOT NULL,
    disabled BIGINT NOT NULL,
    chronic_illness BIGINT NOT NULL,
    pregnant BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX residents_path_name ON residents (area_path, name, id);
CREATE INDEX residents_name ON residents (name, id);
CREATE INDEX residents_phone ON residents (phone_hash);
CREATE INDEX residents_household ON residents (household_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    area_path TEXT,
    detail TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
