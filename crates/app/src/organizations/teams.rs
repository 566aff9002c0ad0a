//! Teams of an organization's people with a leader (the story's 200 volunteers in seven
//! groups): the organization's admin makes them; the leader sees the team's shifts ahead and
//! books its members into open shifts, within the booking limits.

use sanshe_store::organizations::TeamRow;
use sanshe_store::{accounts as account_store, new_id};

use super::*;
use crate::alerts::rfc3339;

/// A team to make.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TeamInput {
    /// The organization (one the caller runs).
    #[schema(max_length = 64)]
    pub organization_id: String,
    /// Name, e.g. 第三小组.
    #[schema(min_length = 1, max_length = 30)]
    pub name: String,
    /// The leader, one of the members.
    #[schema(max_length = 64)]
    pub leader_id: Option<String>,
    /// The members (the organization's people).
    #[serde(default)]
    #[schema(max_items = 500)]
    pub member_ids: Vec<String>,
}

/// A member's shift ahead.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TeamShift {
    /// The shift.
    pub shift_id: String,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339.
    pub ends_at: String,
    /// As people read it: `12-02 00:00–08:00` China time.
    pub when: String,
}

/// A team member with their shifts of the coming week.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TeamMember {
    /// User id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Shifts of the coming 7 days.
    pub shifts: Vec<TeamShift>,
}

/// A team as its admin and its leader see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TeamView {
    /// Id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// Name.
    pub name: String,
    /// The leader.
    pub leader_id: Option<String>,
    /// Their name.
    pub leader_name: Option<String>,
    /// The members.
    pub members: Vec<TeamMember>,
}

/// How far ahead a team's shifts are shown.
const WEEK_MS: i64 = 7 * 86_400_000;

/// The organization's admin makes a team of its members.
pub async fn create_team(app: &App, actor: &Actor, input: &TeamInput) -> Result<TeamView> {
    let name = sanshe_core::text::required_line("name", &input.name, 30)?;
    if input.member_ids.len() > 500 {
        return Err(AppError::field("member_ids", "err-too-many"));
    }
    let mut conn = app.db.conn().await?;
    let o = run_by(&mut conn, actor, &input.organization_id).await?;
    let leader = input
        .leader_id
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let mut members: Vec<String> = input
        .member_ids
        .iter()
        .map(|m| m.trim().to_string())
        .collect();
    members.extend(leader.map(String::from));
    members.sort();
    members.dedup();
    let belonging = account_store::members_among(&mut *conn, &o.id, &members).await?;
    if belonging.len() != members.len() {
        return Err(AppError::field("member_ids", "err-team-not-member"));
    }
    let row = TeamRow {
        id: new_id(),
        organization_id: o.id.clone(),
        name: name.trim().to_string(),
        leader_id: leader.map(String::from),
        leader_name: None,
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    store::insert_team(&mut tx, &row, &members, app.clock.now_ms())
        .await
        .on_conflict("name", "err-team-exists")?;
    audit::record(
        &mut tx,
        actor,
        "team.created",
        Subject::new("team", &row.id, o.home_path.as_deref().unwrap_or("")),
        &row.name,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    team(app, actor, &row.id).await
}

/// An organization's teams: all of them for its admin, those they lead for a leader.
pub async fn teams(app: &App, actor: &Actor, organization_id: &str) -> Result<Vec<TeamView>> {
    let mut conn = app.db.conn().await?;
    let o = store::get(&mut conn, organization_id).await?;
    let rows = if actor.may(Action::ManageOrganization, target(&o)) {
        store::teams_of(&mut conn, &o.id).await?
    } else {
        let me = actor.user_id.as_deref().ok_or(AppError::NotFound)?;
        store::teams_led_by(&mut conn, me)
            .await?
            .into_iter()
            .filter(|t| t.organization_id == o.id)
            .collect()
    };
    drop(conn);
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        out.push(team_view(app, t).await?);
    }
    Ok(out)
}

/// One team, for its organization's admin or its leader.
pub async fn team(app: &App, actor: &Actor, id: &str) -> Result<TeamView> {
    let mut conn = app.db.conn().await?;
    let t = led(&mut conn, actor, id).await?;
    drop(conn);
    team_view(app, t).await
}

/// The leader (or the admin) books a member of the team on an open shift.
pub async fn book_team_member(
    app: &App,
    actor: &Actor,
    team_id: &str,
    shift_id: &str,
    user_id: &str,
) -> Result<TeamView> {
    let mut conn = app.db.conn().await?;
    let t = led(&mut conn, actor, team_id).await?;
    if !store::team_members(&mut conn, &t.id)
        .await?
        .iter()
        .any(|(id, _)| id == user_id)
    {
        return Err(AppError::field("user_id", "err-team-not-member"));
    }
    drop(conn);
    crate::rotas::book_member(app, shift_id, user_id, actor).await?;
    team_view(app, t).await
}

/// The team, if the actor runs its organization or leads it; NotFound otherwise.
async fn led(conn: &mut sanshe_store::Conn, actor: &Actor, id: &str) -> Result<TeamRow> {
    let t = store::team(conn, id).await?;
    let o = store::get(conn, &t.organization_id).await?;
    let leads = actor.user_id.is_some() && t.leader_id == actor.user_id;
    if leads || actor.may(Action::ManageOrganization, target(&o)) {
        Ok(t)
    } else {
        Err(AppError::NotFound)
    }
}

async fn team_view(app: &App, t: TeamRow) -> Result<TeamView> {
    let mut conn = app.db.conn().await?;
    let now = app.clock.now_ms();
    let mut members = Vec::new();
    for (user_id, name) in store::team_members(&mut conn, &t.id).await? {
        let shifts = sanshe_store::rotas::bookings_of(&mut *conn, &user_id, now, now + WEEK_MS)
            .await?
            .into_iter()
            .filter(|b| b.ends_at > now)
            .map(|b| TeamShift {
                shift_id: b.shift_id,
                starts_at: rfc3339(b.starts_at),
                ends_at: rfc3339(b.ends_at),
                when: format!(
                    "{}–{}",
                    crate::local_time(b.starts_at).format("%m-%d %H:%M"),
                    crate::local_time(b.ends_at).format("%H:%M")
                ),
            })
            .collect();
        members.push(TeamMember {
            user_id,
            name,
            shifts,
        });
    }
    Ok(TeamView {
        id: t.id,
        organization_id: t.organization_id,
        name: t.name,
        leader_id: t.leader_id,
        leader_name: t.leader_name,
        members,
    })
}

/// The teams the caller leads: (id, name).
pub async fn teams_i_lead(app: &App, actor: &Actor) -> Result<Vec<(String, String)>> {
    let Some(me) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let mut conn = app.db.conn().await?;
    Ok(store::teams_led_by(&mut conn, me)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

/// A shift of the coming week with a place free, where the team's leader serves.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OpenShift {
    /// The shift.
    pub shift_id: String,
    /// Its post.
    pub post: String,
    /// Start, YYYY-MM-DD HH:MM China time.
    pub starts: String,
    /// End, YYYY-MM-DD HH:MM China time.
    pub ends: String,
    /// Places free.
    pub free: i64,
}

/// Most open shifts offered on a team's page.
const OPEN_SHIFTS_SHOWN: usize = 100;

/// The shifts of the coming week with a place free in the places the caller serves, for a team
/// they lead (or whose organization they run) to fill.
pub async fn open_shifts_for_team(
    app: &App,
    actor: &Actor,
    team_id: &str,
) -> Result<Vec<OpenShift>> {
    let mut conn = app.db.conn().await?;
    led(&mut conn, actor, team_id).await?;
    drop(conn);
    let mut out = Vec::new();
    for (area_id, _) in crate::rotas::home_areas(app, actor).await? {
        let rota = crate::rotas::rota(app, actor, &area_id, app.today(), 7).await?;
        for p in rota.posts {
            for s in p.shifts {
                let free = s.people - s.holders.len() as i64;
                if !s.started && free > 0 && out.len() < OPEN_SHIFTS_SHOWN {
                    out.push(OpenShift {
                        shift_id: s.id,
                        post: p.post.name.clone(),
                        starts: s.starts,
                        ends: s.ends,
                        free,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.starts.cmp(&b.starts));
    Ok(out)
}
