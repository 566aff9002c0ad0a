-- A volunteer's number in the national volunteer service system, as given on their application
-- (those already registered there); approval records it for the account it makes.
ALTER TABLE volunteer_applications ADD COLUMN volunteer_number TEXT;
