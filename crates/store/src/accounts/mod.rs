//! The `users`, `grants`, `sessions` and `sign_in_failures` tables.

use sanshe_core::accounts::{Role, SessionKind};
use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::statements::{Cell, FromRow, Statements};

use crate::{Result, StoreError, new_id, now_ms};

mod members;
pub use members::{
    MemberQuery, MemberRow, count_members, member_accounts, members_among, members_page,
    set_member_kind, social_workers_deployed_at,
};

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

/// The WHERE clause of a selection of users, without its page, and its values.
fn users_where(selection: &UserSelection<'_>) -> (String, Vec<Cell>) {
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
    (conditions.join(" AND "), args)
}

/// The users `selection` picks, by user name.
pub async fn users(
    conn: &mut AnyConnection,
    selection: &UserSelection<'_>,
) -> Result<Vec<UserRow>> {
    let (mut filter, mut args) = users_where(selection);
    if let Some(after) = selection.after {
        args.push(after.into());
        filter.push_str(&format!(" AND username > ${}", args.len()));
    }
    args.push(selection.limit.into());
    let sql = format!(
        "SELECT {} FROM users WHERE {filter} ORDER BY username LIMIT ${}",
        UserRow::COLUMNS,
        args.len()
    );
    conn.fetch_all::<UserRow>(&sql, &args).await
}

/// How many users `selection` picks over all its pages.
pub async fn count_users(conn: &mut AnyConnection, selection: &UserSelection<'_>) -> Result<i64> {
    let (filter, args) = users_where(selection);
    let sql = format!("SELECT COUNT(*) AS n FROM users WHERE {filter}");
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
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
    crate::map_by_key(conn, ("users", column, "display_name"), keys).await
}

/// Active volunteers' deployments at exactly these areas (by path), walked a batch at a time
/// by user id then path, so a caller reads however many there are: each `next` gives the
/// following (user id, display name, area path) rows, none once all were given. A person
/// deployed at two of the areas comes in two rows, one after the other (perhaps across batches).
pub struct DeployedVolunteers<'a> {
    paths: &'a [String],
    batch: i64,
    after: Option<(String, String)>,
}

impl<'a> DeployedVolunteers<'a> {
    /// A walk over the volunteers deployed at `paths`, `batch` rows at a time.
    pub fn at(paths: &'a [String], batch: i64) -> Self {
        DeployedVolunteers {
            paths,
            batch,
            after: None,
        }
    }

    /// The person of the last row given, for a caller that counts each person once.
    pub fn last_person(&self) -> Option<&str> {
        self.after.as_ref().map(|(user, _)| user.as_str())
    }

    /// The next batch of rows; empty when the walk is over.
    pub async fn next(
        &mut self,
        conn: &mut impl crate::statements::Statements,
    ) -> Result<Vec<(String, String, String)>> {
        let mut args = Vec::new();
        let filter = crate::one_of("a.path", self.paths, &mut args);
        let (user, path) = self.after.clone().unwrap_or_default();
        args.extend([user.into(), path.into()]);
        let after = crate::sql::beyond(&["u.id", "a.path"], args.len() - 1, false);
        args.push(self.batch.into());
        let rows: Vec<(String, String, String)> = conn
            .rows(
                &format!(
                    "SELECT u.id AS user_id, u.display_name, a.path FROM grants g JOIN users u ON u.id = g.user_id \
                     JOIN areas a ON a.id = g.area_id WHERE g.role = 'volunteer' AND u.active = 1 AND {filter}{after} \
                     ORDER BY u.id, a.path LIMIT ${}",
                    args.len()
                ),
                &args,
            )
            .await?
            .iter()
            .map(|r| r.columns(["user_id", "display_name", "path"]))
            .collect::<Result<_>>()?;
        if let Some((user, _, path)) = rows.last() {
            self.after = Some((user.clone(), path.clone()));
        }
        Ok(rows)
    }
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
             WHERE g.role = 'volunteer' AND g.user_id IN {ids} ORDER BY a.sort_key, a.name"
        )
    })
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
