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

/// Which visitors a list holds: those registered below `within` (at one gate, if given)
/// between two instants.
#[derive(Debug, Clone, Copy)]
pub struct VisitorScope<'a> {
    /// The area's path.
    pub within: &'a str,
    /// Only those registered at this gate.
    pub gate_id: Option<&'a str>,
    /// From (UTC ms).
    pub from: i64,
    /// To, not included (UTC ms).
    pub to: i64,
}

impl VisitorScope<'_> {
    /// The WHERE clause and its arguments.
    fn filter(&self) -> (String, Vec<Cell>) {
        let mut args: Vec<Cell> = vec![
            self.within.into(),
            sanshe_core::accounts::subtree_upper_bound(self.within).into(),
            self.from.into(),
            self.to.into(),
        ];
        let mut filter = "area_path >= $1 AND area_path < $2 AND at >= $3 AND at < $4".to_string();
        if let Some(gate) = self.gate_id {
            args.push(gate.into());
            filter.push_str(&format!(" AND gate_id = ${}", args.len()));
        }
        (filter, args)
    }
}

/// A page of the scope's visitors, latest first: at most `limit` registered before `before`
/// (the last of the previous page: when, its id).
pub async fn visitors(
    conn: &mut AnyConnection,
    scope: VisitorScope<'_>,
    before: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<VisitorRow>> {
    let (filter, mut args) = scope.filter();
    let older = crate::older_than("at", before, &mut args);
    args.push(limit.into());
    conn.fetch_all(
        &format!(
            "SELECT {} FROM visitors WHERE {filter}{older} ORDER BY at DESC, id DESC LIMIT ${}",
            VisitorRow::COLUMNS,
            args.len()
        ),
        &args,
    )
    .await
}

/// How many visitors the scope holds.
pub async fn count_visitors(conn: &mut AnyConnection, scope: VisitorScope<'_>) -> Result<i64> {
    let (filter, args) = scope.filter();
    let sql = format!("SELECT COUNT(*) AS n FROM visitors WHERE {filter}");
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

/// Visitors registered before `before`, deleted; the hourly rollup keeps their count.
pub async fn purge_visitors(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::delete_older(conn, "visitors", "at", before, dry_run).await
}
