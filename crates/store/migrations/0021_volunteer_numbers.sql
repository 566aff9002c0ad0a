-- A volunteer's number in the national volunteer service system, which a record of service
-- hours names them by; given by the volunteer, one for each account.
CREATE TABLE volunteer_numbers (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    number TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
