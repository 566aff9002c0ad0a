//! Rotas: duty posts with the hours they must be covered, their shifts, who holds them, check-in
//! and check-out, and the service-hours ledger (DESIGN.md M10, issue 5).
//!
//! A volunteer's area grant is their deployment: they see and take shifts of posts there.
//! Booking limits (no double booking, hours in any 24, rest) are `sanshe_core::shifts`'s and
//! are checked in the booking's transaction, after taking the person's row in `rota_people`, so
//! two bookings of one person at once cannot both pass them.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use sanshe_core::accounts::{Action, Target};
use sanshe_core::shifts::{self, BookingRefusal, Coverage, Span};
use sanshe_store::rotas::{self as store, BookingRow, PostRow, ShiftRow};
use sanshe_store::{Conn, areas as area_store, audit as audit_store, new_id};

use crate::accounts::Actor;
use crate::{App, AppError, Result, local_time, utc_ms};

/// Kinds of post.
pub const POST_KINDS: [&str; 5] = ["gate", "hotline", "care_home", "support", "other"];

/// A post as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PostView {
    /// Id.
    pub id: String,
    /// The area it serves.
    pub area_id: String,
    /// Name.
    pub name: String,
    /// `gate`, `hotline`, `care_home`, `support`, `other`.
    pub kind: String,
    /// When its daily cover starts, HH:MM China time.
    pub cover_from: String,
    /// Hours covered a day.
    pub cover_hours: i64,
    /// Hours a shift.
    pub shift_hours: i64,
    /// People per shift.
    pub people: i64,
}

fn post_view(p: PostRow) -> PostView {
    PostView {
        cover_from: format!(
            "{:02}:{:02}",
            p.cover_from_minute / 60,
            p.cover_from_minute % 60
        ),
        id: p.id,
        area_id: p.area_id,
        name: p.name,
        kind: p.kind,
        cover_hours: p.cover_hours,
        shift_hours: p.shift_hours,
        people: p.people,
    }
}

/// A new post.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PostInput {
    /// The area (community, compound, care home's area) it serves.
    pub area_id: String,
    /// Name, e.g. 一区南门 or 心理热线 1.
    pub name: String,
    /// `gate`, `hotline`, `care_home`, `support`, `other`.
    pub kind: String,
    /// When cover starts each day, HH:MM China time.
    pub cover_from: String,
    /// Hours covered a day (24 round the clock).
    pub cover_hours: u32,
    /// Hours a shift.
    pub shift_hours: u32,
    /// People on duty at once.
    pub people: u32,
}

async fn audit(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    id: &str,
    path: &str,
    detail: &str,
) -> Result<()> {
    audit_store::append(
        conn,
        &audit_store::NewAuditEntry {
            action,
            target_kind: "shift",
            target_id: id,
            area_path: Some(path),
            detail,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(())
}

/// Adds a duty post.
pub async fn add_post(app: &App, actor: &Actor, input: &PostInput) -> Result<PostView> {
    let mut errors = sanshe_core::FieldErrors::default();
    let name = input.name.trim();
    if name.is_empty() {
        errors.push("name", "err-required");
    } else if name.chars().count() > 40 {
        errors.push("name", "err-too-long");
    }
    if !POST_KINDS.contains(&input.kind.as_str()) {
        errors.push("kind", "err-post-kind");
    }
    let from = NaiveTime::parse_from_str(input.cover_from.trim(), "%H:%M").ok();
    if from.is_none() {
        errors.push("cover_from", "err-post-cover-from");
    }
    let coverage = match Coverage::new(
        from.unwrap_or(NaiveTime::MIN),
        input.cover_hours,
        input.shift_hours,
        input.people,
    ) {
        Ok(c) => Some(c),
        Err((field, id)) => {
            errors.push(field, id);
            None
        }
    };
    errors.into_result()?;
    let (Some(from), Some(coverage)) = (from, coverage) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let mut tx = app.db.begin().await?;
    let area = area_store::get(&mut tx, &input.area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    if !actor.may(Action::ManageRotas, Target::Area(&area.path)) {
        return Err(AppError::field("area_id", "err-area-not-found"));
    }
    let post = PostRow {
        id: new_id(),
        area_id: area.id.clone(),
        area_path: area.path.clone(),
        name: name.to_string(),
        kind: input.kind.clone(),
        cover_from_minute: i64::from(
            chrono::Timelike::hour(&from) * 60 + chrono::Timelike::minute(&from),
        ),
        cover_hours: coverage.hours.into(),
        shift_hours: coverage.shift_hours.into(),
        people: coverage.people.into(),
    };
    store::insert_post(&mut *tx, &post, app.clock.now_ms()).await?;
    audit(
        &mut tx,
        actor,
        "post.created",
        &post.id,
        &post.area_path,
        name,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(post_view(post))
}

/// Posts below an area.
pub async fn posts(app: &App, actor: &Actor, area_id: &str) -> Result<Vec<PostView>> {
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    let scope = actor.scope(Action::TakeShifts);
    if !scope.contains(&area.path) && !scope.roots().iter().any(|r| r.starts_with(&area.path)) {
        return Err(AppError::NotFound);
    }
    Ok(store::posts(&mut *conn, scope.roots(), &area.path)
        .await?
        .into_iter()
        .map(post_view)
        .collect())
}

fn coverage_of(p: &PostRow) -> Result<Coverage> {
    let from = NaiveTime::from_hms_opt(
        (p.cover_from_minute / 60) as u32,
        (p.cover_from_minute % 60) as u32,
        0,
    )
    .unwrap_or(NaiveTime::MIN);
    Coverage::new(
        from,
        p.cover_hours as u32,
        p.shift_hours as u32,
        p.people as u32,
    )
    .map_err(|_| AppError::Internal(format!("post {} has a bad coverage", p.id)))
}

/// Longest stretch of days shifts are made for at once.
pub const MAX_DAYS: u32 = 62;

/// Makes a post's shifts for `days` days from `from` (China time); days already made are kept.
/// Returns the number of shifts the post has in that stretch.
pub async fn make_shifts(
    app: &App,
    actor: &Actor,
    post_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<usize> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::field("days", "err-rota-days"));
    }
    let mut tx = app.db.begin().await?;
    let post = store::post(&mut *tx, post_id).await?;
    if !actor.may(Action::ManageRotas, Target::Area(&post.area_path)) {
        return Err(AppError::NotFound);
    }
    let coverage = coverage_of(&post)?;
    let rows: Vec<ShiftRow> = (0..days)
        .filter_map(|d| from.checked_add_days(chrono::Days::new(d.into())))
        .flat_map(|day| coverage.shifts_on(day))
        .map(|s| ShiftRow {
            id: new_id(),
            post_id: post.id.clone(),
            area_path: post.area_path.clone(),
            starts_at: utc_ms(s.start),
            ends_at: utc_ms(s.end),
            people: post.people,
            taken: 0,
        })
        .collect();
    store::insert_shifts(&mut *tx, &rows).await?;
    audit(
        &mut tx,
        actor,
        "shifts.made",
        &post.id,
        &post.area_path,
        &format!("{from} +{days}"),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(rows.len())
}

/// One shift of a rota.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ShiftView {
    /// Id.
    pub id: String,
    /// Post.
    pub post_id: String,
    /// Start, YYYY-MM-DD HH:MM China time.
    pub starts: String,
    /// End, YYYY-MM-DD HH:MM China time.
    pub ends: String,
    /// People needed.
    pub people: i64,
    /// Who holds it.
    pub holders: Vec<Holder>,
    /// Minutes not covered (the whole shift while anyone is missing).
    pub gap_minutes: i64,
    /// Check-in is open (from 30 minutes before the start to the end).
    pub check_in_open: bool,
    /// It has started (no longer taken or dropped).
    pub started: bool,
}

/// Someone on a shift.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Holder {
    /// User id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Checked in.
    pub checked_in: bool,
    /// Checked out.
    pub checked_out: bool,
    /// Not checked in 15 minutes into the shift.
    pub no_show: bool,
}

/// The rota of a post.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PostRota {
    /// The post.
    pub post: PostView,
    /// Its shifts in the stretch, by start.
    pub shifts: Vec<ShiftView>,
    /// Minutes not covered in the stretch.
    pub gap_minutes: i64,
}

/// The rota of the posts below an area for a stretch of days.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Rota {
    /// First day, YYYY-MM-DD.
    pub from: String,
    /// Days.
    pub days: u32,
    /// Posts with their shifts.
    pub posts: Vec<PostRota>,
    /// Minutes not covered, all posts.
    pub gap_minutes: i64,
}

fn span_of(starts_at: i64, ends_at: i64) -> Span {
    Span {
        start: local_time(starts_at),
        end: local_time(ends_at),
    }
}

fn stamp(ms: i64) -> String {
    local_time(ms).format("%Y-%m-%d %H:%M").to_string()
}

/// The rota below an area: its posts, their shifts starting in the stretch, who holds them, the
/// gaps and the no-shows.
pub async fn rota(
    app: &App,
    actor: &Actor,
    area_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<Rota> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::field("days", "err-rota-days"));
    }
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    let scope = actor.scope(Action::TakeShifts);
    if !scope.contains(&area.path) && !scope.roots().iter().any(|r| r.starts_with(&area.path)) {
        return Err(AppError::NotFound);
    }
    let start = utc_ms(from.and_time(NaiveTime::MIN));
    let end = start + i64::from(days) * 86_400_000;
    let posts = store::posts(&mut *conn, scope.roots(), &area.path).await?;
    let shifts = store::shifts_between(&mut *conn, scope.roots(), &area.path, start, end).await?;
    let ids: Vec<String> = shifts.iter().map(|s| s.id.clone()).collect();
    let bookings = store::bookings_on(&mut *conn, &ids).await?;
    let mut people: Vec<String> = bookings.iter().map(|b| b.user_id.clone()).collect();
    people.sort();
    people.dedup();
    let names: HashMap<String, String> = sanshe_store::accounts::display_names(&mut *conn, &people)
        .await?
        .into_iter()
        .collect();
    let mut on_shift: HashMap<&str, Vec<&BookingRow>> = HashMap::new();
    for b in &bookings {
        on_shift.entry(b.shift_id.as_str()).or_default().push(b);
    }
    let now = app.clock.now_local();
    let now_ms = app.clock.now_ms();
    let mut by_post: HashMap<&str, Vec<ShiftView>> = HashMap::new();
    for s in &shifts {
        let span = span_of(s.starts_at, s.ends_at);
        let holders: Vec<Holder> = on_shift
            .get(s.id.as_str())
            .map(|list| {
                list.iter()
                    .map(|b| Holder {
                        user_id: b.user_id.clone(),
                        name: names.get(&b.user_id).cloned().unwrap_or_default(),
                        checked_in: b.checked_in_at.is_some(),
                        checked_out: b.checked_out_at.is_some(),
                        no_show: shifts::is_no_show(&span, b.checked_in_at.is_some(), now),
                    })
                    .collect()
            })
            .unwrap_or_default();
        by_post
            .entry(s.post_id.as_str())
            .or_default()
            .push(ShiftView {
                id: s.id.clone(),
                post_id: s.post_id.clone(),
                starts: stamp(s.starts_at),
                ends: stamp(s.ends_at),
                people: s.people,
                gap_minutes: shifts::gap_minutes(&span, holders.len() as u32, s.people as u32),
                check_in_open: check_in_open(s, now_ms),
                started: s.starts_at <= now_ms,
                holders,
            });
    }
    let posts: Vec<PostRota> = posts
        .into_iter()
        .map(|p| {
            let shifts = by_post.remove(p.id.as_str()).unwrap_or_default();
            PostRota {
                gap_minutes: shifts.iter().map(|s| s.gap_minutes).sum(),
                shifts,
                post: post_view(p),
            }
        })
        .collect();
    Ok(Rota {
        from: from.to_string(),
        days,
        gap_minutes: posts.iter().map(|p| p.gap_minutes).sum(),
        posts,
    })
}

fn refused(r: BookingRefusal) -> AppError {
    AppError::field("shift_id", r.message_id())
}

/// Books `user_id` on a shift (its limits checked) in the caller's transaction.
async fn book(
    app: &App,
    tx: &mut Conn,
    shift: &ShiftRow,
    user_id: &str,
    booked_by: &str,
) -> Result<()> {
    if shift.starts_at <= app.clock.now_ms() {
        return Err(refused(BookingRefusal::Started));
    }
    store::hold_person(&mut *tx, user_id).await?;
    if store::booking(&mut *tx, &shift.id, user_id)
        .await?
        .is_some()
    {
        return Err(refused(BookingRefusal::DoubleBooked));
    }
    let limits = app.rules.booking;
    // Everything within a day and a rest of the shift can matter to its limits.
    let reach = 86_400_000 + limits.min_rest_minutes * 60_000;
    let held: Vec<Span> = store::bookings_of(
        &mut *tx,
        user_id,
        shift.starts_at - reach,
        shift.ends_at + reach,
    )
    .await?
    .iter()
    .map(|b| span_of(b.starts_at, b.ends_at))
    .collect();
    shifts::may_book(&held, span_of(shift.starts_at, shift.ends_at), &limits).map_err(refused)?;
    if !store::claim_place(&mut *tx, &shift.id).await? {
        return Err(refused(BookingRefusal::Full));
    }
    store::insert_booking(&mut *tx, shift, user_id, booked_by, app.clock.now_ms()).await?;
    Ok(())
}

async fn visible_shift(
    conn: &mut Conn,
    actor: &Actor,
    action: Action,
    id: &str,
) -> Result<ShiftRow> {
    let s = store::shift(&mut *conn, id).await?;
    if !actor.may(action, Target::Area(&s.area_path)) {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

/// The caller takes an open shift of a post where they are deployed.
pub async fn take(app: &App, actor: &Actor, shift_id: &str) -> Result<()> {
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    book(app, &mut tx, &shift, &user_id, &actor.username).await?;
    audit(
        &mut tx,
        actor,
        "shift.taken",
        &shift.id,
        &shift.area_path,
        "",
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// A worker books someone deployed there on a shift.
pub async fn assign(app: &App, actor: &Actor, shift_id: &str, user_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::ManageRotas, shift_id).await?;
    let person = crate::accounts::actor_of(app, user_id)
        .await
        .map_err(|_| AppError::field("user_id", "err-rota-not-deployed"))?;
    if !person.may(Action::TakeShifts, Target::Area(&shift.area_path)) {
        return Err(AppError::field("user_id", "err-rota-not-deployed"));
    }
    book(app, &mut tx, &shift, user_id, &actor.username).await?;
    audit(
        &mut tx,
        actor,
        "shift.assigned",
        &shift.id,
        &shift.area_path,
        user_id,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// Frees a place on a shift: the caller's own, or, for a worker, anyone's. A shift already
/// checked in to cannot be dropped.
pub async fn drop_shift(
    app: &App,
    actor: &Actor,
    shift_id: &str,
    user_id: Option<&str>,
) -> Result<()> {
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let whose = user_id.unwrap_or(&own).to_string();
    let action = if whose == own {
        Action::TakeShifts
    } else {
        Action::ManageRotas
    };
    let shift = visible_shift(&mut tx, actor, action, shift_id).await?;
    if !store::delete_booking(&mut *tx, &shift.id, &whose).await? {
        return Err(AppError::field("shift_id", "err-shift-not-yours"));
    }
    store::release_place(&mut *tx, &shift.id).await?;
    audit(
        &mut tx,
        actor,
        "shift.dropped",
        &shift.id,
        &shift.area_path,
        &whose,
    )
    .await?;
    // The worker hears of a place a volunteer opened (not of their own changes).
    if whose == own {
        let now = app.clock.now_ms();
        let routes = crate::alerts::Routes::load(&mut *tx).await?;
        crate::alerts::raise(
            &mut *tx,
            &routes,
            crate::alerts::Trouble {
                kind: sanshe_core::alerts::AlertKind::ShiftDropped,
                area_path: &shift.area_path,
                subject_kind: "shift",
                subject_id: &shift.id,
                event: &format!("{whose}@{now}"),
                detail: &stamp(shift.starts_at),
            },
            now,
        )
        .await?;
    }
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// Whether check-in is open: from 30 minutes before the shift until its end.
fn check_in_open(shift: &ShiftRow, now: i64) -> bool {
    now >= shift.starts_at - 30 * 60_000 && now < shift.ends_at
}

/// The caller checks in, from 30 minutes before the shift until its end.
pub async fn check_in(app: &App, actor: &Actor, shift_id: &str) -> Result<()> {
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    let now = app.clock.now_ms();
    if !check_in_open(&shift, now) {
        return Err(AppError::field("shift_id", "err-shift-not-now"));
    }
    if store::booking(&mut *tx, &shift.id, &user_id)
        .await?
        .is_none()
    {
        return Err(AppError::field("shift_id", "err-shift-not-yours"));
    }
    if !store::check_in(&mut *tx, &shift.id, &user_id, now).await? {
        return Err(AppError::field("shift_id", "err-shift-checked-in"));
    }
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// The caller checks out; returns the minutes of service it counts for.
pub async fn check_out(app: &App, actor: &Actor, shift_id: &str) -> Result<i64> {
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    let booking = store::booking(&mut *tx, &shift.id, &user_id)
        .await?
        .ok_or(AppError::field("shift_id", "err-shift-not-yours"))?;
    let (Some(checked_in), None) = (booking.checked_in_at, booking.checked_out_at) else {
        return Err(AppError::field("shift_id", "err-shift-not-checked-in"));
    };
    let now = app.clock.now_ms();
    let minutes = shifts::served_minutes(
        &span_of(shift.starts_at, shift.ends_at),
        local_time(checked_in),
        local_time(now),
    );
    store::check_out(&mut *tx, &shift.id, &user_id, now, minutes).await?;
    sanshe_store::commit(tx).await?;
    Ok(minutes)
}

/// A line of the service-hours ledger.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ServedLine {
    /// Volunteer's user id.
    pub user_id: String,
    /// Volunteer's name.
    pub name: String,
    /// Service: the post served.
    pub post: String,
    /// Kind of post.
    pub kind: String,
    /// Date, YYYY-MM-DD China time (of the check-in).
    pub date: String,
    /// Checked in, HH:MM.
    pub from: String,
    /// Checked out, HH:MM.
    pub until: String,
    /// Minutes counted.
    pub minutes: i64,
    /// Who booked, and so confirms, the shift.
    pub confirmed_by: String,
}

/// Service hours: the lines and their total.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ServiceHours {
    /// Lines, latest first.
    pub lines: Vec<ServedLine>,
    /// Total minutes.
    pub total_minutes: i64,
}

/// The caller's own service hours, or, with `everyone`, those of everyone in the caller's rota
/// scope (workers and coordinators).
pub async fn hours(app: &App, actor: &Actor, everyone: bool) -> Result<ServiceHours> {
    let mut conn = app.db.conn().await?;
    let rows = if everyone {
        store::served(&mut *conn, None, actor.scope(Action::ManageRotas).roots()).await?
    } else {
        let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
        // One's own hours wherever they were served.
        store::served(&mut *conn, Some(&own), &[String::new()]).await?
    };
    let mut people: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    people.sort();
    people.dedup();
    let names: HashMap<String, String> = sanshe_store::accounts::display_names(&mut *conn, &people)
        .await?
        .into_iter()
        .collect();
    let lines: Vec<ServedLine> = rows
        .into_iter()
        .map(|r| {
            let from = local_time(r.checked_in_at);
            ServedLine {
                name: names.get(&r.user_id).cloned().unwrap_or_default(),
                user_id: r.user_id,
                post: r.post_name,
                kind: r.post_kind,
                date: from.date().to_string(),
                from: from.format("%H:%M").to_string(),
                until: local_time(r.checked_out_at).format("%H:%M").to_string(),
                minutes: r.served_minutes,
                confirmed_by: r.booked_by,
            }
        })
        .collect();
    Ok(ServiceHours {
        total_minutes: lines.iter().map(|l| l.minutes).sum(),
        lines,
    })
}

/// The areas where the caller works on rotas (their deployments): (id, name).
pub async fn home_areas(app: &App, actor: &Actor) -> Result<Vec<(String, String)>> {
    let scope = actor.scope(Action::TakeShifts);
    let mut conn = app.db.conn().await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for g in &actor.grants {
        if let sanshe_core::accounts::GrantScope::Area { id, path } = &g.scope
            && scope.roots().contains(path)
            && !out.iter().any(|(i, _)| i == id)
        {
            out.push((id.clone(), area_store::get(&mut conn, id).await?.name));
        }
    }
    Ok(out)
}

/// A booking that breaks the limits (made before the limits were tightened, or imported).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Breach {
    /// The person.
    pub user_id: String,
    /// The shift.
    pub shift_id: String,
    /// The Fluent id of the limit broken.
    pub limit: String,
}

/// Checks every booking of the stretch below an area against the booking limits, each against
/// the same person's other shifts.
pub async fn breaches(
    app: &App,
    actor: &Actor,
    area_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<Vec<Breach>> {
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    let scope = actor.scope(Action::ManageRotas);
    if !scope.contains(&area.path) && !scope.roots().iter().any(|r| r.starts_with(&area.path)) {
        return Err(AppError::NotFound);
    }
    let start = utc_ms(from.and_time(NaiveTime::MIN));
    let end = start + i64::from(days) * 86_400_000;
    // A day and a rest on both sides reach into neighbouring bookings that count.
    let reach = 86_400_000 + app.rules.booking.min_rest_minutes * 60_000;
    let all = store::bookings_between(
        &mut *conn,
        scope.roots(),
        &area.path,
        start - reach,
        end + reach,
    )
    .await?;
    let mut out = Vec::new();
    for person in all.chunk_by(|a, b| a.user_id == b.user_id) {
        let spans: Vec<Span> = person
            .iter()
            .map(|b| span_of(b.starts_at, b.ends_at))
            .collect();
        for (i, b) in person.iter().enumerate() {
            if b.starts_at < start || b.starts_at >= end {
                continue;
            }
            // The neighbours within reach; the list is sorted by start.
            let held: Vec<Span> = spans
                .iter()
                .enumerate()
                .filter(|(j, s)| {
                    *j != i
                        && s.start < spans[i].end + chrono::Duration::milliseconds(reach)
                        && s.end > spans[i].start - chrono::Duration::milliseconds(reach)
                })
                .map(|(_, s)| *s)
                .collect();
            if let Err(r) = shifts::may_book(&held, spans[i], &app.rules.booking) {
                out.push(Breach {
                    user_id: b.user_id.clone(),
                    shift_id: b.shift_id.clone(),
                    limit: r.message_id().to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// Coverage of one post over a stretch.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PostGap {
    /// The post.
    pub post: PostView,
    /// Its shifts in the stretch.
    pub shifts: i64,
    /// Of them, missing someone.
    pub short: i64,
    /// Minutes not covered.
    pub gap_minutes: i64,
}

/// Coverage of the posts below an area over a stretch: what a street or a district looks at,
/// where listing every shift would be a hundred thousand lines.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Gaps {
    /// The area's kind (`street`, `community`, …).
    pub area_kind: String,
    /// The area's name.
    pub area_name: String,
    /// Posts, the least covered first.
    pub posts: Vec<PostGap>,
    /// Minutes not covered, all posts.
    pub gap_minutes: i64,
}

/// The coverage gaps of the posts below an area, counted per post.
pub async fn gaps(
    app: &App,
    actor: &Actor,
    area_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<Gaps> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::field("days", "err-rota-days"));
    }
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    let scope = actor.scope(Action::TakeShifts);
    if !scope.contains(&area.path) && !scope.roots().iter().any(|r| r.starts_with(&area.path)) {
        return Err(AppError::NotFound);
    }
    let start = utc_ms(from.and_time(NaiveTime::MIN));
    let end = start + i64::from(days) * 86_400_000;
    let counted: HashMap<String, (i64, i64, i64)> =
        store::gaps(&mut *conn, scope.roots(), &area.path, start, end)
            .await?
            .into_iter()
            .map(|(p, n, short, gap)| (p, (n, short, gap)))
            .collect();
    let mut posts: Vec<PostGap> = store::posts(&mut *conn, scope.roots(), &area.path)
        .await?
        .into_iter()
        .map(|p| {
            let (shifts, short, gap_minutes) = counted.get(&p.id).copied().unwrap_or_default();
            PostGap {
                post: post_view(p),
                shifts,
                short,
                gap_minutes,
            }
        })
        .collect();
    posts.sort_by_key(|p| std::cmp::Reverse(p.gap_minutes));
    Ok(Gaps {
        area_kind: area.kind,
        area_name: area.name,
        gap_minutes: posts.iter().map(|p| p.gap_minutes).sum(),
        posts,
    })
}
