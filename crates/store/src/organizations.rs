//! The `organizations`, `linkages`, `teams` and `team_members` tables: who works with which
//! community, providing what, in which teams.

use sanshe_core::accounts::OrganizationsSeen;
use sanshe_core::organizations::OrganizationKind;
use sanshe_core::organizations::{LinkageSide, LinkageStatus};
use sqlx::AnyConnection;

use crate::statements::{Cell, Statements};

use crate::{Result, StoreError, new_id, now_ms, scope_filter};

crate::row! {
    /// A stored organization.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct OrganizationRow {
        /// Id.
        pub id: String,
        /// Kind.
        pub kind: OrganizationKind,
        /// Name.
        pub name: String,
        /// The area it is registered in.
        pub home_area_id: Option<String>,
        /// That area's path (for scope checks).
        pub home_path: Option<String>,
        /// Contact line (person and phone as the organization publishes it).
        pub contact: String,
    }
}

/// Registers an organization.
pub async fn insert(
    conn: &mut AnyConnection,
    kind: OrganizationKind,
    name: &str,
    home: Option<(&str, &str)>,
    contact: &str,
) -> Result<OrganizationRow> {
    let id = new_id();
    conn.changed("INSERT INTO organizations (id, kind, name, home_area_id, home_path, contact, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)", &[Cell::from(&id), Cell::from(kind), Cell::from(name), Cell::from(home.map(|h| h.0.to_string())), Cell::from(home.map(|h| h.1.to_string())), Cell::from(contact), Cell::from(now_ms())])
        .await?;
    get(conn, &id).await
}

/// Changes an organization's kind, name and contact; a name taken by another is a conflict.
pub async fn update(
    conn: &mut AnyConnection,
    id: &str,
    kind: OrganizationKind,
    name: &str,
    contact: &str,
) -> Result<()> {
    let done = conn
        .changed(
            "UPDATE organizations SET kind = $2, name = $3, contact = $4 WHERE id = $1",
            &[
                Cell::from(id),
                Cell::from(kind),
                Cell::from(name),
                Cell::from(contact),
            ],
        )
        .await?;
    if done == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// One organization.
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<OrganizationRow> {
    conn.one_by("organizations", "id", id.into()).await
}

/// One organization by its exact name.
pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<OrganizationRow>> {
    conn.optional_by("organizations", "name", name.into()).await
}

/// The organizations a holder sees (`OrganizationsSeen`), by name, those whose name starts with
/// `name_prefix` where one is given.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationQuery<'a> {
    /// What the holder's grants let them see.
    pub seen: &'a OrganizationsSeen,
    /// The start of the name.
    pub name_prefix: Option<&'a str>,
}

/// A page of the organizations `q` asks for, by name, after the organization named `after`.
pub async fn visible(
    conn: &mut AnyConnection,
    q: &OrganizationQuery<'_>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<OrganizationRow>> {
    let mut args = Vec::new();
    let mut conditions = visible_conditions(q, &mut args);
    if let Some(name) = after {
        args.push(name.into());
        conditions.push(format!("name > ${}", args.len()));
    }
    args.push(limit.into());
    let sql = format!(
        "SELECT {} FROM organizations WHERE {} ORDER BY name LIMIT ${}",
        OrganizationRow::COLUMNS,
        conditions.join(" AND "),
        args.len()
    );
    conn.fetch_all::<OrganizationRow>(&sql, &args).await
}

/// How many organizations `q` asks for.
pub async fn count_visible(conn: &mut AnyConnection, q: &OrganizationQuery<'_>) -> Result<i64> {
    let mut args = Vec::new();
    let conditions = visible_conditions(q, &mut args);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM organizations WHERE {}",
        conditions.join(" AND ")
    );
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

/// The conditions of a list of organizations but its page; their values appended to `args`.
fn visible_conditions(q: &OrganizationQuery<'_>, args: &mut Vec<Cell>) -> Vec<String> {
    let (home, binds) = scope_filter("home_path", &q.seen.home_roots, args.len() + 1);
    args.extend(binds.into_iter().map(Cell::from));
    let granted = crate::one_of("id", &q.seen.ids, args);
    let (linked, binds) = scope_filter("community_path", &q.seen.linked_roots, args.len() + 1);
    args.extend(binds.into_iter().map(Cell::from));
    let homeless = if q.seen.homeless {
        "home_path IS NULL"
    } else {
        "1 = 0"
    };
    let mut conditions = vec![format!(
        "({home} OR {homeless} OR {granted} OR id IN (SELECT organization_id FROM linkages WHERE {linked}))"
    )];
    if let Some(prefix) = q.name_prefix.filter(|p| !p.is_empty()) {
        conditions.push(crate::starting_with("name", prefix, args));
    }
    conditions
}

/// The organizations of `ids`, by name.
pub async fn by_ids(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<OrganizationRow>> {
    let mut args = Vec::new();
    let listed = crate::one_of("id", ids, &mut args);
    let sql = format!(
        "SELECT {} FROM organizations WHERE {listed} ORDER BY name",
        OrganizationRow::COLUMNS
    );
    conn.fetch_all::<OrganizationRow>(&sql, &args).await
}

/// The first `limit` organizations' names, in order: the public sign-up form offers them.
pub async fn names(conn: &mut AnyConnection, limit: i64) -> Result<Vec<String>> {
    conn.rows(
        "SELECT name FROM organizations ORDER BY name LIMIT $1",
        &[Cell::from(limit)],
    )
    .await?
    .iter()
    .map(|r| r.try_get("name"))
    .collect()
}

crate::query_row! {
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
        /// What the organization provides (free text beside the duties).
        pub organization_provides: String,
        /// What the community provides.
        pub community_provides: String,
        /// The duties taken on, comma-separated `Duty` spellings.
        pub duties: String,
        /// `proposed`, `active` or `ended`.
        pub status: LinkageStatus,
        /// The side that proposed it.
        pub proposed_by: LinkageSide,
        /// First day (YYYY-MM-DD), if set.
        pub starts_on: Option<String>,
        /// Last day, if set.
        pub ends_on: Option<String>,
        /// Contact people on both sides.
        pub contact: String,
    }
}

const LINKAGE_SELECT: &str = "SELECT l.id, l.organization_id, o.name AS organization_name, l.community_id, a.name AS community_name, \
     l.community_path, l.organization_provides, l.community_provides, l.duties, l.status, l.proposed_by, l.starts_on, l.ends_on, l.contact \
     FROM linkages l JOIN organizations o ON o.id = l.organization_id JOIN areas a ON a.id = l.community_id";

/// A linkage to write: the organization, the community (id, path) and its terms.
#[derive(Debug, Clone, Copy)]
pub struct NewLinkage<'a> {
    /// The organization.
    pub organization_id: &'a str,
    /// The community's id and path.
    pub community: (&'a str, &'a str),
    /// Free text: what the organization provides.
    pub organization_provides: &'a str,
    /// Free text: what the community provides.
    pub community_provides: &'a str,
    /// Stored duties.
    pub duties: &'a str,
    /// Starting status.
    pub status: LinkageStatus,
    /// Who proposed it.
    pub proposed_by: LinkageSide,
    /// First day.
    pub starts_on: Option<&'a str>,
    /// Last day.
    pub ends_on: Option<&'a str>,
    /// Contact people.
    pub contact: &'a str,
}

/// Links an organization to a community. A pair linked before and since ended is proposed
/// anew on the same row (one row a pair); a pair still proposed or active is a conflict.
pub async fn link(conn: &mut AnyConnection, l: &NewLinkage<'_>) -> Result<String> {
    let now = now_ms();
    let reopened: Option<String> = conn
        .optional_row(
            "UPDATE linkages SET organization_provides = $3, community_provides = $4, duties = $5, status = $6, \
             proposed_by = $7, starts_on = $8, ends_on = $9, contact = $10, changed_at = $11 \
             WHERE organization_id = $1 AND community_id = $2 AND status = 'ended' RETURNING id",
            &[
                l.organization_id.into(),
                l.community.0.into(),
                l.organization_provides.into(),
                l.community_provides.into(),
                l.duties.into(),
                l.status.into(),
                l.proposed_by.into(),
                l.starts_on.into(),
                l.ends_on.into(),
                l.contact.into(),
                now.into(),
            ],
        )
        .await?
        .map(|r| r.try_get("id"))
        .transpose()?;
    if let Some(id) = reopened {
        return Ok(id);
    }
    let id = new_id();
    conn.changed("INSERT INTO linkages (id, organization_id, community_id, community_path, organization_provides, community_provides, \
         duties, status, proposed_by, starts_on, ends_on, contact, changed_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)", &[Cell::from(&id), Cell::from(l.organization_id), Cell::from(l.community.0), Cell::from(l.community.1), Cell::from(l.organization_provides), Cell::from(l.community_provides), Cell::from(l.duties), Cell::from(l.status), Cell::from(l.proposed_by), Cell::from(l.starts_on), Cell::from(l.ends_on), Cell::from(l.contact), Cell::from(now)])
    .await?;
    Ok(id)
}

/// Moves a linkage from `from` to `to`; false when it was no longer in `from` (another request
/// moved it first), so two accepts or an accept and an end race to one outcome.
pub async fn set_status(
    conn: &mut AnyConnection,
    linkage_id: &str,
    from: LinkageStatus,
    to: LinkageStatus,
) -> Result<bool> {
    let done = conn
        .changed(
            "UPDATE linkages SET status = $3, changed_at = $4 WHERE id = $1 AND status = $2",
            &[
                Cell::from(linkage_id),
                Cell::from(from),
                Cell::from(to),
                Cell::from(now_ms()),
            ],
        )
        .await?;
    Ok(done == 1)
}

/// The linkages of one organization.
pub async fn linkages_of(
    conn: &mut AnyConnection,
    organization_id: &str,
) -> Result<Vec<LinkageRow>> {
    conn.fetch_all::<LinkageRow>(
        &format!("{LINKAGE_SELECT} WHERE l.organization_id = $1 ORDER BY a.sort_key, a.name"),
        &[Cell::from(organization_id)],
    )
    .await
}

/// The linkages of the organizations of `ids` (a page of a list), by organization and community.
pub async fn linkages_of_each(conn: &mut AnyConnection, ids: &[String]) -> Result<Vec<LinkageRow>> {
    let mut args = Vec::new();
    let listed = crate::one_of("l.organization_id", ids, &mut args);
    conn.fetch_all::<LinkageRow>(
        &format!("{LINKAGE_SELECT} WHERE {listed} ORDER BY l.organization_id, a.sort_key, a.name"),
        &args,
    )
    .await
}

/// The paths of the communities where one of `organization_ids` holds an active linkage whose
/// duties include `duty` on `day` (YYYY-MM-DD, inside its dates where it has them).
pub async fn duty_paths(
    conn: &mut AnyConnection,
    organization_ids: &[String],
    duty: &str,
    day: &str,
) -> Result<Vec<String>> {
    let held = duties_held(conn, "organization_id", organization_ids, duty, day).await?;
    Ok(held.into_iter().map(|(_, path)| path).collect())
}

/// The organizations holding an active linkage with `duty` on `day` with one of the
/// communities at `community_paths`.
pub async fn duty_holders(
    conn: &mut AnyConnection,
    community_paths: &[String],
    duty: &str,
    day: &str,
) -> Result<Vec<String>> {
    let held = duties_held(conn, "community_path", community_paths, duty, day).await?;
    Ok(held
        .into_iter()
        .map(|(organization, _)| organization)
        .collect())
}

/// (organization, community path) of the active linkages with `duty` on `day` whose `column`
/// is one of `values`.
async fn duties_held(
    conn: &mut AnyConnection,
    column: &str,
    values: &[String],
    duty: &str,
    day: &str,
) -> Result<Vec<(String, String)>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Cell> = vec![day.into(), format!("%{duty}%").into()];
    let filter = crate::one_of(column, values, &mut args);
    let sql = format!(
        "SELECT organization_id, community_path, duties FROM linkages WHERE status = 'active' \
         AND (starts_on IS NULL OR starts_on <= $1) AND (ends_on IS NULL OR ends_on >= $1) \
         AND duties LIKE $2 AND {filter}"
    );
    let mut out = Vec::new();
    for r in conn.rows(&sql, &args).await? {
        let duties: String = r.try_get("duties")?;
        // LIKE narrows; the exact spelling decides (no duty's name holds another's).
        if duties.split(',').any(|d| d == duty) {
            out.push((r.try_get("organization_id")?, r.try_get("community_path")?));
        }
    }
    Ok(out)
}

/// One linkage.
pub async fn linkage(conn: &mut AnyConnection, linkage_id: &str) -> Result<LinkageRow> {
    conn.fetch_one::<LinkageRow>(
        &format!("{LINKAGE_SELECT} WHERE l.id = $1"),
        &[Cell::from(linkage_id)],
    )
    .await
}

/// The organization registered under exactly this name, if one is.
pub async fn id_by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<String>> {
    conn.one_row(
        "SELECT MIN(id) AS id FROM organizations WHERE name = $1",
        &[Cell::from(name)],
    )
    .await?
    .try_get("id")
}

crate::query_row! {
    /// A linkage as the linkage map reads it: which organization, where, doing what.
    #[derive(Debug, Clone)]
    pub struct MapLinkageRow {
        /// The organization.
        pub organization_id: String,
        /// Its name.
        pub organization_name: String,
        /// The community's path.
        pub community_path: String,
        /// Stored duties.
        pub duties: String,
        /// Proposed or active.
        pub status: LinkageStatus,
    }
}

const MAP_LINKAGE_SELECT: &str = "SELECT l.organization_id, o.name AS organization_name, l.community_path, l.duties, l.status \
     FROM linkages l JOIN organizations o ON o.id = l.organization_id WHERE l.status <> 'ended'";

/// The linkages not ended of the communities below `roots` (one query for the whole map).
pub async fn linkages_within(
    conn: &mut impl crate::statements::Statements,
    roots: &[String],
) -> Result<Vec<MapLinkageRow>> {
    let (filter, binds) = crate::scope_filter("l.community_path", roots, 1);
    let args: Vec<crate::statements::Cell> = binds.into_iter().map(Into::into).collect();
    conn.fetch_all(
        &format!("{MAP_LINKAGE_SELECT} AND {filter} ORDER BY o.name, l.organization_id"),
        &args,
    )
    .await
}

/// The linkages not ended made with exactly these places (streets above the communities a
/// part of the map is read for).
pub async fn linkages_at(
    conn: &mut impl crate::statements::Statements,
    paths: &[String],
) -> Result<Vec<MapLinkageRow>> {
    conn.fetch_in(paths, &[], |paths| {
        format!("{MAP_LINKAGE_SELECT} AND l.community_path IN {paths} ORDER BY o.name, l.organization_id")
    })
    .await
}

crate::query_row! {
    /// A team of an organization's people.
    #[derive(Debug, Clone)]
    pub struct TeamRow {
        /// Id.
        pub id: String,
        /// The organization.
        pub organization_id: String,
        /// Name, e.g. 第三小组.
        pub name: String,
        /// The leader.
        pub leader_id: Option<String>,
        /// Their name.
        pub leader_name: Option<String>,
    }
}

const TEAM_SELECT: &str = "SELECT t.id, t.organization_id, t.name, t.leader_id, u.display_name AS leader_name \
     FROM teams t LEFT JOIN users u ON u.id = t.leader_id";

/// Makes a team with its members; a name the organization already uses is a conflict.
pub async fn insert_team(
    conn: &mut AnyConnection,
    t: &TeamRow,
    member_ids: &[String],
    at: i64,
) -> Result<()> {
    conn.run(
        "INSERT INTO teams (id, organization_id, name, leader_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            (&t.id).into(),
            (&t.organization_id).into(),
            (&t.name).into(),
            t.leader_id.clone().into(),
            at.into(),
        ],
    )
    .await?;
    // A team has at most a few hundred people: a statement each is quick enough.
    for user in member_ids {
        conn.run(
            "INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT (team_id, user_id) DO NOTHING",
            &[(&t.id).into(), user.into()],
        )
        .await?;
    }
    Ok(())
}

/// The teams of an organization, by name.
pub async fn teams_of(conn: &mut AnyConnection, organization_id: &str) -> Result<Vec<TeamRow>> {
    conn.fetch_all(
        &format!("{TEAM_SELECT} WHERE t.organization_id = $1 ORDER BY t.name"),
        &[organization_id.into()],
    )
    .await
}

/// The teams someone leads.
pub async fn teams_led_by(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<TeamRow>> {
    conn.fetch_all(
        &format!("{TEAM_SELECT} WHERE t.leader_id = $1 ORDER BY t.name"),
        &[user_id.into()],
    )
    .await
}

/// One team.
pub async fn team(conn: &mut AnyConnection, id: &str) -> Result<TeamRow> {
    conn.fetch_one(&format!("{TEAM_SELECT} WHERE t.id = $1"), &[id.into()])
        .await
}

/// The teams someone is in (ids).
pub async fn teams_joined(conn: &mut impl Statements, user_id: &str) -> Result<Vec<String>> {
    conn.rows(
        "SELECT team_id FROM team_members WHERE user_id = $1",
        &[user_id.into()],
    )
    .await?
    .iter()
    .map(|r| r.try_get("team_id"))
    .collect()
}

/// A team's members: (user id, name), by name.
pub async fn team_members(
    conn: &mut AnyConnection,
    team_id: &str,
) -> Result<Vec<(String, String)>> {
    conn.rows(
        "SELECT u.id, u.display_name FROM team_members m JOIN users u ON u.id = m.user_id \
         WHERE m.team_id = $1 AND u.active = 1 ORDER BY u.display_name, u.id",
        &[team_id.into()],
    )
    .await?
    .iter()
    .map(|r| r.columns(["id", "display_name"]))
    .collect()
}
