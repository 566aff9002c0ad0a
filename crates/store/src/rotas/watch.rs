//! What the minute watch reads and marks: bookings about to start (reminders), no-shows, and a
//! person's coming shifts (their reminders and their home page).

use super::*;

crate::query_row! {
    /// A booking the minute watch speaks of, with its post.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct WatchedBooking {
        /// Shift.
        pub shift_id: String,
        /// Person.
        pub user_id: String,
        /// Start, UTC ms.
        pub starts_at: i64,
        /// End, UTC ms.
        pub ends_at: i64,
        /// Post.
        pub post_id: String,
        /// Post name.
        pub post_name: String,
        /// The post's area path.
        pub area_path: String,
    }
}

const WATCHED: &str = "SELECT sp.shift_id, sp.user_id, sp.starts_at, sp.ends_at, p.id AS post_id, p.name AS post_name, s.area_path \
     FROM shift_people sp JOIN shifts s ON s.id = sp.shift_id JOIN posts p ON p.id = s.post_id";

/// Bookings starting in `[from, until)` whose holder has not been reminded.
pub async fn unreminded(
    conn: &mut impl Statements,
    from: i64,
    until: i64,
) -> Result<Vec<WatchedBooking>> {
    conn
        .fetch_all(
            &format!("{WATCHED} WHERE sp.starts_at >= $1 AND sp.starts_at < $2 AND sp.reminded_at IS NULL ORDER BY sp.starts_at"),
            &[from.into(), until.into()],
        )
        .await
}

/// What the minute watch has said of a booking, once.
#[derive(Debug, Clone, Copy)]
pub enum Told {
    /// Its holder was reminded before the shift.
    Reminded,
    /// A no-show alert was raised.
    NoShow,
}

/// Marks what was said of a booking; false when it was said already (another node did it).
pub async fn mark_told(
    conn: &mut impl Statements,
    shift_id: &str,
    user_id: &str,
    told: Told,
    at: i64,
) -> Result<bool> {
    let column = match told {
        Told::Reminded => "reminded_at",
        Told::NoShow => "no_show_alerted_at",
    };
    Ok(conn
        .changed(
            &format!("UPDATE shift_people SET {column} = $3 WHERE shift_id = $1 AND user_id = $2 AND {column} IS NULL"),
            &[shift_id.into(), user_id.into(), at.into()],
        )
        .await?
        == 1)
}

/// Bookings that started in `[since, late_from]`, are not over at `now`, have no check-in and
/// no no-show alert yet.
pub async fn unalerted_no_shows(
    conn: &mut impl Statements,
    since: i64,
    late_from: i64,
    now: i64,
) -> Result<Vec<WatchedBooking>> {
    conn
        .fetch_all(
            &format!("{WATCHED} WHERE sp.starts_at >= $1 AND sp.starts_at <= $2 AND sp.ends_at > $3 AND sp.checked_in_at IS NULL AND sp.no_show_alerted_at IS NULL ORDER BY sp.starts_at"),
            &[since.into(), late_from.into(), now.into()],
        )
        .await
}

/// One person's bookings that were reminded and have not ended by `now`, soonest first.
pub async fn reminded_of(
    conn: &mut impl Statements,
    user_id: &str,
    now: i64,
) -> Result<Vec<WatchedBooking>> {
    conn
        .fetch_all(
            &format!("{WATCHED} WHERE sp.user_id = $1 AND sp.ends_at > $2 AND sp.reminded_at IS NOT NULL AND sp.checked_in_at IS NULL ORDER BY sp.starts_at"),
            &[user_id.into(), now.into()],
        )
        .await
}

/// A person's shifts not yet over nor checked out of, soonest first, with whether they checked in.
pub async fn upcoming_of(
    conn: &mut impl Statements,
    user_id: &str,
    now: i64,
    limit: i64,
) -> Result<Vec<(WatchedBooking, Option<i64>)>> {
    let sql = format!(
        "{WATCHED} WHERE sp.user_id = $1 AND sp.ends_at > $2 AND sp.checked_out_at IS NULL ORDER BY sp.starts_at LIMIT $3"
    );
    let sql = sql.replacen(
        " FROM shift_people",
        ", sp.checked_in_at FROM shift_people",
        1,
    );
    let rows = conn
        .rows(&sql, &[user_id.into(), now.into(), limit.into()])
        .await?;
    rows.iter()
        .map(|r| Ok((WatchedBooking::from_row(r)?, r.try_get("checked_in_at")?)))
        .collect()
}
