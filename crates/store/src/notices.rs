//! The `notices` and `notice_reads` tables.

use crate::statements::{Cell, Statements};
use crate::{Result, in_list};

crate::row! {
    /// A stored notice.
    #[derive(Debug, Clone)]
    pub struct NoticeRow {
        /// Id.
        pub id: String,
        /// The organization that sent it (None: the bureau, over an area).
        pub organization_id: Option<String>,
        /// The bureau's area it went to.
        pub area_id: Option<String>,
        /// That area's path.
        pub area_path: Option<String>,
        /// Only those deployed below this community.
        pub community_path: Option<String>,
        /// Only those with this skill.
        pub skill: Option<String>,
        /// Only the members of this team of the organization.
        pub team_id: Option<String>,
        /// Title.
        pub title: String,
        /// Text.
        pub body: String,
        /// Who it is from, as shown (the organization or the bureau's area).
        pub sender_name: String,
        /// Who wrote it (user name).
        pub created_by: String,
        /// When.
        pub created_at: i64,
    }
}

const COLUMNS: &str = NoticeRow::COLUMNS;

/// Sends a notice.
pub async fn insert(conn: &mut impl Statements, n: &NoticeRow) -> Result<()> {
    conn.insert("notices", n).await
}

/// One notice.
pub async fn notice(conn: &mut impl Statements, id: &str) -> Result<Option<NoticeRow>> {
    conn.optional_by("notices", "id", id.into()).await
}

/// Someone notices are for: the organizations they belong to, every place at or above where
/// they are deployed (paths), their skills and their teams.
#[derive(Debug, Clone, Default)]
pub struct Reader {
    /// Organizations they are a member of.
    pub organizations: Vec<String>,
    /// The paths of where they are deployed and of every area above.
    pub ancestors: Vec<String>,
    /// Their skills.
    pub skills: Vec<String>,
    /// The teams they are in.
    pub teams: Vec<String>,
}

/// Which notices a list holds.
#[derive(Debug, Clone, Copy)]
pub enum NoticeScope<'a> {
    /// Those sent to the reader: of their organizations or over an area above where they are
    /// deployed, and of those the ones whose community, skill and team (where set) are
    /// theirs; the rule `reach` counts.
    Reader(&'a Reader),
    /// Those sent by these organizations or over areas below these roots.
    SentBy {
        /// The organizations.
        organizations: &'a [String],
        /// The roots of the areas.
        roots: &'a [String],
    },
}

impl NoticeScope<'_> {
    /// The WHERE clause and its arguments; none when the scope reaches no notice.
    fn filter(&self) -> Option<(String, Vec<Cell>)> {
        let organizations = match self {
            Self::Reader(r) => r.organizations.as_slice(),
            Self::SentBy { organizations, .. } => organizations,
        };
        let mut args = Vec::new();
        let mut clauses = Vec::new();
        if !organizations.is_empty() {
            clauses.push(crate::one_of("organization_id", organizations, &mut args));
        }
        let over_areas = match self {
            Self::Reader(r) if !r.ancestors.is_empty() => {
                Some(crate::one_of("area_path", &r.ancestors, &mut args))
            }
            Self::SentBy { roots, .. } if !roots.is_empty() => {
                let (filter, binds) = crate::scope_filter("area_path", roots, args.len() + 1);
                args.extend(binds.into_iter().map(Cell::from));
                Some(filter)
            }
            _ => None,
        };
        if let Some(filter) = over_areas {
            clauses.push(format!("(organization_id IS NULL AND {filter})"));
        }
        if clauses.is_empty() {
            return None;
        }
        let mut filter = format!("({})", clauses.join(" OR "));
        if let Self::Reader(r) = self {
            for (column, theirs) in [
                ("community_path", &r.ancestors),
                ("skill", &r.skills),
                ("team_id", &r.teams),
            ] {
                let one_of = crate::one_of(column, theirs, &mut args);
                filter.push_str(&format!(" AND ({column} IS NULL OR {one_of})"));
            }
        }
        Some((filter, args))
    }
}

/// A page of the scope's notices, newest first: at most `limit` sent before `before` (the
/// last of the previous page: when it was sent, its id).
pub async fn newest(
    conn: &mut impl Statements,
    scope: NoticeScope<'_>,
    before: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<NoticeRow>> {
    let Some((filter, mut args)) = scope.filter() else {
        return Ok(Vec::new());
    };
    let older = crate::older_than("created_at", before, &mut args);
    args.push(limit.into());
    conn.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM notices WHERE {filter}{older} ORDER BY created_at DESC, id DESC LIMIT ${}",
            args.len()
        ),
        &args,
    )
    .await
}

/// How many notices the scope holds.
pub async fn count(conn: &mut impl Statements, scope: NoticeScope<'_>) -> Result<i64> {
    let Some((filter, args)) = scope.filter() else {
        return Ok(0);
    };
    let sql = format!("SELECT COUNT(*) AS n FROM notices WHERE {filter}");
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

/// Whether the notice `id` is in the scope: one sent to the reader, or by the sender.
pub async fn is_in(conn: &mut impl Statements, scope: NoticeScope<'_>, id: &str) -> Result<bool> {
    let Some((filter, mut args)) = scope.filter() else {
        return Ok(false);
    };
    args.push(id.into());
    let sql = format!(
        "SELECT COUNT(*) AS n FROM notices WHERE {filter} AND id = ${}",
        args.len()
    );
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0
        > 0)
}

/// Records a reader's first read (later reads change nothing).
pub async fn mark_read(
    conn: &mut impl Statements,
    notice_id: &str,
    user_id: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "INSERT INTO notice_reads (notice_id, user_id, read_at) VALUES ($1, $2, $3) ON CONFLICT (notice_id, user_id) DO NOTHING",
        &[notice_id.into(), user_id.into(), at.into()],
    )
    .await
}

/// Which of these notices the user has read.
pub async fn read_by(
    conn: &mut impl Statements,
    user_id: &str,
    notice_ids: &[String],
) -> Result<Vec<String>> {
    if notice_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Cell> = vec![user_id.into()];
    args.extend(notice_ids.iter().map(Cell::from));
    conn.rows(
        &format!(
            "SELECT notice_id FROM notice_reads WHERE user_id = $1 AND notice_id IN {}",
            in_list(2, notice_ids.len())
        ),
        &args,
    )
    .await?
    .iter()
    .map(|r| r.try_get("notice_id"))
    .collect()
}

/// How far a notice reaches now: the people its filters pick and how many of them have read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    /// Active people the notice is for.
    pub audience: i64,
    /// Of those, how many read it.
    pub read: i64,
}

/// The people a notice is for, as a condition on `users u` (an organization's members, or the
/// volunteers deployed at or below an area; then only those deployed in its community, with
/// its skill, in its team), its values appended to `args`.
fn audience(n: &NoticeRow, args: &mut Vec<Cell>) -> String {
    let bind = |args: &mut Vec<Cell>, v: String| {
        args.push(v.into());
        args.len()
    };
    let deployed_within = |args: &mut Vec<Cell>, path: &str| {
        let a = bind(args, path.to_string());
        let b = bind(args, sanshe_core::accounts::subtree_upper_bound(path));
        format!(
            "EXISTS (SELECT 1 FROM grants d JOIN areas a ON a.id = d.area_id WHERE d.user_id = u.id \
             AND d.role = 'volunteer' AND a.path >= ${a} AND a.path < ${b})"
        )
    };
    let mut filters = vec![match (&n.organization_id, &n.area_path) {
        (Some(o), _) => {
            let o = bind(args, o.clone());
            format!(
                "EXISTS (SELECT 1 FROM grants m WHERE m.user_id = u.id AND m.role = 'volunteer' \
                 AND m.organization_id = ${o})"
            )
        }
        (None, Some(path)) => deployed_within(args, path),
        (None, None) => "1 = 0".to_string(),
    }];
    if let Some(c) = &n.community_path {
        filters.push(deployed_within(args, c));
    }
    if let Some(s) = &n.skill {
        // Skills are comma-joined with a comma at neither end.
        let s = bind(args, format!("%,{s},%"));
        filters.push(format!(
            "EXISTS (SELECT 1 FROM volunteer_applications v WHERE v.user_id = u.id \
             AND ',' || v.skills || ',' LIKE ${s})"
        ));
    }
    if let Some(t) = &n.team_id {
        let t = bind(args, t.clone());
        filters.push(format!(
            "EXISTS (SELECT 1 FROM team_members t WHERE t.user_id = u.id AND t.team_id = ${t})"
        ));
    }
    format!("u.active = 1 AND {}", filters.join(" AND "))
}

/// The reach of a notice, counted in one statement over every person it is for, however many
/// they are.
pub async fn reach(conn: &mut impl Statements, n: &NoticeRow) -> Result<Reach> {
    let mut args: Vec<Cell> = vec![n.id.clone().into()];
    let audience = audience(n, &mut args);
    let row = conn
        .one_row(
            &format!(
                "SELECT COUNT(*) AS audience, COUNT(r.user_id) AS readers FROM users u \
                 LEFT JOIN notice_reads r ON r.notice_id = $1 AND r.user_id = u.id \
                 WHERE {audience}"
            ),
            &args,
        )
        .await?;
    Ok(Reach {
        audience: row.try_get("audience")?,
        read: row.try_get("readers")?,
    })
}

crate::query_row! {
    /// Someone a notice is for who has not read it.
    #[derive(Debug, Clone)]
    pub struct UnreadRow {
        /// User name (the paging key).
        pub username: String,
        /// Name.
        pub display_name: String,
    }
}

/// Those the notice is for who have not read it, by user name, at most `limit` after the user
/// name `after`.
pub async fn unread(
    conn: &mut impl Statements,
    n: &NoticeRow,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<UnreadRow>> {
    let mut args: Vec<Cell> = vec![n.id.clone().into()];
    let audience = audience(n, &mut args);
    let mut sql = format!(
        "SELECT u.username, u.display_name FROM users u \
         LEFT JOIN notice_reads r ON r.notice_id = $1 AND r.user_id = u.id \
         WHERE r.user_id IS NULL AND {audience}"
    );
    if let Some(after) = after {
        args.push(after.into());
        sql.push_str(&format!(" AND u.username > ${}", args.len()));
    }
    args.push(limit.into());
    sql.push_str(&format!(" ORDER BY u.username LIMIT ${}", args.len()));
    conn.fetch_all(&sql, &args).await
}
