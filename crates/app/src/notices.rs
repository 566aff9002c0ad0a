//! Notices (动员): the bureau (or a community) sends a notice to the people deployed in its
//! area, an organization to its members — all of them, those deployed in one community, or
//! those with one skill. Each person sees theirs on their home page and marks it read; the
//! sender sees how many it reached and how many read it. Who receives a notice is decided when
//! it is read, from the grants and deployments of that moment.

use std::collections::HashSet;

use sanshe_core::FieldErrors;
use sanshe_core::accounts::{Action, Target, member_of, organizations_run};
use sanshe_store::notices::{self as store, NoticeRow};
use sanshe_store::{areas as area_store, new_id};

use sanshe_store::notify as notify_store;

use crate::accounts::Actor;
use crate::audit::{self, Subject};
use crate::{App, AppError, Result};

/// A notice to send.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct NoticeInput {
    /// Send as this organization (one the caller runs) …
    #[schema(max_length = 64)]
    pub organization_id: Option<String>,
    /// … or over this area (the bureau's or a community's people deployed there).
    #[schema(max_length = 64)]
    pub area_id: Option<String>,
    /// Only those deployed in this community.
    #[schema(max_length = 64)]
    pub community_id: Option<String>,
    /// Only those with this skill.
    #[schema(max_length = 20)]
    pub skill: Option<String>,
    /// Only the members of this team (of the sending organization).
    #[schema(max_length = 64)]
    pub team_id: Option<String>,
    /// Title.
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    /// Text.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub body: String,
    /// Also copy the title to the chat groups: the organization's own robots, or the robots
    /// of the area and the places in it.
    #[serde(default)]
    pub to_chat: bool,
}

/// A notice as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Who it is from.
    pub from: String,
    /// When, YYYY-MM-DD HH:MM China time.
    pub sent_at: String,
    /// For a reader: whether they have read it.
    pub read: bool,
    /// For the sender: how many people it reaches now.
    pub audience: Option<i64>,
    /// For the sender: how many of them have read it.
    pub read_count: Option<i64>,
}

fn view(n: &NoticeRow) -> NoticeView {
    NoticeView {
        id: n.id.clone(),
        title: n.title.clone(),
        body: n.body.clone(),
        from: n.sender_name.clone(),
        sent_at: crate::stamp(n.created_at),
        read: false,
        audience: None,
        read_count: None,
    }
}

fn optional(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Sends a notice as an organization the caller runs, or over an area they speak for.
pub async fn send(app: &App, actor: &Actor, input: &NoticeInput) -> Result<NoticeView> {
    let mut errors = FieldErrors::default();
    let title = errors
        .take_field(sanshe_core::text::required_line("title", &input.title, 60))
        .unwrap_or_default();
    let body = errors
        .take_field(sanshe_core::text::line("body", &input.body, 1000))
        .unwrap_or_default();
    let skill = optional(&input.skill);
    if skill.is_some_and(|s| !crate::volunteers::SKILLS.contains(&s)) {
        errors.push("skill", "err-volunteer-skill");
    }
    errors.into_result()?;
    let mut conn = app.db.conn().await?;
    let community_path = match optional(&input.community_id) {
        Some(id) => Some(
            area_store::get(&mut conn, id)
                .await
                .map_err(|_| AppError::field("community_id", "err-area-not-found"))?
                .path,
        ),
        None => None,
    };
    let (organization_id, area, sender_name, subject_path) =
        match (optional(&input.organization_id), optional(&input.area_id)) {
            (Some(o), _) => {
                let o = crate::organizations::acting_for(&mut conn, actor, o).await?;
                if let Some(team) = optional(&input.team_id) {
                    let of_this = sanshe_store::organizations::team(&mut conn, team)
                        .await
                        .is_ok_and(|t| t.organization_id == o.id);
                    if !of_this {
                        return Err(AppError::field("team_id", "err-not-found"));
                    }
                }
                let path = o.home_path.clone().unwrap_or_default();
                (Some(o.id), None, o.name, path)
            }
            (None, Some(_)) if optional(&input.team_id).is_some() => {
                // Teams are an organization's; an area's notice has none.
                return Err(AppError::field("team_id", "err-not-found"));
            }
            (None, Some(a)) => {
                let a = area_store::get(&mut conn, a)
                    .await
                    .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
                actor.require_for(
                    Action::LinkOrganizations,
                    Target::Area(&a.path),
                    "area_id",
                    "err-area-not-found",
                )?;
                if community_path
                    .as_deref()
                    .is_some_and(|c| !c.starts_with(&a.path))
                {
                    return Err(AppError::field("community_id", "err-area-not-found"));
                }
                let path = a.path.clone();
                let name = a.name.clone();
                (None, Some(a), name, path)
            }
            (None, None) => return Err(AppError::field("area_id", "err-required")),
        };
    let row = NoticeRow {
        id: new_id(),
        organization_id,
        area_id: area.as_ref().map(|a| a.id.clone()),
        area_path: area.map(|a| a.path),
        community_path,
        skill: skill.map(String::from),
        team_id: optional(&input.team_id).map(String::from),
        title: title.trim().to_string(),
        body: body.trim().to_string(),
        sender_name,
        created_by: actor.username.clone(),
        created_at: app.clock.now_ms(),
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    store::insert(&mut *tx, &row).await?;
    audit::record(
        &mut tx,
        actor,
        "notice.sent",
        Subject::new("notice", &row.id, &subject_path),
        &row.title,
    )
    .await?;
    if input.to_chat {
        copy_to_chat(&mut tx, &row, &subject_path).await?;
    }
    sanshe_store::commit(tx).await?;
    let mut conn = app.db.conn().await?;
    let reach = store::reach(&mut *conn, &row).await?;
    Ok(NoticeView {
        audience: Some(reach.audience),
        read_count: Some(reach.read),
        ..view(&row)
    })
}

/// Queues the notice's title for the chat groups: an organization's notice for its own robots,
/// an area's for the robots of that area and the places in it.
async fn copy_to_chat(
    tx: &mut sanshe_store::Conn,
    n: &NoticeRow,
    subject_path: &str,
) -> Result<()> {
    let robots: Vec<String> = match (&n.organization_id, &n.area_path) {
        (Some(o), _) => {
            notify_store::organization_routes(&mut *tx, Some(std::slice::from_ref(o))).await?
        }
        (None, Some(area)) => notify_store::active_routes(&mut *tx)
            .await?
            .into_iter()
            .filter(|(_, path)| path.starts_with(area.as_str()))
            .map(|(id, _)| id)
            .collect(),
        (None, None) => Vec::new(),
    };
    let messages: Vec<notify_store::Queued> = robots
        .iter()
        .map(|robot| notify_store::Queued {
            webhook_id: robot,
            subject_id: &n.id,
            summary: "notice",
            area_path: Some(subject_path),
        })
        .collect();
    notify_store::enqueue(&mut *tx, &messages, n.created_at).await?;
    Ok(())
}

fn skill_list(csv: &str) -> Vec<String> {
    csv.split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Who the actor is as a reader of notices; none for someone no notice can reach.
async fn reader(conn: &mut sanshe_store::Conn, actor: &Actor) -> Result<Option<store::Reader>> {
    let Some(user_id) = actor.user_id.as_deref() else {
        return Ok(None);
    };
    // A notice over an area reaches those deployed at or below it: the area is one of the
    // ancestors of where they are (paths are 32-character ids, concatenated).
    let mut ancestors: Vec<String> = actor
        .deployment_paths()
        .iter()
        .flat_map(|p| sanshe_core::areas::lineage(p).map(String::from))
        .collect();
    ancestors.sort();
    ancestors.dedup();
    let organizations = member_of(&actor.grants);
    if organizations.is_empty() && ancestors.is_empty() {
        return Ok(None);
    }
    let skills = sanshe_store::volunteers::skills_of(&mut *conn, &[user_id.to_string()])
        .await?
        .into_iter()
        .flat_map(|(_, s)| skill_list(&s))
        .collect();
    let teams = sanshe_store::organizations::teams_joined(&mut *conn, user_id).await?;
    Ok(Some(store::Reader {
        organizations,
        ancestors,
        skills,
        teams,
    }))
}

/// Which page of a list of notices.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct NoticeFilter {
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–100, default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// A page of notices, newest first.
pub type NoticesPage = crate::cursor::Page<NoticeView>;

/// A page of the scope's notices, newest first, with the total.
async fn page(
    conn: &mut sanshe_store::Conn,
    scope: store::NoticeScope<'_>,
    f: &NoticeFilter,
) -> Result<crate::cursor::Page<NoticeRow>> {
    let before = crate::cursor::decode_timed(f.after.as_deref())?;
    let before = before.as_ref().map(|(at, id)| (*at, id.as_str()));
    let limit = f.limit.unwrap_or(20).clamp(1, 100);
    let mut items = store::newest(&mut *conn, scope, before, limit + 1).await?;
    let next = crate::cursor::cut(&mut items, limit, |n| {
        crate::cursor::encode_timed(n.created_at, &n.id)
    });
    let total = store::count(&mut *conn, scope).await?;
    Ok(crate::cursor::Page { items, total, next })
}

/// The notices sent to the actor, newest first and a page at a time, with whether they read
/// each; however many their organizations send to others.
pub async fn mine(app: &App, actor: &Actor, f: &NoticeFilter) -> Result<NoticesPage> {
    let mut conn = app.db.conn().await?;
    let (Some(reader), Some(user_id)) = (reader(&mut conn, actor).await?, actor.user_id.as_deref())
    else {
        crate::cursor::decode_timed(f.after.as_deref())?;
        return Ok(NoticesPage::empty());
    };
    let rows = page(&mut conn, store::NoticeScope::Reader(&reader), f).await?;
    let ids: Vec<String> = rows.items.iter().map(|n| n.id.clone()).collect();
    let read: HashSet<String> = store::read_by(&mut *conn, user_id, &ids)
        .await?
        .into_iter()
        .collect();
    Ok(NoticesPage {
        items: rows
            .items
            .iter()
            .map(|n| NoticeView {
                read: read.contains(&n.id),
                ..view(n)
            })
            .collect(),
        total: rows.total,
        next: rows.next,
    })
}

/// The notices the actor's organizations and areas sent, newest first and a page at a time,
/// each with its reach and read count.
pub async fn sent(app: &App, actor: &Actor, f: &NoticeFilter) -> Result<NoticesPage> {
    let organizations = organizations_run(&actor.grants);
    let scope = actor.scope(Action::LinkOrganizations);
    let mut conn = app.db.conn().await?;
    let sent_by = store::NoticeScope::SentBy {
        organizations: &organizations,
        roots: scope.roots(),
    };
    let rows = page(&mut conn, sent_by, f).await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for n in &rows.items {
        let reach = store::reach(&mut *conn, n).await?;
        items.push(NoticeView {
            audience: Some(reach.audience),
            read_count: Some(reach.read),
            ..view(n)
        });
    }
    Ok(NoticesPage {
        items,
        total: rows.total,
        next: rows.next,
    })
}

/// The actor marks a notice sent to them as read (NotFound for any other notice).
pub async fn mark_read(app: &App, actor: &Actor, notice_id: &str) -> Result<()> {
    let user_id = actor.user_id.clone().ok_or(AppError::NotFound)?;
    let mut conn = app.db.conn().await?;
    let reader = reader(&mut conn, actor).await?.ok_or(AppError::NotFound)?;
    if !store::is_in(&mut *conn, store::NoticeScope::Reader(&reader), notice_id).await? {
        return Err(AppError::NotFound);
    }
    store::mark_read(&mut *conn, notice_id, &user_id, app.clock.now_ms())
        .await
        .map_err(Into::into)
}

/// Someone a notice is for who has not read it yet.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UnreadView {
    /// User name.
    pub username: String,
    /// Name.
    pub name: String,
}

/// One notice the actor's organizations or areas sent, with those it is for who have not read
/// it, by user name and a page at a time, the total being how many have not: the sender follows
/// them up by phone. NotFound for a notice the actor did not send.
pub async fn unread(
    app: &App,
    actor: &Actor,
    notice_id: &str,
    f: &crate::cursor::Paging,
) -> Result<(NoticeView, crate::cursor::Page<UnreadView>)> {
    let after = crate::cursor::after::<1>(f.after.as_deref())?;
    let limit = f.size();
    let organizations = organizations_run(&actor.grants);
    let scope = actor.scope(Action::LinkOrganizations);
    let sent_by = store::NoticeScope::SentBy {
        organizations: &organizations,
        roots: scope.roots(),
    };
    let mut conn = app.db.conn().await?;
    let notice = match store::notice(&mut *conn, notice_id).await? {
        Some(n) if store::is_in(&mut *conn, sent_by, &n.id).await? => n,
        _ => return Err(AppError::NotFound),
    };
    let after = after.as_ref().map(|[username]| username.as_str());
    let mut rows = store::unread(&mut *conn, &notice, after, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |u| crate::cursor::encode(&[&u.username]));
    let reach = store::reach(&mut *conn, &notice).await?;
    let items = rows
        .into_iter()
        .map(|u| UnreadView {
            username: u.username,
            name: u.display_name,
        })
        .collect();
    let view = NoticeView {
        audience: Some(reach.audience),
        read_count: Some(reach.read),
        ..view(&notice)
    };
    let total = reach.audience - reach.read;
    Ok((view, crate::cursor::Page { items, total, next }))
}
