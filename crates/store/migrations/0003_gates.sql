-- Gate checkpoints: gates, compound policies, passes, scans, visitors, and the rollups the
-- traffic statistics read (kept in the scan's own transaction, never counted from raw scans).

CREATE TABLE gates (
    id TEXT PRIMARY KEY,
    compound_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX gates_path ON gates (area_path);

CREATE TABLE gate_policies (
    compound_id TEXT PRIMARY KEY REFERENCES areas (id),
    exits_per_period BIGINT NOT NULL,
    period_days BIGINT NOT NULL,
    out_from_hour BIGINT NOT NULL,
    out_until_hour BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE passes (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    compound_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households (id),
    resident_id TEXT REFERENCES residents (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX passes_path ON passes (area_path, household_id);
CREATE INDEX passes_household ON passes (household_id);

-- The id is made by the device: a retry of the same scan finds its first answer here.
CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    gate_id TEXT NOT NULL REFERENCES gates (id),
    pass_id TEXT,
    household_id TEXT,
    area_path TEXT NOT NULL,
    direction TEXT NOT NULL,
    temperature BIGINT,
    scanned_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    device_decision TEXT,
    flagged BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX scans_gate_time ON scans (gate_id, scanned_at);

CREATE TABLE household_exits (
    household_id TEXT NOT NULL,
    period_start TEXT NOT NULL,
    exits BIGINT NOT NULL,
    PRIMARY KEY (household_id, period_start)
);

-- hour_start: UTC milliseconds of the China-time hour; day: its China-time date, so a day's
-- statistics of a street are one equality and one path range on the (day, area_path) index.
CREATE TABLE gate_hours (
    gate_id TEXT NOT NULL,
    hour_start BIGINT NOT NULL,
    day TEXT NOT NULL,
    area_path TEXT NOT NULL,
    entries BIGINT NOT NULL,
    exits BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    visitors BIGINT NOT NULL,
    PRIMARY KEY (gate_id, hour_start)
);
CREATE INDEX gate_hours_day ON gate_hours (day, area_path);

CREATE TABLE gate_refusals (
    gate_id TEXT NOT NULL,
    day TEXT NOT NULL,
    reason TEXT NOT NULL,
    area_path TEXT NOT NULL,
    refusals BIGINT NOT NULL,
    PRIMARY KEY (gate_id, day, reason)
);
CREATE INDEX gate_refusals_day ON gate_refusals (day, area_path);

CREATE TABLE visitors (
    id TEXT PRIMARY KEY,
    gate_id TEXT NOT NULL REFERENCES gates (id),
    area_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    phone_cipher TEXT,
    phone_masked TEXT,
    reason TEXT NOT NULL,
    host TEXT NOT NULL,
    temperature BIGINT,
    entered BIGINT NOT NULL,
    at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX visitors_path ON visitors (area_path, at);
