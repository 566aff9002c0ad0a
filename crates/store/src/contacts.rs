//! The `arrivals` and `contacts` tables: people arriving from elsewhere and close contacts.

use sanshe_core::contacts::Trace;
use sanshe_core::contacts::Transport;
use sqlx::AnyConnection;

use crate::statements::{Cell, Statements};

use crate::{Result, scope_filter};

crate::row! {
    /// An arrival as stored.
    #[derive(Debug, Clone)]
    pub struct ArrivalRow {
        /// Id.
        pub id: String,
        /// The person.
        pub resident_id: String,
        /// Path of their household's area.
        pub area_path: String,
        /// Where from.
        pub origin: String,
        /// YYYY-MM-DD.
        pub arrival_date: String,
        /// How they came.
        pub transport: Transport,
        /// Note.
        pub note: String,
        /// Who registered it.
        pub created_by: String,
        /// When, ms since the epoch.
        pub created_at: i64,
    }
}

/// Stores an arrival.
pub async fn insert_arrival(conn: &mut AnyConnection, a: &ArrivalRow) -> Result<()> {
    conn.insert("arrivals", a).await
}

crate::row! {
    /// A close contact as stored.
    #[derive(Debug, Clone)]
    pub struct ContactRow {
        /// Id.
        pub id: String,
        /// The contact.
        pub resident_id: String,
        /// Path of their household's area.
        pub area_path: String,
        /// The index person, when registered here.
        pub index_resident_id: Option<String>,
        /// How the index person is known (name or case number) when not registered here.
        pub index_label: String,
        /// YYYY-MM-DD.
        pub last_contact_date: String,
        /// Note.
        pub note: String,
        /// Who registered it.
        pub created_by: String,
        /// When, ms since the epoch.
        pub created_at: i64,
    }
}

/// Stores a close contact.
pub async fn insert_contact(conn: &mut AnyConnection, c: &ContactRow) -> Result<()> {
    conn.insert("contacts", c).await
}

crate::query_row! {
    /// An arrival or a contact in a list, with the person's name and address.
    #[derive(Debug, Clone)]
    pub struct TraceRow {
        /// Id.
        pub id: String,
        /// The person.
        pub resident_id: String,
        /// Name.
        pub name: String,
        /// Household.
        pub household_id: String,
        /// Compound or community name.
        pub area_name: String,
        /// Address parts.
        pub building: String,
        /// 单元
        pub unit: String,
        /// 房号
        pub room: String,
        /// Area path.
        pub area_path: String,
        /// Arrivals: origin; contacts: the index person's label.
        pub from_label: String,
        /// Arrivals: arrival date; contacts: last contact date.
        pub on_date: String,
        /// Arrivals: transport; contacts: the index resident id, if any.
        pub how: Option<String>,
        /// Note.
        pub note: String,
        /// Whether the person has an open episode.
        pub isolated: bool,
    }
}

fn trace_sql(table: &str, from: &str, date: &str, how: &str, filter: &str) -> String {
    format!(
        "SELECT t.id, t.resident_id, r.name, r.household_id, CASE WHEN a.kind = 'building' THEN p.name ELSE a.name END AS area_name, \
         h.building, h.unit, h.room, t.area_path, {from} AS from_label, {date} AS on_date, {how} AS how, t.note, \
         CASE WHEN EXISTS (SELECT 1 FROM isolation_episodes e WHERE e.resident_id = t.resident_id AND e.status = 'open') THEN 1 ELSE 0 END AS isolated \
         FROM {table} t JOIN residents r ON r.id = t.resident_id JOIN households h ON h.id = r.household_id \
         JOIN areas a ON a.id = h.area_id LEFT JOIN areas p ON p.id = a.parent_id WHERE {filter}"
    )
}

/// (table, from, date, how) of each list, read into the same `TraceRow`.
fn trace_columns(trace: Trace) -> (&'static str, &'static str, &'static str, &'static str) {
    match trace {
        Trace::Arrivals => ("arrivals", "t.origin", "t.arrival_date", "t.transport"),
        Trace::Contacts => (
            "contacts",
            "t.index_label",
            "t.last_contact_date",
            "t.index_resident_id",
        ),
    }
}

/// Which arrivals or close contacts a list holds: those in `roots`, dated from `from` to `to`
/// (YYYY-MM-DD, both included) where given.
#[derive(Debug, Clone, Copy)]
pub struct TraceQuery<'a> {
    /// Arrivals or close contacts.
    pub trace: Trace,
    /// The caller's places (paths).
    pub roots: &'a [String],
    /// First day, if any.
    pub from: Option<&'a str>,
    /// Last day, if any.
    pub to: Option<&'a str>,
}

impl TraceQuery<'_> {
    /// The condition on `t` and its bound values, numbered from `$1`.
    fn filter(&self) -> (String, Vec<Cell>) {
        let (_, _, date, _) = trace_columns(self.trace);
        let (mut filter, binds) = scope_filter("t.area_path", self.roots, 1);
        let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
        for (day, op) in [(self.from, ">="), (self.to, "<=")] {
            if let Some(day) = day {
                args.push(Cell::from(day));
                filter.push_str(&format!(" AND {date} {op} ${}", args.len()));
            }
        }
        (filter, args)
    }
}

/// A page of the arrivals or the close contacts a query holds, latest first: at most `limit`
/// after `after` (the last of the previous page: its date, YYYY-MM-DD, and its id).
pub async fn traces(
    conn: &mut AnyConnection,
    q: &TraceQuery<'_>,
    after: Option<(&str, &str)>,
    limit: i64,
) -> Result<Vec<TraceRow>> {
    let (table, from, date, how) = trace_columns(q.trace);
    let (mut filter, mut args) = q.filter();
    if let Some((on, id)) = after {
        args.extend([Cell::from(on), Cell::from(id)]);
        filter.push_str(&crate::sql::beyond(&[date, "t.id"], args.len() - 1, true));
    }
    args.push(Cell::from(limit));
    let sql = format!(
        "{} ORDER BY {date} DESC, t.id DESC LIMIT ${}",
        trace_sql(table, from, date, how, &filter),
        args.len()
    );
    conn.fetch_all::<TraceRow>(&sql, &args).await
}

/// How many arrivals or close contacts a query holds.
pub async fn count_traces(conn: &mut AnyConnection, q: &TraceQuery<'_>) -> Result<i64> {
    let (table, ..) = trace_columns(q.trace);
    let (filter, args) = q.filter();
    let sql = format!("SELECT COUNT(*) AS n FROM {table} t WHERE {filter}");
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

/// Residents of these households listed as close contacts with a last contact on or after
/// `since` (YYYY-MM-DD): (household id, resident id). Gates suspend their passes.
pub async fn recent_in_households(
    conn: &mut impl crate::statements::Statements,
    households: &[String],
    since: &str,
) -> Result<Vec<(String, String)>> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<crate::statements::Cell> = vec![since.into()];
    args.extend(crate::padded(households).into_iter().map(Into::into));
    let sql = format!(
        "SELECT r.household_id, c.resident_id FROM contacts c JOIN residents r ON r.id = c.resident_id \
         WHERE c.last_contact_date >= $1 AND r.household_id IN {}",
        crate::in_list(2, args.len() - 1)
    );
    conn.rows(&sql, &args)
        .await?
        .iter()
        .map(|r| r.columns(["household_id", "resident_id"]))
        .collect::<Result<_>>()
}
