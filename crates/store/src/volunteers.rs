//! The `volunteer_applications` and `volunteer_numbers` tables.

use crate::statements::{Cell, FromRow, Statements};
use crate::{Result, scope_filter};
use sanshe_core::volunteers::Vetting;

crate::row! {
    /// An application.
    #[derive(Debug, Clone, Default)]
    pub struct ApplicationRow {
        /// Id.
        pub id: String,
        /// The community they live in and would serve.
        pub area_id: String,
        /// Its path.
        pub area_path: String,
        /// Name.
        pub name: String,
        /// ID number, sealed.
        pub document_cipher: String,
        /// ID number, keyed hash (repeat applications).
        pub document_hash: String,
        /// ID number, masked.
        pub document_masked: String,
        /// Phone, sealed.
        pub phone_cipher: String,
        /// Phone, masked.
        pub phone_masked: String,
        /// Skills, comma-separated keys.
        pub skills: String,
        /// When they can serve, in their words.
        pub availability: String,
        /// Their organization, if any, in their words.
        pub organization: String,
        /// Where it is in vetting.
        pub status: Vetting,
        /// Why declined, or what more is needed.
        pub decision_note: Option<String>,
        /// Who decided.
        pub decided_by: Option<String>,
        /// When.
        pub decided_at: Option<i64>,
        /// The account made on approval.
        pub user_id: Option<String>,
        /// When they applied.
        pub applied_at: i64,
        /// Hash of the applicant's status link (`/v/{token}`).
        pub link_hash: Option<String>,
        /// The registered organization of that name, when there is one: what vetting and hours
        /// go by.
        pub organization_id: Option<String>,
        /// Their number in the national volunteer service system, if they gave it.
        pub volunteer_number: Option<String>,
    }
}

const COLUMNS: &str = ApplicationRow::COLUMNS;

/// Records an application.
pub async fn insert(conn: &mut impl Statements, a: &ApplicationRow) -> Result<()> {
    conn.insert("volunteer_applications", a).await
}

/// One application (callers check the path).
pub async fn get(conn: &mut impl Statements, id: &str) -> Result<ApplicationRow> {
    conn.one_by("volunteer_applications", "id", id.into()).await
}

/// Applications of the same ID number still open (pending or waiting for more).
pub async fn open_with_document(conn: &mut impl Statements, hash: &str) -> Result<usize> {
    Ok(conn
        .rows(
            "SELECT id FROM volunteer_applications WHERE document_hash = $1 AND status IN ('pending', 'more_info')",
            &[hash.into()],
        )
        .await?
        .len())
}

/// Which applications a vetter lists, a page at a time.
#[derive(Debug, Clone, Default)]
pub struct ApplicationQuery {
    /// Only these statuses (all when empty).
    pub statuses: Vec<Vetting>,
    /// Names starting with this.
    pub name_prefix: Option<String>,
    /// Offering this skill.
    pub skill: Option<String>,
    /// After this application (ids are time-ordered: the order of applying).
    pub after: Option<String>,
    /// At most this many.
    pub limit: i64,
}

/// Applications in the scope or naming one of these organizations (by id), in the order they came,
/// a page at a time; each with the number of other open applications of the same ID number
/// (someone applied twice, or someone else applied with their number).
pub async fn list(
    conn: &mut impl Statements,
    roots: &[String],
    organizations: &[String],
    q: &ApplicationQuery,
) -> Result<Vec<(ApplicationRow, i64)>> {
    let mut args = Vec::new();
    let mut conditions = application_conditions(roots, organizations, q, &mut args);
    if let Some(after) = q.after.as_deref().filter(|a| !a.is_empty()) {
        args.push(after.into());
        conditions.push(format!("v.id > ${}", args.len()));
    }
    args.push(q.limit.into());
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("v.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns}, (SELECT COUNT(*) FROM volunteer_applications o WHERE o.document_hash = v.document_hash AND o.id <> v.id AND o.status IN ('pending', 'more_info')) AS others_open \
         FROM volunteer_applications v WHERE {} ORDER BY v.id LIMIT ${}",
        conditions.join(" AND "),
        args.len()
    );
    conn.rows(&sql, &args)
        .await?
        .iter()
        .map(|r| Ok((ApplicationRow::from_row(r)?, r.try_get("others_open")?)))
        .collect::<Result<_>>()
}

/// How many applications `list` lists over all its pages.
pub async fn count(
    conn: &mut impl Statements,
    roots: &[String],
    organizations: &[String],
    q: &ApplicationQuery,
) -> Result<i64> {
    let mut args = Vec::new();
    let conditions = application_conditions(roots, organizations, q, &mut args);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM volunteer_applications v WHERE {}",
        conditions.join(" AND ")
    );
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

/// The conditions of a list of applications but its page: scope or organization, statuses,
/// name, skill; their values appended to `args`.
fn application_conditions(
    roots: &[String],
    organizations: &[String],
    q: &ApplicationQuery,
    args: &mut Vec<Cell>,
) -> Vec<String> {
    let (filter, binds) = scope_filter("v.area_path", roots, args.len() + 1);
    args.extend(binds.into_iter().map(Cell::from));
    let members = crate::one_of("v.organization_id", organizations, args);
    let mut conditions = vec![format!("({filter} OR {members})")];
    if !q.statuses.is_empty() {
        conditions.push(crate::one_of("v.status", &q.statuses, args));
    }
    if let Some(prefix) = q.name_prefix.as_deref().filter(|p| !p.is_empty()) {
        conditions.push(crate::starting_with("v.name", prefix, args));
    }
    if let Some(skill) = q.skill.as_deref().filter(|s| !s.is_empty()) {
        args.push(format!("%,{skill},%").into());
        conditions.push(format!("(',' || v.skills || ',') LIKE ${}", args.len()));
    }
    conditions
}

/// Records a decision, only if the application is still open; false otherwise.
pub async fn decide(
    conn: &mut impl Statements,
    id: &str,
    status: Vetting,
    note: Option<&str>,
    by: &str,
    at: i64,
    user_id: Option<&str>,
) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE volunteer_applications SET status = $2, decision_note = $3, decided_by = $4, decided_at = $5, user_id = $6 \
             WHERE id = $1 AND status IN ('pending', 'more_info')",
            &[id.into(), status.into(), note.into(), by.into(), at.into(), user_id.into()],
        )
        .await?
        == 1)
}

/// Skills of approved applicants by their account: (user id, skills).
pub async fn skills_of(
    conn: &mut impl Statements,
    users: &[String],
) -> Result<Vec<(String, String)>> {
    crate::column_by_key(conn, ("volunteer_applications", "user_id", "skills"), users).await
}

/// Which of the reserve pool (approved applicants whose account is deployed nowhere) a list
/// holds: living in one of the subtrees at `roots`, below `within` if given, with `skill` if
/// given.
#[derive(Debug, Clone, Copy)]
pub struct ReserveQuery<'a> {
    /// The caller's subtrees.
    pub roots: &'a [String],
    /// Only those living below this path.
    pub within: Option<&'a str>,
    /// Only those offering this skill.
    pub skill: Option<&'a str>,
}

/// A page of the reserve pool `q` asks for, the longest-waiting first (by when they were
/// approved, then id), after `after` (the last of the previous page: its time, its id).
pub async fn reserve(
    conn: &mut impl Statements,
    q: &ReserveQuery<'_>,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<ApplicationRow>> {
    let mut args = Vec::new();
    let mut filter = reserve_filter(q, &mut args);
    if let Some((at, id)) = after {
        args.extend([at.into(), id.into()]);
        filter.push_str(&crate::sql::beyond(
            &["v.decided_at", "v.id"],
            args.len() - 1,
            false,
        ));
    }
    args.push(limit.into());
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("v.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    conn.fetch_all(
        &format!(
            "SELECT {columns} FROM volunteer_applications v WHERE {filter} \
             ORDER BY v.decided_at, v.id LIMIT ${}",
            args.len()
        ),
        &args,
    )
    .await
}

/// How many are in the reserve pool `q` asks for.
pub async fn count_reserve(conn: &mut impl Statements, q: &ReserveQuery<'_>) -> Result<i64> {
    let mut args = Vec::new();
    let filter = reserve_filter(q, &mut args);
    conn.one_row(
        &format!("SELECT COUNT(*) AS n FROM volunteer_applications v WHERE {filter}"),
        &args,
    )
    .await?
    .try_get("n")
}

/// The conditions of a list of the reserve pool but its page; their values appended to `args`.
fn reserve_filter(q: &ReserveQuery<'_>, args: &mut Vec<Cell>) -> String {
    let (scope, binds) = scope_filter("v.area_path", q.roots, args.len() + 1);
    args.extend(binds.into_iter().map(Cell::from));
    let mut filter = format!(
        "v.status = 'approved' AND v.user_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM grants g WHERE g.user_id = v.user_id AND g.role = 'volunteer') \
         AND {scope}"
    );
    if let Some(skill) = q.skill {
        // Skills are stored comma-joined with a comma at neither end; matching ",skill,"
        // against the padded list finds whole names only.
        args.push(format!("%,{skill},%").into());
        filter.push_str(&format!(" AND ',' || v.skills || ',' LIKE ${}", args.len()));
    }
    if let Some(w) = q.within {
        filter.push_str(" AND ");
        filter.push_str(&crate::starting_with("v.area_path", w, args));
    }
    filter
}

/// The approved application that made an account.
pub async fn of_user(conn: &mut impl Statements, user_id: &str) -> Result<ApplicationRow> {
    conn.one_by("volunteer_applications", "user_id", user_id.into())
        .await
}

/// Sets the national volunteer system's number of a user, replacing the one they had.
pub async fn set_number(
    conn: &mut impl Statements,
    user_id: &str,
    number: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "INSERT INTO volunteer_numbers (user_id, number, recorded_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET number = excluded.number, recorded_at = excluded.recorded_at",
        &[user_id.into(), number.into(), at.into()],
    )
    .await
}

/// The national volunteer system's number of a user, if they gave one.
pub async fn number_of(conn: &mut impl Statements, user_id: &str) -> Result<Option<String>> {
    conn.optional_row(
        "SELECT number FROM volunteer_numbers WHERE user_id = $1",
        &[user_id.into()],
    )
    .await?
    .map(|r| r.try_get("number"))
    .transpose()
}

/// The national volunteer system's numbers of those of these users who gave one:
/// (user id, number).
pub async fn numbers_of(
    conn: &mut impl Statements,
    user_ids: &[String],
) -> Result<Vec<(String, String)>> {
    crate::column_by_key(conn, ("volunteer_numbers", "user_id", "number"), user_ids).await
}

/// The application a status link opens.
pub async fn by_link(conn: &mut impl Statements, link_hash: &str) -> Result<ApplicationRow> {
    conn.one_by("volunteer_applications", "link_hash", link_hash.into())
        .await
}

/// Applications decided before `before`: their ID number and phone (sealed, hashed and masked)
/// and availability are removed; a declined applicant's name is cut to its first character.
/// Whether someone applied, when and with what outcome stays.
pub async fn purge_decided(
    conn: &mut sqlx::AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::purge(
        conn,
        "volunteer_applications",
        "UPDATE volunteer_applications SET document_cipher = '', document_hash = '', document_masked = '', phone_cipher = '', phone_masked = '', availability = '', \
         name = CASE WHEN status = 'declined' THEN SUBSTR(name, 1, 1) || '*' ELSE name END",
        "status IN ('approved', 'declined') AND decided_at < $1 AND document_cipher <> ''",
        &[before.into()],
        dry_run,
    )
    .await
}

/// Which deployments a roster lists: within the scope's roots, optionally only names that begin
/// so and those with a skill, a page at a time.
#[derive(Debug, Clone, Default)]
pub struct RosterQuery {
    /// Scope roots: deployments within them are listed.
    pub roots: Vec<String>,
    /// And the deployments, wherever they are, of these organizations' members.
    pub organizations: Vec<String>,
    /// Only names beginning so.
    pub name_prefix: Option<String>,
    /// Only those with this skill (a key of the skills list).
    pub skill: Option<String>,
    /// After this deployment: (area path, name, user id) of the previous page's last.
    pub after: Option<(String, String, String)>,
}

crate::query_row! {
    /// A volunteer deployed to an area, as a roster lists them.
    #[derive(Debug, Clone)]
    pub struct RosterRow {
        /// The user.
        pub user_id: String,
        /// Their name.
        pub display_name: String,
        /// Where they are deployed.
        pub area_id: String,
        /// Its name.
        pub area_name: String,
        /// Its path.
        pub area_path: String,
        /// Skills from their application, comma-joined (none for accounts made otherwise).
        pub skills: Option<String>,
        /// Their national volunteer number, if given.
        pub volunteer_number: Option<String>,
    }
}

/// The FROM and WHERE of a roster and their binds (the cursor excluded).
fn roster_filter(q: &RosterQuery) -> (String, Vec<Cell>) {
    let (scope, binds) = scope_filter("a.path", &q.roots, 1);
    let mut args: Vec<Cell> = binds.into_iter().map(Cell::from).collect();
    let members = crate::one_of("m.organization_id", &q.organizations, &mut args);
    let mut sql = format!(
        " FROM grants g JOIN users u ON u.id = g.user_id JOIN areas a ON a.id = g.area_id \
         LEFT JOIN volunteer_applications v ON v.user_id = u.id \
         LEFT JOIN volunteer_numbers n ON n.user_id = u.id \
         WHERE g.role = 'volunteer' AND u.active = 1 AND ({scope} OR u.id IN \
         (SELECT m.user_id FROM grants m WHERE m.role = 'volunteer' AND {members}))"
    );
    if let Some(p) = &q.name_prefix {
        let named = crate::starting_with("u.display_name", p, &mut args);
        sql.push_str(&format!(" AND {named}"));
    }
    if let Some(s) = &q.skill {
        // Skills are comma-joined with a comma at neither end (see `reserve`).
        args.push(format!("%,{s},%").into());
        sql.push_str(&format!(" AND ',' || v.skills || ',' LIKE ${}", args.len()));
    }
    (sql, args)
}

/// A page of a roster: at most `limit` deployments after the query's cursor, by area, name and
/// user.
pub async fn roster(
    conn: &mut impl Statements,
    q: &RosterQuery,
    limit: i64,
) -> Result<Vec<RosterRow>> {
    let (from, mut args) = roster_filter(q);
    let mut sql = format!(
        "SELECT u.id AS user_id, u.display_name, a.id AS area_id, a.name AS area_name, \
         a.path AS area_path, v.skills, n.number AS volunteer_number{from}"
    );
    if let Some((path, name, user)) = &q.after {
        args.extend([path, name, user].map(|v| Cell::from(v.clone())));
        let columns = ["a.path", "u.display_name", "u.id"];
        sql.push_str(&crate::sql::beyond(&columns, args.len() - 2, false));
    }
    sql.push_str(&format!(
        " ORDER BY a.path, u.display_name, u.id LIMIT ${}",
        args.len() + 1
    ));
    args.push(limit.into());
    conn.fetch_all(&sql, &args).await
}

/// How many deployments the roster lists over all its pages.
pub async fn count_roster(conn: &mut impl Statements, q: &RosterQuery) -> Result<i64> {
    let (from, args) = roster_filter(q);
    conn.one_row(&format!("SELECT COUNT(*) AS n{from}"), &args)
        .await?
        .try_get("n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Db;
    use sanshe_core::areas::AreaKind;

    /// An approved applicant of `area` whose account is deployed nowhere.
    async fn in_reserve(db: &Db, area: &crate::areas::AreaRow, n: usize, decided_at: i64) {
        let mut conn = db.conn().await.unwrap();
        let user = crate::accounts::insert_user(&mut conn, &format!("r.{n}"), "后备", "x", false)
            .await
            .unwrap();
        let row = ApplicationRow {
            id: crate::new_id(),
            area_id: area.id.clone(),
            area_path: area.path.clone(),
            name: "后备".into(),
            skills: "logistics".into(),
            status: Vetting::Approved,
            decided_at: Some(decided_at),
            user_id: Some(user.id),
            ..ApplicationRow::default()
        };
        insert(&mut *conn, &row).await.unwrap();
    }

    #[tokio::test]
    async fn a_community_finds_its_reserve_however_many_have_waited_longer_elsewhere() {
        const PAGE: i64 = 50;
        let scratch = crate::ScratchDb::new().await;
        let db = &scratch.db;
        let mut conn = db.conn().await.unwrap();
        let city = crate::areas::insert(&mut conn, None, AreaKind::City, None, "市")
            .await
            .unwrap();
        let (a, b) = (
            crate::areas::insert(&mut conn, Some(&city), AreaKind::Community, None, "甲社区")
                .await
                .unwrap(),
            crate::areas::insert(&mut conn, Some(&city), AreaKind::Community, None, "乙社区")
                .await
                .unwrap(),
        );
        drop(conn);
        // A page's worth in 甲, all waiting longer than the two of 乙.
        for n in 0..PAGE as usize {
            in_reserve(db, &a, n, n as i64).await;
        }
        in_reserve(db, &b, 5000, 5000).await;
        in_reserve(db, &b, 5001, 5001).await;
        let mut conn = db.conn().await.unwrap();
        let roots = [city.path.clone()];
        let q = |within, skill| ReserveQuery {
            roots: &roots,
            within,
            skill,
        };
        let first = reserve(&mut *conn, &q(None, None), None, PAGE)
            .await
            .unwrap();
        assert_eq!(first.len() as i64, PAGE);
        assert!(
            first.iter().all(|r| r.area_id == a.id),
            "the longest-waiting first"
        );
        assert_eq!(
            count_reserve(&mut *conn, &q(None, None)).await.unwrap(),
            PAGE + 2
        );
        let last = first.last().unwrap();
        let after = Some((last.decided_at.unwrap(), last.id.clone()));
        let rest = reserve(&mut *conn, &q(None, None), after, PAGE)
            .await
            .unwrap();
        assert_eq!(
            rest.iter().map(|r| r.area_id.as_str()).collect::<Vec<_>>(),
            [b.id.as_str(), b.id.as_str()],
            "the next page holds the rest"
        );
        let of_b = reserve(&mut *conn, &q(Some(&b.path), None), None, PAGE)
            .await
            .unwrap();
        assert_eq!(
            of_b.len(),
            2,
            "乙's two, though a page's worth in 甲 waited longer"
        );
        assert_eq!(
            count_reserve(&mut *conn, &q(Some(&b.path), Some("logistics")))
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            count_reserve(&mut *conn, &q(Some(&b.path), Some("medical")))
                .await
                .unwrap(),
            0
        );
    }
}
