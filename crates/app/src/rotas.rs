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
    /// The skill its duty needs, if any.
    pub skill: Option<String>,
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
        skill: p.skill,
    }
}

/// A new post.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PostInput {
    /// The area (community, compound, care home's area) it serves.
    #[schema(max_length = 64)]
    pub area_id: String,
    /// Name, e.g. 一区南门 or 心理热线 1.
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    /// `gate`, `hotline`, `care_home`, `support`, `other`.
    pub kind: String,
    /// When cover starts each day, HH:MM China time.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub cover_from: String,
    /// Hours covered a day (24 round the clock).
    pub cover_hours: u32,
    /// Hours a shift.
    pub shift_hours: u32,
    /// People on duty at once.
    pub people: u32,
    /// The skill its duty needs (`counselling`, `medical`, …), if any: only volunteers with it
    /// see its open shifts.
    #[serde(default)]
    pub skill: Option<String>,
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
    let name = errors
        .take_field(sanshe_core::text::required_line("name", &input.name, 40))
        .unwrap_or_default();
    let name = name.as_str();
    if !POST_KINDS.contains(&input.kind.as_str()) {
        errors.push("kind", "err-post-kind");
    }
    let skill = input
        .skill
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if skill.is_some_and(|s| !crate::volunteers::SKILLS.contains(&s)) {
        errors.push("skill", "err-volunteer-skill");
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
        skill: skill.map(String::from),
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
    if !scope.overlaps(&area.path) {
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
    let mut conn = app.db.conn().await?;
    let post = store::post(&mut *conn, post_id).await?;
    drop(conn);
    if !actor.may(Action::ManageRotas, Target::Area(&post.area_path)) {
        return Err(AppError::NotFound);
    }
    let (path, id) = (post.area_path.clone(), post.id.clone());
    make_for(app, actor, vec![post], from, days, &id, &path).await
}

/// Makes the shifts of every post below an area the caller manages, for `days` days from
/// `from`, in one transaction; days already made are kept. Returns the number of shifts.
pub async fn make_area_shifts(
    app: &App,
    actor: &Actor,
    area_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<usize> {
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    let scope = actor.scope(Action::ManageRotas);
    if !scope.overlaps(&area.path) {
        return Err(AppError::field("area_id", "err-area-not-found"));
    }
    let posts = store::posts(&mut *conn, scope.roots(), &area.path).await?;
    drop(conn);
    make_for(app, actor, posts, from, days, &area.id, &area.path).await
}

async fn make_for(
    app: &App,
    actor: &Actor,
    posts: Vec<PostRow>,
    from: NaiveDate,
    days: u32,
    target_id: &str,
    path: &str,
) -> Result<usize> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::field("days", "err-rota-days"));
    }
    // Shifts are made for the weeks ahead (and the week just past, to record it); a date years
    // away is a typo.
    sanshe_core::dates::within("from", from, app.today(), 7, 366)?;
    let mut rows = Vec::new();
    for post in &posts {
        let coverage = coverage_of(post)?;
        rows.extend(
            (0..days)
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
                }),
        );
    }
    let made = rows.len();
    let made_entry = MadeEntry {
        actor_id: actor.user_id.clone(),
        actor_name: actor.username.clone(),
        target_id: target_id.to_string(),
        path: path.to_string(),
        detail: format!("{from} +{days}: {} posts", posts.len()),
    };
    // A month of a street's rotas is ~100,000 rows: on a SQLite file they go through a
    // connection of their own.
    let (rows, made_entry) = (std::sync::Arc::new(rows), std::sync::Arc::new(made_entry));
    let (own_rows, own_entry) = (rows.clone(), made_entry.clone());
    let direct = app
        .db
        .on_own_connection(move |conn, runtime| {
            let mut tx = conn.begin()?;
            runtime.block_on(async {
                store::insert_shifts(&mut tx, &own_rows).await?;
                audit_store::append(&mut tx, &own_entry.entry()).await
            })?;
            tx.commit()
        })
        .await;
    match direct {
        Some(done) => done?,
        None => {
            let mut tx = app.db.begin().await?;
            store::insert_shifts(&mut *tx, &rows).await?;
            audit_store::append(&mut *tx, &made_entry.entry()).await?;
            sanshe_store::commit(tx).await?;
        }
    }
    Ok(made)
}

/// The audit entry of shifts made, owned so it can go to the blocking thread.
struct MadeEntry {
    actor_id: Option<String>,
    actor_name: String,
    target_id: String,
    path: String,
    detail: String,
}

impl MadeEntry {
    fn entry(&self) -> audit_store::NewAuditEntry<'_> {
        audit_store::NewAuditEntry {
            actor_id: self.actor_id.as_deref(),
            actor_name: &self.actor_name,
            action: "shifts.made",
            target_kind: "shift",
            target_id: &self.target_id,
            area_path: Some(&self.path),
            detail: &self.detail,
            reason: None,
        }
    }
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
    /// Offered for a swap (换班): another volunteer may take it over.
    pub offered: bool,
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

/// A rota request checked: the area, the caller's scope for the action (which must reach into
/// the area), and the stretch of days as `[start, end)` in UTC ms.
struct Stretch {
    area: area_store::AreaRow,
    scope: sanshe_core::accounts::AreaScope,
    start: i64,
    end: i64,
}

async fn stretch(
    conn: &mut Conn,
    actor: &Actor,
    action: Action,
    area_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<Stretch> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::field("days", "err-rota-days"));
    }
    let area = area_store::get(conn, area_id).await?;
    let scope = actor.scope(action);
    if !scope.overlaps(&area.path) {
        return Err(AppError::NotFound);
    }
    let start = utc_ms(from.and_time(NaiveTime::MIN));
    Ok(Stretch {
        area,
        scope,
        start,
        end: start + i64::from(days) * 86_400_000,
    })
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
    let mut conn = app.db.conn().await?;
    let Stretch {
        area,
        scope,
        start,
        end,
    } = stretch(&mut conn, actor, Action::TakeShifts, area_id, from, days).await?;
    let mut posts = store::posts(&mut *conn, scope.roots(), &area.path).await?;
    let mut shifts =
        store::shifts_between(&mut *conn, scope.roots(), &area.path, start, end).await?;
    let ids: Vec<String> = shifts.iter().map(|s| s.id.clone()).collect();
    let bookings = store::bookings_on(&mut *conn, &ids).await?;
    // A volunteer sees the posts whose skill they have (and any where they hold a shift).
    if !actor.may(Action::ManageRotas, Target::Area(&area.path)) {
        let mine = skills_of_person(&mut conn, actor).await?;
        let own = actor.user_id.as_deref().unwrap_or_default();
        let held: std::collections::HashSet<&str> = bookings
            .iter()
            .filter(|b| b.user_id == own)
            .filter_map(|b| shifts.iter().find(|s| s.id == b.shift_id))
            .map(|s| s.post_id.as_str())
            .collect();
        let hidden: std::collections::HashSet<String> = posts
            .iter()
            .filter(|p| !fits(p, &mine) && !held.contains(p.id.as_str()))
            .map(|p| p.id.clone())
            .collect();
        posts.retain(|p| !hidden.contains(&p.id));
        shifts.retain(|s| !hidden.contains(&s.post_id));
    }
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
        let held = on_shift
            .get(s.id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        by_post
            .entry(s.post_id.as_str())
            .or_default()
            .push(shift_view_of(s, held, &names, now, now_ms));
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

/// The skills a person offered when they applied (none for accounts made otherwise).
async fn skills_of_person(conn: &mut Conn, actor: &Actor) -> Result<Vec<String>> {
    let Some(id) = actor.user_id.clone() else {
        return Ok(Vec::new());
    };
    Ok(
        sanshe_store::volunteers::skills_of(&mut *conn, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .flat_map(|(_, s)| {
                s.split(',')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .collect(),
    )
}

/// Whether a post's duty fits someone with these skills.
fn fits(post: &PostRow, skills: &[String]) -> bool {
    post.skill.as_ref().is_none_or(|s| skills.contains(s))
}

/// A shift as the rota shows it, with its holders.
fn shift_view_of(
    s: &ShiftRow,
    held: &[&BookingRow],
    names: &HashMap<String, String>,
    now: chrono::NaiveDateTime,
    now_ms: i64,
) -> ShiftView {
    let span = span_of(s.starts_at, s.ends_at);
    let holders: Vec<Holder> = held
        .iter()
        .map(|b| Holder {
            user_id: b.user_id.clone(),
            name: names.get(&b.user_id).cloned().unwrap_or_default(),
            checked_in: b.checked_in_at.is_some(),
            checked_out: b.checked_out_at.is_some(),
            no_show: shifts::is_no_show(&span, b.checked_in_at.is_some(), now),
            offered: b.offered,
        })
        .collect();
    ShiftView {
        id: s.id.clone(),
        post_id: s.post_id.clone(),
        starts: stamp(s.starts_at),
        ends: stamp(s.ends_at),
        people: s.people,
        gap_minutes: shifts::gap_minutes(&span, holders.len() as u32, s.people as u32),
        check_in_open: check_in_open(s, now_ms),
        started: s.starts_at <= now_ms,
        holders,
    }
}

/// One shift with its holders, for a worker who runs its rota; with the post's name.
pub async fn shift_view(app: &App, actor: &Actor, id: &str) -> Result<(String, ShiftView)> {
    let mut conn = app.db.conn().await?;
    let shift = visible_shift(&mut conn, actor, Action::ManageRotas, id).await?;
    let post = store::post(&mut *conn, &shift.post_id).await?;
    let bookings = store::bookings_on(&mut *conn, std::slice::from_ref(&shift.id)).await?;
    let people: Vec<String> = bookings.iter().map(|b| b.user_id.clone()).collect();
    let names: HashMap<String, String> = sanshe_store::accounts::display_names(&mut *conn, &people)
        .await?
        .into_iter()
        .collect();
    let held: Vec<&BookingRow> = bookings.iter().collect();
    let view = shift_view_of(
        &shift,
        &held,
        &names,
        app.clock.now_local(),
        app.clock.now_ms(),
    );
    Ok((post.name, view))
}

/// Whether the actor runs the rota of an area (assigns, finds cover).
pub async fn manages(app: &App, actor: &Actor, area_id: &str) -> Result<bool> {
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    Ok(actor.may(Action::ManageRotas, Target::Area(&area.path)))
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
    cover: bool,
) -> Result<()> {
    may_hold(app, tx, shift, user_id, cover).await?;
    if !store::claim_place(&mut *tx, &shift.id).await? {
        return Err(refused(BookingRefusal::Full));
    }
    store::insert_booking(&mut *tx, shift, user_id, booked_by, app.clock.now_ms()).await?;
    Ok(())
}

/// Whether `user_id` may hold a shift: not started (unless a worker puts in cover while it is
/// under way), not on it already, within the limits. Takes the person's row first, so two
/// bookings of one person at once are checked one after the other.
async fn may_hold(
    app: &App,
    tx: &mut Conn,
    shift: &ShiftRow,
    user_id: &str,
    cover: bool,
) -> Result<()> {
    let now = app.clock.now_ms();
    // A worker may put someone on a shift under way (cover for a no-show) until it ends.
    if shift.starts_at <= now && !(cover && shift.ends_at > now) {
        return Err(refused(BookingRefusal::Started));
    }
    let from = shift.starts_at.max(now);
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
    shifts::may_book(&held, span_of(from, shift.ends_at), &limits).map_err(refused)
}

/// The caller offers their place on a shift for a swap (换班), or with `offer` false takes the
/// offer back; until someone takes it over the place stays theirs.
pub async fn offer(app: &App, actor: &Actor, shift_id: &str, offer: bool) -> Result<()> {
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    if offer && shift.starts_at <= app.clock.now_ms() {
        return Err(refused(BookingRefusal::Started));
    }
    let at = offer.then(|| app.clock.now_ms());
    if !store::set_offered(&mut *tx, &shift.id, &own, at).await? {
        return Err(AppError::field("shift_id", "err-shift-not-yours"));
    }
    let action = if offer { "shift.offered" } else { "shift.kept" };
    audit(&mut tx, actor, action, &shift.id, &shift.area_path, "").await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// The caller takes over a place another volunteer offered for a swap: checked like a booking
/// (skill, limits), the place changes hands without ever being open, and the workers are told.
pub async fn take_over(app: &App, actor: &Actor, shift_id: &str, from: &str) -> Result<()> {
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    let post = store::post(&mut *tx, &shift.post_id).await?;
    if !fits(&post, &skills_of_person(&mut tx, actor).await?) {
        return Err(AppError::field("shift_id", "err-shift-skill"));
    }
    let offered = store::booking(&mut *tx, &shift.id, from).await?;
    if !offered.is_some_and(|b| b.offered) {
        return Err(AppError::field("shift_id", "err-shift-not-offered"));
    }
    may_hold(app, &mut tx, &shift, &own, false).await?;
    let now = app.clock.now_ms();
    // Checked again in the update: another may have taken it over since.
    if !store::hand_over(&mut *tx, &shift.id, from, &own, now).await? {
        return Err(AppError::field("shift_id", "err-shift-not-offered"));
    }
    audit(
        &mut tx,
        actor,
        "shift.taken_over",
        &shift.id,
        &shift.area_path,
        from,
    )
    .await?;
    let routes = crate::alerts::Routes::load(&mut *tx).await?;
    crate::alerts::raise(
        &mut *tx,
        &routes,
        crate::alerts::Trouble {
            kind: sanshe_core::alerts::AlertKind::ShiftSwapped,
            area_path: &shift.area_path,
            subject_kind: "shift",
            subject_id: &shift.id,
            event: &format!("{from}>{own}"),
            detail: &format!("{} {}", post.name, stamp(shift.starts_at)),
        },
        now,
    )
    .await?;
    sanshe_store::commit(tx).await?;
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
    let post = store::post(&mut *tx, &shift.post_id).await?;
    if !fits(&post, &skills_of_person(&mut tx, actor).await?) {
        return Err(AppError::field("shift_id", "err-shift-skill"));
    }
    book(app, &mut tx, &shift, &user_id, &actor.username, false).await?;
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
    book(app, &mut tx, &shift, user_id, &actor.username, true).await?;
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
    /// Where: the name of the post's area (a community, a compound, a care home's area).
    pub place: String,
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
    // Paths are the ids of an area's ancestors and itself, 32 characters each: the last is
    // the area's own id.
    let mut places: HashMap<String, String> = HashMap::new();
    for r in &rows {
        let id = r.area_path[r.area_path.len().saturating_sub(32)..].to_string();
        if !places.contains_key(&id)
            && let Ok(a) = area_store::get(&mut conn, &id).await
        {
            places.insert(id, a.name);
        }
    }
    let lines: Vec<ServedLine> = rows
        .into_iter()
        .map(|r| {
            let from = local_time(r.checked_in_at);
            let place = places
                .get(&r.area_path[r.area_path.len().saturating_sub(32)..])
                .cloned()
                .unwrap_or_default();
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
                place,
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
    let Stretch {
        area,
        scope,
        start,
        end,
    } = stretch(&mut conn, actor, Action::ManageRotas, area_id, from, days).await?;
    // A day and a rest on both sides reach into neighbouring bookings that count.
    let reach = 86_400_000 + app.rules.booking.min_rest_minutes * 60_000;
    let (roots, path) = (scope.roots().to_vec(), area.path.clone());
    // A street's month is tens of thousands of bookings: read on a connection of their own.
    let all = match app
        .db
        .on_own_connection(move |conn, runtime| {
            runtime.block_on(store::bookings_between(
                conn,
                &roots,
                &path,
                start - reach,
                end + reach,
            ))
        })
        .await
    {
        Some(read) => read?,
        None => {
            store::bookings_between(
                &mut *conn,
                scope.roots(),
                &area.path,
                start - reach,
                end + reach,
            )
            .await?
        }
    };
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
    let mut conn = app.db.conn().await?;
    let Stretch {
        area,
        scope,
        start,
        end,
    } = stretch(&mut conn, actor, Action::TakeShifts, area_id, from, days).await?;
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

/// Someone who could take a shift's place now.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CoverCandidate {
    /// User id (for `/assign`).
    pub user_id: String,
    /// Name.
    pub name: String,
    /// Their skills.
    pub skills: Vec<String>,
    /// Minutes of duty they hold in the 24 hours before the shift's end.
    pub minutes_in_last_day: i64,
}

/// Who could cover a shift from now to its end: deployed there, with the post's skill, not on
/// it already, and within the booking limits; least loaded first.
pub async fn cover_candidates(
    app: &App,
    actor: &Actor,
    shift_id: &str,
) -> Result<Vec<CoverCandidate>> {
    let mut conn = app.db.conn().await?;
    let shift = visible_shift(&mut conn, actor, Action::ManageRotas, shift_id).await?;
    let post = store::post(&mut *conn, &shift.post_id).await?;
    let now = app.clock.now_ms();
    if shift.ends_at <= now {
        return Ok(Vec::new());
    }
    let wanted = span_of(shift.starts_at.max(now), shift.ends_at);
    let people: Vec<(String, String)> = sanshe_store::accounts::deployed_volunteers(
        &mut *conn,
        actor.scope(Action::ManageRotas).roots(),
    )
    .await?
    .into_iter()
    .filter(|(_, _, _, path)| shift.area_path.starts_with(path.as_str()))
    .map(|(id, name, _, _)| (id, name))
    .collect();
    let ids: Vec<String> = people.iter().map(|p| p.0.clone()).collect();
    let skills: HashMap<String, Vec<String>> =
        sanshe_store::volunteers::skills_of(&mut *conn, &ids)
            .await?
            .into_iter()
            .map(|(id, s)| {
                let list = s
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect();
                (id, list)
            })
            .collect();
    let limits = app.rules.booking;
    let reach = 86_400_000 + limits.min_rest_minutes * 60_000;
    let mut held: HashMap<String, Vec<BookingRow>> = HashMap::new();
    for b in store::bookings_of_people(
        &mut *conn,
        &ids,
        shift.starts_at - reach,
        shift.ends_at + reach,
    )
    .await?
    {
        held.entry(b.user_id.clone()).or_default().push(b);
    }
    let day_before = shift.ends_at - 86_400_000;
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<CoverCandidate> = people
        .into_iter()
        .filter(|(id, _)| seen.insert(id.clone()))
        .filter_map(|(user_id, name)| {
            let theirs = held.remove(&user_id).unwrap_or_default();
            if theirs.iter().any(|b| b.shift_id == shift.id) {
                return None;
            }
            let mine = skills.get(&user_id).cloned().unwrap_or_default();
            if !fits(&post, &mine) {
                return None;
            }
            let spans: Vec<Span> = theirs
                .iter()
                .map(|b| span_of(b.starts_at, b.ends_at))
                .collect();
            shifts::may_book(&spans, wanted, &limits).ok()?;
            let minutes_in_last_day = theirs
                .iter()
                .map(|b| (b.ends_at.min(shift.ends_at) - b.starts_at.max(day_before)).max(0))
                .sum::<i64>()
                / 60_000;
            Some(CoverCandidate {
                user_id,
                name,
                skills: mine,
                minutes_in_last_day,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.minutes_in_last_day, &a.name).cmp(&(b.minutes_in_last_day, &b.name)));
    Ok(out)
}

/// What one round of the minute watch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Watch {
    /// Reminders recorded for shifts starting within the hour.
    pub reminded: usize,
    /// No-show alerts raised.
    pub no_shows: usize,
    /// Overdue help-request alerts raised.
    pub overdue: usize,
}

/// How long before a shift its holder is reminded.
pub const REMIND_BEFORE_MS: i64 = 60 * 60_000;

/// The minute watch over rotas and errands: reminds holders of shifts starting within the hour
/// (shown in the app until they check in), raises a no-show alert 15 minutes into a shift without
/// its check-in, and an alert for help requests past due. Each goes out once, even on several
/// nodes at once, and stays out after its alert is closed.
pub async fn watch(app: &App) -> Result<Watch> {
    let now = app.clock.now_ms();
    let mut done = Watch::default();
    let mut tx = app.db.begin().await?;
    let routes = crate::alerts::Routes::load(&mut *tx).await?;
    for b in store::unreminded(&mut *tx, now, now + REMIND_BEFORE_MS).await? {
        if store::mark_told(
            &mut *tx,
            &b.shift_id,
            &b.user_id,
            store::Told::Reminded,
            now,
        )
        .await?
        {
            done.reminded += 1;
            // The community's chat groups hear it too: the place and the kind, no name (a
            // round with many goes out as one digest).
            for webhook in routes.covering(&b.area_path) {
                sanshe_store::alerts::enqueue_notice(
                    &mut *tx,
                    webhook,
                    &b.shift_id,
                    "shift_reminder",
                    &b.area_path,
                    now,
                )
                .await?;
            }
        }
    }
    let late = now - i64::from(shifts::NO_SHOW_AFTER_MINUTES) * 60_000;
    for b in store::unalerted_no_shows(&mut *tx, now - 86_400_000, late, now).await? {
        if !store::mark_told(&mut *tx, &b.shift_id, &b.user_id, store::Told::NoShow, now).await? {
            continue;
        }
        crate::alerts::raise(
            &mut *tx,
            &routes,
            crate::alerts::Trouble {
                kind: sanshe_core::alerts::AlertKind::NoShow,
                area_path: &b.area_path,
                subject_kind: "shift",
                subject_id: &b.shift_id,
                event: &b.user_id,
                detail: &format!("{} {}", b.post_name, stamp(b.starts_at)),
            },
            now,
        )
        .await?;
        done.no_shows += 1;
    }
    for h in sanshe_store::help::unalerted_overdue(&mut *tx, now).await? {
        if !sanshe_store::help::mark_overdue_alerted(&mut *tx, &h.id, now).await? {
            continue;
        }
        crate::alerts::raise(
            &mut *tx,
            &routes,
            crate::alerts::Trouble {
                kind: sanshe_core::alerts::AlertKind::ErrandOverdue,
                area_path: &h.area_path,
                subject_kind: "help_request",
                subject_id: &h.id,
                event: "overdue",
                detail: &format!("{} {}", h.urgency, stamp(h.due_at)),
            },
            now,
        )
        .await?;
        done.overdue += 1;
    }
    sanshe_store::commit(tx).await?;
    Ok(done)
}

/// A reminder shown to a volunteer: a shift of theirs starting soon, not yet checked in to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Reminder {
    /// Shift.
    pub shift_id: String,
    /// Post name.
    pub post: String,
    /// Start, YYYY-MM-DD HH:MM China time.
    pub starts: String,
    /// Minutes until the start (negative once it has started).
    pub minutes_to_start: i64,
}

/// The caller's reminders.
pub async fn reminders(app: &App, actor: &Actor) -> Result<Vec<Reminder>> {
    let Some(id) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let now = app.clock.now_ms();
    let mut conn = app.db.conn().await?;
    Ok(store::reminded_of(&mut *conn, id, now)
        .await?
        .into_iter()
        .map(|b| Reminder {
            shift_id: b.shift_id,
            post: b.post_name,
            starts: stamp(b.starts_at),
            minutes_to_start: (b.starts_at - now).div_euclid(60_000),
        })
        .collect())
}

/// Service totals of one group (a community, an organization).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HoursTotal {
    /// The community's or organization's name (individual sign-ups: empty).
    pub name: String,
    /// People who served.
    pub people: i64,
    /// Shifts served.
    pub shifts: i64,
    /// Minutes served.
    pub minutes: i64,
}

/// Service totals for a bureau, a community or an organization.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HoursTotals {
    /// All of it.
    pub all: HoursTotal,
    /// Per community where the shifts were (within the caller's areas), most minutes first.
    pub by_community: Vec<HoursTotal>,
    /// Per organization the volunteers gave when applying, most minutes first.
    pub by_organization: Vec<HoursTotal>,
}

/// Totals of the service recorded in the caller's areas (workers, the bureau) and by the
/// members of the organizations they run (organization admins).
pub async fn hours_totals(app: &App, actor: &Actor) -> Result<HoursTotals> {
    let mut conn = app.db.conn().await?;
    let roots = actor.scope(Action::ManageRotas).roots().to_vec();
    let organizations = crate::organizations::names_run_by(&mut conn, actor).await?;
    if roots.is_empty() && organizations.is_empty() {
        return Err(AppError::Forbidden);
    }
    let groups = store::served_groups(&mut *conn, &roots, &organizations).await?;
    let communities = area_store::search(&mut conn, &roots, Some("community"), None, 5000).await?;
    let community_of = |path: &str| {
        communities
            .iter()
            .find(|c| path.starts_with(&c.path))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    type Sums = HashMap<String, (std::collections::HashSet<String>, i64, i64)>;
    let (mut by_community, mut by_organization, mut everyone): (Sums, Sums, Sums) =
        Default::default();
    for (user, path, shifts, minutes, organization) in groups {
        let in_areas = roots.iter().any(|r| path.starts_with(r.as_str()));
        let add = |sums: &mut Sums, key: String| {
            let e = sums.entry(key).or_default();
            e.0.insert(user.clone());
            e.1 += shifts;
            e.2 += minutes;
        };
        if in_areas {
            add(&mut by_community, community_of(&path));
        }
        add(&mut by_organization, organization.trim().to_string());
        add(&mut everyone, String::new());
    }
    let listed = |sums: Sums| {
        let mut out: Vec<HoursTotal> = sums
            .into_iter()
            .map(|(name, (people, shifts, minutes))| HoursTotal {
                name,
                people: people.len() as i64,
                shifts,
                minutes,
            })
            .collect();
        out.sort_by(|a, b| b.minutes.cmp(&a.minutes).then_with(|| a.name.cmp(&b.name)));
        out
    };
    Ok(HoursTotals {
        all: listed(everyone).pop().unwrap_or(HoursTotal {
            name: String::new(),
            people: 0,
            shifts: 0,
            minutes: 0,
        }),
        by_community: listed(by_community),
        by_organization: listed(by_organization),
    })
}

/// A volunteer's record of service as printed (《志愿服务记录与证明出具办法（试行）》: who,
/// what service, where, when, hours, who confirmed; a number; the issuers sign and seal).
#[derive(Debug, Clone)]
pub struct Certificate {
    /// Name.
    pub name: String,
    /// Volunteer number: the account's user name.
    pub volunteer_number: String,
    /// ID number, masked (from the application; empty for accounts made otherwise).
    pub document: String,
    /// Organization given when applying.
    pub organization: String,
    /// The services.
    pub hours: ServiceHours,
    /// Minutes per place served, the issuers to sign: (place, minutes), most first.
    pub places: Vec<(String, i64)>,
    /// Certificate number: date, the person, the minutes (the same record printed twice the
    /// same day has the same number).
    pub serial: String,
    /// Issue date.
    pub issued: String,
}

/// The caller's record of service to print; each print is entered in the audit log, which is
/// the register of numbers issued.
pub async fn certificate(app: &App, actor: &Actor) -> Result<Certificate> {
    let hours = hours(app, actor, false).await?;
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut conn = app.db.conn().await?;
    let application = sanshe_store::volunteers::of_user(&mut *conn, &own)
        .await
        .ok();
    let mut places: Vec<(String, i64)> = Vec::new();
    for l in &hours.lines {
        match places.iter_mut().find(|(p, _)| *p == l.place) {
            Some(p) => p.1 += l.minutes,
            None => places.push((l.place.clone(), l.minutes)),
        }
    }
    places.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let serial = format!(
        "{}-{}-{}",
        app.today().format("%Y%m%d"),
        own.chars().rev().take(6).collect::<String>(),
        hours.total_minutes
    );
    audit_store::append(
        &mut *conn,
        &audit_store::NewAuditEntry {
            action: "hours.certificate",
            target_kind: "user",
            target_id: &own,
            detail: &serial,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(Certificate {
        name: actor.display_name.clone(),
        volunteer_number: actor.username.clone(),
        document: application
            .as_ref()
            .map(|a| a.document_masked.clone())
            .unwrap_or_default(),
        organization: application.map(|a| a.organization).unwrap_or_default(),
        hours,
        places,
        serial,
        issued: app.today().to_string(),
    })
}
