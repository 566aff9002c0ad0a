-- What the minute watch over rotas and errands has already said (issue 5): a reminder before a
-- shift, a no-show alert, an overdue-errand alert go out once each, even after the alert is closed.
-- A post may need a skill; volunteers see its open shifts only when they have it.
-- Shifts below an area are found through its posts (see store::rotas::SHIFTS_BELOW).

ALTER TABLE shift_people ADD COLUMN reminded_at BIGINT;
ALTER TABLE shift_people ADD COLUMN no_show_alerted_at BIGINT;
-- A holder offering their place for a swap (换班): someone else may take it over as it is.
ALTER TABLE shift_people ADD COLUMN offered_at BIGINT;
CREATE INDEX shift_people_start ON shift_people (starts_at);
ALTER TABLE help_requests ADD COLUMN overdue_alerted_at BIGINT;
CREATE INDEX help_requests_due ON help_requests (due_at);
ALTER TABLE posts ADD COLUMN skill TEXT;
DROP INDEX shifts_path_time;
-- The applicant's own link to read the outcome of their application (only its hash kept).
ALTER TABLE volunteer_applications ADD COLUMN link_hash TEXT;
CREATE UNIQUE INDEX volunteer_applications_link ON volunteer_applications (link_hash);
-- Chat messages that are not alerts (a reminder of shifts starting soon) carry the place they
-- are about; alerts' messages find it through their alert.
ALTER TABLE outbox ADD COLUMN area_path TEXT;
