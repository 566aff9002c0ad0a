//! The `households` and `residents` tables. Personal numbers arrive here already encrypted,
//! with their keyed hash and masked form: this layer never sees them in clear.

use sanshe_core::areas::natural_sort_key;
use sanshe_core::identity::{DocumentKind, Sex};
use sqlx::AnyConnection;

use crate::statements::{Cell, FromRow, Row, Statements, TableRow};

use crate::{Result, StoreError, new_id, now_ms, scope_filter};

crate::query_row! {
    /// A stored household with its area's name.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct HouseholdRow {
        /// Id.
        pub id: String,
        /// The area it is in (community, compound or building).
        pub area_id: String,
        /// That area's name.
        pub area_name: String,
        /// That area's path.
        pub area_path: String,
        /// 楼栋
        pub building: String,
        /// 单元
        pub unit: String,
        /// 房号
        pub room: String,
        /// How many residents it has.
        pub residents: i64,
        /// The address's place in the order people count (`natural_sort_key`).
        pub address_key: String,
    }
}

impl HouseholdRow {
    /// Where the household stands in a list by area and address, as `households` reads on
    /// after it.
    pub fn position(&self) -> [String; 3] {
        [
            self.area_path.clone(),
            self.address_key.clone(),
            self.id.clone(),
        ]
    }
}

// A household in a building is shown under the building's compound: the building is already in
// its address, and "凌研里一区 3号楼 502" is what people say.
const HOUSEHOLD_SELECT: &str = "SELECT h.id, h.area_id, CASE WHEN a.kind = 'building' THEN p.name ELSE a.name END AS area_name, h.area_path, \
     h.building, h.unit, h.room, (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id) AS residents, h.address_key \
     FROM households h JOIN areas a ON a.id = h.area_id LEFT JOIN areas p ON p.id = a.parent_id";

/// The household at this address in this area, created if missing; returns its id.
pub async fn ensure_household(
    conn: &mut AnyConnection,
    area_id: &str,
    area_path: &str,
    building: &str,
    unit: &str,
    room: &str,
) -> Result<String> {
    let existing: Option<String> = conn.optional_row("SELECT id FROM households WHERE area_id = $1 AND building = $2 AND unit = $3 AND room = $4", &[Cell::from(area_id), Cell::from(building), Cell::from(unit), Cell::from(room)])
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let id = new_id();
    let now = now_ms();
    conn.changed("INSERT INTO households (id, area_id, area_path, building, unit, room, created_at, updated_at, address_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)", &[Cell::from(&id), Cell::from(area_id), Cell::from(area_path), Cell::from(building), Cell::from(unit), Cell::from(room), Cell::from(now), Cell::from(natural_sort_key(&[building, unit, room]))])
        .await?;
    Ok(id)
}

/// One household, whatever the scope (callers check the path).
pub async fn household(conn: &mut AnyConnection, id: &str) -> Result<HouseholdRow> {
    conn.fetch_one::<HouseholdRow>(
        &format!("{HOUSEHOLD_SELECT} WHERE h.id = $1"),
        &[Cell::from(id)],
    )
    .await
}

/// Households within the scope roots and below `within` (a path), by address, after the cursor.
pub async fn households(
    conn: &mut AnyConnection,
    roots: &[String],
    within: Option<&str>,
    after: Option<&[String; 3]>,
    limit: i64,
) -> Result<Vec<HouseholdRow>> {
    let (sql, binds) = households_sql(roots, within, after);
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    args.push(Cell::from(limit));
    conn.fetch_all::<HouseholdRow>(&sql, &args).await
}

/// The page query of `households`, its limit the last parameter, unbound.
fn households_sql(
    roots: &[String],
    within: Option<&str>,
    after: Option<&[String; 3]>,
) -> (String, Vec<String>) {
    let (filter, mut binds) = households_in(roots, within);
    let mut sql = format!("{HOUSEHOLD_SELECT} WHERE {filter}");
    // By area, then by address as people count (the index households_path_address): a
    // compound's or a building's households together, room 201 before 1001.
    let order = ["h.area_path", "h.address_key", "h.id"];
    if let Some(a) = after {
        sql.push_str(&crate::sql::beyond(&order, binds.len() + 1, false));
        binds.extend(a.iter().cloned());
    }
    sql.push_str(&format!(
        " ORDER BY {} LIMIT ${}",
        order.join(", "),
        binds.len() + 1
    ));
    (sql, binds)
}

/// How many households `households` would list over all its pages.
pub async fn count_households(
    conn: &mut AnyConnection,
    roots: &[String],
    within: Option<&str>,
) -> Result<i64> {
    let (filter, binds) = households_in(roots, within);
    let sql = format!("SELECT COUNT(*) AS n FROM households h WHERE {filter}");
    let args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    conn.one_row(&sql, &args).await?.try_get("n")
}

/// The filter on `h` for the households within the scope's `roots` and, if given, below `within`.
fn households_in(roots: &[String], within: Option<&str>) -> (String, Vec<String>) {
    let (mut filter, mut binds) = scope_filter("h.area_path", roots, 1);
    if let Some(w) = within {
        let n = binds.len() + 1;
        filter.push_str(&format!(
            " AND h.area_path >= ${n} AND h.area_path < ${}",
            n + 1
        ));
        binds.push(w.to_string());
        binds.push(sanshe_core::accounts::subtree_upper_bound(w));
    }
    (filter, binds)
}

crate::row! {
    /// A resident as stored: personal numbers as cipher text, hash and mask.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ResidentRecord {
        /// Id.
        pub id: String,
        /// Household.
        pub household_id: String,
        /// Path of the household's area.
        pub area_path: String,
        /// Name.
        pub name: String,
        /// As registered.
        pub sex: Sex,
        /// YYYY-MM-DD.
        pub birth_date: String,
        /// Which document the number is of.
        pub document_kind: DocumentKind,
        /// Encrypted document number.
        pub document_cipher: String,
        /// Keyed hash of the document number.
        pub document_hash: String,
        /// Masked document number.
        pub document_masked: String,
        /// Encrypted phone.
        pub phone_cipher: Option<String>,
        /// Keyed hash of the phone.
        pub phone_hash: Option<String>,
        /// Masked phone.
        pub phone_masked: Option<String>,
        /// 独居
        pub living_alone: bool,
        /// 80+
        pub elderly_80: bool,
        /// 残疾
        pub disabled: bool,
        /// 慢性病
        pub chronic_illness: bool,
        /// 孕妇
        pub pregnant: bool,
    }
}

/// A resident in a list: the record plus where they live.
#[derive(Debug, Clone)]
pub struct ResidentListRow {
    /// The record.
    pub record: ResidentRecord,
    /// Name of the household's area.
    pub area_name: String,
    /// 楼栋
    pub building: String,
    /// 单元
    pub unit: String,
    /// 房号
    pub room: String,
    /// The name's sort key (the paging cursor of a list by name).
    pub sort_key: String,
}

const RESIDENT_COLUMNS: &str = "r.id, r.household_id, r.area_path, r.name, r.sort_key, r.sex, r.birth_date, r.document_kind, r.document_cipher, \
     r.document_hash, r.document_masked, r.phone_cipher, r.phone_hash, r.phone_masked, r.living_alone, r.elderly_80, r.disabled, \
     r.chronic_illness, r.pregnant";

impl FromRow for ResidentListRow {
    fn from_row(r: &Row) -> Result<ResidentListRow> {
        Ok(ResidentListRow {
            record: ResidentRecord::from_row(r)?,
            area_name: r.try_get("area_name")?,
            building: r.try_get("building")?,
            unit: r.try_get("unit")?,
            room: r.try_get("room")?,
            sort_key: r.try_get("sort_key")?,
        })
    }
}

/// Inserts a resident (id made by the caller); a document already registered is a conflict.
pub async fn insert_resident(conn: &mut AnyConnection, r: &ResidentRecord) -> Result<()> {
    let now = now_ms();
    let mut args = record_cells(r);
    args.push(now.into());
    conn.run(
        &format!(
            "INSERT INTO residents ({}, sort_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)",
            ResidentRecord::COLUMNS
        ),
        &args,
    )
    .await?;
    Ok(())
}

/// Replaces every field of a resident (id and creation time kept).
pub async fn update_resident(conn: &mut AnyConnection, r: &ResidentRecord) -> Result<()> {
    let mut args = record_cells(r);
    args.push(now_ms().into());
    let done = conn
        .changed(
            "UPDATE residents SET household_id = $2, area_path = $3, name = $4, sex = $5, birth_date = $6, document_kind = $7, \
             document_cipher = $8, document_hash = $9, document_masked = $10, phone_cipher = $11, phone_hash = $12, phone_masked = $13, \
             living_alone = $14, elderly_80 = $15, disabled = $16, chronic_illness = $17, pregnant = $18, sort_key = $19, updated_at = $20 WHERE id = $1",
            &args,
        )
        .await?;
    if done == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Deletes a household that has no residents; tells whether it did.
pub async fn delete_household_if_empty(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let done = conn.changed("DELETE FROM households WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM residents WHERE household_id = $1)", &[Cell::from(id)])
        .await?;
    Ok(done == 1)
}

/// Deletes a resident (used by merge, which keeps the other record).
pub async fn delete_resident(conn: &mut AnyConnection, id: &str) -> Result<()> {
    conn.run("DELETE FROM residents WHERE id = $1", &[Cell::from(id)])
        .await
}

const LIST_FROM: &str = "FROM residents r JOIN households h ON h.id = r.household_id JOIN areas a ON a.id = h.area_id LEFT JOIN areas p ON p.id = a.parent_id";

/// One resident with their address, whatever the scope (callers check the path).
pub async fn resident(conn: &mut AnyConnection, id: &str) -> Result<ResidentListRow> {
    conn.fetch_one::<ResidentListRow>(&format!("SELECT {RESIDENT_COLUMNS}, CASE WHEN a.kind = 'building' THEN p.name ELSE a.name END AS area_name, h.building, h.unit, h.room {LIST_FROM} WHERE r.id = $1"), &[Cell::from(id)]).await
}

/// Addresses of households by id: (id, 楼栋, 单元, 房号).
pub async fn addresses_of(
    conn: &mut impl crate::statements::Statements,
    ids: &[String],
) -> Result<Vec<(String, String, String, String)>> {
    conn.rows_in(ids, &[], |ids| {
        format!("SELECT id, building, unit, room FROM households WHERE id IN {ids}")
    })
    .await?
    .iter()
    .map(|r| r.columns(["id", "building", "unit", "room"]))
    .collect()
}

/// Names of residents by id: (id, name); the deleted are missing.
pub async fn names_of(
    conn: &mut impl crate::statements::Statements,
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    crate::column_by_key(conn, ("residents", "id", "name"), ids).await
}

/// The resident holding the document with this hash, anywhere in the database.
pub async fn resident_by_document(
    conn: &mut AnyConnection,
    document_hash: &str,
) -> Result<Option<ResidentRecord>> {
    conn.fetch_optional::<ResidentRecord>(
        &format!("SELECT {RESIDENT_COLUMNS} FROM residents r WHERE r.document_hash = $1"),
        &[Cell::from(document_hash)],
    )
    .await
}

/// The residents of one household, by birth date.
pub async fn residents_of_household(
    conn: &mut AnyConnection,
    household_id: &str,
) -> Result<Vec<ResidentRecord>> {
    conn.fetch_all::<ResidentRecord>(&format!("SELECT {RESIDENT_COLUMNS} FROM residents r WHERE r.household_id = $1 ORDER BY r.birth_date, r.id"), &[Cell::from(household_id)]).await
}

/// The order of a resident list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResidentOrder {
    /// By the pinyin of the name, then id.
    #[default]
    Name,
    /// Oldest first.
    BirthDate,
}

/// What to look for in the registry.
#[derive(Debug, Clone, Default)]
pub struct ResidentQuery {
    /// Scope roots (from the caller's grants): nothing outside them is ever returned or counted.
    pub roots: Vec<String>,
    /// Narrow to this area's subtree (a path).
    pub within: Option<String>,
    /// Name prefix.
    pub name_prefix: Option<String>,
    /// Exact document hash (the query parsed as an ID number).
    pub document_hash: Option<String>,
    /// Exact phone hash (the query parsed as a phone).
    pub phone_hash: Option<String>,
    /// Only residents with this flag column set.
    pub flag: Option<&'static str>,
    /// Order.
    pub order: ResidentOrder,
    /// Cursor: the sort key and id of the last row of the previous page.
    pub after: Option<(String, String)>,
}

/// Paths no longer than this (city, district, street) cover so many residents that walking the
/// name index and filtering by path beats reading the whole subtree and sorting it.
const WIDE_SCOPE_PATH_LEN: usize = 3 * 32;

impl ResidentQuery {
    /// Whether the query spans a street or more.
    fn is_wide(&self) -> bool {
        match &self.within {
            Some(w) => w.len() <= WIDE_SCOPE_PATH_LEN,
            None => self.roots.iter().any(|r| r.len() <= WIDE_SCOPE_PATH_LEN),
        }
    }
}

/// The WHERE clause of a query. With `avoid_path_index` the path range is written as an
/// expression, which keeps both engines' planners off the path index: over a wide scope the range
/// matches most rows, and SQLite would otherwise read and sort a million rows for a page of fifty
/// or count them for a name search. The test `plans` below pins the choice.
fn build_filter(q: &ResidentQuery, avoid_path_index: bool) -> (String, Vec<String>) {
    let path = if avoid_path_index {
        "(r.area_path || '')"
    } else {
        "r.area_path"
    };
    let (filter, mut binds) = scope_filter(path, &q.roots, 1);
    let mut sql = format!(" WHERE {filter}");
    let next = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        binds.len()
    };
    if let Some(w) = &q.within {
        let a = next(&mut binds, w.clone());
        let b = next(&mut binds, sanshe_core::accounts::subtree_upper_bound(w));
        sql.push_str(&format!(" AND {path} >= ${a} AND {path} < ${b}"));
    }
    let mut alternatives = Vec::new();
    if let Some(p) = &q.name_prefix {
        // The beginning's key narrows the sort index to names read alike; the name itself keeps
        // only those written alike (王 and 汪 are both "wang").
        let key = sanshe_core::registry::name_sort_key(p);
        let a = next(&mut binds, key.clone());
        let b = next(&mut binds, format!("{key}\u{10FFFF}"));
        let c = next(&mut binds, p.clone());
        let d = next(&mut binds, format!("{p}\u{10FFFF}"));
        alternatives.push(format!(
            "(r.sort_key >= ${a} AND r.sort_key < ${b} AND r.name >= ${c} AND r.name < ${d})"
        ));
    }
    if let Some(h) = &q.document_hash {
        let a = next(&mut binds, h.clone());
        alternatives.push(format!("r.document_hash = ${a}"));
    }
    if let Some(h) = &q.phone_hash {
        let a = next(&mut binds, h.clone());
        alternatives.push(format!("r.phone_hash = ${a}"));
    }
    if !alternatives.is_empty() {
        sql.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
    }
    if let Some(f) = q.flag {
        // `f` comes from a fixed list of column names, never from input.
        sql.push_str(&format!(" AND r.{f} = 1"));
    }
    (sql, binds)
}

/// A page of residents matching the query.
pub async fn search_residents(
    conn: &mut AnyConnection,
    q: &ResidentQuery,
    limit: i64,
) -> Result<Vec<ResidentListRow>> {
    let (sql, binds) = search_sql(q);
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    args.push(Cell::from(limit));
    conn.fetch_all::<ResidentListRow>(&sql, &args).await
}

/// The SQL of a search and its text binds; the page size is the next parameter.
pub fn search_sql(q: &ResidentQuery) -> (String, Vec<String>) {
    // A page in name order over a wide scope walks the name index and stops at fifty.
    let (mut filter, mut binds) = build_filter(q, q.is_wide() && q.order == ResidentOrder::Name);
    let key = match q.order {
        ResidentOrder::Name => "r.sort_key",
        ResidentOrder::BirthDate => "r.birth_date",
    };
    if let Some((k, id)) = &q.after {
        binds.extend([k.clone(), id.clone()]);
        filter.push_str(&crate::sql::beyond(&[key, "r.id"], binds.len() - 1, false));
    }
    let sql = format!(
        "SELECT {RESIDENT_COLUMNS}, CASE WHEN a.kind = 'building' THEN p.name ELSE a.name END AS area_name, h.building, h.unit, h.room \
         {LIST_FROM}{filter} ORDER BY {key}, r.id LIMIT ${}",
        binds.len() + 1
    );
    (sql, binds)
}

/// The SQL of a count and its binds.
pub fn count_sql(q: &ResidentQuery) -> (String, Vec<String>) {
    // A count over a wide scope reads the name index only when a name narrows it; otherwise
    // counting the path range in its covering index is cheapest.
    let (filter, binds) = build_filter(q, q.is_wide() && q.name_prefix.is_some());
    (
        format!("SELECT COUNT(*) AS n FROM residents r{filter}"),
        binds,
    )
}

/// How many residents match the query (cursor ignored).
pub async fn count_residents(conn: &mut AnyConnection, q: &ResidentQuery) -> Result<i64> {
    let (sql, binds) = count_sql(q);
    let args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    conn.one_row(&sql, &args).await?.try_get("n")
}

/// Rows per multi-row INSERT. SQLite finds each `$N` parameter by a linear scan of the
/// statement's parameter list, so the cost per row grows with the statement's width; around ten
/// rows keeps that small while still saving most round trips (measured in crates/bench).
const ROWS_PER_STATEMENT: usize = 10;

/// A household to create in bulk (id made by the caller).
#[derive(Debug, Clone)]
pub struct NewHousehold {
    /// Id.
    pub id: String,
    /// Area.
    pub area_id: String,
    /// Area path.
    pub area_path: String,
    /// 楼栋
    pub building: String,
    /// 单元
    pub unit: String,
    /// 房号
    pub room: String,
}

/// Every household below `root` (a path) as (id, area id, building, unit, room): lets a bulk
/// import resolve addresses in memory instead of one look-up per row.
pub async fn household_keys_within(
    conn: &mut AnyConnection,
    root: &str,
) -> Result<Vec<(String, String, String, String, String)>> {
    let rows = conn.rows("SELECT id, area_id, building, unit, room FROM households WHERE area_path >= $1 AND area_path < $2", &[Cell::from(root), Cell::from(sanshe_core::accounts::subtree_upper_bound(root))])
        .await?;
    rows.iter()
        .map(|r| r.columns(["id", "area_id", "building", "unit", "room"]))
        .collect()
}

/// Inserts households with multi-row statements.
pub async fn insert_households(
    conn: &mut AnyConnection,
    households: &[NewHousehold],
) -> Result<()> {
    let now = now_ms();
    for chunk in households.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${n}, ${n})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    n = chunk.len() * 7 + 1
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO households (id, area_id, area_path, building, unit, room, address_key, created_at, updated_at) VALUES {}",
            values.join(", ")
        );
        let mut args: Vec<Cell> = Vec::with_capacity(chunk.len() * 7 + 1);
        for h in chunk {
            args.extend([
                Cell::from(&h.id),
                (&h.area_id).into(),
                (&h.area_path).into(),
                (&h.building).into(),
                (&h.unit).into(),
                (&h.room).into(),
                natural_sort_key(&[&h.building, &h.unit, &h.room]).into(),
            ]);
        }
        args.push(now.into());
        conn.run(&sql, &args).await?;
    }
    Ok(())
}

/// Inserts residents with multi-row statements, skipping those whose document is already
/// registered; returns the document hashes that were inserted.
pub async fn insert_residents_if_new(
    conn: &mut AnyConnection,
    records: &[ResidentRecord],
) -> Result<Vec<String>> {
    const COLUMNS: usize = 19;
    let now = now_ms();
    let mut inserted = Vec::with_capacity(records.len());
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let now_param = chunk.len() * COLUMNS + 1;
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let params: Vec<String> = (1..=COLUMNS)
                    .map(|c| format!("${}", i * COLUMNS + c))
                    .collect();
                format!("({}, ${now_param}, ${now_param})", params.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO residents ({}, sort_key, created_at, updated_at) \
             VALUES {} ON CONFLICT (document_hash) DO NOTHING RETURNING document_hash",
            ResidentRecord::COLUMNS,
            values.join(", ")
        );
        let mut args: Vec<Cell> = Vec::with_capacity(chunk.len() * COLUMNS + 1);
        for r in chunk {
            args.extend(record_cells(r));
        }
        args.push(now.into());
        for row in conn.rows(&sql, &args).await? {
            inserted.push(row.try_get("document_hash")?);
        }
    }
    Ok(inserted)
}

/// A resident's 19 columns in table order (id first, the name's sort key last), for inserts and
/// updates alike: every write keys the name it writes.
fn record_cells(r: &ResidentRecord) -> Vec<Cell> {
    let mut cells = r.cells();
    cells.push(sanshe_core::registry::name_sort_key(&r.name).into());
    cells
}

/// Writes the sort key of residents stored before there was one, a thousand at a time.
pub async fn key_unsorted_residents(conn: &mut AnyConnection) -> Result<u64> {
    crate::key_rows(
        conn,
        "SELECT id, name FROM residents WHERE sort_key = '' AND id > $1 ORDER BY id LIMIT 1000",
        "UPDATE residents SET sort_key = $2 WHERE id = $1",
        |r| {
            Ok(sanshe_core::registry::name_sort_key(
                &r.try_get::<String>("name")?,
            ))
        },
    )
    .await
}

/// Writes the address key of households stored before there was one, a thousand at a time.
pub async fn key_unsorted_households(conn: &mut AnyConnection) -> Result<u64> {
    crate::key_rows(
        conn,
        "SELECT id, building, unit, room FROM households WHERE address_key = '' AND id > $1 ORDER BY id LIMIT 1000",
        "UPDATE households SET address_key = $2 WHERE id = $1",
        |r| {
            let [building, unit, room]: [String; 3] =
                [r.try_get("building")?, r.try_get("unit")?, r.try_get("room")?];
            Ok(natural_sort_key(&[&building, &unit, &room]))
        },
    )
    .await
}

/// Of these households, those where someone lives alone.
pub async fn with_someone_alone(
    conn: &mut impl crate::statements::Statements,
    households: &[String],
) -> Result<Vec<String>> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    let args: Vec<crate::statements::Cell> = crate::padded(households)
        .into_iter()
        .map(Into::into)
        .collect();
    conn
        .rows(
            &format!(
                "SELECT DISTINCT household_id FROM residents WHERE living_alone = 1 AND household_id IN {}",
                crate::in_list(1, args.len())
            ),
            &args,
        )
        .await?
        .iter()
        .map(|r| r.try_get("household_id"))
        .collect::<Result<_>>()
}

#[cfg(test)]
mod plans {
    //! SQLite's planner has picked a 50× slower index for "recent" queries before (DESIGN.md §3):
    //! these tests pin the plan of the registry's hot queries.

    use super::*;
    use crate::Db;

    async fn plan(db: &Db, sql: &str, binds: &[String], limit: bool) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
        if limit {
            args.push(Cell::from(50i64));
        }
        let rows = Statements::rows(&mut *db.conn().await.unwrap(), &explain, &args)
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get::<String>("detail").unwrap())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    fn path(levels: usize) -> String {
        "0123456789abcdef0123456789abcdef".repeat(levels)
    }

    #[tokio::test]
    async fn registry_queries_use_the_right_index() {
        let scratch = crate::ScratchDb::new().await;
        let db = &scratch.db;
        // A city coordinator searching a name: walk the name index, never sort the city.
        let city = ResidentQuery {
            roots: vec![path(1)],
            name_prefix: Some("王".into()),
            ..Default::default()
        };
        let (sql, binds) = search_sql(&city);
        let p = plan(db, &sql, &binds, true).await;
        assert!(p.contains("residents_sort"), "{p}");
        assert!(
            !p.contains("TEMP B-TREE"),
            "sorts instead of reading in order: {p}"
        );
        // A community worker's list: the community's slice of the path index.
        let community = ResidentQuery {
            roots: vec![path(4)],
            ..Default::default()
        };
        let (sql, binds) = search_sql(&community);
        let p = plan(db, &sql, &binds, true).await;
        assert!(p.contains("residents_path_sort"), "{p}");
        // An ID number: one probe of the unique hash index, whatever the scope.
        let id = ResidentQuery {
            roots: vec![path(1)],
            document_hash: Some("ab".into()),
            ..Default::default()
        };
        let (sql, binds) = search_sql(&id);
        let p = plan(db, &sql, &binds, true).await;
        assert!(p.contains("document_hash=?"), "{p}");
        let (sql, binds) = count_sql(&city);
        let p = plan(db, &sql, &binds, false).await;
        assert!(p.contains("residents_sort"), "{p}");
        // The whole city's list: pages in name order without sorting, counted on the path index.
        let everyone = ResidentQuery {
            roots: vec![path(1)],
            ..Default::default()
        };
        let (sql, binds) = search_sql(&everyone);
        let p = plan(db, &sql, &binds, true).await;
        assert!(!p.contains("TEMP B-TREE"), "{p}");
        let (sql, binds) = count_sql(&everyone);
        let p = plan(db, &sql, &binds, false).await;
        assert!(p.contains("residents_path_sort"), "{p}");
        // A name in birth order over the city (the records to merge with one, those born the
        // same day first): the name's slice of the name index, sorted, not the city's.
        let born = ResidentQuery {
            order: ResidentOrder::BirthDate,
            after: Some(("1949-12-31".into(), String::new())),
            name_prefix: Some("王淑兰".into()),
            ..city
        };
        let (sql, binds) = search_sql(&born);
        let p = plan(db, &sql, &binds, true).await;
        assert!(p.contains("residents_sort"), "{p}");
        // A community's households by address, first page and the next: read in order from
        // the address index, never the community's every household sorted.
        let after = [path(5), "\u{2}".into(), "x".into()];
        for after in [None, Some(&after)] {
            let (sql, binds) = households_sql(&[path(4)], None, after);
            let p = plan(db, &sql, &binds, true).await;
            assert!(p.contains("households_path_address"), "{p}");
            assert!(!p.contains("TEMP B-TREE"), "{p}");
        }
    }
}
