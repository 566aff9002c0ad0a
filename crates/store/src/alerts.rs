//! The `alerts` table: the alert centre (delivery to chat groups is `notify`).

use sanshe_core::alerts::{AlertKind, AlertStatus, AlertSubject};
use sqlx::AnyConnection;

use crate::statements::{Cell, Count, Statements};

use crate::{Result, in_list, new_id, scope_filter, values_list};

crate::query_row! {
    /// An open alert found by its key.
    #[derive(Debug, Clone)]
    pub struct OpenAlert {
        /// Id.
        pub id: String,
        /// The event it last counted.
        pub last_event: String,
    }
}

/// The open (or acknowledged) alert with this key.
pub async fn open_alert(conn: &mut impl Statements, open_key: &str) -> Result<Option<OpenAlert>> {
    conn.fetch_optional(
        "SELECT id, last_event FROM alerts WHERE open_key = $1",
        &[open_key.into()],
    )
    .await
}

/// A new alert.
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    /// What it is about.
    pub kind: AlertKind,
    /// Where (scopes the alert).
    pub area_path: &'a str,
    /// What it is about.
    pub subject_kind: AlertSubject,
    /// Its id.
    pub subject_id: &'a str,
    /// `kind:subject`.
    pub open_key: &'a str,
    /// What happened (slot, date), to count repeats once.
    pub event: &'a str,
    /// Short description for the alert centre (no personal numbers).
    pub detail: &'a str,
}

/// Inserts an alert and returns its id, or None when an alert with its open key is already open
/// (raised meanwhile by another writer: on PostgreSQL the insert waits for that writer's commit
/// and then does nothing, instead of failing the transaction).
pub async fn insert(
    conn: &mut impl Statements,
    a: &NewAlert<'_>,
    at: i64,
) -> Result<Option<String>> {
    let ids = insert_many(conn, std::slice::from_ref(a), at).await?;
    Ok(ids.into_iter().next().flatten())
}

/// Open (or acknowledged) alerts of one kind: open key → (id, last event).
pub async fn open_alerts_of_kind(
    conn: &mut AnyConnection,
    kind: AlertKind,
) -> Result<std::collections::HashMap<String, (String, String)>> {
    let rows = conn
        .rows(
            "SELECT open_key, id, last_event FROM alerts WHERE kind = $1 AND open_key IS NOT NULL",
            &[Cell::from(kind)],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("open_key")?,
                (r.try_get("id")?, r.try_get("last_event")?),
            ))
        })
        .collect()
}

/// Inserts many new alerts of one event at once (the missed-report scan); returns the id of
/// each, or None for one whose open key another node's scan opened meanwhile.
pub async fn insert_many(
    conn: &mut impl Statements,
    alerts: &[NewAlert<'_>],
    at: i64,
) -> Result<Vec<Option<String>>> {
    let mut ids = Vec::with_capacity(alerts.len());
    for group in alerts.chunks(20) {
        let mut sql = String::from(
            "INSERT INTO alerts (id, kind, area_path, subject_kind, subject_id, open_key, last_event, detail, occurrences, status, raised_at, last_at) VALUES ",
        );
        sql.push_str(&values_list(
            "(?, ?, ?, ?, ?, ?, ?, ?, 1, 'open', $1, $1)",
            group.len(),
            2,
        ));
        sql.push_str(" ON CONFLICT (open_key) DO NOTHING RETURNING id");
        let mut args: Vec<Cell> = vec![at.into()];
        let mut made = Vec::with_capacity(group.len());
        for a in group {
            let id = new_id();
            args.extend([
                Cell::from(&id),
                a.kind.into(),
                a.area_path.into(),
                a.subject_kind.into(),
                a.subject_id.into(),
                a.open_key.into(),
                a.event.into(),
                a.detail.into(),
            ]);
            made.push(id);
        }
        let inserted: std::collections::HashSet<String> = conn
            .rows(&sql, &args)
            .await?
            .iter()
            .map(|r| r.try_get::<String>("id"))
            .collect::<Result<_>>()?;
        ids.extend(
            made.into_iter()
                .map(|id| inserted.contains(&id).then_some(id)),
        );
    }
    Ok(ids)
}

/// Counts one new event on many open alerts at once.
pub async fn repeat_many(
    conn: &mut AnyConnection,
    ids: &[String],
    event: &str,
    detail: &str,
    at: i64,
) -> Result<()> {
    for group in ids.chunks(50) {
        let sql = format!(
            "UPDATE alerts SET occurrences = occurrences + 1, last_event = $1, detail = $2, last_at = $3 WHERE id IN {}",
            in_list(4, group.len())
        );
        let mut args: Vec<Cell> = vec![event.into(), detail.into(), at.into()];
        args.extend(group.iter().map(Cell::from));
        conn.run(&sql, &args).await?;
    }
    Ok(())
}

/// Counts a new event on an open alert.
pub async fn repeat(
    conn: &mut impl Statements,
    id: &str,
    event: &str,
    detail: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "UPDATE alerts SET occurrences = occurrences + 1, last_event = $2, detail = $3, last_at = $4 WHERE id = $1",
        &[id.into(), event.into(), detail.into(), at.into()],
    )
    .await
}

crate::query_row! {
    /// An alert as the centre shows it.
    #[derive(Debug, Clone)]
    pub struct AlertRow {
        /// Id.
        pub id: String,
        /// Kind.
        pub kind: AlertKind,
        /// Where.
        pub area_path: String,
        /// What it is about.
        pub subject_kind: AlertSubject,
        /// Subject id.
        pub subject_id: String,
        /// Description.
        pub detail: String,
        /// How many times it happened.
        pub occurrences: i64,
        /// Status.
        pub status: AlertStatus,
        /// UTC ms.
        pub raised_at: i64,
        /// UTC ms.
        pub last_at: i64,
        /// Who acknowledged.
        pub acknowledged_by: Option<String>,
        /// Who resolved.
        pub resolved_by: Option<String>,
        /// Resolution note.
        pub resolution_note: Option<String>,
    }
}

const ALERT_SELECT: &str = "SELECT id, kind, area_path, subject_kind, subject_id, detail, occurrences, status, raised_at, last_at, \
     acknowledged_by, resolved_by, resolution_note FROM alerts";

/// One alert (callers check the path).
pub async fn alert(conn: &mut AnyConnection, id: &str) -> Result<AlertRow> {
    conn.fetch_one::<AlertRow>(&format!("{ALERT_SELECT} WHERE id = $1"), &[Cell::from(id)])
        .await
}

/// Alerts in scope with one of `statuses`, newest first in `order`.
pub async fn alerts(
    conn: &mut AnyConnection,
    roots: &[String],
    statuses: &[AlertStatus],
    kind: Option<AlertKind>,
    order: AlertOrder,
    before: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<AlertRow>> {
    let (filter, mut args) = alerts_where(roots, statuses, kind);
    let column = order.column();
    let older = crate::older_than(column, before, &mut args);
    args.push(Cell::from(limit));
    let sql = format!(
        "{ALERT_SELECT} WHERE {filter}{older} ORDER BY {column} DESC, id DESC LIMIT ${}",
        args.len()
    );
    conn.fetch_all::<AlertRow>(&sql, &args).await
}

/// Which moment a list of alerts is ordered by, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertOrder {
    /// When it was last raised: an alert raised again comes back to the top.
    LastRaised,
    /// When it was first raised, which never changes: pages read one after another (a
    /// workbook's) neither skip nor repeat an alert raised again meanwhile.
    FirstRaised,
}

impl AlertOrder {
    /// The moment of `alert` the list is ordered by, for the next page's cursor.
    pub fn moment(self, alert: &AlertRow) -> i64 {
        match self {
            AlertOrder::LastRaised => alert.last_at,
            AlertOrder::FirstRaised => alert.raised_at,
        }
    }

    fn column(self) -> &'static str {
        match self {
            AlertOrder::LastRaised => "last_at",
            AlertOrder::FirstRaised => "raised_at",
        }
    }
}

/// How many alerts `alerts` would list with no limit: a count, not the rows.
pub async fn count_alerts(
    conn: &mut impl Statements,
    roots: &[String],
    statuses: &[AlertStatus],
    kind: Option<AlertKind>,
) -> Result<i64> {
    let (filter, args) = alerts_where(roots, statuses, kind);
    let sql = format!("SELECT COUNT(*) AS n FROM alerts WHERE {filter}");
    Ok(conn.fetch_one::<Count>(&sql, &args).await?.0)
}

/// The condition of a list of alerts, with its values from `$1`.
fn alerts_where(
    roots: &[String],
    statuses: &[AlertStatus],
    kind: Option<AlertKind>,
) -> (String, Vec<Cell>) {
    let (filter, binds) = scope_filter("area_path", roots, 1);
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let first = args.len() + 1;
    args.extend(statuses.iter().map(|s| Cell::from(*s)));
    let mut sql = format!("{filter} AND status IN {}", in_list(first, statuses.len()));
    if let Some(k) = kind {
        args.push(Cell::from(k));
        sql.push_str(&format!(" AND kind = ${}", args.len()));
    }
    (sql, args)
}

/// Alerts about one subject, newest first.
pub async fn alerts_about(conn: &mut AnyConnection, subject_id: &str) -> Result<Vec<AlertRow>> {
    conn.fetch_all::<AlertRow>(
        &format!("{ALERT_SELECT} WHERE subject_id = $1 ORDER BY last_at DESC"),
        &[Cell::from(subject_id)],
    )
    .await
}

/// Marks an open alert as taken; false when it was not open.
pub async fn acknowledge(conn: &mut AnyConnection, id: &str, by: &str, at: i64) -> Result<bool> {
    let done = conn.changed("UPDATE alerts SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3 WHERE id = $1 AND status = 'open'", &[Cell::from(id), Cell::from(by), Cell::from(at)])
        .await?;
    Ok(done == 1)
}

/// Resolves an open or acknowledged alert; false when it was already resolved.
pub async fn resolve(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    note: &str,
    at: i64,
) -> Result<bool> {
    let done = conn.changed("UPDATE alerts SET status = 'resolved', open_key = NULL, resolved_by = $2, resolved_at = $3, resolution_note = $4 WHERE id = $1 AND status <> 'resolved'", &[Cell::from(id), Cell::from(by), Cell::from(at), Cell::from(note)])
        .await?;
    Ok(done == 1)
}
