//! The `organizations` and `linkages` tables: who works with which community, providing what.

use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{Result, StoreError, new_id, now_ms};

/// A stored organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationRow {
    /// Id.
    pub id: String,
    /// Kind (`OrganizationKind` spelling).
    pub kind: String,
    /// Name.
    pub name: String,
    /// The area it is registered in.
    pub home_area_id: Option<String>,
    /// That area's path (for scope checks).
    pub home_path: Option<String>,
    /// Contact line (person and phone as the organization publishes it).
    pub contact: String,
}

fn org_from_row(r: &AnyRow) -> Result<OrganizationRow> {
    Ok(OrganizationRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        home_area_id: r.try_get("home_area_id")?,
        home_path: r.try_get("home_path")?,
        contact: r.try_get("contact")?,
    })
}

/// Registers an organization.
pub async fn insert(
    conn: &mut AnyConnection,
    kind: &str,
    name: &str,
    home: Option<(&str, &str)>,
    contact: &str,
) -> Result<OrganizationRow> {
    let id = new_id();
    sqlx::query("INSERT INTO organizations (id, kind, name, home_area_id, home_path, contact, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&id)
        .bind(kind)
        .bind(name)
        .bind(home.map(|h| h.0.to_string()))
        .bind(home.map(|h| h.1.to_string()))
        .bind(contact)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    get(conn, &id).await
}

/// Changes an organization's kind, name and contact; a name taken by another is a conflict.
pub async fn update(
    conn: &mut AnyConnection,
    id: &str,
    kind: &str,
    name: &str,
    contact: &str,
) -> Result<()> {
    let done =
        sqlx::query("UPDATE organizations SET kind = $2, name = $3, contact = $4 WHERE id = $1")
            .bind(id)
            .bind(kind)
            .bind(name)
            .bind(contact)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// One organization.
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<OrganizationRow> {
    let row = sqlx::query(
        "SELECT id, kind, name, home_area_id, home_path, contact FROM organizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref()
        .map(org_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// One organization by its exact name.
pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<OrganizationRow>> {
    let row = sqlx::query("SELECT id, kind, name, home_area_id, home_path, contact FROM organizations WHERE name = $1").bind(name).fetch_optional(&mut *conn).await?;
    row.as_ref().map(org_from_row).transpose()
}

/// Every organization, by name (callers filter by permission; there are hundreds, not millions).
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<OrganizationRow>> {
    let rows = sqlx::query(
        "SELECT id, kind, name, home_area_id, home_path, contact FROM organizations ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(org_from_row).collect()
}

/// A stored linkage between an organization and a community.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkageRow {
    /// Id.
    pub id: String,
    /// The organization.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// The community.
    pub community_id: String,
    /// Its name.
    pub community_name: String,
    /// The community's path.
    pub community_path: String,
    /// What the organization provides.
    pub organization_provides: String,
    /// What the community provides.
    pub community_provides: String,
}

const LINKAGE_SELECT: &str = "SELECT l.id, l.organization_id, o.name AS organization_name, l.community_id, a.name AS community_name, \
     l.community_path, l.organization_provides, l.community_provides \
     FROM linkages l JOIN organizations o ON o.id = l.organization_id JOIN areas a ON a.id = l.community_id";

fn linkage_from_row(r: &AnyRow) -> Result<LinkageRow> {
    Ok(LinkageRow {
        id: r.try_get("id")?,
        organization_id: r.try_get("organization_id")?,
        organization_name: r.try_get("organization_name")?,
        community_id: r.try_get("community_id")?,
        community_name: r.try_get("community_name")?,
        community_path: r.try_get("community_path")?,
        organization_provides: r.try_get("organization_provides")?,
        community_provides: r.try_get("community_provides")?,
    })
}

/// Links an organization to a community; a second link of the same pair is a conflict.
pub async fn link(
    conn: &mut AnyConnection,
    organization_id: &str,
    community: (&str, &str),
    organization_provides: &str,
    community_provides: &str,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO linkages (id, organization_id, community_id, community_path, organization_provides, community_provides, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(organization_id)
    .bind(community.0)
    .bind(community.1)
    .bind(organization_provides)
    .bind(community_provides)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The linkages of one organization.
pub async fn linkages_of(
    conn: &mut AnyConnection,
    organization_id: &str,
) -> Result<Vec<LinkageRow>> {
    let rows = sqlx::query(&format!(
        "{LINKAGE_SELECT} WHERE l.organization_id = $1 ORDER BY a.name"
    ))
    .bind(organization_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(linkage_from_row).collect()
}

/// Organizations linked to a community in one of the subtrees at `roots` (one query for a whole
/// organization list).
pub async fn linked_within(conn: &mut AnyConnection, roots: &[String]) -> Result<Vec<String>> {
    let (filter, binds) = crate::scope_filter("community_path", roots, 1);
    let sql = format!("SELECT DISTINCT organization_id FROM linkages WHERE {filter}");
    let mut q = sqlx::query_scalar::<_, String>(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

/// Removes a linkage.
pub async fn unlink(conn: &mut AnyConnection, linkage_id: &str) -> Result<()> {
    let done = sqlx::query("DELETE FROM linkages WHERE id = $1")
        .bind(linkage_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// One linkage.
pub async fn linkage(conn: &mut AnyConnection, linkage_id: &str) -> Result<LinkageRow> {
    let row = sqlx::query(&format!("{LINKAGE_SELECT} WHERE l.id = $1"))
        .bind(linkage_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(linkage_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// The organization registered under exactly this name, if one is.
pub async fn id_by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query("SELECT MIN(id) AS id FROM organizations WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *conn)
            .await?
            .try_get("id")?,
    )
}
