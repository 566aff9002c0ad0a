-- The linkage map's service of the last 7 and 30 days (issue 15) is read from a roll-up per
-- place and China calendar day, added to in the same transaction as the check-out that
-- records the minutes (store::rotas::check_out), instead of joining a month of shift_people
-- to shifts on every read.
CREATE TABLE service_days (
    area_path TEXT NOT NULL,
    day BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    PRIMARY KEY (area_path, day)
);
INSERT INTO service_days (area_path, day, minutes)
SELECT s.area_path, (s.starts_at + 28800000) / 86400000, SUM(sp.served_minutes)
FROM shift_people sp JOIN shifts s ON s.id = sp.shift_id
WHERE sp.served_minutes IS NOT NULL
GROUP BY s.area_path, (s.starts_at + 28800000) / 86400000;
