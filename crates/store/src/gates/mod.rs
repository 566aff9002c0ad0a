//! The gate tables: `gates`, `gate_policies`, `passes`, `scans`, `household_exits`, the
//! `gate_hours` and `gate_refusals` rollups, and `visitors`.

use sanshe_core::areas::natural_sort_key;
use sqlx::AnyConnection;

use crate::statements::{Cell, Count, FromRow, Statements};
use crate::{Result, in_list as marks, padded, scope_filter};

mod passes;
mod scans;
mod visitors;

pub use passes::*;
pub use scans::*;
pub use visitors::*;

crate::query_row! {
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
        /// The compound's place in the order people count (`natural_sort_key`).
        pub compound_key: String,
        /// The gate's place among its compound's (`natural_sort_key` of its name).
        pub name_key: String,
    }
}

impl GateRow {
    /// Where the gate stands in a list by compound and name (as people count both), as
    /// `gates_page` reads on after it.
    pub fn position(&self) -> [String; 3] {
        [
            self.compound_key.clone(),
            self.name_key.clone(),
            self.id.clone(),
        ]
    }
}

const GATE_SELECT: &str = "SELECT g.id, g.compound_id, a.name AS compound_name, g.area_path, g.name, a.sort_key AS compound_key, g.name_key \
     FROM gates g JOIN areas a ON a.id = g.compound_id";

/// Adds a gate.
pub async fn insert_gate(
    conn: &mut AnyConnection,
    id: &str,
    compound_id: &str,
    path: &str,
    name: &str,
    at: i64,
) -> Result<()> {
    conn.run("INSERT INTO gates (id, compound_id, area_path, name, created_at, name_key) VALUES ($1, $2, $3, $4, $5, $6)", &[Cell::from(id), Cell::from(compound_id), Cell::from(path), Cell::from(name), Cell::from(at), Cell::from(natural_sort_key(&[name]))])
        .await
}

/// Writes the sort key of gates stored before there was one, a thousand at a time.
pub async fn key_unsorted_gates(conn: &mut AnyConnection) -> Result<u64> {
    crate::key_rows(
        conn,
        "SELECT id, name FROM gates WHERE name_key = '' AND id > $1 ORDER BY id LIMIT 1000",
        "UPDATE gates SET name_key = $2 WHERE id = $1",
        |r| Ok(natural_sort_key(&[&r.try_get::<String>("name")?])),
    )
    .await
}

/// One gate (callers check the path).
pub async fn gate(conn: &mut AnyConnection, id: &str) -> Result<GateRow> {
    conn.fetch_one::<GateRow>(&format!("{GATE_SELECT} WHERE g.id = $1"), &[Cell::from(id)])
        .await
}

/// Gates with these ids.
pub async fn gates_by_ids(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<GateRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = padded(ids);
    let sql = format!("{GATE_SELECT} WHERE g.id IN {}", marks(1, ids.len()));
    let args: Vec<Cell> = ids.iter().map(|id| Cell::from(*id)).collect();
    conn.rows(&sql, &args)
        .await?
        .iter()
        .map(GateRow::from_row)
        .collect()
}

/// A page of the gates in scope by compound (as people count) and name, then id: at most
/// `limit` after the last row's `GateRow::position`.
pub async fn gates_page(
    conn: &mut AnyConnection,
    roots: &[String],
    after: Option<&[String; 3]>,
    limit: i64,
) -> Result<Vec<GateRow>> {
    let (filter, binds) = scope_filter("g.area_path", roots, 1);
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let mut sql = format!("{GATE_SELECT} WHERE {filter}");
    if let Some(key) = after {
        args.extend(key.iter().map(Cell::from));
        let columns = ["a.sort_key", "g.name_key", "g.id"];
        sql.push_str(&crate::sql::beyond(&columns, args.len() - 2, false));
    }
    args.push(limit.into());
    sql.push_str(&format!(
        " ORDER BY a.sort_key, g.name_key, g.id LIMIT ${}",
        args.len()
    ));
    conn.fetch_all(&sql, &args).await
}

/// How many gates are in scope.
pub async fn count_gates(conn: &mut AnyConnection, roots: &[String]) -> Result<i64> {
    let (filter, binds) = scope_filter("g.area_path", roots, 1);
    let args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let sql = format!("SELECT COUNT(*) AS n FROM gates g WHERE {filter}");
    Ok(conn.fetch_one::<Count>(&sql, &args).await?.0)
}

/// Gates in scope, by compound and name.
pub async fn gates(conn: &mut AnyConnection, roots: &[String]) -> Result<Vec<GateRow>> {
    let (filter, binds) = scope_filter("g.area_path", roots, 1);
    let sql = format!("{GATE_SELECT} WHERE {filter} ORDER BY a.sort_key, g.name_key, g.id");
    let args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    conn.rows(&sql, &args)
        .await?
        .iter()
        .map(GateRow::from_row)
        .collect()
}

/// The gates a post in the area at `path` may stand at, by compound and name, `limit` at most:
/// those within the area, and those closing an area it lies in.
pub async fn gates_for_area(
    conn: &mut AnyConnection,
    path: &str,
    limit: i64,
) -> Result<Vec<GateRow>> {
    let (within, binds) = scope_filter("g.area_path", &[path.to_string()], 1);
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let enclosing: Vec<String> = sanshe_core::areas::lineage(path)
        .filter(|p| p.len() < path.len())
        .map(String::from)
        .collect();
    let around = crate::sql::one_of("g.area_path", &enclosing, &mut args);
    args.push(limit.into());
    let sql = format!(
        "{GATE_SELECT} WHERE {within} OR {around} ORDER BY a.sort_key, g.name_key, g.id LIMIT ${}",
        args.len()
    );
    conn.fetch_all(&sql, &args).await
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
    let args: Vec<Cell> = compound_ids.iter().map(|id| Cell::from(*id)).collect();
    conn.rows(&sql, &args)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("compound_id")?,
                (
                    r.try_get("exits_per_period")?,
                    r.try_get("period_days")?,
                    r.try_get("out_from_hour")?,
                    r.try_get("out_until_hour")?,
                ),
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
    conn.run("INSERT INTO gate_policies (compound_id, exits_per_period, period_days, out_from_hour, out_until_hour, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (compound_id) DO UPDATE SET exits_per_period = excluded.exits_per_period, period_days = excluded.period_days, \
         out_from_hour = excluded.out_from_hour, out_until_hour = excluded.out_until_hour, updated_at = excluded.updated_at", &[Cell::from(compound_id), Cell::from(p.0), Cell::from(p.1), Cell::from(p.2), Cell::from(p.3), Cell::from(at)])
    .await
}

#[cfg(test)]
mod plans {
    //! A street's day of traffic must be one equality and one path range on `gate_hours_day`;
    //! SQLite has been seen picking a 50× slower index for such queries (DESIGN.md §3).

    use super::*;

    #[tokio::test]
    async fn traffic_reads_one_day_of_one_subtree_from_its_index() {
        let scratch = crate::ScratchDb::new().await;
        let db = &scratch.db;
        for (sql, index) in [
            (HOURS_SQL, "gate_hours_day"),
            (REFUSALS_SQL, "gate_refusals_day"),
        ] {
            let rows = Statements::rows(
                &mut *db.conn().await.unwrap(),
                &format!("EXPLAIN QUERY PLAN {sql}"),
                &[
                    Cell::from("2020-02-06"),
                    Cell::from("0123456789abcdef0123456789abcdef"),
                    Cell::from("0123456789abcdef0123456789abcdefg"),
                ],
            )
            .await
            .unwrap();
            let plan: Vec<String> = rows
                .iter()
                .map(|r| r.try_get::<String>("detail").unwrap())
                .collect();
            let plan = plan.join(" | ");
            assert!(
                plan.contains(&format!(
                    "USING INDEX {index} (day=? AND area_path>? AND area_path<?)"
                )),
                "{plan}"
            );
        }
    }
}
