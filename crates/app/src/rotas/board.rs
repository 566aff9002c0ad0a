//! The rota as people read it: posts, their shifts and who holds them.

use super::*;
use crate::stamp;

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
    let (area, scope, start, end) =
        stretch(&mut conn, actor, Action::TakeShifts, area_id, from, days).await?;
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
    let people = bookings.iter().map(|b| b.user_id.as_str());
    let names = sanshe_store::accounts::display_names(&mut *conn, people).await?;
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

/// A shift as the rota shows it, with its holders.
pub(super) fn shift_view_of(
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
            no_show: rule::is_no_show(&span, b.checked_in_at.is_some(), now),
            offered: b.offered_at.is_some(),
        })
        .collect();
    ShiftView {
        id: s.id.clone(),
        post_id: s.post_id.clone(),
        starts: stamp(s.starts_at),
        ends: stamp(s.ends_at),
        people: s.people,
        gap_minutes: rule::gap_minutes(&span, holders.len() as u32, s.people as u32),
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
    let people = bookings.iter().map(|b| b.user_id.as_str());
    let names = sanshe_store::accounts::display_names(&mut *conn, people).await?;
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
