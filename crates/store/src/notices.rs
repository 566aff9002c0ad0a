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

/// The newest notices of these organizations or sent over these exact area paths (the
/// ancestors of where someone is deployed), at most `limit`.
pub async fn candidates(
    conn: &mut impl Statements,
    organization_ids: &[String],
    area_paths: &[String],
    limit: i64,
) -> Result<Vec<NoticeRow>> {
    newest(conn, organization_ids, limit, |first| {
        (!area_paths.is_empty()).then(|| {
            (
                format!("area_path IN {}", in_list(first, area_paths.len())),
                area_paths.iter().map(Cell::from).collect(),
            )
        })
    })
    .await
}

/// The notices sent by an organization or over areas below `roots`, newest first.
pub async fn sent(
    conn: &mut impl Statements,
    organization_ids: &[String],
    roots: &[String],
    limit: i64,
) -> Result<Vec<NoticeRow>> {
    newest(conn, organization_ids, limit, |first| {
        (!roots.is_empty()).then(|| {
            let (filter, binds) = crate::scope_filter("area_path", roots, first);
            (filter, binds.into_iter().map(Cell::from).collect())
        })
    })
    .await
}

/// The newest notices of these organizations or, among the areas' own, those `areas` picks (a
/// filter with its parameters numbered from the one it is given), at most `limit`.
async fn newest(
    conn: &mut impl Statements,
    organization_ids: &[String],
    limit: i64,
    areas: impl FnOnce(usize) -> Option<(String, Vec<Cell>)>,
) -> Result<Vec<NoticeRow>> {
    let mut clauses = Vec::new();
    let mut args: Vec<Cell> = Vec::new();
    if !organization_ids.is_empty() {
        clauses.push(format!(
            "organization_id IN {}",
            in_list(1, organization_ids.len())
        ));
        args.extend(organization_ids.iter().map(Cell::from));
    }
    if let Some((filter, binds)) = areas(args.len() + 1) {
        clauses.push(format!("(organization_id IS NULL AND {filter})"));
        args.extend(binds);
    }
    if clauses.is_empty() {
        return Ok(Vec::new());
    }
    args.push(limit.into());
    conn.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM notices WHERE {} ORDER BY created_at DESC, id DESC LIMIT ${}",
            clauses.join(" OR "),
            args.len()
        ),
        &args,
    )
    .await
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

/// The users who have read a notice.
pub async fn readers(conn: &mut impl Statements, notice_id: &str) -> Result<Vec<String>> {
    conn.rows(
        "SELECT user_id FROM notice_reads WHERE notice_id = $1",
        &[notice_id.into()],
    )
    .await?
    .iter()
    .map(|r| r.try_get("user_id"))
    .collect()
}
