-- Duty posts, their shifts and who holds them (issue 5, DESIGN.md M10). Times are UTC ms; the
-- people booked on a shift carry its times so one person's load is read without a join.

CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    area_id TEXT NOT NULL REFERENCES areas (id),
    area_path TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    cover_from_minute BIGINT NOT NULL,
    cover_hours BIGINT NOT NULL,
    shift_hours BIGINT NOT NULL,
    people BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX posts_path ON posts (area_path);

CREATE TABLE shifts (
    id TEXT PRIMARY KEY,
    post_id TEXT NOT NULL REFERENCES posts (id),
    area_path TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    people BIGINT NOT NULL,
    taken BIGINT NOT NULL,
    UNIQUE (post_id, starts_at)
);
CREATE INDEX shifts_path_time ON shifts (area_path, starts_at);

CREATE TABLE shift_people (
    shift_id TEXT NOT NULL REFERENCES shifts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    booked_by TEXT NOT NULL,
    booked_at BIGINT NOT NULL,
    checked_in_at BIGINT,
    checked_out_at BIGINT,
    served_minutes BIGINT,
    PRIMARY KEY (shift_id, user_id)
);
CREATE INDEX shift_people_user ON shift_people (user_id, starts_at);

-- One row a person, touched first in every booking transaction so two bookings of the same
-- person wait for each other (PostgreSQL's READ COMMITTED would let both pass the checks).
CREATE TABLE rota_people (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    bookings BIGINT NOT NULL
);
