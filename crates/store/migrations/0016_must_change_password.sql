-- A password someone else chose or the system made (a reset, an onboarding sheet, an approved
-- volunteer) is changed at the first sign-in (issue 16).
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
