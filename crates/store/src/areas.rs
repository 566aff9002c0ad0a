//! The `areas` table: the tree of city › district › street › community › compound › building.

use sanshe_core::areas::{AreaKind, natural_sort_key};
use sqlx::AnyConnection;

use crate::statements::{Cell, FromRow, Statements};

use crate::{Result, new_id, now_ms, scope_filter};

crate::row! {
    /// A stored area.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AreaRow {
        /// Id.
        pub id: String,
        /// Parent's id (none for a city).
        pub parent_id: Option<String>,
        /// Level.
        pub kind: AreaKind,
        /// Division code, when the area has an official one.
        pub code: Option<String>,
        /// Name.
        pub name: String,
        /// Materialized path: the ids of the ancestors and the area itself, concatenated.
        pub path: String,
        /// Depth below the root (0 for a city).
        pub depth: i64,
    }
}

const COLUMNS: &str = AreaRow::COLUMNS;

/// The place in the order people count of the compound a household is listed under (a
/// building area's parent, else the area itself), in a query that joins the household's area
/// as `a` and its parent as `p`.
pub(crate) const COMPOUND_KEY: &str =
    "CASE WHEN a.kind = 'building' THEN p.sort_key ELSE a.sort_key END";

/// Inserts an area below `parent` (or as a root) and returns it.
pub async fn insert(
    conn: &mut AnyConnection,
    parent: Option<&AreaRow>,
    kind: AreaKind,
    code: Option<&str>,
    name: &str,
) -> Result<AreaRow> {
    let id = new_id();
    let path = format!("{}{}", parent.map(|p| p.path.as_str()).unwrap_or(""), id);
    let depth = parent.map(|p| p.depth + 1).unwrap_or(0);
    conn.changed("INSERT INTO areas (id, parent_id, kind, code, name, path, depth, created_at, sort_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", &[Cell::from(&id), Cell::from(parent.map(|p| p.id.clone())), Cell::from(kind), Cell::from(code), Cell::from(name), Cell::from(&path), Cell::from(depth), Cell::from(now_ms()), Cell::from(natural_sort_key(&[name]))])
        .await?;
    Ok(AreaRow {
        id,
        parent_id: parent.map(|p| p.id.clone()),
        kind,
        code: code.map(Into::into),
        name: name.into(),
        path,
        depth,
    })
}

/// The names of these areas by id (an id may repeat).
pub async fn names_of<'a>(
    conn: &mut impl crate::statements::Statements,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, String>> {
    crate::map_by_key(conn, ("areas", "id", "name"), ids).await
}

/// The names of these areas by path (a path may repeat).
pub async fn names_by_path<'a>(
    conn: &mut impl crate::statements::Statements,
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, String>> {
    crate::map_by_key(conn, ("areas", "path", "name"), paths).await
}

/// The area with this id, whatever the caller's scope (callers check scope on the path).
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<AreaRow> {
    conn.one_by("areas", "id", id.into()).await
}

/// The children of `parent` (roots when `None`), in natural order (二区 before 三区).
pub async fn children(conn: &mut AnyConnection, parent: Option<&str>) -> Result<Vec<AreaRow>> {
    let rows = match parent {
        Some(p) => {
            conn.rows(
                &format!("SELECT {COLUMNS} FROM areas WHERE parent_id = $1 ORDER BY sort_key, name, id"),
                &[Cell::from(p)],
            )
            .await?
        }
        None => {
            conn.rows(
                &format!("SELECT {COLUMNS} FROM areas WHERE parent_id IS NULL ORDER BY sort_key, name, id"),
                &[],
            )
            .await?
        }
    };
    rows.iter().map(AreaRow::from_row).collect()
}

/// The ancestors of an area from the root down, the area itself last.
pub async fn lineage(conn: &mut AnyConnection, area: &AreaRow) -> Result<Vec<AreaRow>> {
    // Ids are 32 hex characters, so the path splits into its ancestors' ids.
    let ids: Vec<String> = area
        .path
        .as_bytes()
        .chunks(32)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get(conn, &id).await?);
    }
    Ok(out)
}

/// Areas within the scope roots, optionally of one kind and matching a name prefix, by depth and
/// name, at most `limit`.
pub async fn search(
    conn: &mut AnyConnection,
    roots: &[String],
    kind: Option<AreaKind>,
    name_prefix: Option<&str>,
    limit: i64,
) -> Result<Vec<AreaRow>> {
    let (filter, binds) = scope_filter("path", roots, 1);
    let mut sql = format!("SELECT {COLUMNS} FROM areas WHERE {filter}");
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    if let Some(k) = kind {
        args.push(Cell::from(k));
        sql.push_str(&format!(" AND kind = ${}", args.len()));
    }
    if let Some(p) = name_prefix {
        let named = crate::starting_with("name", p, &mut args);
        sql.push_str(&format!(" AND {named}"));
    }
    args.push(Cell::from(limit));
    sql.push_str(&format!(
        " ORDER BY depth, sort_key, name, id LIMIT ${}",
        args.len()
    ));
    conn.fetch_all::<AreaRow>(&sql, &args).await
}

/// Every area of `kind` within the scope roots, by path, read a thousand at a time: a city's
/// communities run to thousands, and no form or map that lists them may drop any.
pub async fn every(
    conn: &mut AnyConnection,
    roots: &[String],
    kind: AreaKind,
) -> Result<Vec<AreaRow>> {
    const AT_ONCE: usize = 1000;
    let (filter, binds) = scope_filter("path", roots, 1);
    let mut out: Vec<AreaRow> = Vec::new();
    loop {
        let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
        let after = out.last().map_or(String::new(), |a| a.path.clone());
        args.extend([
            Cell::from(kind),
            Cell::from(after),
            Cell::from(AT_ONCE as i64),
        ]);
        let n = args.len();
        let page: Vec<AreaRow> = conn
            .fetch_all(
                &format!(
                    "SELECT {COLUMNS} FROM areas WHERE {filter} AND kind = ${} AND path > ${} ORDER BY path LIMIT ${n}",
                    n - 2,
                    n - 1
                ),
                &args,
            )
            .await?;
        let full = page.len() == AT_ONCE;
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}

/// The child of `parent` with this name and kind, if one exists (used to make imports idempotent).
pub async fn find_child(
    conn: &mut AnyConnection,
    parent: &str,
    kind: AreaKind,
    name: &str,
) -> Result<Option<AreaRow>> {
    conn.fetch_optional::<AreaRow>(
        &format!("SELECT {COLUMNS} FROM areas WHERE parent_id = $1 AND kind = $2 AND name = $3"),
        &[Cell::from(parent), Cell::from(kind), Cell::from(name)],
    )
    .await
}

/// The area with this division code, if any.
pub async fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<AreaRow>> {
    conn.optional_by("areas", "code", code.into()).await
}

/// How many areas exist (used to tell an empty database).
pub async fn count(conn: &mut AnyConnection) -> Result<i64> {
    conn.one_row("SELECT COUNT(*) AS n FROM areas", &[])
        .await?
        .try_get("n")
}

/// Names of the areas on a path whose kind is `kind` (the community of an alert, say).
pub async fn ancestor_name(
    conn: &mut AnyConnection,
    path: &str,
    kind: AreaKind,
) -> Result<Option<String>> {
    for p in sanshe_core::areas::lineage(path).rev() {
        let row = conn
            .optional_row(
                "SELECT name, kind FROM areas WHERE path = $1",
                &[Cell::from(p)],
            )
            .await?;
        if let Some(r) = row
            && r.try_get::<AreaKind>("kind")? == kind
        {
            return Ok(Some(r.try_get("name")?));
        }
    }
    Ok(None)
}

/// Sets the contact phone of an area (replacing the one it had).
pub async fn set_contact(
    conn: &mut AnyConnection,
    area_id: &str,
    phone: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "INSERT INTO area_contacts (area_id, phone, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (area_id) DO UPDATE SET phone = excluded.phone, updated_at = excluded.updated_at",
        &[area_id.into(), phone.into(), at.into()],
    )
    .await
}

/// The contact phones of some areas: (area id, phone).
pub async fn contacts_of(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let args: Vec<Cell> = ids.iter().map(Into::into).collect();
    let sql = format!(
        "SELECT area_id, phone FROM area_contacts WHERE area_id IN {}",
        crate::in_list(1, args.len())
    );
    conn.rows(&sql, &args)
        .await?
        .iter()
        .map(|r| r.columns(["area_id", "phone"]))
        .collect()
}

/// Writes the sort key of areas stored before there was one, a thousand at a time.
pub async fn key_unsorted_areas(conn: &mut AnyConnection) -> Result<u64> {
    crate::key_rows(
        conn,
        "SELECT id, name FROM areas WHERE sort_key = '' AND id > $1 ORDER BY id LIMIT 1000",
        "UPDATE areas SET sort_key = $2 WHERE id = $1",
        |r| Ok(natural_sort_key(&[&r.try_get::<String>("name")?])),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_community_below_the_roots_is_read_however_many_there_are() {
        let scratch = crate::ScratchDb::new().await;
        let mut tx = scratch.db.begin().await.unwrap();
        let city = insert(&mut tx, None, AreaKind::City, None, "天津市")
            .await
            .unwrap();
        let here = insert(&mut tx, Some(&city), AreaKind::District, None, "南开区")
            .await
            .unwrap();
        let there = insert(&mut tx, Some(&city), AreaKind::District, None, "河西区")
            .await
            .unwrap();
        let street = insert(&mut tx, Some(&here), AreaKind::Street, None, "体育中心街道")
            .await
            .unwrap();
        let far = insert(&mut tx, Some(&there), AreaKind::Street, None, "友谊路街道")
            .await
            .unwrap();
        // More than are read at once below 南开区, and some elsewhere.
        for n in 0..1203 {
            insert(
                &mut tx,
                Some(&street),
                AreaKind::Community,
                None,
                &format!("社区{n:04}"),
            )
            .await
            .unwrap();
        }
        for n in 0..3 {
            insert(
                &mut tx,
                Some(&far),
                AreaKind::Community,
                None,
                &format!("河西社区{n}"),
            )
            .await
            .unwrap();
        }
        crate::commit(tx).await.unwrap();
        let mut conn = scratch.db.conn().await.unwrap();
        let nankai = every(
            &mut conn,
            std::slice::from_ref(&here.path),
            AreaKind::Community,
        )
        .await
        .unwrap();
        assert_eq!(nankai.len(), 1203);
        assert!(
            nankai.windows(2).all(|w| w[0].path < w[1].path),
            "by path, each once"
        );
        assert!(nankai.iter().all(|c| c.path.starts_with(&here.path)));
        let city_wide = every(&mut conn, &[String::new()], AreaKind::Community)
            .await
            .unwrap();
        assert_eq!(city_wide.len(), 1206);
        let streets = every(&mut conn, &[String::new()], AreaKind::Street)
            .await
            .unwrap();
        assert_eq!(streets.len(), 2);
        assert!(
            every(&mut conn, &[], AreaKind::Community)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
