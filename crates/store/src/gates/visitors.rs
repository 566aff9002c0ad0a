//! The `visitors` table.

use super::*;
use sanshe_core::gates::VisitorKind;

crate::row! {
    /// A visitor or delivery as stored.
    #[derive(Debug, Clone)]
    pub struct VisitorRow {
        /// Id.
        pub id: String,
        /// Gate.
        pub gate_id: String,
        /// Gate's compound path.
        pub area_path: String,
        /// A visitor or a delivery.
        pub kind: VisitorKind,
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
pub async fn insert_visitor(conn: &mut AnyConnection, v: &VisitorRow) -> Result<()> {
    conn.insert("visitors", v).await
}

/// Visitors below `within` between two instants, latest first.
pub async fn visitors(
    conn: &mut AnyConnection,
    within: &str,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<VisitorRow>> {
    conn.fetch_all(
        &format!(
            "SELECT {} FROM visitors WHERE area_path >= $1 AND area_path < $2 AND at >= $3 AND at < $4 \
             ORDER BY at DESC LIMIT $5",
            VisitorRow::COLUMNS
        ),
        &[
            within.into(),
            sanshe_core::accounts::subtree_upper_bound(within).into(),
            from.into(),
            to.into(),
            limit.into(),
        ],
    )
    .await
}

/// Visitors registered before `before`, deleted; the hourly rollup keeps their count.
pub async fn purge_visitors(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::delete_older(conn, "visitors", "at", before, dry_run).await
}
