//! The `users`, `grants`, `sessions` and `sign_in_failures` tables.

use sanshe_core::accounts::{Role, SessionKind};
use sanshe_core::organizations::MemberKind;
use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::statements::{Cell, FromRow, Statements};

use crate::{Result, StoreError, new_id, now_ms};

crate::row! {
    /// A stored user.
    #[derive(Debug, Clone)]
    pub struct UserRow {
        /// Id.
        pub id: String,
        /// Sign-in name.
        pub username: String,
        /// Name shown to others.
        pub display_name: String,
        /// argon2id PHC string.
        pub password_hash: String,
        /// Preferred interface language.
        pub locale: String,
        /// Whether the account may sign in.
        pub active: bool,
        /// A password someone else chose, to be changed at the next sign-in.
        pub must_change_password: bool,
    }
}

/// Creates a user, and whether their password is to be changed at the first sign-in; a taken
/// user name is a conflict. A new account speaks Simplified Chinese until its owner chooses.
pub async fn insert_user(
    conn: &mut AnyConnection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    must_change: bool,
) -> Result<UserRow> {
    let id = new_id();
    conn.changed(
        "INSERT INTO users (id, username, display_name, password_hash, locale, active, must_change_password, created_at) VALUES ($1, $2, $3, $4, 'zh-CN', 1, $5, $6)",
        &[
            Cell::from(&id),
            Cell::from(username),
            Cell::from(display_name),
            Cell::from(password_hash),
            Cell::from(i64::from(must_change)),
            Cell::from(now_ms()),
        ],
    )
    .await?;
    user(conn, &id).await
}

/// One user by id.
pub async fn user(conn: &mut AnyConnection, id: &str) -> Result<UserRow> {
    conn.one_by("users", "id", id.into()).await
}

/// One user by sign-in name.
pub async fn user_by_name(conn: &mut AnyConnection, username: &str) -> Result<Option<UserRow>> {
    conn.optional_by("users", "username", username.into()).await
}

/// Which users a list holds, a page at a time by user name.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserSelection<'a> {
    /// Every user (a city coordinator's list); otherwise only those with a grant below one of
    /// `roots` or in one of `organizations`.
    pub everyone: bool,
    /// Area paths whose subtrees' grants count.
    pub roots: &'a [String],
    /// Organizations whose grants count.
    pub organizations: &'a [String],
    /// Words the user name or the display name holds (any case).
    pub words: Option<&'a str>,
    /// Only the user names after this one.
    pub after: Option<&'a str>,
    /// At most this many.
    pub limit: i64,
}

/// The users `selection` picks, by user name.
pub async fn users(
    conn: &mut AnyConnection,
    selection: &UserSelection<'_>,
) -> Result<Vec<UserRow>> {
    let mut args: Vec<Cell> = Vec::new();
    // Everyone's list may have no other condition.
    let mut conditions = vec![String::from("1 = 1")];
    if !selection.everyone {
        let (filter, binds) = crate::scope_filter("a.path", selection.roots, 1);
        args.extend(binds.into_iter().map(Cell::from));
        let orgs = crate::one_of("g.organization_id", selection.organizations, &mut args);
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM grants g LEFT JOIN areas a ON a.id = g.area_id \
             WHERE g.user_id = users.id AND ({filter} OR {orgs}))"
        ));
    }
    if let Some(words) = selection.words {
        args.push(format!("%{}%", like_escaped(&words.to_lowercase())).into());
        let n = args.len();
        conditions.push(format!(
            "(lower(username) LIKE ${n} ESCAPE '\\' OR lower(display_name) LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(after) = selection.after {
        args.push(after.into());
        conditions.push(format!("username > ${}", args.len()));
    }
    args.push(selection.limit.into());
    let sql = format!(
        "SELECT {} FROM users WHERE {} ORDER BY username LIMIT ${}",
        UserRow::COLUMNS,
        conditions.join(" AND "),
        args.len()
    );
    conn.fetch_all::<UserRow>(&sql, &args).await
}

/// `text` with LIKE's wildcards and its escape character escaped by a backslash.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Sets a user's interface language.
pub async fn set_locale(conn: &mut AnyConnection, user_id: &str, locale: &str) -> Result<()> {
    conn.run(
        "UPDATE users SET locale = $1 WHERE id = $2",
        &[Cell::from(locale), Cell::from(user_id)],
    )
    .await
}

crate::query_row! {
    /// A stored grant with its scope resolved.
    #[derive(Debug, Clone)]
    pub struct GrantRow {
        /// Id.
        pub id: String,
        /// The role.
        pub role: Role,
        /// Area of an area grant.
        pub area_id: Option<String>,
        /// That area's path.
        pub area_path: Option<String>,
        /// That area's name.
        pub area_name: Option<String>,
        /// Organization of an organization grant.
        pub organization_id: Option<String>,
        /// That organization's name.
        pub organization_name: Option<String>,
    }
}

/// Grants a role over an area or an organization.
pub async fn insert_grant(
    conn: &mut AnyConnection,
    user_id: &str,
    role: Role,
    area_id: Option<&str>,
    organization_id: Option<&str>,
) -> Result<String> {
    let id = new_id();
    conn.changed("INSERT INTO grants (id, user_id, role, area_id, organization_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)", &[Cell::from(&id), Cell::from(user_id), Cell::from(role), Cell::from(area_id), Cell::from(organization_id), Cell::from(now_ms())])
        .await?;
    Ok(id)
}

/// Removes a grant of a user.
pub async fn delete_grant(conn: &mut AnyConnection, user_id: &str, grant_id: &str) -> Result<()> {
    let done = conn
        .changed(
            "DELETE FROM grants WHERE id = $1 AND user_id = $2",
            &[Cell::from(grant_id), Cell::from(user_id)],
        )
        .await?;
    if done == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The grants of a user.
pub async fn grants_of(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<GrantRow>> {
    conn.fetch_all::<GrantRow>("SELECT g.id, g.role, g.area_id, a.path AS area_path, a.name AS area_name, g.organization_id, o.name AS organization_name \
         FROM grants g LEFT JOIN areas a ON a.id = g.area_id LEFT JOIN organizations o ON o.id = g.organization_id \
         WHERE g.user_id = $1 ORDER BY g.created_at", &[Cell::from(user_id)]).await
}

/// The grants of the users `ids`, each with its user id, in the order granted (one query for a
/// page of a user list).
pub async fn grants_of_users(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, GrantRow)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Cell> = Vec::new();
    let users = crate::one_of("g.user_id", ids, &mut args);
    let sql = format!(
        "SELECT g.user_id, g.id, g.role, g.area_id, a.path AS area_path, a.name AS area_name, \
         g.organization_id, o.name AS organization_name \
         FROM grants g LEFT JOIN areas a ON a.id = g.area_id \
         LEFT JOIN organizations o ON o.id = g.organization_id \
         WHERE {users} ORDER BY g.created_at"
    );
    let rows = conn.rows(&sql, &args).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("user_id")?, GrantRow::from_row(r)?)))
        .collect()
}

crate::row! {
    /// A stored session.
    #[derive(Debug, Clone)]
    pub struct SessionRow {
        /// The user.
        pub user_id: String,
        /// The token forms must echo.
        pub csrf_token: String,
        /// Opened by the sign-in page or the API.
        pub kind: SessionKind,
        /// Expiry, UTC ms.
        pub expires_at: i64,
    }
}

/// Stores a session under the hash of its token (the token itself is never stored).
pub async fn insert_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    csrf: &str,
    kind: SessionKind,
    expires_at: i64,
) -> Result<()> {
    conn.run("INSERT INTO sessions (token_hash, user_id, csrf_token, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)", &[Cell::from(token_hash), Cell::from(user_id), Cell::from(csrf), Cell::from(kind), Cell::from(now_ms()), Cell::from(expires_at)])
        .await
}

/// The unexpired session with this token hash.
pub async fn session(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<SessionRow>> {
    conn.fetch_optional(
        &format!(
            "SELECT {} FROM sessions WHERE token_hash = $1 AND expires_at > $2",
            SessionRow::COLUMNS
        ),
        &[Cell::from(token_hash), Cell::from(now)],
    )
    .await
}

/// Ends a session.
pub async fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<()> {
    conn.run(
        "DELETE FROM sessions WHERE token_hash = $1",
        &[Cell::from(token_hash)],
    )
    .await
}

/// Ends every session of a user, or every one but `keep` (a token hash).
pub async fn delete_sessions_of(
    conn: &mut AnyConnection,
    user_id: &str,
    keep: Option<&str>,
) -> Result<u64> {
    conn.changed(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
        &[user_id.into(), keep.unwrap_or("").into()],
    )
    .await
}

/// Sets a user's password hash, and whether it is to be changed at the next sign-in.
pub async fn set_password(
    conn: &mut AnyConnection,
    user_id: &str,
    hash: &str,
    must_change: bool,
) -> Result<()> {
    conn.run(
        "UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1",
        &[user_id.into(), hash.into(), i64::from(must_change).into()],
    )
    .await
}

/// Lets a user sign in, or not.
pub async fn set_active(conn: &mut AnyConnection, user_id: &str, active: bool) -> Result<()> {
    conn.run(
        "UPDATE users SET active = $2 WHERE id = $1",
        &[user_id.into(), i64::from(active).into()],
    )
    .await
}

/// Records a failed sign-in for a user name from a client address.
pub async fn record_failure(conn: &mut AnyConnection, username: &str, address: &str) -> Result<()> {
    conn.run(
        "INSERT INTO sign_in_failures (id, username, address, at) VALUES ($1, $2, $3, $4)",
        &[
            Cell::from(new_id()),
            Cell::from(username),
            Cell::from(address),
            Cell::from(now_ms()),
        ],
    )
    .await
}

/// Failed sign-ins since `since` (UTC ms): for this user name, and from this address.
pub async fn failures_since(
    conn: &mut AnyConnection,
    username: &str,
    address: &str,
    since: i64,
) -> Result<(i64, i64)> {
    let row = conn.one_row("SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND at > $3) AS by_name, \
                (SELECT COUNT(*) FROM sign_in_failures WHERE address = $2 AND at > $3) AS by_address", &[Cell::from(username), Cell::from(address), Cell::from(since)])
    .await?;
    Ok((row.try_get("by_name")?, row.try_get("by_address")?))
}

/// Forgets the failures of a user name from one address after a successful sign-in there.
pub async fn clear_failures(conn: &mut AnyConnection, username: &str, address: &str) -> Result<()> {
    conn.run(
        "DELETE FROM sign_in_failures WHERE username = $1 AND address = $2",
        &[Cell::from(username), Cell::from(address)],
    )
    .await
}

/// Active users holding `role` over an area: (user id, display name, area path), for finding
/// the workers whose subtree covers a place.
pub async fn area_role_holders(
    conn: &mut AnyConnection,
    role: Role,
) -> Result<Vec<(String, String, String)>> {
    let rows = conn.rows("SELECT u.id, u.display_name, a.path FROM grants g JOIN users u ON u.id = g.user_id JOIN areas a ON a.id = g.area_id \
         WHERE g.role = $1 AND u.active = 1 ORDER BY u.display_name, u.id", &[Cell::from(role)])
    .await?;
    rows.iter()
        .map(|r| r.columns(["id", "display_name", "path"]))
        .collect()
}

/// Display names of these users, by id (each asked once however often it is given).
pub async fn display_names<'a>(
    conn: &mut impl crate::statements::Statements,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, String>> {
    names_by(conn, "id", ids).await
}

/// Display names of users by user name, for records that keep the user name of whoever wrote
/// them.
pub async fn display_names_of_usernames<'a>(
    conn: &mut impl crate::statements::Statements,
    usernames: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, String>> {
    names_by(conn, "username", usernames).await
}

async fn names_by<'a>(
    conn: &mut impl crate::statements::Statements,
    column: &'static str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, String>> {
    let keys: std::collections::BTreeSet<&str> = keys.into_iter().collect();
    let keys: Vec<String> = keys.into_iter().map(String::from).collect();
    Ok(
        crate::column_by_key(conn, ("users", column, "display_name"), &keys)
            .await?
            .into_iter()
            .collect(),
    )
}

/// Volunteers deployed to exactly these areas (by path): (user id, display name, area id, area
/// path); given a place's lineage, those whose deployment covers the place.
pub async fn volunteers_deployed_at(
    conn: &mut impl crate::statements::Statements,
    paths: &[String],
) -> Result<Vec<(String, String, String, String)>> {
    let mut args = Vec::new();
    let filter = crate::one_of("a.path", paths, &mut args);
    conn
        .rows(
            &format!(
                "SELECT u.id AS user_id, u.display_name, a.id AS area_id, a.path FROM grants g JOIN users u ON u.id = g.user_id \
                 JOIN areas a ON a.id = g.area_id WHERE g.role = 'volunteer' AND u.active = 1 AND {filter} \
                 ORDER BY a.path, u.display_name LIMIT 5000"
            ),
            &args,
        )
        .await?
        .iter()
        .map(|r| r.columns(["user_id", "display_name", "area_id", "path"]))
        .collect::<Result<_>>()
}

/// The active social workers of any of `organizations` deployed at one of `paths`, each once:
/// (user id, name). One of an organization's grants naming them a social worker is
/// enough, as on its members page.
pub async fn social_workers_deployed_at(
    conn: &mut impl crate::statements::Statements,
    organizations: &[String],
    paths: &[String],
) -> Result<Vec<(String, String)>> {
    let mut args = Vec::new();
    let of = crate::one_of("m.organization_id", organizations, &mut args);
    let at = crate::one_of("a.path", paths, &mut args);
    conn.rows(
        &format!(
            "SELECT DISTINCT u.id AS user_id, u.display_name FROM grants m JOIN users u ON u.id = m.user_id \
             JOIN grants g ON g.user_id = u.id JOIN areas a ON a.id = g.area_id \
             WHERE m.role = 'volunteer' AND m.member_kind = '{}' AND {of} \
             AND g.role = 'volunteer' AND {at} AND u.active = 1",
            MemberKind::SocialWorker.as_str()
        ),
        &args,
    )
    .await?
    .iter()
    .map(|r| r.columns(["user_id", "display_name"]))
    .collect()
}

/// Sessions expired before `before`, deleted.
pub async fn purge_sessions(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::delete_older(conn, "sessions", "expires_at", before, dry_run).await
}

/// Failed sign-ins before `before`, deleted.
pub async fn purge_failures(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::delete_older(conn, "sign_in_failures", "at", before, dry_run).await
}

crate::query_row! {
    /// A member of an organization (a volunteer grant held over it).
    #[derive(Debug, Clone)]
    pub struct MemberRow {
        /// The user.
        pub user_id: String,
        /// Their display name.
        pub display_name: String,
        /// Their sign-in name (what their scans are recorded under).
        pub username: String,
        /// Social worker or volunteer.
        pub member_kind: MemberKind,
    }
}

/// Those of `user_ids` who are active members of the organization, by name: a membership check
/// that holds however many members the organization has.
pub async fn members_among(
    conn: &mut impl crate::statements::Statements,
    organization_id: &str,
    user_ids: &[String],
) -> Result<Vec<MemberRow>> {
    let mut args = vec![organization_id.into()];
    let among = crate::one_of("u.id", user_ids, &mut args);
    conn.fetch_all(
        &format!("{MEMBER_COLUMNS}{MEMBERS_FROM} AND {among} {MEMBERS_BY_NAME}"),
        &args,
    )
    .await
}

/// Which of an organization's members a page lists.
#[derive(Debug, Clone, Default)]
pub struct MemberQuery {
    /// The organization.
    pub organization_id: String,
    /// Only names starting with this.
    pub name_prefix: Option<String>,
    /// After this (name, user id), the last of the previous page.
    pub after: Option<(String, String)>,
}

/// An organization's active members (`$1`), one row each once grouped (`MEMBERS_BY_NAME`): a
/// person may hold several grants.
const MEMBER_COLUMNS: &str =
    "SELECT u.id AS user_id, u.display_name, u.username, MIN(g.member_kind) AS member_kind";
/// Where `MEMBER_COLUMNS` come from.
const MEMBERS_FROM: &str = " FROM grants g JOIN users u ON u.id = g.user_id \
     WHERE g.organization_id = $1 AND g.role = 'volunteer' AND u.active = 1";
/// How members are grouped and ordered.
const MEMBERS_BY_NAME: &str =
    "GROUP BY u.id, u.display_name, u.username ORDER BY u.display_name, u.id";

/// `MEMBERS_FROM` narrowed by the query's name (not its cursor), and its arguments.
fn members_matching(q: &MemberQuery) -> (String, Vec<Cell>) {
    let mut sql = String::from(MEMBERS_FROM);
    let mut args = vec![Cell::from(&q.organization_id)];
    if let Some(p) = &q.name_prefix {
        let named = crate::starting_with("u.display_name", p, &mut args);
        sql.push_str(&format!(" AND {named}"));
    }
    (sql, args)
}

/// A page of an organization's active members: at most `limit` after the query's cursor, by
/// name and user.
pub async fn members_page(
    conn: &mut impl crate::statements::Statements,
    q: &MemberQuery,
    limit: i64,
) -> Result<Vec<MemberRow>> {
    let (mut sql, mut args) = members_matching(q);
    if let Some((name, user)) = &q.after {
        args.extend([name, user].map(|v| Cell::from(v.clone())));
        let (n, u) = (args.len() - 1, args.len());
        sql.push_str(&format!(
            " AND (u.display_name > ${n} OR (u.display_name = ${n} AND u.id > ${u}))"
        ));
    }
    args.push(limit.into());
    let sql = format!(
        "{MEMBER_COLUMNS}{sql} {MEMBERS_BY_NAME} LIMIT ${}",
        args.len()
    );
    conn.fetch_all(&sql, &args).await
}

/// How many active members the query lists over all its pages.
pub async fn count_members(
    conn: &mut impl crate::statements::Statements,
    q: &MemberQuery,
) -> Result<i64> {
    let (from, args) = members_matching(q);
    conn.one_row(&format!("SELECT COUNT(DISTINCT u.id) AS n{from}"), &args)
        .await?
        .try_get("n")
}

/// Every active member of an organization, (user id, sign-in name), for sums over what they
/// did: two short strings each, so even a city-wide association's members fit in a few MB.
pub async fn member_accounts(
    conn: &mut impl crate::statements::Statements,
    organization_id: &str,
) -> Result<Vec<(String, String)>> {
    conn.rows(
        "SELECT DISTINCT u.id AS user_id, u.username FROM grants g JOIN users u ON u.id = g.user_id \
         WHERE g.organization_id = $1 AND g.role = 'volunteer' AND u.active = 1",
        &[organization_id.into()],
    )
    .await?
    .iter()
    .map(|r| r.columns(["user_id", "username"]))
    .collect()
}

crate::query_row! {
    /// Where someone is deployed: an area grant of the volunteer role.
    #[derive(Debug, Clone)]
    pub struct DeploymentRow {
        /// The user.
        pub user_id: String,
        /// The grant that deploys them.
        pub grant_id: String,
        /// The area.
        pub area_id: String,
        /// Its name.
        pub area_name: String,
        /// Its path.
        pub area_path: String,
    }
}

/// The deployments of the given people.
pub async fn deployments_of(
    conn: &mut impl crate::statements::Statements,
    user_ids: &[String],
) -> Result<Vec<DeploymentRow>> {
    conn.fetch_in(user_ids, &[], |ids| {
        format!(
            "SELECT g.user_id, g.id AS grant_id, a.id AS area_id, a.name AS area_name, a.path AS area_path \
             FROM grants g JOIN areas a ON a.id = g.area_id \
             WHERE g.role = 'volunteer' AND g.user_id IN {ids} ORDER BY a.name"
        )
    })
    .await
}

/// Sets whether an organization's member is a social worker or a volunteer.
pub async fn set_member_kind(
    conn: &mut AnyConnection,
    organization_id: &str,
    user_id: &str,
    kind: MemberKind,
) -> Result<()> {
    conn.run("UPDATE grants SET member_kind = $3 WHERE organization_id = $1 AND user_id = $2 AND role = 'volunteer'", &[Cell::from(organization_id), Cell::from(user_id), Cell::from(kind)])
        .await
}

/// Who is deployed where below `roots`, once per organization they belong to: (organization id,
/// or "" for someone in no organization; the place's path; the person). The caller counts
/// people, so someone in two organizations or at two places of a community counts once there.
pub async fn deployments(
    conn: &mut impl crate::statements::Statements,
    roots: &[String],
) -> Result<Vec<(String, String, String)>> {
    let (filter, binds) = crate::scope_filter("a.path", roots, 1);
    let args: Vec<crate::statements::Cell> = binds.into_iter().map(Into::into).collect();
    conn.rows(
        &format!(
            "SELECT DISTINCT COALESCE(m.organization_id, '') AS organization_id, a.path, g.user_id \
             FROM grants g JOIN areas a ON a.id = g.area_id JOIN users u ON u.id = g.user_id \
             LEFT JOIN grants m ON m.user_id = g.user_id AND m.role = 'volunteer' AND m.organization_id IS NOT NULL \
             WHERE g.role = 'volunteer' AND u.active = 1 AND {filter}"
        ),
        &args,
    )
    .await?
    .iter()
    .map(|r| r.columns(["organization_id", "path", "user_id"]))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanshe_core::areas::AreaKind;
    use sanshe_core::organizations::OrganizationKind;

    #[tokio::test]
    async fn membership_is_checked_past_the_listed_five_thousand() {
        let scratch = crate::ScratchDb::new().await;
        let mut tx = scratch.db.begin().await.unwrap();
        let org = crate::organizations::insert(
            &mut tx,
            OrganizationKind::VolunteerAssociation,
            "志愿者协会",
            None,
            "",
        )
        .await
        .unwrap();
        let other = crate::organizations::insert(
            &mut tx,
            OrganizationKind::SocialOrganization,
            "另一家",
            None,
            "",
        )
        .await
        .unwrap();
        // 5,000 members named before the one the check is about, who has two grants.
        let mut first = String::new();
        for n in 0..5000 {
            let user = insert_user(&mut tx, &format!("m.{n}"), &format!("甲{n:04}"), "x", false)
                .await
                .unwrap();
            insert_grant(&mut tx, &user.id, Role::Volunteer, None, Some(&org.id))
                .await
                .unwrap();
            if n == 0 {
                first = user.id;
            }
        }
        let last = insert_user(&mut tx, "last", "癸", "x", false)
            .await
            .unwrap();
        insert_grant(&mut tx, &last.id, Role::Volunteer, None, Some(&org.id))
            .await
            .unwrap();
        insert_grant(&mut tx, &last.id, Role::Volunteer, None, Some(&org.id))
            .await
            .unwrap();
        let elsewhere = insert_user(&mut tx, "elsewhere", "丙", "x", false)
            .await
            .unwrap();
        insert_grant(
            &mut tx,
            &elsewhere.id,
            Role::Volunteer,
            None,
            Some(&other.id),
        )
        .await
        .unwrap();
        let gone = insert_user(&mut tx, "gone", "丁", "x", false)
            .await
            .unwrap();
        insert_grant(&mut tx, &gone.id, Role::Volunteer, None, Some(&org.id))
            .await
            .unwrap();
        set_active(&mut tx, &gone.id, false).await.unwrap();
        // Deployed where a duty is done: 癸 a social worker, 甲0000 a volunteer, the street's
        // social worker above the community; 丙 is another organization's, 丁 inactive.
        let city = crate::areas::insert(&mut tx, None, AreaKind::Street, None, "街道")
            .await
            .unwrap();
        let community =
            crate::areas::insert(&mut tx, Some(&city), AreaKind::Community, None, "社区")
                .await
                .unwrap();
        let street_worker = insert_user(&mut tx, "street", "庚", "x", false)
            .await
            .unwrap();
        insert_grant(
            &mut tx,
            &street_worker.id,
            Role::Volunteer,
            None,
            Some(&org.id),
        )
        .await
        .unwrap();
        for (who, at) in [
            (&last.id, &community),
            (&first, &community),
            (&street_worker.id, &city),
            (&elsewhere.id, &community),
            (&gone.id, &community),
        ] {
            insert_grant(&mut tx, who, Role::Volunteer, Some(&at.id), None)
                .await
                .unwrap();
        }
        for (who, of) in [
            (&last.id, &org.id),
            (&street_worker.id, &org.id),
            (&elsewhere.id, &other.id),
            (&gone.id, &org.id),
        ] {
            set_member_kind(&mut tx, of, who, MemberKind::SocialWorker)
                .await
                .unwrap();
        }
        crate::commit(tx).await.unwrap();

        let mut conn = scratch.db.conn().await.unwrap();
        let everyone = MemberQuery {
            organization_id: org.id.clone(),
            ..Default::default()
        };
        // Pages by name follow on from each other: 庚, 甲0000…甲4998, then 甲4999 and 癸.
        let listed = members_page(&mut *conn, &everyone, 5000).await.unwrap();
        assert_eq!(listed.len(), 5000);
        assert!(listed.iter().all(|m| m.user_id != last.id));
        let end = listed.last().unwrap();
        let after = MemberQuery {
            after: Some((end.display_name.clone(), end.user_id.clone())),
            ..everyone.clone()
        };
        let rest = members_page(&mut *conn, &after, 5000).await.unwrap();
        let names = |rows: &[MemberRow]| {
            rows.iter()
                .map(|m| m.display_name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&rest), ["甲4999", "癸"]);
        assert_eq!(rest[1].member_kind, MemberKind::SocialWorker);
        let named = |prefix: &str| MemberQuery {
            name_prefix: Some(prefix.to_string()),
            ..everyone.clone()
        };
        assert_eq!(
            names(&members_page(&mut *conn, &named("癸"), 10).await.unwrap()),
            ["癸"]
        );
        assert_eq!(count_members(&mut *conn, &named("甲")).await.unwrap(), 5000);
        assert_eq!(
            count_members(&mut *conn, &named("丁")).await.unwrap(),
            0,
            "inactive"
        );
        let asked = [last.id.clone(), elsewhere.id.clone(), gone.id.clone()];
        let found = members_among(&mut *conn, &org.id, &asked).await.unwrap();
        assert_eq!(
            found.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(),
            [last.id.as_str()]
        );
        assert_eq!(count_members(&mut *conn, &everyone).await.unwrap(), 5002);
        let accounts = member_accounts(&mut *conn, &org.id).await.unwrap();
        assert_eq!(accounts.len(), 5002);
        assert!(accounts.contains(&(last.id.clone(), "last".to_string())));
        let lineage = [city.path.clone(), community.path.clone()];
        let mut workers =
            social_workers_deployed_at(&mut *conn, std::slice::from_ref(&org.id), &lineage)
                .await
                .unwrap();
        workers.sort();
        let mut expected = [
            (last.id.clone(), "癸".to_string()),
            (street_worker.id.clone(), "庚".to_string()),
        ];
        expected.sort();
        assert_eq!(workers, expected);
        let at_the_street_only =
            social_workers_deployed_at(&mut *conn, std::slice::from_ref(&org.id), &lineage[..1])
                .await
                .unwrap();
        assert_eq!(
            at_the_street_only,
            [(street_worker.id.clone(), "庚".to_string())]
        );
        let theirs = MemberQuery {
            organization_id: other.id.clone(),
            ..Default::default()
        };
        assert_eq!(count_members(&mut *conn, &theirs).await.unwrap(), 1);
    }
}
