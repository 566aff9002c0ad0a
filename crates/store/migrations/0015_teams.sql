-- An organization's people in teams with a leader (issue 15: the story's 200 volunteers in seven
-- groups); the leader sees the team's shifts and books its members into open ones.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name TEXT NOT NULL,
    leader_id TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (organization_id, name)
);
CREATE INDEX teams_leader ON teams (leader_id);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);
