//! The `visitors` table.

use super::*;

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
    conn.run("INSERT INTO visitors (id, gate_id, area_path, kind, name, phone_cipher, phone_masked, reason, host, temperature, entered, at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", &[Cell::from(v.id), Cell::from(v.gate_id), Cell::from(v.area_path), Cell::from(v.kind), Cell::from(v.name), Cell::from(v.phone_cipher), Cell::from(v.phone_masked), Cell::from(v.reason), Cell::from(v.host), Cell::from(v.temperature), Cell::from(v.entered as i64), Cell::from(v.at), Cell::from(v.recorded_by)])
    .await
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
    let rows = conn.rows("SELECT id, gate_id, kind, name, phone_masked, reason, host, temperature, entered, at FROM visitors \
         WHERE area_path >= $1 AND area_path < $2 AND at >= $3 AND at < $4 ORDER BY at DESC LIMIT $5", &[Cell::from(within), Cell::from(sanshe_core::accounts::subtree_upper_bound(within)), Cell::from(from), Cell::from(to), Cell::from(limit)])
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
                entered: r.try_get::<i64>("entered")? != 0,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Visitors registered before `before`, deleted; the hourly rollup keeps their count.
pub async fn purge_visitors(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::delete_older(conn, "visitors", "at", before, dry_run).await
}
