//! The gate tables: `gates`, `gate_policies`, `passes`, `scans`, `household_exits`, the
//! `gate_hours` and `gate_refusals` rollups, and `visitors`.

use sqlx::{AnyConnection, Row as _, any::AnyRow};

use crate::statements::{Cell, FromRow, Row, Statements};
use crate::{Result, StoreError, in_list as marks, padded, scope_filter};

/// A gate with its compound.
#[derive(Debug, Clone)]
pub struct GateRow {
    /// Id.
    pub id: String,
    /// Compound.
    pub compound_id: String,
    /// Compound name.
    pub compound_name: String,
    /// Compound path.
    pub area_path: String,
    /// Name, e.g. 南门.
    pub name: String,
}

const GATE_SELECT: &str = "SELECT g.id, g.compound_id, a.name AS compound_name, g.area_path, g.name FROM gates g JOIN areas a ON a.id = g.compound_id";

fn gate_from_row(r: &AnyRow) -> Result<GateRow> {
    Ok(GateRow {
        id: r.try_get("id")?,
        compound_id: r.try_get("compound_id")?,
        compound_name: r.try_get("compound_name")?,
        area_path: r.try_get("area_path")?,
        name: r.try_get("name")?,
    })
}

/// Adds a gate.
pub async fn insert_gate(
    conn: &mut AnyConnection,
    id: &str,
    compound_id: &str,
    path: &str,
    name: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO gates (id, compound_id, area_path, name, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(compound_id)
        .bind(path)
        .bind(name)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One gate (callers check the path).
pub async fn gate(conn: &mut AnyConnection, id: &str) -> Result<GateRow> {
    let row = sqlx::query(&format!("{GATE_SELECT} WHERE g.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(gate_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// Gates with these ids.
pub async fn gates_by_ids(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<GateRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = padded(ids);
    let sql = format!("{GATE_SELECT} WHERE g.id IN {}", marks(1, ids.len()));
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(gate_from_row)
        .collect()
}

/// Gates in scope, by compound and name.
pub async fn gates(conn: &mut AnyConnection, roots: &[String]) -> Result<Vec<GateRow>> {
    let (filter, binds) = scope_filter("g.area_path", roots, 1);
    let sql = format!("{GATE_SELECT} WHERE {filter} ORDER BY a.name, g.name");
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(gate_from_row)
        .collect()
}

/// A stored policy: (exits per period, period days, out from hour, out until hour).
pub type PolicyRow = (i64, i64, i64, i64);

/// The policies of these compounds: compound id → policy.
pub async fn policies(
    conn: &mut AnyConnection,
    compound_ids: &[String],
) -> Result<Vec<(String, PolicyRow)>> {
    if compound_ids.is_empty() {
        return Ok(Vec::new());
    }
    let compound_ids = padded(compound_ids);
    let sql = format!(
        "SELECT compound_id, exits_per_period, period_days, out_from_hour, out_until_hour FROM gate_policies WHERE compound_id IN {}",
        marks(1, compound_ids.len())
    );
    let mut q = sqlx::query(&sql);
    for id in compound_ids {
        q = q.bind(id);
    }
    q.fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                (r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?),
            ))
        })
        .collect()
}

/// Sets a compound's policy.
pub async fn set_policy(
    conn: &mut AnyConnection,
    compound_id: &str,
    p: PolicyRow,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO gate_policies (compound_id, exits_per_period, period_days, out_from_hour, out_until_hour, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (compound_id) DO UPDATE SET exits_per_period = excluded.exits_per_period, period_days = excluded.period_days, \
         out_from_hour = excluded.out_from_hour, out_until_hour = excluded.out_until_hour, updated_at = excluded.updated_at",
    )
    .bind(compound_id)
    .bind(p.0)
    .bind(p.1)
    .bind(p.2)
    .bind(p.3)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A pass with its household's address.
#[derive(Debug, Clone)]
pub struct PassRow {
    /// Id.
    pub id: String,
    /// Short code.
    pub code: String,
    /// Compound.
    pub compound_id: String,
    /// Compound path.
    pub area_path: String,
    /// Household.
    pub household_id: String,
    /// Holder, for a personal pass.
    pub resident_id: Option<String>,
    /// Holder's name.
    pub resident_name: Option<String>,
    /// YYYY-MM-DD.
    pub valid_from: String,
    /// YYYY-MM-DD.
    pub valid_to: String,
    /// When revoked.
    pub revoked_at: Option<i64>,
    /// 楼栋
    pub building: String,
    /// 单元
    pub unit: String,
    /// 房号
    pub room: String,
}

const PASS_SELECT: &str = "SELECT p.id, p.code, p.compound_id, p.area_path, p.household_id, p.resident_id, r.name AS resident_name, \
     p.valid_from, p.valid_to, p.revoked_at, h.building, h.unit, h.room \
     FROM passes p JOIN households h ON h.id = p.household_id LEFT JOIN residents r ON r.id = p.resident_id";

fn pass_from_row(r: &AnyRow) -> Result<PassRow> {
    Ok(PassRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        compound_id: r.try_get("compound_id")?,
        area_path: r.try_get("area_path")?,
        household_id: r.try_get("household_id")?,
        resident_id: r.try_get("resident_id")?,
        resident_name: r.try_get("resident_name")?,
        valid_from: r.try_get("valid_from")?,
        valid_to: r.try_get("valid_to")?,
        revoked_at: r.try_get("revoked_at")?,
        building: r.try_get("building")?,
        unit: r.try_get("unit")?,
        room: r.try_get("room")?,
    })
}

/// A pass to store.
#[derive(Debug, Clone)]
pub struct NewPass<'a> {
    /// Id.
    pub id: &'a str,
    /// Short code.
    pub code: &'a str,
    /// Compound.
    pub compound_id: &'a str,
    /// Compound path.
    pub area_path: &'a str,
    /// Household.
    pub household_id: &'a str,
    /// Holder, for a personal pass.
    pub resident_id: Option<&'a str>,
    /// YYYY-MM-DD.
    pub valid_from: &'a str,
    /// YYYY-MM-DD.
    pub valid_to: &'a str,
}

/// Stores a pass; a conflict means the short code is taken (draw another).
pub async fn insert_pass(conn: &mut AnyConnection, p: &NewPass<'_>, at: i64) -> Result<()> {
    sqlx::query("INSERT INTO passes (id, code, compound_id, area_path, household_id, resident_id, valid_from, valid_to, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(p.id)
        .bind(p.code)
        .bind(p.compound_id)
        .bind(p.area_path)
        .bind(p.household_id)
        .bind(p.resident_id)
        .bind(p.valid_from)
        .bind(p.valid_to)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One pass (callers check the path).
pub async fn pass(conn: &mut AnyConnection, id: &str) -> Result<PassRow> {
    let row = sqlx::query(&format!("{PASS_SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(pass_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// Passes by id or by short code.
pub async fn passes_by(
    conn: &mut AnyConnection,
    ids: &[String],
    codes: &[String],
) -> Result<Vec<PassRow>> {
    let mut out = Vec::new();
    for (column, values) in [("p.id", ids), ("p.code", codes)] {
        if values.is_empty() {
            continue;
        }
        let values = padded(values);
        let sql = format!("{PASS_SELECT} WHERE {column} IN {}", marks(1, values.len()));
        let mut q = sqlx::query(&sql);
        for v in values {
            q = q.bind(v);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let p = pass_from_row(&r)?;
            if !out.iter().any(|o: &PassRow| o.id == p.id) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// What the scan rule needs of a pass.
#[derive(Debug, Clone)]
pub struct ScanPass {
    /// Id.
    pub id: String,
    /// Short code.
    pub code: String,
    /// Compound.
    pub compound_id: String,
    /// Household.
    pub household_id: String,
    /// Holder, for a personal pass.
    pub resident_id: Option<String>,
    /// YYYY-MM-DD.
    pub valid_from: String,
    /// YYYY-MM-DD.
    pub valid_to: String,
    /// When revoked.
    pub revoked_at: Option<i64>,
}

impl FromRow for ScanPass {
    fn from_row(r: &Row) -> Result<ScanPass> {
        Ok(ScanPass {
            id: r.try_get("id")?,
            code: r.try_get("code")?,
            compound_id: r.try_get("compound_id")?,
            household_id: r.try_get("household_id")?,
            resident_id: r.try_get("resident_id")?,
            valid_from: r.try_get("valid_from")?,
            valid_to: r.try_get("valid_to")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    }
}

/// Passes by id or by short code, only the columns the scan rule reads (the gate writer's hot
/// read: no joins).
pub async fn scan_passes(
    conn: &mut impl Statements,
    ids: &[String],
    codes: &[String],
) -> Result<Vec<ScanPass>> {
    let mut out: Vec<ScanPass> = Vec::new();
    for (column, values) in [("id", ids), ("code", codes)] {
        if values.is_empty() {
            continue;
        }
        let values: Vec<Cell> = padded(values).into_iter().map(Cell::from).collect();
        let sql = format!(
            "SELECT id, code, compound_id, household_id, resident_id, valid_from, valid_to, revoked_at FROM passes WHERE {column} IN {}",
            marks(1, values.len())
        );
        for p in conn.fetch_all::<ScanPass>(&sql, &values).await? {
            if !out.iter().any(|o| o.id == p.id) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Passes in scope below `within`, by address.
pub async fn passes(
    conn: &mut AnyConnection,
    roots: &[String],
    within: &str,
    limit: i64,
) -> Result<Vec<PassRow>> {
    let (filter, binds) = scope_filter("p.area_path", roots, 3);
    let sql = format!(
        "{PASS_SELECT} WHERE p.area_path >= $1 AND p.area_path < $2 AND {filter} ORDER BY h.building, h.unit, h.room, p.created_at LIMIT ${}",
        binds.len() + 3
    );
    let mut q = sqlx::query(&sql)
        .bind(within)
        .bind(sanshe_core::accounts::subtree_upper_bound(within));
    for b in &binds {
        q = q.bind(b);
    }
    q.bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(pass_from_row)
        .collect()
}

/// Revokes a pass; false when it already was.
pub async fn revoke_pass(conn: &mut AnyConnection, id: &str, at: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE passes SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The first answers of scans already recorded: id → (decision, reason, flagged).
pub async fn recorded_scans(
    conn: &mut impl Statements,
    ids: &[String],
) -> Result<Vec<(String, String, Option<String>, bool)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Cell> = padded(ids).into_iter().map(Cell::from).collect();
    let sql = format!(
        "SELECT id, decision, reason, flagged FROM scans WHERE id IN {}",
        marks(1, ids.len())
    );
    let mut out: Vec<(String, String, Option<String>, bool)> = Vec::new();
    for r in conn.rows(&sql, &ids).await? {
        let id: String = r.try_get("id")?;
        // Padding repeats the last id.
        if !out.iter().any(|o| o.0 == id) {
            out.push((
                id,
                r.try_get("decision")?,
                r.try_get("reason")?,
                r.try_get("flagged")?,
            ));
        }
    }
    Ok(out)
}

/// Exits already made: (household, period start) → exits.
pub async fn household_exits(
    conn: &mut impl Statements,
    households: &[String],
) -> Result<Vec<(String, String, i64)>> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    let households: Vec<Cell> = padded(households).into_iter().map(Cell::from).collect();
    let sql = format!(
        "SELECT household_id, period_start, exits FROM household_exits WHERE household_id IN {}",
        marks(1, households.len())
    );
    conn.rows(&sql, &households)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("household_id")?,
                r.try_get("period_start")?,
                r.try_get("exits")?,
            ))
        })
        .collect::<Result<_>>()
}

/// A scan to store.
#[derive(Debug, Clone)]
pub struct NewScan {
    /// The device's id.
    pub id: String,
    /// Gate.
    pub gate_id: String,
    /// Pass, when one was found.
    pub pass_id: Option<String>,
    /// Household of the pass.
    pub household_id: Option<String>,
    /// Gate's compound path.
    pub area_path: String,
    /// `in` / `out`.
    pub direction: &'static str,
    /// Tenths of °C.
    pub temperature: Option<i64>,
    /// When the device scanned, UTC ms.
    pub scanned_at: i64,
    /// `allowed` / `refused`.
    pub decision: &'static str,
    /// Refusal reason.
    pub reason: Option<&'static str>,
    /// What the device decided while offline.
    pub device_decision: Option<String>,
    /// The device let through someone the server refuses.
    pub flagged: bool,
    /// Who scanned.
    pub recorded_by: String,
}

/// Stores scans, many rows per statement.
pub async fn insert_scans(
    conn: &mut impl Statements,
    scans: &[NewScan],
    recorded_at: i64,
) -> Result<()> {
    let mut values: Vec<Cell> = Vec::with_capacity(scans.len() * 14);
    for s in scans {
        values.extend([
            Cell::from(&s.id),
            Cell::from(&s.gate_id),
            Cell::from(s.pass_id.clone()),
            Cell::from(s.household_id.clone()),
            Cell::from(&s.area_path),
            Cell::from(s.direction),
            Cell::from(s.temperature),
            Cell::from(s.scanned_at),
            Cell::from(recorded_at),
            Cell::from(s.decision),
            Cell::from(s.reason),
            Cell::from(s.device_decision.clone()),
            Cell::from(s.flagged as i64),
            Cell::from(&s.recorded_by),
        ]);
    }
    // Few rows per statement on the pooled path: SQLite looks bound names up one by one
    // (measured in the registry).
    conn.insert_rows(
        "INSERT INTO scans (id, gate_id, pass_id, household_id, area_path, direction, temperature, scanned_at, recorded_at, decision, reason, device_decision, flagged, recorded_by) VALUES ",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "",
        &values,
        8,
    )
    .await?;
    Ok(())
}

/// Adds exits to households' periods.
pub async fn add_exits(conn: &mut impl Statements, rows: &[(String, String, i64)]) -> Result<()> {
    let values: Vec<Cell> = rows
        .iter()
        .flat_map(|(h, p, n)| [h.into(), p.into(), (*n).into()])
        .collect();
    conn.insert_rows(
        "INSERT INTO household_exits (household_id, period_start, exits) VALUES ",
        "(?, ?, ?)",
        " ON CONFLICT (household_id, period_start) DO UPDATE SET exits = household_exits.exits + excluded.exits",
        &values,
        50,
    )
    .await
}

/// Counts of one gate-hour to add.
#[derive(Debug, Clone, Default)]
pub struct HourCounts {
    /// Gate.
    pub gate_id: String,
    /// UTC ms of the China-time hour.
    pub hour_start: i64,
    /// The hour's China-time date, YYYY-MM-DD.
    pub day: String,
    /// Gate's compound path.
    pub area_path: String,
    /// Allowed entries.
    pub entries: i64,
    /// Allowed exits.
    pub exits: i64,
    /// Refusals.
    pub refused: i64,
    /// Visitors registered.
    pub visitors: i64,
}

/// Adds to the hourly rollup.
pub async fn add_hours(conn: &mut impl Statements, rows: &[HourCounts]) -> Result<()> {
    let values: Vec<Cell> = rows
        .iter()
        .flat_map(|h| {
            [
                Cell::from(&h.gate_id),
                h.hour_start.into(),
                (&h.day).into(),
                (&h.area_path).into(),
                h.entries.into(),
                h.exits.into(),
                h.refused.into(),
                h.visitors.into(),
            ]
        })
        .collect();
    conn.insert_rows(
        "INSERT INTO gate_hours (gate_id, hour_start, day, area_path, entries, exits, refused, visitors) VALUES ",
        "(?, ?, ?, ?, ?, ?, ?, ?)",
        " ON CONFLICT (gate_id, hour_start) DO UPDATE SET entries = gate_hours.entries + excluded.entries, \
         exits = gate_hours.exits + excluded.exits, refused = gate_hours.refused + excluded.refused, visitors = gate_hours.visitors + excluded.visitors",
        &values,
        40,
    )
    .await
}

/// Adds refusals: (gate, day, reason, path, count).
pub async fn add_refusals(
    conn: &mut impl Statements,
    rows: &[(String, String, &'static str, String, i64)],
) -> Result<()> {
    let values: Vec<Cell> = rows
        .iter()
        .flat_map(|(g, d, r, p, n)| [g.into(), d.into(), (*r).into(), p.into(), (*n).into()])
        .collect();
    conn.insert_rows(
        "INSERT INTO gate_refusals (gate_id, day, reason, area_path, refusals) VALUES ",
        "(?, ?, ?, ?, ?)",
        " ON CONFLICT (gate_id, day, reason) DO UPDATE SET refusals = gate_refusals.refusals + excluded.refusals",
        &values,
        50,
    )
    .await
}

/// Hourly counts of the gates below `within` on one China-time day: (gate, hour, entries,
/// exits, refused, visitors).
pub async fn hours(
    conn: &mut AnyConnection,
    within: &str,
    day: &str,
) -> Result<Vec<(String, i64, i64, i64, i64, i64)>> {
    let rows = sqlx::query(HOURS_SQL)
        .bind(day)
        .bind(within)
        .bind(sanshe_core::accounts::subtree_upper_bound(within))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
            ))
        })
        .collect()
}

/// The statement `hours` runs (for the query-plan test).
pub const HOURS_SQL: &str = "SELECT gate_id, hour_start, entries, exits, refused, visitors FROM gate_hours \
         WHERE day = $1 AND area_path >= $2 AND area_path < $3";

/// The statement `refusals` runs (for the query-plan test).
pub const REFUSALS_SQL: &str = "SELECT reason, CAST(SUM(refusals) AS BIGINT) FROM gate_refusals WHERE day = $1 AND area_path >= $2 AND area_path < $3 GROUP BY reason ORDER BY reason";

/// One gate's refusals by reason on one day (the primary key's prefix).
const GATE_REFUSALS_SQL: &str =
    "SELECT reason, refusals FROM gate_refusals WHERE gate_id = $1 AND day = $2 ORDER BY reason";

/// Refusals by reason on one day below `within`, or at one gate.
pub async fn refusals(
    conn: &mut AnyConnection,
    within: &str,
    gate: Option<&str>,
    day: &str,
) -> Result<Vec<(String, i64)>> {
    let rows = match gate {
        Some(g) => {
            sqlx::query(GATE_REFUSALS_SQL)
                .bind(g)
                .bind(day)
                .fetch_all(&mut *conn)
                .await?
        }
        None => {
            sqlx::query(REFUSALS_SQL)
                .bind(day)
                .bind(within)
                .bind(sanshe_core::accounts::subtree_upper_bound(within))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// A visitor or delivery to store.
#[derive(Debug, Clone)]
pub struct NewVisitor<'a> {
    /// Id.
    pub id: &'a str,
    /// Gate.
    pub gate_id: &'a str,
    /// Gate's compound path.
    pub area_path: &'a str,
    /// `visitor` / `delivery`.
    pub kind: &'a str,
    /// Name.
    pub name: &'a str,
    /// Sealed phone.
    pub phone_cipher: Option<&'a str>,
    /// Masked phone.
    pub phone_masked: Option<&'a str>,
    /// Why.
    pub reason: &'a str,
    /// Whom (household or person) they visit.
    pub host: &'a str,
    /// Tenths of °C.
    pub temperature: Option<i64>,
    /// Whether they went in (a courier may leave things at the gate).
    pub entered: bool,
    /// UTC ms.
    pub at: i64,
    /// Who registered them.
    pub recorded_by: &'a str,
}

/// Stores a visitor.
pub async fn insert_visitor(conn: &mut AnyConnection, v: &NewVisitor<'_>) -> Result<()> {
    sqlx::query("INSERT INTO visitors (id, gate_id, area_path, kind, name, phone_cipher, phone_masked, reason, host, temperature, entered, at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
        .bind(v.id)
        .bind(v.gate_id)
        .bind(v.area_path)
        .bind(v.kind)
        .bind(v.name)
        .bind(v.phone_cipher)
        .bind(v.phone_masked)
        .bind(v.reason)
        .bind(v.host)
        .bind(v.temperature)
        .bind(v.entered as i64)
        .bind(v.at)
        .bind(v.recorded_by)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A registered visitor.
#[derive(Debug, Clone)]
pub struct VisitorRow {
    /// Id.
    pub id: String,
    /// Gate.
    pub gate_id: String,
    /// `visitor` / `delivery`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Masked phone.
    pub phone_masked: Option<String>,
    /// Why.
    pub reason: String,
    /// Whom.
    pub host: String,
    /// Tenths of °C.
    pub temperature: Option<i64>,
    /// Went in.
    pub entered: bool,
    /// UTC ms.
    pub at: i64,
}

/// Visitors below `within` between two instants, latest first.
pub async fn visitors(
    conn: &mut AnyConnection,
    within: &str,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<VisitorRow>> {
    let rows = sqlx::query(
        "SELECT id, gate_id, kind, name, phone_masked, reason, host, temperature, entered, at FROM visitors \
         WHERE area_path >= $1 AND area_path < $2 AND at >= $3 AND at < $4 ORDER BY at DESC LIMIT $5",
    )
    .bind(within)
    .bind(sanshe_core::accounts::subtree_upper_bound(within))
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VisitorRow {
                id: r.try_get("id")?,
                gate_id: r.try_get("gate_id")?,
                kind: r.try_get("kind")?,
                name: r.try_get("name")?,
                phone_masked: r.try_get("phone_masked")?,
                reason: r.try_get("reason")?,
                host: r.try_get("host")?,
                temperature: r.try_get("temperature")?,
                entered: r.try_get::<i64, _>("entered")? != 0,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Scans recorded before `before`, deleted; the hourly and refusal rollups keep their counts.
pub async fn purge_scans(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::purge(
        conn,
        "scans",
        "DELETE FROM scans",
        "recorded_at < $1",
        &[before.into()],
        dry_run,
    )
    .await
}

/// Quota counts of periods that started before `before_day` (YYYY-MM-DD), deleted: they decide
/// nothing any more.
pub async fn purge_exits(
    conn: &mut AnyConnection,
    before_day: &str,
    arrival_prefix: &str,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::purge(
        conn,
        "household_exits",
        "DELETE FROM household_exits",
        "(period_start < $1 OR (period_start >= $2 AND period_start < $3))",
        &[
            before_day.into(),
            arrival_prefix.into(),
            format!("{arrival_prefix}{before_day}").into(),
        ],
        dry_run,
    )
    .await
}

/// Visitors registered before `before`, deleted; the hourly rollup keeps their count.
pub async fn purge_visitors(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::purge(
        conn,
        "visitors",
        "DELETE FROM visitors",
        "at < $1",
        &[before.into()],
        dry_run,
    )
    .await
}

#[cfg(test)]
mod plans {
    //! A street's day of traffic must be one equality and one path range on `gate_hours_day`;
    //! SQLite has been seen picking a 50× slower index for such queries (DESIGN.md §3).

    use super::*;
    use crate::Db;

    #[tokio::test]
    async fn traffic_reads_one_day_of_one_subtree_from_its_index() {
        let dir = std::env::temp_dir().join(format!("sanshe-plan-{}", crate::new_id()));
        let db = Db::connect(&format!("sqlite://{}/p.db", dir.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        for (sql, index) in [
            (HOURS_SQL, "gate_hours_day"),
            (REFUSALS_SQL, "gate_refusals_day"),
        ] {
            let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                .bind("2020-02-06")
                .bind("0123456789abcdef0123456789abcdef")
                .bind("0123456789abcdef0123456789abcdefg")
                .fetch_all(&db.pool)
                .await
                .unwrap();
            let plan: Vec<String> = rows
                .iter()
                .map(|r| r.try_get::<String, _>(3).unwrap())
                .collect();
            let plan = plan.join(" | ");
            assert!(
                plan.contains(&format!(
                    "USING INDEX {index} (day=? AND area_path>? AND area_path<?)"
                )),
                "{plan}"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
