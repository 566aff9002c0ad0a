//! The `arrivals` and `contacts` tables: people arriving from elsewhere and close contacts.

use sqlx::AnyConnection;

use crate::statements::{Cell, FromRow, Row, Statements};

use crate::{Result, scope_filter};

/// An arrival to store.
#[derive(Debug, Clone)]
pub struct NewArrival<'a> {
    /// Id.
    pub id: &'a str,
    /// The person.
    pub resident_id: &'a str,
    /// Path of their household's area.
    pub area_path: &'a str,
    /// Where from.
    pub origin: &'a str,
    /// YYYY-MM-DD.
    pub arrival_date: &'a str,
    /// `Transport` spelling.
    pub transport: &'a str,
    /// Note.
    pub note: &'a str,
    /// Who registered it.
    pub created_by: &'a str,
}

/// Stores an arrival.
pub async fn insert_arrival(conn: &mut AnyConnection, a: &NewArrival<'_>, at: i64) -> Result<()> {
    conn.run("INSERT INTO arrivals (id, resident_id, area_path, origin, arrival_date, transport, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", &[Cell::from(a.id), Cell::from(a.resident_id), Cell::from(a.area_path), Cell::from(a.origin), Cell::from(a.arrival_date), Cell::from(a.transport), Cell::from(a.note), Cell::from(a.created_by), Cell::from(at)])
        .await
}

/// A close contact to store.
#[derive(Debug, Clone)]
pub struct NewContact<'a> {
    /// Id.
    pub id: &'a str,
    /// The contact.
    pub resident_id: &'a str,
    /// Path of their household's area.
    pub area_path: &'a str,
    /// The index person, when registered here.
    pub index_resident_id: Option<&'a str>,
    /// How the index person is known (name or case number) when not registered here.
    pub index_label: &'a str,
    /// YYYY-MM-DD.
    pub last_contact_date: &'a str,
    /// Note.
    pub note: &'a str,
    /// Who registered it.
    pub created_by: &'a str,
}

/// Stores a close contact.
pub async fn insert_contact(conn: &mut AnyConnection, c: &NewContact<'_>, at: i64) -> Result<()> {
    conn.run("INSERT INTO contacts (id, resident_id, area_path, index_resident_id, index_label, last_contact_date, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", &[Cell::from(c.id), Cell::from(c.resident_id), Cell::from(c.area_path), Cell::from(c.index_resident_id), Cell::from(c.index_label), Cell::from(c.last_contact_date), Cell::from(c.note), Cell::from(c.created_by), Cell::from(at)])
        .await
}

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
    pub from: String,
    /// Arrivals: arrival date; contacts: last contact date.
    pub date: String,
    /// Arrivals: transport; contacts: the index resident id, if any.
    pub how: Option<String>,
    /// Note.
    pub note: String,
    /// Whether the person has an open episode.
    pub isolated: bool,
}

impl FromRow for TraceRow {
    fn from_row(r: &Row) -> Result<TraceRow> {
        Ok(TraceRow {
            id: r.try_get("id")?,
            resident_id: r.try_get("resident_id")?,
            name: r.try_get("name")?,
            household_id: r.try_get("household_id")?,
            area_name: r.try_get("area_name")?,
            building: r.try_get("building")?,
            unit: r.try_get("unit")?,
            room: r.try_get("room")?,
            area_path: r.try_get("area_path")?,
            from: r.try_get("from_label")?,
            date: r.try_get("on_date")?,
            how: r.try_get("how")?,
            note: r.try_get("note")?,
            isolated: r.try_get::<i64>("isolated")? != 0,
        })
    }
}

fn trace_sql(table: &str, from: &str, date: &str, how: &str, filter: &str) -> String {
    format!(
        "SELECT t.id, t.resident_id, r.name, r.household_id, CASE WHEN a.kind = 'building' THEN p.name ELSE a.name END AS area_name, \
         h.building, h.unit, h.room, t.area_path, {from} AS from_label, {date} AS on_date, {how} AS how, t.note, \
         (SELECT COUNT(*) FROM isolation_episodes e WHERE e.resident_id = t.resident_id AND e.status = 'open') AS isolated \
         FROM {table} t JOIN residents r ON r.id = t.resident_id JOIN households h ON h.id = r.household_id \
         JOIN areas a ON a.id = h.area_id LEFT JOIN areas p ON p.id = a.parent_id WHERE {filter}"
    )
}

async fn traces(
    conn: &mut AnyConnection,
    sql_of: impl Fn(&str) -> String,
    order: &str,
    roots: &[String],
    offset: i64,
    limit: i64,
) -> Result<Vec<TraceRow>> {
    let (filter, binds) = scope_filter("t.area_path", roots, 1);
    let sql = format!(
        "{} ORDER BY {order} DESC, t.id DESC LIMIT ${} OFFSET ${}",
        sql_of(&filter),
        binds.len() + 1,
        binds.len() + 2
    );
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    args.push(Cell::from(limit));
    args.push(Cell::from(offset));
    conn.fetch_all::<TraceRow>(&sql, &args).await
}

/// Arrivals in scope, latest arrival first.
pub async fn arrivals(
    conn: &mut AnyConnection,
    roots: &[String],
    offset: i64,
    limit: i64,
) -> Result<Vec<TraceRow>> {
    traces(
        conn,
        |f| trace_sql("arrivals", "t.origin", "t.arrival_date", "t.transport", f),
        "t.arrival_date",
        roots,
        offset,
        limit,
    )
    .await
}

/// Close contacts in scope, latest contact first.
pub async fn contacts(
    conn: &mut AnyConnection,
    roots: &[String],
    offset: i64,
    limit: i64,
) -> Result<Vec<TraceRow>> {
    traces(
        conn,
        |f| {
            trace_sql(
                "contacts",
                "t.index_label",
                "t.last_contact_date",
                "t.index_resident_id",
                f,
            )
        },
        "t.last_contact_date",
        roots,
        offset,
        limit,
    )
    .await
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
