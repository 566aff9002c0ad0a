//! The `needs` and `need_commitments` tables.

use sanshe_core::needs::{Audience, CommitmentStatus, NeedKind, NeedStatus, NeedUrgency};
use sanshe_core::organizations::Duty;

use crate::statements::{Cell, Statements};
use crate::{Result, StoreError, scope_filter};

crate::row! {
    /// A stored need.
    #[derive(Debug, Clone)]
    pub struct NeedRow {
        /// Id.
        pub id: String,
        /// The community (or place) that needs it.
        pub area_id: String,
        /// Its path.
        pub area_path: String,
        /// `people` or `service`.
        pub kind: NeedKind,
        /// Short title.
        pub title: String,
        /// Details.
        pub detail: String,
        /// The post whose shifts people are wanted for.
        pub post_id: Option<String>,
        /// The service wanted (a `Duty` spelling).
        pub service: Option<Duty>,
        /// People (or 1 for a service) wanted.
        pub wanted: i64,
        /// Committed so far.
        pub committed: i64,
        /// First day (YYYY-MM-DD).
        pub from_day: String,
        /// Last day.
        pub to_day: String,
        /// `urgent` or `normal`.
        pub urgency: NeedUrgency,
        /// `linked` or `city`.
        pub audience: Audience,
        /// `open`, `partly_met`, `met`, `closed`.
        pub status: NeedStatus,
        /// Who posted it (user name).
        pub created_by: String,
        /// When.
        pub created_at: i64,
        /// Hours after which a need still not met alerts.
        pub alert_after_hours: i64,
    }
}

const NEED_COLUMNS: &str = NeedRow::COLUMNS;

/// Posts a need.
pub async fn insert(conn: &mut impl Statements, n: &NeedRow) -> Result<()> {
    conn.insert("needs", n).await
}

/// How many overdue needs one read of `unalerted_overdue` holds.
pub const OVERDUE_BATCH: usize = 1000;

/// Needs not met (open or partly met) whose time to be met ran out before `now` (UTC ms) and
/// that have not alerted for it, oldest first, `OVERDUE_BATCH` at most.
pub async fn unalerted_overdue(conn: &mut impl Statements, now: i64) -> Result<Vec<NeedRow>> {
    conn.fetch_all(
        &format!(
            "SELECT {NEED_COLUMNS} FROM needs WHERE unmet_alerted_at IS NULL AND status IN ('open', 'partly_met') \
             AND created_at + alert_after_hours * 3600000 <= $1 ORDER BY created_at LIMIT {OVERDUE_BATCH}"
        ),
        &[now.into()],
    )
    .await
}

/// Marks a need's unmet alert raised; false when another node did it first.
pub async fn mark_unmet_alerted(conn: &mut impl Statements, id: &str, at: i64) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE needs SET unmet_alerted_at = $2 WHERE id = $1 AND unmet_alerted_at IS NULL",
            &[id.into(), at.into()],
        )
        .await?
        > 0)
}

/// One need.
pub async fn need(conn: &mut impl Statements, id: &str) -> Result<NeedRow> {
    conn.fetch_optional(
        &format!("SELECT {NEED_COLUMNS} FROM needs WHERE id = $1"),
        &[id.into()],
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// Which needs a list reads: those below `roots`, or in the communities at `linked_paths`, or
/// city-wide when `city_wide`; without the closed when `open_only`.
#[derive(Debug, Clone, Default)]
pub struct NeedScope {
    /// Areas whose needs are all read.
    pub roots: Vec<String>,
    /// Communities whose needs for linked organizations are read.
    pub linked_paths: Vec<String>,
    /// Whether the needs addressed to the whole city are read.
    pub city_wide: bool,
    /// Whether the closed are left out.
    pub open_only: bool,
}

impl NeedScope {
    /// The WHERE clause and its arguments; none when the scope reaches no need.
    fn filter(&self) -> Option<(String, Vec<Cell>)> {
        let mut clauses = Vec::new();
        let mut args: Vec<Cell> = Vec::new();
        if !self.roots.is_empty() {
            let (filter, binds) = scope_filter("area_path", &self.roots, 1);
            clauses.push(filter);
            args.extend(binds.into_iter().map(Cell::from));
        }
        if !self.linked_paths.is_empty() {
            let linked = crate::one_of("area_path", &self.linked_paths, &mut args);
            clauses.push(format!("(audience = 'linked' AND {linked})"));
        }
        if self.city_wide {
            clauses.push("audience = 'city'".into());
        }
        if clauses.is_empty() {
            return None;
        }
        let status = if self.open_only {
            " AND status <> 'closed'"
        } else {
            ""
        };
        Some((format!("({}){status}", clauses.join(" OR ")), args))
    }
}

/// A page of the needs in the scope, newest first: at most `limit` posted before `before`
/// (the last of the previous page: when it was posted, its id).
pub async fn visible(
    conn: &mut impl Statements,
    scope: &NeedScope,
    before: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<NeedRow>> {
    let Some((filter, mut args)) = scope.filter() else {
        return Ok(Vec::new());
    };
    let older = crate::older_than("created_at", before, &mut args);
    args.push(limit.into());
    let sql = format!(
        "SELECT {NEED_COLUMNS} FROM needs WHERE {filter}{older} ORDER BY created_at DESC, id DESC LIMIT ${}",
        args.len()
    );
    conn.fetch_all(&sql, &args).await
}

/// How many needs the scope holds.
pub async fn count_visible(conn: &mut impl Statements, scope: &NeedScope) -> Result<i64> {
    let Some((filter, args)) = scope.filter() else {
        return Ok(0);
    };
    let sql = format!("SELECT COUNT(*) AS n FROM needs WHERE {filter}");
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

/// Adds to what is committed and sets the status in one statement (two organizations
/// committing at once both count); false when the need is closed.
pub async fn add_committed(conn: &mut impl Statements, id: &str, by: i64) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE needs SET committed = committed + $2, \
             status = CASE WHEN committed + $2 >= wanted THEN 'met' WHEN committed + $2 > 0 THEN 'partly_met' ELSE 'open' END \
             WHERE id = $1 AND status <> 'closed'",
            &[id.into(), by.into()],
        )
        .await?
        == 1)
}

/// Closes a need; false when it was closed already.
pub async fn close(conn: &mut impl Statements, id: &str, at: i64) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE needs SET status = 'closed', closed_at = $2 WHERE id = $1 AND status <> 'closed'",
            &[id.into(), at.into()],
        )
        .await?
        == 1)
}

crate::row! {
    /// A stored commitment.
    #[derive(Debug, Clone)]
    pub struct CommitmentRow {
        /// Id.
        pub id: String,
        /// The need.
        pub need_id: String,
        /// The organization.
        pub organization_id: String,
        /// People committed (1 for a service).
        pub people: i64,
        /// Shift places booked for them.
        pub shifts_booked: i64,
        /// A note from the organization.
        pub note: String,
        /// Offered or confirmed.
        pub status: CommitmentStatus,
        /// Who committed (user name).
        pub created_by: String,
        /// When, UTC ms.
        pub created_at: i64,
    }
}

/// Records a commitment.
pub async fn insert_commitment(conn: &mut impl Statements, c: &CommitmentRow) -> Result<()> {
    conn.insert("need_commitments", c).await
}

/// The commitments made to a need, oldest first.
pub async fn commitments(conn: &mut impl Statements, need_id: &str) -> Result<Vec<CommitmentRow>> {
    let columns = CommitmentRow::COLUMNS;
    conn.fetch_all(
        &format!(
            "SELECT {columns} FROM need_commitments WHERE need_id = $1 ORDER BY created_at, id"
        ),
        &[need_id.into()],
    )
    .await
}

/// What `organization` has committed to each of these needs (people, or 1 for a service),
/// offered and confirmed alike: (need id, total) for those it answered.
pub async fn committed_by(
    conn: &mut impl Statements,
    need_ids: &[String],
    organization: &str,
) -> Result<Vec<(String, i64)>> {
    conn.rows_in(need_ids, &[organization.into()], |list| {
        format!(
            "SELECT need_id, CAST(SUM(people) AS BIGINT) AS n FROM need_commitments \
             WHERE organization_id = $1 AND need_id IN {list} GROUP BY need_id"
        )
    })
    .await?
    .iter()
    .map(|r| r.columns(["need_id", "n"]))
    .collect()
}

/// The community confirms a commitment; false when it was not offered.
pub async fn confirm(
    conn: &mut impl Statements,
    commitment_id: &str,
    need_id: &str,
) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE need_commitments SET status = 'confirmed' WHERE id = $1 AND need_id = $2 AND status = 'offered'",
            &[commitment_id.into(), need_id.into()],
        )
        .await?
        == 1)
}
