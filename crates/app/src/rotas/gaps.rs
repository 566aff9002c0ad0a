//! Where a rota falls short: rule breaches, uncovered hours and who could cover them.

use super::*;

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
    let (area, scope, start, end) =
        stretch(&mut conn, actor, Action::ManageRotas, area_id, from, days).await?;
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
            if let Err(r) = rule::may_book(&held, spans[i], &app.rules.booking) {
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
    pub area_kind: sanshe_core::areas::AreaKind,
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
    let (area, scope, start, end) =
        stretch(&mut conn, actor, Action::TakeShifts, area_id, from, days).await?;
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

/// Who could cover a shift: the least loaded of them, and how many there are in all.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CoverCandidates {
    /// The least loaded first, at most `COVER_LISTED`.
    pub items: Vec<CoverCandidate>,
    /// How many could cover, listed or not.
    pub total: i64,
}

/// The most candidates a cover list holds: the least loaded come first, and a worker calls
/// down a list, not through a district's volunteers.
pub const COVER_LISTED: usize = 100;

/// How many deployed people are weighed at a time.
const WEIGHED_AT_ONCE: i64 = 1000;

/// Who could cover a shift from now to its end: deployed there, with the post's skill, not on
/// it already, and within the booking limits; the least loaded first. Every volunteer deployed
/// over the place is weighed, a thousand at a time, however many a city deploys there; the
/// list keeps the `COVER_LISTED` least loaded and counts the rest.
pub async fn cover_candidates(app: &App, actor: &Actor, shift_id: &str) -> Result<CoverCandidates> {
    let mut conn = app.db.conn().await?;
    let shift = visible_shift(&mut conn, actor, Action::ManageRotas, shift_id).await?;
    let post = store::post(&mut *conn, &shift.post_id).await?;
    let mut listed = CoverCandidates {
        items: Vec::new(),
        total: 0,
    };
    if shift.ends_at <= app.clock.now_ms() {
        return Ok(listed);
    }
    // Deployed at the shift's place or above it, the street over a community included: each of
    // them may take it, wherever the coordinator's own areas end.
    let lineage: Vec<String> = sanshe_core::areas::lineage(&shift.area_path)
        .map(String::from)
        .collect();
    let mut walk = sanshe_store::accounts::DeployedVolunteers::at(&lineage, WEIGHED_AT_ONCE);
    loop {
        // Rows come by person: one deployed at the place and above it is weighed once.
        let weighed = walk.last_person().map(String::from);
        let rows = walk.next(&mut *conn).await?;
        if rows.is_empty() {
            break;
        }
        let mut people: Vec<(String, String)> = rows
            .into_iter()
            .filter(|(u, _, _)| weighed.as_ref() != Some(u))
            .map(|(u, name, _)| (u, name))
            .collect();
        people.dedup_by(|a, b| a.0 == b.0);
        let found = weigh(app, &mut conn, &shift, &post, people).await?;
        listed.total += found.len() as i64;
        listed.items.extend(found);
        listed.items.sort_by(|a, b| {
            (a.minutes_in_last_day, &a.name, &a.user_id).cmp(&(
                b.minutes_in_last_day,
                &b.name,
                &b.user_id,
            ))
        });
        listed.items.truncate(COVER_LISTED);
    }
    Ok(listed)
}

/// Of these people, those who could cover the shift from now to its end, with their load.
async fn weigh(
    app: &App,
    conn: &mut Conn,
    shift: &ShiftRow,
    post: &PostRow,
    people: Vec<(String, String)>,
) -> Result<Vec<CoverCandidate>> {
    let wanted = span_of(shift.starts_at.max(app.clock.now_ms()), shift.ends_at);
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
    Ok(people
        .into_iter()
        .filter_map(|(user_id, name)| {
            let theirs = held.remove(&user_id).unwrap_or_default();
            if theirs.iter().any(|b| b.shift_id == shift.id) {
                return None;
            }
            let mine = skills.get(&user_id).cloned().unwrap_or_default();
            if !fits(post, &mine) {
                return None;
            }
            let spans: Vec<Span> = theirs
                .iter()
                .map(|b| span_of(b.starts_at, b.ends_at))
                .collect();
            rule::may_book(&spans, wanted, &limits).ok()?;
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
        .collect())
}
