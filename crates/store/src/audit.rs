//! The append-only `audit_log` table: sign-ins, changes and every view of full personal data.

use sqlx::AnyConnection;

use crate::statements::{Cell, Count, Statements};
use crate::{Result, new_id, now_ms, scope_filter};

/// One audit entry to write.
#[derive(Debug, Clone, Default)]
pub struct NewAuditEntry<'a> {
    /// Acting user's id (none for the command line).
    pub actor_id: Option<&'a str>,
    /// Acting user's name (or `cli`).
    pub actor_name: &'a str,
    /// What was done, e.g. `resident.reveal`.
    pub action: &'a str,
    /// Kind of the target, e.g. `resident`.
    pub target_kind: &'a str,
    /// Target id.
    pub target_id: &'a str,
    /// Area path of the target, so the log can be scoped.
    pub area_path: Option<&'a str>,
    /// What changed or was seen (no personal data in clear).
    pub detail: &'a str,
    /// Why, when the action needs a reason.
    pub reason: Option<&'a str>,
}

crate::query_row! {
    /// A stored audit entry.
    #[derive(Debug, Clone)]
    pub struct AuditRow {
        /// Id.
        pub id: String,
        /// When, UTC ms.
        pub at: i64,
        /// Who.
        pub actor_name: String,
        /// What.
        pub action: String,
        /// Target kind.
        pub target_kind: String,
        /// Target id.
        pub target_id: String,
        /// Detail.
        pub detail: String,
        /// Reason.
        pub reason: Option<String>,
    }
}

/// The columns an entry is written with, `$1`…`$10` in this order (see `values`).
const COLUMNS: &str =
    "id, at, actor_id, actor_name, action, target_kind, target_id, area_path, detail, reason";

/// An entry's values, bound as `COLUMNS` lists them.
fn values(e: &NewAuditEntry<'_>) -> [Cell; 10] {
    [
        new_id().into(),
        now_ms().into(),
        e.actor_id.into(),
        e.actor_name.into(),
        e.action.into(),
        e.target_kind.into(),
        e.target_id.into(),
        e.area_path.into(),
        e.detail.into(),
        e.reason.into(),
    ]
}

/// Appends an entry.
pub async fn append(conn: &mut impl Statements, e: &NewAuditEntry<'_>) -> Result<()> {
    conn.run(
        &format!(
            "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ),
        &values(e),
    )
    .await
}

/// Appends an entry unless the same person already has one of the same action, target and
/// detail: a register that lists each number once however often it is shown. Two showings in
/// the same instant may both write it, which a register of numbers can bear; whether it was
/// written.
pub async fn append_once(conn: &mut impl Statements, e: &NewAuditEntry<'_>) -> Result<bool> {
    let sql = format!(
        "INSERT INTO audit_log ({COLUMNS}) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
         WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE actor_id = $3 AND action = $5 \
         AND target_id = $7 AND detail = $9)"
    );
    Ok(conn.changed(&sql, &values(e)).await? == 1)
}

/// Which entries of the log a list holds.
#[derive(Debug, Clone, Copy)]
pub struct AuditQuery<'a> {
    /// The reader's places (paths).
    pub roots: &'a [String],
    /// Whether entries of no place (sign-ins, organizations without a home) are included.
    pub include_unlocated: bool,
    /// Only this action.
    pub action: Option<&'a str>,
    /// Written at or after this instant (UTC ms).
    pub since: Option<i64>,
    /// Written before this instant (UTC ms).
    pub until: Option<i64>,
}

/// Entries a query holds, newest first, before the cursor `before` (an entry id).
pub async fn list(
    conn: &mut AnyConnection,
    q: &AuditQuery<'_>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRow>> {
    let (filter, binds) = scope_filter("area_path", q.roots, 1);
    let unlocated = if q.include_unlocated {
        " OR area_path IS NULL"
    } else {
        ""
    };
    let mut sql = format!(
        "SELECT id, at, actor_name, action, target_kind, target_id, detail, reason FROM audit_log WHERE ({filter}{unlocated})"
    );
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let mut and = |condition: &str, value: Cell| {
        args.push(value);
        sql.push_str(&format!(" AND {condition} ${}", args.len()));
    };
    if let Some(a) = q.action {
        and("action =", Cell::from(a));
    }
    if let Some(since) = q.since {
        and("at >=", Cell::from(since));
    }
    if let Some(until) = q.until {
        and("at <", Cell::from(until));
    }
    if let Some(b) = before {
        and("id <", Cell::from(b));
    }
    args.push(Cell::from(limit));
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", args.len()));
    conn.fetch_all(&sql, &args).await
}

/// How many times one user did `action` since `since` (UTC ms).
pub async fn count_by_actor_since(
    conn: &mut AnyConnection,
    actor_id: &str,
    action: &str,
    since: i64,
) -> Result<i64> {
    Ok(conn
        .fetch_one::<Count>(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM audit_log WHERE actor_id = $1 AND action = $2 AND at >= $3",
            &[actor_id.into(), action.into(), since.into()],
        )
        .await?
        .0)
}
