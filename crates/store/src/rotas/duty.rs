//! Reads of the rota for other capabilities: a member's gate shifts (their gate duty), the open
//! shifts a need's commitment books, and service per place and per person (the linkage map,
//! an organization's contributions).

use super::*;

crate::query_row! {
    /// A shift someone checked in to on a post that names a gate: the times their gate duty runs.
    #[derive(Debug, Clone)]
    pub struct GateShiftRow {
        /// The gate.
        pub gate_id: String,
        /// The post's area path (where the duty is).
        pub area_path: String,
        /// When they checked in.
        pub checked_in_at: i64,
        /// When they checked out, if they have.
        pub checked_out_at: Option<i64>,
        /// When the shift ends.
        pub ends_at: i64,
    }
}

/// The gate shifts a person checked in to that end after `since` (their recent and current
/// gate duty).
pub async fn gate_shifts_of(
    conn: &mut impl Statements,
    user_id: &str,
    since: i64,
) -> Result<Vec<GateShiftRow>> {
    conn.fetch_all(
        "SELECT p.gate_id, p.area_path, sp.checked_in_at, sp.checked_out_at, sp.ends_at \
         FROM shift_people sp JOIN shifts s ON s.id = sp.shift_id JOIN posts p ON p.id = s.post_id \
         WHERE sp.user_id = $1 AND sp.ends_at > $2 AND sp.checked_in_at IS NOT NULL AND p.gate_id IS NOT NULL \
         ORDER BY sp.starts_at",
        &[user_id.into(), since.into()],
    )
    .await
}

/// The shifts of a post starting in [from, to) with a place free, by start.
pub async fn open_shifts_of_post(
    conn: &mut impl Statements,
    post_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<ShiftRow>> {
    conn.fetch_all(
        &format!("SELECT {SHIFT_COLUMNS} FROM shifts WHERE post_id = $1 AND starts_at >= $2 AND starts_at < $3 AND taken < people ORDER BY starts_at"),
        &[post_id.into(), from.into(), to.into()],
    )
    .await
}

/// Minutes of service recorded on shifts below `roots` that started on the China calendar day
/// of `since` or later, per shift area, with the part from the day of `recent` on: (area path,
/// minutes since `recent`, minutes since `since`). Read from the roll-up kept at check-out.
pub async fn served_by_place(
    conn: &mut impl Statements,
    roots: &[String],
    since: i64,
    recent: i64,
) -> Result<Vec<(String, i64, i64)>> {
    let (filter, binds) = scope_filter("area_path", roots, 3);
    let mut args: Vec<Cell> = vec![
        super::service_day(since).into(),
        super::service_day(recent).into(),
    ];
    args.extend(binds.into_iter().map(Cell::from));
    conn.rows(
        &format!(
            "SELECT area_path, CAST(SUM(CASE WHEN day >= $2 THEN minutes ELSE 0 END) AS BIGINT) AS recent, \
             CAST(SUM(minutes) AS BIGINT) AS total \
             FROM service_days WHERE day >= $1 AND {filter} GROUP BY area_path"
        ),
        &args,
    )
    .await?
    .iter()
    .map(|r| r.columns(["area_path", "recent", "total"]))
    .collect()
}

/// Shifts served and minutes recorded by the given people on shifts starting in [from, to),
/// per shift area: (area path, people, shifts, minutes).
pub async fn service_of_people(
    conn: &mut impl Statements,
    user_ids: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<(String, String, i64, i64)>> {
    conn.rows_in(user_ids, &[from.into(), to.into()], |ids| {
        format!(
            "SELECT s.area_path, sp.user_id, CAST(COUNT(*) AS BIGINT) AS shifts, CAST(SUM(sp.served_minutes) AS BIGINT) AS minutes \
             FROM shift_people sp JOIN shifts s ON s.id = sp.shift_id \
             WHERE sp.starts_at >= $1 AND sp.starts_at < $2 AND sp.served_minutes IS NOT NULL AND sp.user_id IN {ids} \
             GROUP BY s.area_path, sp.user_id"
        )
    })
    .await?
    .iter()
    .map(|r| r.columns(["area_path", "user_id", "shifts", "minutes"]))
    .collect()
}
