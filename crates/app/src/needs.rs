//! Needs and commitments (需求对接): a community (or the bureau for it) asks organizations for
//! people for a post's shifts or for a service; an organization commits people, who are booked
//! into the shifts within the booking limits, or takes on the service; the community confirms
//! and closes. Linked organizations see the community's needs; city-wide needs go to every
//! organization.

use crate::audit::Audited;
use chrono::NaiveDate;
use sanshe_core::FieldErrors;
use sanshe_core::accounts::{Action, Target, organizations_run};
use sanshe_core::dates;
use sanshe_core::needs::{
    Audience, CommitmentStatus, MAX_DAYS, MAX_PEOPLE, NeedKind, NeedStatus, NeedUrgency,
};
use sanshe_core::organizations::{Duty, LinkageStatus};
use sanshe_store::needs::{self as store, CommitmentRow, NeedRow};
use sanshe_store::{areas as area_store, new_id, organizations as org_store};
use std::collections::HashMap;

use sanshe_core::alerts::{AlertKind, AlertSubject};
use sanshe_store::notify as notify_store;

use crate::accounts::Actor;
use crate::alerts::{self, Routes, Trouble};
use crate::audit::{self};
use crate::{App, AppError, Result, utc_ms};

/// A need as posted.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct NeedInput {
    /// The community (or place in it) that needs it.
    #[schema(max_length = 64)]
    pub area_id: String,
    /// `people` or `service`.
    #[schema(value_type = NeedKind)]
    pub kind: String,
    /// Short title, e.g. 夜班卡口 每晚 4 人.
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    /// Details.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub detail: String,
    /// For people: the duty post whose shifts they fill.
    #[schema(max_length = 64)]
    pub post_id: Option<String>,
    /// For a service: which (a duty spelling: `counseling`, `supplies`, `errands`, …).
    #[schema(value_type = Option<Duty>)]
    pub service: Option<String>,
    /// How many people (1 for a service).
    #[serde(default)]
    pub wanted: i64,
    /// First day, YYYY-MM-DD.
    #[schema(max_length = 10)]
    pub from: String,
    /// Last day, YYYY-MM-DD.
    #[schema(max_length = 10)]
    pub to: String,
    /// `urgent` or `normal`.
    #[serde(default)]
    #[schema(pattern = "^(urgent|normal)$")]
    pub urgency: String,
    /// `linked` (the organizations linked to the community) or `city`.
    #[serde(default)]
    #[schema(value_type = Option<Audience>)]
    pub audience: String,
    /// Hours after which the need, still not met, alerts the community (1–168, default 24).
    #[schema(minimum = 1, maximum = 168)]
    pub alert_after_hours: Option<i64>,
}

/// How long a need waits to be met before it alerts, unless set on it.
const ALERT_AFTER_HOURS: i64 = 24;

/// A need as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NeedView {
    /// Id.
    pub id: String,
    /// The place.
    pub area_id: String,
    /// Its name.
    pub area_name: String,
    /// What is asked for.
    pub kind: NeedKind,
    /// Title.
    pub title: String,
    /// Details.
    pub detail: String,
    /// The post, for people.
    pub post_id: Option<String>,
    /// The service.
    pub service: Option<sanshe_core::organizations::Duty>,
    /// Wanted.
    pub wanted: i64,
    /// Committed.
    pub committed: i64,
    /// Of it, what the caller's own organizations committed (0 for anyone else).
    pub ours: i64,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// `urgent` or `normal`.
    pub urgency: sanshe_core::needs::NeedUrgency,
    /// Who it goes to.
    pub audience: Audience,
    /// Where it stands.
    pub status: NeedStatus,
    /// Whether the caller speaks for the community that posted it (confirms, closes).
    pub may_manage: bool,
}

/// A commitment as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CommitmentView {
    /// Id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// People committed (1 for a service).
    pub people: i64,
    /// Shift places booked for them.
    pub shifts_booked: i64,
    /// The organization's note.
    pub note: String,
    /// `offered` or `confirmed`.
    pub status: sanshe_core::needs::CommitmentStatus,
}

/// An organization's answer to a need.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CommitmentInput {
    /// The organization committing (one the caller runs).
    #[schema(max_length = 64)]
    pub organization_id: String,
    /// For people: its members to book into the shifts.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub user_ids: Vec<String>,
    /// Or a whole team of the organization: its members are committed.
    #[schema(max_length = 64)]
    pub team_id: Option<String>,
    /// A note (who leads, how to reach them).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

/// The most members one commitment books.
const MAX_COMMITTED_PEOPLE: usize = 50;

async fn view(conn: &mut sanshe_store::Conn, actor: &Actor, n: NeedRow) -> Result<NeedView> {
    let area_name = area_store::get(conn, &n.area_id).await?.name;
    Ok(named_view(actor, n, area_name))
}

/// The need as the actor sees it, its place named.
fn named_view(actor: &Actor, n: NeedRow, area_name: String) -> NeedView {
    NeedView {
        may_manage: actor.may(Action::LinkOrganizations, Target::Area(&n.area_path)),
        kind: n.kind,
        audience: n.audience,
        status: n.status,
        area_name,
        id: n.id,
        area_id: n.area_id,
        title: n.title,
        detail: n.detail,
        post_id: n.post_id,
        service: n.service,
        wanted: n.wanted,
        committed: n.committed,
        ours: 0,
        from: n.from_day,
        to: n.to_day,
        urgency: n.urgency,
    }
}

/// A community's worker or coordinator (or the bureau for it) posts a need.
pub async fn post_need(app: &App, actor: &Actor, input: &NeedInput) -> Result<NeedView> {
    let mut errors = FieldErrors::default();
    let kind = errors.take("kind", NeedKind::parse(&input.kind));
    let title = errors
        .take_field(sanshe_core::text::required_line("title", &input.title, 60))
        .unwrap_or_default();
    let detail = errors
        .take_field(sanshe_core::text::line("detail", &input.detail, 500))
        .unwrap_or_default();
    let audience = errors.take("audience", Audience::chosen(&input.audience));
    let urgency = errors.take("urgency", NeedUrgency::chosen(&input.urgency));
    let alert_after_hours = input.alert_after_hours.unwrap_or(ALERT_AFTER_HOURS);
    if !(1..=168).contains(&alert_after_hours) {
        errors.push("alert_after_hours", "err-need-alert-after");
    }
    let from = errors.take_field(dates::parse("from", &input.from));
    let to = errors.take_field(dates::parse("to", &input.to));
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            errors.push("to", "err-date-order");
        } else if (t - f).num_days() >= MAX_DAYS {
            errors.push("to", "err-need-too-long");
        }
    }
    let wanted = if kind == Some(NeedKind::Service) {
        1
    } else {
        input.wanted
    };
    if !(1..=MAX_PEOPLE).contains(&wanted) {
        errors.push("wanted", "err-need-wanted");
    }
    let service = match (kind, input.service.as_deref().map(str::trim)) {
        (Some(NeedKind::Service), Some(s)) if !s.is_empty() => {
            errors.take("service", Duty::parse(s))
        }
        (Some(NeedKind::Service), _) => {
            errors.push("service", "err-required");
            None
        }
        _ => None,
    };
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, &input.area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    actor.require_for(
        Action::LinkOrganizations,
        Target::Area(&area.path),
        "area_id",
        "err-area-not-found",
    )?;
    // Organizations are linked to communities: a need is the community's, whatever place in
    // it the post serves.
    if area.kind != sanshe_core::areas::AreaKind::Community {
        return Err(AppError::field("area_id", "err-not-a-community"));
    }
    let post_id = match kind {
        Some(NeedKind::People) => {
            let post = match input.post_id.as_deref().map(str::trim) {
                Some(p) if !p.is_empty() => sanshe_store::rotas::post(&mut *conn, p)
                    .await
                    .ok()
                    .filter(|p| p.area_path.starts_with(&area.path)),
                _ => None,
            };
            if post.is_none() {
                errors.push("post_id", "err-need-post");
            }
            post.map(|p| p.id)
        }
        _ => None,
    };
    errors.into_result()?;
    let (Some(kind), Some(audience), Some(from), Some(to)) = (kind, audience, from, to) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let row = NeedRow {
        id: new_id(),
        area_id: area.id.clone(),
        area_path: area.path.clone(),
        kind,
        title: title.trim().to_string(),
        detail: detail.trim().to_string(),
        post_id,
        service,
        wanted,
        committed: 0,
        from_day: from.to_string(),
        to_day: to.to_string(),
        urgency: urgency.unwrap_or(NeedUrgency::Normal),
        audience,
        status: NeedStatus::Open,
        created_by: actor.username.clone(),
        created_at: app.clock.now_ms(),
        alert_after_hours,
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    store::insert(&mut *tx, &row).await?;
    audit::record(&mut tx, actor, "need.posted", row.subject(), &row.title).await?;
    if row.urgency == NeedUrgency::Urgent {
        tell_robots_of_urgent(&mut tx, &row).await?;
    }
    sanshe_store::commit(tx).await?;
    let mut conn = app.db.conn().await?;
    view(&mut conn, actor, row).await
}

/// An urgent need goes to the community's robots (and those above it) and to the robots of
/// the organizations it is addressed to — the linked ones, or every organization's for a
/// city-wide need. The message carries the need's title and place, no personal data.
async fn tell_robots_of_urgent(tx: &mut sanshe_store::Conn, n: &NeedRow) -> Result<()> {
    let routes = Routes::load(&mut *tx).await?;
    let Some(alert) = alerts::raise(
        &mut *tx,
        &routes,
        Trouble {
            kind: AlertKind::NeedUrgent,
            area_path: &n.area_path,
            subject_kind: AlertSubject::Need,
            subject_id: &n.id,
            event: "posted",
            detail: &n.title,
        },
        n.created_at,
    )
    .await?
    else {
        return Ok(());
    };
    let robots = if n.audience == Audience::City {
        notify_store::organization_routes(&mut *tx, None).await?
    } else {
        let linked: Vec<String> =
            org_store::linkages_within(&mut *tx, std::slice::from_ref(&n.area_path))
                .await?
                .into_iter()
                .filter(|l| l.status == LinkageStatus::Active && l.community_path == n.area_path)
                .map(|l| l.organization_id)
                .collect();
        notify_store::organization_routes(&mut *tx, Some(&linked)).await?
    };
    let messages: Vec<notify_store::Queued> = robots
        .iter()
        .map(|robot| alerts::alert_message(robot, &alert, AlertKind::NeedUrgent))
        .collect();
    notify_store::enqueue(&mut *tx, &messages, n.created_at).await?;
    Ok(())
}

/// Raises an alert for each need still not met past its time (run every minute; each need
/// alerts once, marked so on the need, a thousand at a time until none is left).
pub async fn scan(app: &App) -> Result<usize> {
    let now = app.clock.now_ms();
    let mut raised = 0;
    loop {
        let (batch, made) = scan_batch(app, now).await?;
        raised += made;
        if batch < store::OVERDUE_BATCH {
            return Ok(raised);
        }
    }
}

/// One batch of `scan` in its own transaction: (needs read, alerts raised).
async fn scan_batch(app: &App, now: i64) -> Result<(usize, usize)> {
    let mut tx = app.db.begin().await?;
    let overdue = store::unalerted_overdue(&mut *tx, now).await?;
    let routes = Routes::load(&mut *tx).await?;
    let mut raised = 0;
    for n in &overdue {
        // Two nodes scanning at once: the one that marks the need raises its alert.
        if !store::mark_unmet_alerted(&mut *tx, &n.id, now).await? {
            continue;
        }
        let detail = format!("{} {}/{}", n.title, n.committed, n.wanted);
        let made = alerts::raise(
            &mut *tx,
            &routes,
            Trouble {
                kind: AlertKind::NeedUnmet,
                area_path: &n.area_path,
                subject_kind: AlertSubject::Need,
                subject_id: &n.id,
                event: "unmet",
                detail: &detail,
            },
            now,
        )
        .await?;
        raised += usize::from(made.is_some());
    }
    sanshe_store::commit(tx).await?;
    Ok((overdue.len(), raised))
}

/// The community paths where the organizations the actor runs hold an active linkage.
async fn linked_paths(conn: &mut sanshe_store::Conn, actor: &Actor) -> Result<Vec<String>> {
    let mut paths = Vec::new();
    for o in organizations_run(&actor.grants) {
        paths.extend(
            org_store::linkages_of(conn, &o)
                .await?
                .into_iter()
                .filter(|l| l.status == LinkageStatus::Active)
                .map(|l| l.community_path),
        );
    }
    paths.sort();
    paths.dedup();
    Ok(paths)
}

/// Which needs to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct NeedFilter {
    /// `true`: only those not closed.
    pub open: Option<bool>,
    /// Only those of this area (a community's id …) among the communities the caller speaks
    /// for: a district's coordinator looking at one community.
    pub area: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The most needs one page holds.
pub const MAX_NEEDS_PAGE: i64 = 200;

/// A page of needs, newest first.
pub type NeedsPage = crate::cursor::Page<NeedView>;

/// The needs the actor sees: those of their communities, and for an organization's admin
/// those of its linked communities and the city-wide ones; newest first, a page at a time
/// with the total, so a city's needs over a long winter are neither cut off nor read whole.
pub async fn needs(app: &App, actor: &Actor, f: &NeedFilter) -> Result<NeedsPage> {
    let before = crate::cursor::decode_timed(f.after.as_deref())?;
    let mut conn = app.db.conn().await?;
    let open_only = f.open == Some(true);
    // Narrowed to one community, the list is that community's needs and nothing linked.
    let scope = match f.area.as_deref().filter(|a| !a.is_empty()) {
        Some(area) => store::NeedScope {
            roots: crate::areas::list_roots(
                &mut conn,
                actor,
                Action::LinkOrganizations,
                Some(area),
            )
            .await?,
            open_only,
            ..Default::default()
        },
        None => need_scope(&mut conn, actor, open_only).await?,
    };
    let limit = f.limit.unwrap_or(50).clamp(1, MAX_NEEDS_PAGE);
    let before_ref = before.as_ref().map(|(at, id)| (*at, id.as_str()));
    let mut rows = store::visible(&mut *conn, &scope, before_ref, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |n| {
        crate::cursor::encode_timed(n.created_at, &n.id)
    });
    let total = store::count_visible(&mut *conn, &scope).await?;
    let places = rows.iter().map(|n| n.area_id.as_str());
    let names = area_store::names_of(&mut *conn, places).await?;
    let ids: Vec<String> = rows.iter().map(|n| n.id.clone()).collect();
    let mut ours: HashMap<String, i64> = HashMap::new();
    for organization in organizations_run(&actor.grants) {
        for (need, people) in store::committed_by(&mut *conn, &ids, &organization).await? {
            *ours.entry(need).or_default() += people;
        }
    }
    let items = rows
        .into_iter()
        .map(|n| {
            let name = names.get(&n.area_id).cloned().unwrap_or_default();
            let mine = ours.get(&n.id).copied().unwrap_or(0);
            NeedView {
                ours: mine,
                ..named_view(actor, n, name)
            }
        })
        .collect();
    Ok(NeedsPage { items, total, next })
}

/// How many needs the actor sees are still open: the home page's tile, without reading a page.
pub async fn open_count(app: &App, actor: &Actor) -> Result<i64> {
    let mut conn = app.db.conn().await?;
    let scope = need_scope(&mut conn, actor, true).await?;
    Ok(store::count_visible(&mut *conn, &scope).await?)
}

/// The needs an actor sees: its communities', its organizations' linked ones and the city's.
async fn need_scope(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    open_only: bool,
) -> Result<store::NeedScope> {
    Ok(store::NeedScope {
        roots: actor.scope(Action::LinkOrganizations).roots().to_vec(),
        linked_paths: linked_paths(conn, actor).await?,
        city_wide: !organizations_run(&actor.grants).is_empty(),
        open_only,
    })
}

/// Whether the actor sees this need (NotFound otherwise).
async fn visible_need(conn: &mut sanshe_store::Conn, actor: &Actor, id: &str) -> Result<NeedRow> {
    let n = store::need(&mut *conn, id).await?;
    if actor.may(Action::LinkOrganizations, Target::Area(&n.area_path)) {
        return Ok(n);
    }
    let runs = !organizations_run(&actor.grants).is_empty();
    let reaches = runs
        && (n.audience == Audience::City
            || linked_paths(conn, actor)
                .await?
                .iter()
                .any(|p| p == &n.area_path));
    if reaches {
        Ok(n)
    } else {
        Err(AppError::NotFound)
    }
}

/// One need with its commitments.
pub async fn need(app: &App, actor: &Actor, id: &str) -> Result<(NeedView, Vec<CommitmentView>)> {
    let mut conn = app.db.conn().await?;
    let n = visible_need(&mut conn, actor, id).await?;
    let commitments = store::commitments(&mut *conn, &n.id).await?;
    let mut out = Vec::with_capacity(commitments.len());
    for c in commitments {
        out.push(commitment_view(&mut conn, c).await?);
    }
    Ok((view(&mut conn, actor, n).await?, out))
}

async fn commitment_view(
    conn: &mut sanshe_store::Conn,
    c: CommitmentRow,
) -> Result<CommitmentView> {
    let organization_name = org_store::get(conn, &c.organization_id).await?.name;
    Ok(CommitmentView {
        id: c.id,
        organization_id: c.organization_id,
        organization_name,
        people: c.people,
        shifts_booked: c.shifts_booked,
        note: c.note,
        status: c.status,
    })
}

/// An organization answers a need: its members are booked into the need's shifts (within the
/// booking limits: someone the limits let hold no shift is refused), or it takes on the service.
pub async fn commit(
    app: &App,
    actor: &Actor,
    need_id: &str,
    input: &CommitmentInput,
) -> Result<CommitmentView> {
    let note = sanshe_core::text::line("note", &input.note, 200)?;
    if input.user_ids.len() > MAX_COMMITTED_PEOPLE {
        return Err(AppError::field("user_ids", "err-need-too-many"));
    }
    let mut conn = app.db.conn().await?;
    let n = visible_need(&mut conn, actor, need_id).await?;
    let o = crate::organizations::acting_for(&mut conn, actor, &input.organization_id).await?;
    let reaches = n.audience == Audience::City
        || org_store::linkages_of(&mut conn, &o.id)
            .await?
            .iter()
            .any(|l| l.status == LinkageStatus::Active && l.community_path == n.area_path);
    if !reaches {
        return Err(AppError::field("organization_id", "err-need-not-linked"));
    }
    if n.status == NeedStatus::Closed {
        return Err(AppError::field("need", "err-need-closed"));
    }
    let mut ids = input.user_ids.clone();
    if let Some(team_id) = input.team_id.as_deref().filter(|t| !t.trim().is_empty()) {
        let team = org_store::team(&mut conn, team_id)
            .await
            .ok()
            .filter(|t| t.organization_id == o.id)
            .ok_or_else(|| AppError::field("team_id", "err-not-found"))?;
        ids.extend(
            org_store::team_members(&mut conn, &team.id)
                .await?
                .into_iter()
                .map(|(id, _)| id),
        );
        if ids.len() > MAX_COMMITTED_PEOPLE {
            return Err(AppError::field("team_id", "err-need-too-many"));
        }
    }
    ids.sort();
    ids.dedup();
    // People for a post's shifts: the organization's own members, deployed where the post is
    // (checked before the transaction, which then only books).
    let post = match (n.kind, n.post_id.as_deref()) {
        (NeedKind::People, Some(post_id)) => {
            if ids.is_empty() {
                return Err(AppError::field("user_ids", "err-required"));
            }
            let post = sanshe_store::rotas::post(&mut *conn, post_id).await?;
            let members = sanshe_store::accounts::members_among(&mut *conn, &o.id, &ids).await?;
            if members.len() != ids.len() {
                return Err(AppError::field("user_ids", "err-need-not-member"));
            }
            for user_id in &ids {
                let person = crate::accounts::actor_of(app, user_id).await?;
                if !person.may(Action::TakeShifts, Target::Area(&post.area_path)) {
                    return Err(AppError::field("user_ids", "err-rota-not-deployed"));
                }
            }
            Some(post)
        }
        _ => None,
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    let (people, booked) = match post {
        Some(post) => {
            let from = NaiveDate::parse_from_str(&n.from_day, "%Y-%m-%d")
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let to = NaiveDate::parse_from_str(&n.to_day, "%Y-%m-%d")
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let window = (
                utc_ms(from.and_time(chrono::NaiveTime::MIN)),
                utc_ms((to + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN)),
            );
            let mut booked = 0;
            for user_id in &ids {
                let mine = crate::rotas::book_into_post(
                    app,
                    &mut tx,
                    &post.id,
                    window,
                    user_id,
                    &actor.username,
                )
                .await?;
                if mine == 0 {
                    return Err(AppError::field("user_ids", "err-need-nothing-booked"));
                }
                booked += mine;
            }
            (ids.len() as i64, booked)
        }
        None => (1, 0),
    };
    if !store::add_committed(&mut *tx, &n.id, people).await? {
        return Err(AppError::field("need", "err-need-closed"));
    }
    let now = app.clock.now_ms();
    let id = sanshe_store::new_id();
    let commitment = store::CommitmentRow {
        id: id.clone(),
        need_id: n.id.clone(),
        organization_id: o.id.clone(),
        people,
        shifts_booked: booked,
        note: note.trim().to_string(),
        status: CommitmentStatus::Offered,
        created_by: actor.username.clone(),
        created_at: now,
    };
    store::insert_commitment(&mut *tx, &commitment).await?;
    audit::record(
        &mut tx,
        actor,
        "need.committed",
        n.subject(),
        &format!("{}: {people} / {booked}", o.name),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(CommitmentView {
        id,
        organization_id: o.id,
        organization_name: o.name,
        people,
        shifts_booked: booked,
        note: note.trim().to_string(),
        status: CommitmentStatus::Offered,
    })
}

/// The community confirms an organization's commitment.
pub async fn confirm(app: &App, actor: &Actor, need_id: &str, commitment_id: &str) -> Result<()> {
    let mut conn = app.db.conn().await?;
    let n = store::need(&mut *conn, need_id).await?;
    actor.require(Action::LinkOrganizations, Target::Area(&n.area_path))?;
    if !store::confirm(&mut *conn, commitment_id, &n.id).await? {
        return Err(AppError::field("commitment", "err-need-commitment"));
    }
    audit::record(
        &mut conn,
        actor,
        "need.confirmed",
        n.subject(),
        commitment_id,
    )
    .await?;
    Ok(())
}

/// The community closes a need.
pub async fn close(app: &App, actor: &Actor, need_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let n = store::need(&mut *tx, need_id).await?;
    actor.require(Action::LinkOrganizations, Target::Area(&n.area_path))?;
    let now = app.clock.now_ms();
    if !store::close(&mut *tx, &n.id, now).await? {
        return Err(AppError::field("need", "err-need-closed"));
    }
    for kind in [AlertKind::NeedUrgent, AlertKind::NeedUnmet] {
        alerts::settle(&mut tx, kind, &n.id, "closed", now).await?;
    }
    audit::record(&mut tx, actor, "need.closed", n.subject(), &n.title).await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}
