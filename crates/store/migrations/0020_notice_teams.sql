-- A notice of an organization can go to one of its teams (issue 15 #5: everyone, a team, by
-- skill, by community); who is in the team is decided when it is read, like the other filters.
ALTER TABLE notices ADD COLUMN team_id TEXT REFERENCES teams (id);
