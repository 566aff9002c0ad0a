-- Front-line control: campaigns and visits, arrivals, close contacts, isolation episodes and
-- their daily reports, alerts, chat webhooks and the outbox that delivers to them.

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    area_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    name TEXT NOT NULL,
    questions TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX campaigns_path ON campaigns (area_path, created_at);

CREATE TABLE campaign_visits (
    id TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    area_path TEXT NOT NULL,
    outcome TEXT NOT NULL,
    answers TEXT NOT NULL,
    note TEXT NOT NULL,
    worker_id TEXT,
    worker_name TEXT NOT NULL,
    visited_at BIGINT NOT NULL,
    visit_day TEXT NOT NULL
);
CREATE INDEX campaign_visits_household ON campaign_visits (campaign_id, household_id, visited_at);
CREATE INDEX campaign_visits_day ON campaign_visits (campaign_id, visit_day, worker_name);

CREATE TABLE arrivals (
    id TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    area_path TEXT NOT NULL,
    origin TEXT NOT NULL,
    arrival_date TEXT NOT NULL,
    transport TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX arrivals_path ON arrivals (area_path, arrival_date);
CREATE INDEX arrivals_resident ON arrivals (resident_id);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    area_path TEXT NOT NULL,
    index_resident_id TEXT REFERENCES residents (id),
    index_label TEXT NOT NULL,
    last_contact_date TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX contacts_path ON contacts (area_path, last_contact_date);
CREATE INDEX contacts_resident ON contacts (resident_id);
CREATE INDEX contacts_index ON contacts (index_resident_id);

-- open_key is the resident id while the episode is open and NULL after release: one open
-- episode per person, any number of closed ones.
CREATE TABLE isolation_episodes (
    id TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL REFERENCES residents (id),
    household_id TEXT NOT NULL REFERENCES households (id),
    area_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id TEXT,
    exposure_date TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    planned_end TEXT NOT NULL,
    status TEXT NOT NULL,
    open_key TEXT UNIQUE,
    worker_id TEXT REFERENCES users (id),
    follow_up TEXT NOT NULL,
    link_hash TEXT UNIQUE,
    link_cipher TEXT,
    last_temperature BIGINT,
    last_reported_at BIGINT,
    released_at BIGINT,
    release_reason TEXT,
    release_note TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX isolation_open_path ON isolation_episodes (status, area_path);
CREATE INDEX isolation_worker ON isolation_episodes (worker_id, status);
CREATE INDEX isolation_end ON isolation_episodes (status, planned_end);
CREATE INDEX isolation_resident ON isolation_episodes (resident_id);
CREATE INDEX isolation_household ON isolation_episodes (household_id, status);

CREATE TABLE health_reports (
    id TEXT PRIMARY KEY,
    episode_id TEXT NOT NULL REFERENCES isolation_episodes (id),
    slot TEXT NOT NULL,
    temperature BIGINT NOT NULL,
    symptoms TEXT NOT NULL,
    reported_at BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (episode_id, slot)
);

-- Slots the missed-report scan has finished, so each miss raises its alert once.
CREATE TABLE report_scans (
    slot TEXT PRIMARY KEY,
    scanned_at BIGINT NOT NULL,
    missed BIGINT NOT NULL
);

-- open_key (kind:subject) is set while the alert is open or acknowledged and cleared on
-- resolution: repeats of the same trouble raise its count instead of a new alert.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    area_path TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    open_key TEXT UNIQUE,
    last_event TEXT NOT NULL,
    detail TEXT NOT NULL,
    occurrences BIGINT NOT NULL,
    status TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    last_at BIGINT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at BIGINT,
    resolved_by TEXT,
    resolved_at BIGINT,
    resolution_note TEXT
);
CREATE INDEX alerts_path ON alerts (status, area_path, raised_at);
CREATE INDEX alerts_open_kind ON alerts (kind, open_key);
CREATE INDEX alerts_subject ON alerts (subject_id);

CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    area_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    url_cipher TEXT NOT NULL,
    url_hint TEXT NOT NULL,
    secret_cipher TEXT,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_path ON webhooks (area_path);

-- One row per (alert event, webhook). Written in the alert's transaction, so nothing raised is
-- lost if the process stops before delivery; a lease keeps two nodes from sending the same row.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id),
    alert_id TEXT NOT NULL,
    summary TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL,
    last_error TEXT,
    digest_of BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_webhook ON outbox (webhook_id, status, sent_at);
