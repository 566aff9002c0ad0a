//! The `visitors` table.

use super::*;

crate::row! {
    /// A visitor or delivery as stored.
    #[derive(Debug, Clone)]
    pub struct NewVisitor {
        /// Id.
        pub id: String,
        /// Gate.
        pub gate_id: String,
        /// Gate's compound path.
        pub area_path: String,
        /// `visitor` / `delivery`.
        pub kind: String,
        /// Name.
        pub name: String,
        /// Sealed phone.
        pub phone_cipher: Option<String>,
        /// Masked phone.
        pub phone_masked: Option<String>,
        /// Why.
        pub reason: String,
        /// Whom (household or person) they visit.
        pub host: String,
        /// Tenths of °C.
        pub temperature: Option<i64>,
        /// Whether they went in (a courier may leave things at the gate).
        pub entered: bool,
        /// UTC ms.
        pub at: i64,
        /// Who registered them.
        pub recorded_by: String,
    }
}

/// Stores a visitor.
pub async fn insert_visitor(conn: &mut AnyConnection, v: &NewVisitor) -> Result<()> {
    conn.insert("visitors", v).await
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
