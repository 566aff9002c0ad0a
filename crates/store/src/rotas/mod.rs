//! The rota tables: `posts`, `shifts`, `shift_people` (who holds a shift, their check-in and
//! check-out) and `rota_people` (one row a person, to serialise their bookings).

use crate::statements::{Cell, FromRow, Statements};
use crate::{Result, scope_filter};
use sanshe_core::areas::natural_sort_key;
use sanshe_core::rotas::PostKind;

crate::row! {
    /// A duty post.
    #[derive(Debug, Clone)]
    pub struct PostRow {
        /// Id.
        pub id: String,
        /// The area it serves.
        pub area_id: String,
        /// That area's path.
        pub area_path: String,
        /// Name, e.g. 凌研里一区南门.
        pub name: String,
        /// What it is for.
        pub kind: PostKind,
        /// Minute of the day (China time) its cover starts.
        pub cover_from_minute: i64,
        /// Hours covered a day.
        pub cover_hours: i64,
        /// Hours a shift.
        pub shift_hours: i64,
        /// People per shift.
        pub people: i64,
        /// The skill its duty needs, if any (`volunteers::SKILLS`).
        pub skill: Option<String>,
        /// The gate its people staff, for a gate post.
        pub gate_id: Option<String>,
    }
}

const POST_COLUMNS: &str = PostRow::COLUMNS;

/// Adds a post.
pub async fn insert_post(conn: &mut impl Statements, p: &PostRow, at: i64) -> Result<()> {
    conn.run(
        &format!("INSERT INTO posts ({POST_COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
        &[
            (&p.id).into(),
            (&p.area_id).into(),
            (&p.area_path).into(),
            (&p.name).into(),
            p.kind.into(),
            p.cover_from_minute.into(),
            p.cover_hours.into(),
            p.shift_hours.into(),
            p.people.into(),
            p.skill.as_deref().into(),
            p.gate_id.as_deref().into(),
            at.into(),
        ],
    )
    .await
}

/// One post (callers check the path).
pub async fn post(conn: &mut impl Statements, id: &str) -> Result<PostRow> {
    conn.fetch_one(
        &format!("SELECT {POST_COLUMNS} FROM posts WHERE id = $1"),
        &[id.into()],
    )
    .await
}

/// Posts below `within` inside the scope's subtrees, by name as people count them (2号岗
/// before 10号岗). A community has tens of posts, so they are ordered here, not by a stored key.
pub async fn posts(
    conn: &mut impl Statements,
    roots: &[String],
    within: &str,
) -> Result<Vec<PostRow>> {
    let (filter, binds) = scope_filter("area_path", roots, 3);
    let mut args: Vec<Cell> = vec![
        within.into(),
        sanshe_core::accounts::subtree_upper_bound(within).into(),
    ];
    args.extend(binds.into_iter().map(Cell::from));
    let mut posts: Vec<PostRow> = conn
        .fetch_all(
            &format!("SELECT {POST_COLUMNS} FROM posts WHERE area_path >= $1 AND area_path < $2 AND {filter} ORDER BY id"),
            &args,
        )
        .await?;
    posts.sort_by_cached_key(|p| natural_sort_key(&[&p.name]));
    Ok(posts)
}

crate::row! {
    /// A shift and how many hold it.
    #[derive(Debug, Clone)]
    pub struct ShiftRow {
        /// Id.
        pub id: String,
        /// Post.
        pub post_id: String,
        /// The post's area path.
        pub area_path: String,
        /// Start, UTC ms.
        pub starts_at: i64,
        /// End, UTC ms.
        pub ends_at: i64,
        /// People needed.
        pub people: i64,
        /// People booked.
        pub taken: i64,
    }
}

const SHIFT_COLUMNS: &str = ShiftRow::COLUMNS;

/// Shifts `s` of the posts `p`, and (`BELOW`) those below a path ($1, $2) starting in [$3, $4).
/// Found through the
/// posts there and each post's (post_id, starts_at) index: an index of shifts by path as well
/// cost a quarter of the time of making a month of a street's shifts (measured).
const SHIFTS_BELOW: &str = "posts p JOIN shifts s ON s.post_id = p.id";
const BELOW: &str =
    "p.area_path >= $1 AND p.area_path < $2 AND s.starts_at >= $3 AND s.starts_at < $4";

/// `BELOW`'s four values and the scope's filter on the posts, with its values after them.
fn below(roots: &[String], within: &str, from: i64, to: i64) -> (String, Vec<Cell>) {
    let (filter, binds) = scope_filter("p.area_path", roots, 5);
    let mut args: Vec<Cell> = vec![
        within.into(),
        sanshe_core::accounts::subtree_upper_bound(within).into(),
        from.into(),
        to.into(),
    ];
    args.extend(binds.into_iter().map(Cell::from));
    (filter, args)
}

/// Shift rows in one multi-row statement through sqlx (7 parameters each; PostgreSQL takes up to
/// 65,535 in a statement).
const PER_STATEMENT: usize = 1000;

/// Adds shifts; one already there (same post and start) is left as it is.
pub async fn insert_shifts(conn: &mut impl Statements, shifts: &[ShiftRow]) -> Result<()> {
    let values: Vec<Cell> = shifts
        .iter()
        .flat_map(|s| {
            [
                Cell::from(&s.id),
                (&s.post_id).into(),
                (&s.area_path).into(),
                s.starts_at.into(),
                s.ends_at.into(),
                s.people.into(),
                0.into(),
            ]
        })
        .collect();
    conn.insert_rows(
        &format!("INSERT INTO shifts ({SHIFT_COLUMNS}) VALUES "),
        "(?, ?, ?, ?, ?, ?, ?)",
        " ON CONFLICT (post_id, starts_at) DO NOTHING",
        &values,
        // Through sqlx (PostgreSQL; a SQLite file goes through its own connection, one row a
        // statement), 90,000 shifts on PostgreSQL took 2.4 s at 50 rows a statement, 1.5 s at
        // 1,000 (measured).
        PER_STATEMENT,
    )
    .await
}

/// One shift (callers check the path).
pub async fn shift(conn: &mut impl Statements, id: &str) -> Result<ShiftRow> {
    conn.fetch_one(
        &format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE id = $1"),
        &[id.into()],
    )
    .await
}

/// Shifts starting in [from, to) below `within` inside the scope, by start then post.
pub async fn shifts_between(
    conn: &mut impl Statements,
    roots: &[String],
    within: &str,
    from: i64,
    to: i64,
) -> Result<Vec<ShiftRow>> {
    let (filter, args) = below(roots, within, from, to);
    let columns = SHIFT_COLUMNS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn
        .fetch_all(
            &format!("SELECT {columns} FROM {SHIFTS_BELOW} WHERE {BELOW} AND {filter} ORDER BY s.starts_at, s.post_id"),
            &args,
        )
        .await
}

/// Takes one place on a shift; false when it is full.
pub async fn claim_place(conn: &mut impl Statements, shift_id: &str) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE shifts SET taken = taken + 1 WHERE id = $1 AND taken < people",
            &[shift_id.into()],
        )
        .await?
        == 1)
}

/// Gives a place back.
pub async fn release_place(conn: &mut impl Statements, shift_id: &str) -> Result<()> {
    conn.run(
        "UPDATE shifts SET taken = taken - 1 WHERE id = $1 AND taken > 0",
        &[shift_id.into()],
    )
    .await
}

/// Makes every later booking of this person wait until this transaction ends.
pub async fn hold_person(conn: &mut impl Statements, user_id: &str) -> Result<()> {
    conn.run(
        "INSERT INTO rota_people (user_id, bookings) VALUES ($1, 1) ON CONFLICT (user_id) DO UPDATE SET bookings = rota_people.bookings + 1",
        &[user_id.into()],
    )
    .await
}

crate::query_row! {
    /// Someone on a shift.
    #[derive(Debug, Clone)]
    pub struct BookingRow {
        /// Shift.
        pub shift_id: String,
        /// Person.
        pub user_id: String,
        /// Shift start, UTC ms.
        pub starts_at: i64,
        /// Shift end, UTC ms.
        pub ends_at: i64,
        /// Who booked them (themselves or a worker).
        pub booked_by: String,
        /// Checked in.
        pub checked_in_at: Option<i64>,
        /// Checked out.
        pub checked_out_at: Option<i64>,
        /// Minutes of service counted at check-out.
        pub served_minutes: Option<i64>,
        /// When it was offered for a swap (someone else may take it over), if it is.
        pub offered_at: Option<i64>,
    }
}

const BOOKING_COLUMNS: &str = "shift_id, user_id, starts_at, ends_at, booked_by, checked_in_at, checked_out_at, served_minutes, offered_at";

/// Books a person on a shift.
pub async fn insert_booking(
    conn: &mut impl Statements,
    shift: &ShiftRow,
    user_id: &str,
    booked_by: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "INSERT INTO shift_people (shift_id, user_id, starts_at, ends_at, booked_by, booked_at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            (&shift.id).into(),
            user_id.into(),
            shift.starts_at.into(),
            shift.ends_at.into(),
            booked_by.into(),
            at.into(),
        ],
    )
    .await
}

/// Removes a booking not yet checked in; false when there is none such.
pub async fn delete_booking(
    conn: &mut impl Statements,
    shift_id: &str,
    user_id: &str,
) -> Result<bool> {
    Ok(conn
        .changed(
            "DELETE FROM shift_people WHERE shift_id = $1 AND user_id = $2 AND checked_in_at IS NULL",
            &[shift_id.into(), user_id.into()],
        )
        .await?
        == 1)
}

/// One person's booking on a shift.
pub async fn booking(
    conn: &mut impl Statements,
    shift_id: &str,
    user_id: &str,
) -> Result<Option<BookingRow>> {
    conn.fetch_optional(
        &format!("SELECT {BOOKING_COLUMNS} FROM shift_people WHERE shift_id = $1 AND user_id = $2"),
        &[shift_id.into(), user_id.into()],
    )
    .await
}

/// A person's bookings overlapping [from, to).
pub async fn bookings_of(
    conn: &mut impl Statements,
    user_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<BookingRow>> {
    conn
        .fetch_all(
            &format!("SELECT {BOOKING_COLUMNS} FROM shift_people WHERE user_id = $1 AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at"),
            &[user_id.into(), from.into(), to.into()],
        )
        .await
}

/// The people on the given shifts.
pub async fn bookings_on(
    conn: &mut impl Statements,
    shift_ids: &[String],
) -> Result<Vec<BookingRow>> {
    conn.fetch_in(shift_ids, &[], |ids| {
        format!(
            "SELECT {BOOKING_COLUMNS} FROM shift_people WHERE shift_id IN {ids} ORDER BY booked_at"
        )
    })
    .await
}

/// Records a check-in; false when already checked in.
pub async fn check_in(
    conn: &mut impl Statements,
    shift_id: &str,
    user_id: &str,
    at: i64,
) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE shift_people SET checked_in_at = $3 WHERE shift_id = $1 AND user_id = $2 AND checked_in_at IS NULL",
            &[shift_id.into(), user_id.into(), at.into()],
        )
        .await?
        == 1)
}

/// Records a check-out with the minutes it counts for and adds them to the place's day of
/// service (`service_days`, which the linkage map reads); false when already checked out, so
/// that two check-outs at once count the minutes once.
pub async fn check_out(
    conn: &mut impl Statements,
    shift_id: &str,
    user_id: &str,
    at: i64,
    minutes: i64,
) -> Result<bool> {
    let changed = conn
        .changed(
            "UPDATE shift_people SET checked_out_at = $3, served_minutes = $4 \
             WHERE shift_id = $1 AND user_id = $2 AND checked_out_at IS NULL",
            &[shift_id.into(), user_id.into(), at.into(), minutes.into()],
        )
        .await?;
    if changed != 1 {
        return Ok(false);
    }
    conn.run(
        &format!(
            "INSERT INTO service_days (area_path, day, minutes) \
             SELECT area_path, (starts_at + {CHINA_OFFSET_MS}) / {DAY_MS}, $2 FROM shifts WHERE id = $1 \
             ON CONFLICT (area_path, day) DO UPDATE SET minutes = service_days.minutes + excluded.minutes"
        ),
        &[shift_id.into(), minutes.into()],
    )
    .await?;
    Ok(true)
}

/// A day in milliseconds.
const DAY_MS: i64 = 86_400_000;
/// China Standard Time's offset from UTC (no daylight saving): service is rolled up by the
/// calendar day the community lives in.
const CHINA_OFFSET_MS: i64 = 8 * 3_600_000;

/// The China calendar day a UTC instant falls on, as `service_days` numbers it.
pub fn service_day(at: i64) -> i64 {
    (at + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}

crate::query_row! {
    /// A line of the service-hours ledger.
    #[derive(Debug, Clone)]
    pub struct ServedRow {
        /// The shift served.
        pub shift_id: String,
        /// Person.
        pub user_id: String,
        /// Post name.
        pub post_name: String,
        /// Post kind.
        pub post_kind: String,
        /// The post's area path.
        pub area_path: String,
        /// Checked in, UTC ms.
        pub checked_in_at: i64,
        /// Checked out, UTC ms.
        pub checked_out_at: i64,
        /// Minutes counted.
        pub served_minutes: i64,
        /// Who booked (and so confirms) the shift.
        pub booked_by: String,
    }
}

/// Where a page of the ledger ended: its last line's check-in, shift and person, which
/// together name one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedCursor {
    /// Checked in, UTC ms.
    pub checked_in_at: i64,
    /// The shift.
    pub shift_id: String,
    /// The person.
    pub user_id: String,
}

/// Which lines of the service ledger: served shifts (checked out) of one person, or of everyone
/// in the scope when `user_id` is None, checked in within a window where given.
#[derive(Debug, Clone, Copy)]
pub struct LedgerQuery<'a> {
    /// One person, or everyone in `roots`.
    pub user_id: Option<&'a str>,
    /// The scope's places (paths); `[""]` for anywhere.
    pub roots: &'a [String],
    /// Checked in at or after this instant (UTC ms).
    pub since: Option<i64>,
    /// Checked in before this instant (UTC ms).
    pub until: Option<i64>,
}

impl LedgerQuery<'_> {
    /// The lines, from `FROM` to the end of `WHERE`, and the parameters they bind.
    fn lines(&self) -> (String, Vec<Cell>) {
        let (filter, binds) = scope_filter("s.area_path", self.roots, 2);
        let mut args: Vec<Cell> = vec![self.user_id.into()];
        args.extend(binds.into_iter().map(Cell::from));
        let mut lines = format!(
            "FROM shift_people b JOIN shifts s ON s.id = b.shift_id JOIN posts p ON p.id = s.post_id \
             WHERE b.served_minutes IS NOT NULL AND ($1 IS NULL OR b.user_id = $1) AND {filter}"
        );
        for (at, op) in [(self.since, ">="), (self.until, "<")] {
            if let Some(at) = at {
                args.push(at.into());
                lines.push_str(&format!(" AND b.checked_in_at {op} ${}", args.len()));
            }
        }
        (lines, args)
    }
}

/// The ledger's lines, latest first: at most `limit`, those after `before` in that order.
pub async fn served(
    conn: &mut impl Statements,
    q: &LedgerQuery<'_>,
    before: Option<&ServedCursor>,
    limit: i64,
) -> Result<Vec<ServedRow>> {
    let (lines, mut args) = q.lines();
    let mut sql = format!(
        "SELECT b.shift_id, b.user_id, p.name AS post_name, p.kind AS post_kind, s.area_path, \
         b.checked_in_at, b.checked_out_at, b.served_minutes, b.booked_by {lines}"
    );
    if let Some(c) = before {
        args.extend([
            c.checked_in_at.into(),
            c.shift_id.as_str().into(),
            c.user_id.as_str().into(),
        ]);
        sql.push_str(&crate::sql::beyond(
            &["b.checked_in_at", "b.shift_id", "b.user_id"],
            args.len() - 2,
            true,
        ));
    }
    args.push(limit.into());
    sql.push_str(&format!(
        " ORDER BY b.checked_in_at DESC, b.shift_id DESC, b.user_id DESC LIMIT ${}",
        args.len()
    ));
    conn.fetch_all(&sql, &args).await
}

/// The minutes of every line of the ledger `served` pages through.
pub async fn served_minutes(conn: &mut impl Statements, q: &LedgerQuery<'_>) -> Result<i64> {
    let (lines, args) = q.lines();
    let sql =
        format!("SELECT CAST(COALESCE(SUM(b.served_minutes), 0) AS BIGINT) AS minutes {lines}");
    conn.one_row(&sql, &args).await?.try_get("minutes")
}

/// Bookings of shifts below `within` in the scope that start in [from, to), by person then
/// start.
pub async fn bookings_between(
    conn: &mut impl Statements,
    roots: &[String],
    within: &str,
    from: i64,
    to: i64,
) -> Result<Vec<BookingRow>> {
    let (filter, args) = below(roots, within, from, to);
    let columns = BOOKING_COLUMNS
        .split(", ")
        .map(|c| format!("b.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn
        .fetch_all(
            &format!("SELECT {columns} FROM {SHIFTS_BELOW} JOIN shift_people b ON b.shift_id = s.id WHERE {BELOW} AND {filter} ORDER BY b.user_id, b.starts_at"),
            &args,
        )
        .await
}

/// Per post below `within` in the scope, for shifts starting in [from, to): (post, shifts,
/// shifts missing someone, minutes not covered). Counted in the database: a street's month is
/// a hundred thousand shifts.
pub async fn gaps(
    conn: &mut impl Statements,
    roots: &[String],
    within: &str,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64, i64, i64)>> {
    let (filter, args) = below(roots, within, from, to);
    conn
        .rows(
            &format!(
                "SELECT s.post_id, CAST(COUNT(*) AS BIGINT) AS shifts, \
                 CAST(SUM(CASE WHEN s.taken < s.people THEN 1 ELSE 0 END) AS BIGINT) AS open_shifts, \
                 CAST(SUM(CASE WHEN s.taken < s.people THEN (s.ends_at - s.starts_at) / 60000 ELSE 0 END) AS BIGINT) AS open_minutes \
                 FROM {SHIFTS_BELOW} WHERE {BELOW} AND {filter} GROUP BY s.post_id"
            ),
            &args,
        )
        .await?
        .iter()
        .map(|r| r.columns(["post_id", "shifts", "open_shifts", "open_minutes"]))
        .collect::<Result<_>>()
}

/// Minutes served per person, for these people: (user id, minutes).
pub async fn served_totals(
    conn: &mut impl Statements,
    users: &[String],
) -> Result<Vec<(String, i64)>> {
    conn.rows_in(users, &[], |ids| {
        format!(
            "SELECT user_id, CAST(SUM(served_minutes) AS BIGINT) AS minutes FROM shift_people \
             WHERE served_minutes IS NOT NULL AND user_id IN {ids} GROUP BY user_id"
        )
    })
    .await?
    .iter()
    .map(|r| r.columns(["user_id", "minutes"]))
    .collect()
}

/// The bookings of several people overlapping `[from, to)`.
pub async fn bookings_of_people(
    conn: &mut impl Statements,
    user_ids: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<BookingRow>> {
    conn.fetch_in(user_ids, &[from.into(), to.into()], |ids| {
        format!(
            "SELECT {BOOKING_COLUMNS} FROM shift_people WHERE starts_at < $2 AND ends_at > $1 AND user_id IN {ids}"
        )
    })
    .await
}

/// Shifts by id.
pub async fn shifts_by_id(conn: &mut impl Statements, ids: &[String]) -> Result<Vec<ShiftRow>> {
    conn.fetch_in(ids, &[], |ids| {
        format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE id IN {ids}")
    })
    .await
}

/// Served shifts grouped by person and the shift's area, for shifts in the scope's subtrees or
/// served by members of these organizations (by id, as matched when they applied):
/// (user id, area path, shifts, minutes, organization).
pub async fn served_groups(
    conn: &mut impl Statements,
    roots: &[String],
    organizations: &[String],
) -> Result<Vec<(String, String, i64, i64, String)>> {
    let (filter, binds) = scope_filter("s.area_path", roots, 1);
    let mut args: Vec<Cell> = binds.into_iter().map(Cell::from).collect();
    let members = crate::one_of("v.organization_id", organizations, &mut args);
    conn
        .rows(
            &format!(
                "SELECT b.user_id, s.area_path, CAST(COUNT(*) AS BIGINT) AS shifts, CAST(SUM(b.served_minutes) AS BIGINT) AS minutes, COALESCE(MAX(v.organization), '') AS organization \
                 FROM shift_people b JOIN shifts s ON s.id = b.shift_id LEFT JOIN volunteer_applications v ON v.user_id = b.user_id \
                 WHERE b.served_minutes IS NOT NULL AND ({filter} OR {members}) GROUP BY b.user_id, s.area_path"
            ),
            &args,
        )
        .await?
        .iter()
        .map(|r| r.columns(["user_id", "area_path", "shifts", "minutes", "organization"]))
        .collect::<Result<_>>()
}

/// Offers (or, with `at` None, withdraws the offer of) a booking not yet checked in for a swap;
/// false when there is no such booking or it already is so.
pub async fn set_offered(
    conn: &mut impl Statements,
    shift_id: &str,
    user_id: &str,
    at: Option<i64>,
) -> Result<bool> {
    let sql = if at.is_some() {
        "UPDATE shift_people SET offered_at = $3 WHERE shift_id = $1 AND user_id = $2 AND checked_in_at IS NULL AND offered_at IS NULL"
    } else {
        "UPDATE shift_people SET offered_at = $3 WHERE shift_id = $1 AND user_id = $2 AND offered_at IS NOT NULL"
    };
    Ok(conn
        .changed(sql, &[shift_id.into(), user_id.into(), at.into()])
        .await?
        == 1)
}

/// Hands an offered booking over to someone else, who holds it from now on; false when it is
/// not (or no longer) offered.
pub async fn hand_over(
    conn: &mut impl Statements,
    shift_id: &str,
    from: &str,
    to: &str,
    at: i64,
) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE shift_people SET user_id = $3, booked_by = $4, booked_at = $5, offered_at = NULL, reminded_at = NULL, no_show_alerted_at = NULL \
             WHERE shift_id = $1 AND user_id = $2 AND offered_at IS NOT NULL AND checked_in_at IS NULL",
            &[shift_id.into(), from.into(), to.into(), to.into(), at.into()],
        )
        .await?
        == 1)
}

mod duty;

pub use duty::*;
mod watch;
pub use watch::*;
