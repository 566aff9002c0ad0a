//! The `passes` table: issued passes, the scan writer's lean read of them, revocation.

use super::*;

crate::query_row! {
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
}

pub(super) const PASS_SELECT: &str = "SELECT p.id, p.code, p.compound_id, p.area_path, p.household_id, p.resident_id, r.name AS resident_name, \
     p.valid_from, p.valid_to, p.revoked_at, h.building, h.unit, h.room \
     FROM passes p JOIN households h ON h.id = p.household_id LEFT JOIN residents r ON r.id = p.resident_id";

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
    conn.run("INSERT INTO passes (id, code, compound_id, area_path, household_id, resident_id, valid_from, valid_to, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", &[Cell::from(p.id), Cell::from(p.code), Cell::from(p.compound_id), Cell::from(p.area_path), Cell::from(p.household_id), Cell::from(p.resident_id), Cell::from(p.valid_from), Cell::from(p.valid_to), Cell::from(at)])
        .await
}

/// One pass (callers check the path).
pub async fn pass(conn: &mut AnyConnection, id: &str) -> Result<PassRow> {
    conn.fetch_one::<PassRow>(&format!("{PASS_SELECT} WHERE p.id = $1"), &[Cell::from(id)])
        .await
}

/// Passes by id or by short code, each once, with the address the guard is shown (the gate
/// writer's hot read: joins on primary keys only).
pub async fn passes_by(
    conn: &mut impl Statements,
    ids: &[String],
    codes: &[String],
) -> Result<Vec<PassRow>> {
    let mut out: Vec<PassRow> = Vec::new();
    for (column, values) in [("id", ids), ("code", codes)] {
        if values.is_empty() {
            continue;
        }
        let values: Vec<Cell> = padded(values).into_iter().map(Cell::from).collect();
        let sql = format!(
            "{PASS_SELECT} WHERE p.{column} IN {}",
            marks(1, values.len())
        );
        for p in conn.fetch_all::<PassRow>(&sql, &values).await? {
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
    let mut args: Vec<Cell> = vec![
        within.into(),
        sanshe_core::accounts::subtree_upper_bound(within).into(),
    ];
    args.extend(binds.iter().map(Cell::from));
    args.push(limit.into());
    conn.rows(&sql, &args)
        .await?
        .iter()
        .map(PassRow::from_row)
        .collect()
}

/// Revokes a pass; false when it already was.
pub async fn revoke_pass(conn: &mut AnyConnection, id: &str, at: i64) -> Result<bool> {
    let done = conn
        .changed(
            "UPDATE passes SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[Cell::from(id), Cell::from(at)],
        )
        .await?;
    Ok(done == 1)
}
