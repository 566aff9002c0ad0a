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
        /// The address's place in a list by address (`natural_sort_key`).
        pub address_key: String,
    }
}

impl PassRow {
    /// Where the pass stands in a list by address, as `passes` reads on after it.
    pub fn position(&self) -> [String; 2] {
        [self.address_key.clone(), self.id.clone()]
    }
}

pub(super) const PASS_SELECT: &str = "SELECT p.id, p.code, p.compound_id, p.area_path, p.household_id, p.resident_id, r.name AS resident_name, \
     p.valid_from, p.valid_to, p.revoked_at, h.building, h.unit, h.room, h.address_key \
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

/// Which passes to read: those in scope below `within`, of the buildings named `building` when
/// it is given.
#[derive(Debug, Clone, Copy)]
pub struct PassQuery<'a> {
    /// Scope roots.
    pub roots: &'a [String],
    /// Below this path.
    pub within: &'a str,
    /// Only this building's.
    pub building: Option<&'a str>,
}

/// The WHERE clause of a pass query and its values, from `$1`.
fn pass_filter(q: &PassQuery<'_>) -> (String, Vec<Cell>) {
    let mut args: Vec<Cell> = vec![
        q.within.into(),
        sanshe_core::accounts::subtree_upper_bound(q.within).into(),
    ];
    let mut sql = String::from("p.area_path >= $1 AND p.area_path < $2");
    if let Some(b) = q.building {
        args.push(b.into());
        sql.push_str(" AND h.building = $3");
    }
    let (filter, binds) = scope_filter("p.area_path", q.roots, args.len() + 1);
    args.extend(binds.iter().map(Cell::from));
    sql.push_str(&format!(" AND {filter}"));
    (sql, args)
}

/// A page of passes by address as people count it (building, unit, room, then id), at most
/// `limit` after `after`, the last row's `PassRow::position`.
pub async fn passes(
    conn: &mut AnyConnection,
    q: &PassQuery<'_>,
    after: Option<&[String; 2]>,
    limit: i64,
) -> Result<Vec<PassRow>> {
    let (filter, mut args) = pass_filter(q);
    let mut sql = format!("{PASS_SELECT} WHERE {filter}");
    if let Some(key) = after {
        args.extend(key.iter().map(Cell::from));
        let columns = ["h.address_key", "p.id"];
        sql.push_str(&crate::sql::beyond(&columns, args.len() - 1, false));
    }
    args.push(limit.into());
    sql.push_str(&format!(
        " ORDER BY h.address_key, p.id LIMIT ${}",
        args.len()
    ));
    conn.fetch_all(&sql, &args).await
}

/// How many passes `passes` reads over all its pages.
pub async fn count_passes(conn: &mut AnyConnection, q: &PassQuery<'_>) -> Result<i64> {
    let (filter, args) = pass_filter(q);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM passes p JOIN households h ON h.id = p.household_id WHERE {filter}"
    );
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

crate::query_row! {
    /// A building's passes counted.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PassBuilding {
        /// The building (楼栋) as the households give it.
        pub building: String,
        /// Passes not revoked.
        pub live: i64,
        /// Passes revoked.
        pub revoked: i64,
    }
}

/// The buildings of the passes a query reads, each with its passes counted, counted in the
/// database so a community of many compounds is read as a few rows.
pub async fn pass_buildings(
    conn: &mut AnyConnection,
    q: &PassQuery<'_>,
) -> Result<Vec<PassBuilding>> {
    let (filter, args) = pass_filter(q);
    let sql = format!(
        "SELECT h.building, COUNT(*) - COUNT(p.revoked_at) AS live, COUNT(p.revoked_at) AS revoked \
         FROM passes p JOIN households h ON h.id = p.household_id WHERE {filter} GROUP BY h.building"
    );
    conn.fetch_all(&sql, &args).await
}

/// Which of these households hold a live household pass (not one person's) valid on or after
/// `from` (YYYY-MM-DD): issuing to an area skips them, a page of households at a time.
pub async fn households_with_live_pass(
    conn: &mut AnyConnection,
    household_ids: &[String],
    from: &str,
) -> Result<Vec<String>> {
    conn.rows_in(household_ids, &[from.into()], |list| {
        format!(
            "SELECT DISTINCT household_id FROM passes WHERE revoked_at IS NULL AND resident_id IS NULL \
             AND valid_to >= $1 AND household_id IN {list}"
        )
    })
    .await?
    .iter()
    .map(|r| r.try_get("household_id"))
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
