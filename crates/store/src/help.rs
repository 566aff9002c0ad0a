//! The `help_requests` table.

use sanshe_core::help::{HelpStatus, Urgency};

use crate::statements::{Cell, Count, Statements};
use crate::{Result, scope_filter};

crate::row! {
    /// A help request.
    #[derive(Debug, Clone)]
    pub struct HelpRow {
        /// Id.
        pub id: String,
        /// Where (the household's area path).
        pub area_path: String,
        /// The household, when registered.
        pub household_id: Option<String>,
        /// Address as shown.
        pub address: String,
        /// For whom, e.g. 王奶奶.
        pub for_whom: String,
        /// What is needed.
        pub needs: String,
        /// `urgent`, `today`, `soon`.
        pub urgency: Urgency,
        /// For someone living alone or an isolated household.
        pub vulnerable: bool,
        /// Contact phone, sealed.
        pub contact_cipher: Option<String>,
        /// Contact phone, masked.
        pub contact_masked: Option<String>,
        /// `open`, `assigned`, `bought`, `delivered`, `cancelled`.
        pub status: HelpStatus,
        /// The volunteer who has it.
        pub volunteer_id: Option<String>,
        /// Asked, UTC ms.
        pub asked_at: i64,
        /// Overdue after, UTC ms.
        pub due_at: i64,
        /// Bought.
        pub bought_at: Option<i64>,
        /// Delivered.
        pub delivered_at: Option<i64>,
        /// Cancelled.
        pub cancelled_at: Option<i64>,
        /// Why cancelled.
        pub cancel_reason: Option<String>,
        /// Cost advanced by the volunteer, in fen.
        pub cost_fen: Option<i64>,
        /// Who recorded it.
        pub created_by: String,
        /// Hash of the resident's receipt link.
        pub link_hash: String,
        /// When the resident confirmed receipt.
        pub confirmed_at: Option<i64>,
    }
}

const COLUMNS: &str = HelpRow::COLUMNS;

/// Records a request.
pub async fn insert(conn: &mut impl Statements, h: &HelpRow) -> Result<()> {
    conn.insert("help_requests", h).await
}

/// Requests a household's residents made through their link that are not yet delivered or
/// called off.
pub async fn open_from_link(conn: &mut impl Statements, household_id: &str) -> Result<i64> {
    Ok(conn
        .fetch_one::<Count>(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM help_requests WHERE household_id = $1 AND created_by = 'resident' AND status IN ('open', 'assigned', 'bought')",
            &[household_id.into()],
        )
        .await?
        .0)
}

/// One request (callers check the path).
pub async fn get(conn: &mut impl Statements, id: &str) -> Result<HelpRow> {
    conn.one_by("help_requests", "id", id.into()).await
}

/// Moves a request on, only if it is still in `from` (two people acting at once: one wins).
/// Returns whether it moved.
pub async fn advance(
    conn: &mut impl Statements,
    id: &str,
    from: HelpStatus,
    to: &HelpRow,
) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE help_requests SET status = $3, volunteer_id = $4, bought_at = $5, delivered_at = $6, cancelled_at = $7, cancel_reason = $8, cost_fen = $9 \
             WHERE id = $1 AND status = $2",
            &[
                id.into(),
                from.into(),
                to.status.into(),
                to.volunteer_id.clone().into(),
                to.bought_at.into(),
                to.delivered_at.into(),
                to.cancelled_at.into(),
                to.cancel_reason.clone().into(),
                to.cost_fen.into(),
            ],
        )
        .await?
        == 1)
}

/// Whose requests still being worked on a list reads: every one in `whole`'s subtrees (a
/// worker's areas), and in `open_in`'s (where a volunteer serves) the open ones and those
/// given to `own`.
#[derive(Debug, Clone, Copy)]
pub struct ActiveScope<'a> {
    /// Roots whose requests are all read.
    pub whole: &'a [String],
    /// Roots whose open requests are read.
    pub open_in: &'a [String],
    /// The volunteer whose own requests under `open_in` are read too.
    pub own: Option<&'a str>,
}

impl ActiveScope<'_> {
    /// The WHERE clause and its arguments.
    fn filter(&self) -> (String, Vec<Cell>) {
        let (whole, binds) = scope_filter("area_path", self.whole, 1);
        let mut args: Vec<Cell> = binds.into_iter().map(Cell::from).collect();
        let (open_in, binds) = scope_filter("area_path", self.open_in, args.len() + 1);
        args.extend(binds.into_iter().map(Cell::from));
        let mut open = vec![format!("status = '{}'", HelpStatus::Open.as_str())];
        if let Some(own) = self.own {
            args.push(own.into());
            open.push(format!("volunteer_id = ${}", args.len()));
        }
        let statuses = crate::one_of("status", &HelpStatus::ACTIVE, &mut args);
        let open = open.join(" OR ");
        (
            format!("{statuses} AND ({whole} OR ({open_in} AND ({open})))"),
            args,
        )
    }
}

/// Requests still being worked on in the scope: the first `ACTIVE_LISTED` in triage order
/// (`sanshe_core::help::triage_key`: the vulnerable, then by urgency, then the longest
/// waiting), so when more are open than a list holds it is the least pressing that wait.
pub async fn active(conn: &mut impl Statements, scope: &ActiveScope<'_>) -> Result<Vec<HelpRow>> {
    let (filter, args) = scope.filter();
    let rank = Urgency::ALL
        .iter()
        .enumerate()
        .map(|(i, u)| format!("WHEN '{}' THEN {i}", u.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    conn.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM help_requests WHERE {filter} \
             ORDER BY vulnerable DESC, CASE urgency {rank} END, asked_at LIMIT {ACTIVE_LISTED}"
        ),
        &args,
    )
    .await
}

/// How many requests still being worked on `active` lists from.
pub async fn count_active(conn: &mut impl Statements, scope: &ActiveScope<'_>) -> Result<i64> {
    let (filter, args) = scope.filter();
    let sql = format!("SELECT COUNT(*) AS n FROM help_requests WHERE {filter}");
    Ok(conn.fetch_one::<Count>(&sql, &args).await?.0)
}

/// The most requests still being worked on that one list holds.
pub const ACTIVE_LISTED: i64 = 1000;

/// A page of delivered or cancelled requests in the scope's subtrees (only `volunteer`'s when
/// given), latest recorded first: at most `limit`, recorded before the request `before`. Ids
/// grow with time, so the id is the cursor.
pub async fn finished(
    conn: &mut impl Statements,
    roots: &[String],
    volunteer: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<HelpRow>> {
    let (filter, binds) = scope_filter("area_path", roots, 1);
    let mut args: Vec<Cell> = binds.into_iter().map(Cell::from).collect();
    let statuses = crate::one_of("status", &HelpStatus::FINISHED, &mut args);
    let mut sql = format!("SELECT {COLUMNS} FROM help_requests WHERE {filter} AND {statuses}");
    if let Some(v) = volunteer {
        args.push(v.into());
        sql.push_str(&format!(" AND volunteer_id = ${}", args.len()));
    }
    if let Some(b) = before {
        args.push(b.into());
        sql.push_str(&format!(" AND id < ${}", args.len()));
    }
    args.push(limit.into());
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ${}", args.len()));
    conn.fetch_all(&sql, &args).await
}

/// Where each of these requests is: (id, area path).
pub async fn paths_of(conn: &mut impl Statements, ids: &[String]) -> Result<Vec<(String, String)>> {
    crate::column_by_key(conn, ("help_requests", "id", "area_path"), ids).await
}

/// The request a receipt link opens.
pub async fn by_link(conn: &mut impl Statements, link_hash: &str) -> Result<HelpRow> {
    conn.one_by("help_requests", "link_hash", link_hash.into())
        .await
}

/// Records the resident's confirmation of a delivered request; false when it is not delivered
/// or already confirmed.
pub async fn confirm(conn: &mut impl Statements, id: &str, at: i64) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE help_requests SET confirmed_at = $2 WHERE id = $1 AND status = 'delivered' AND confirmed_at IS NULL",
            &[id.into(), at.into()],
        )
        .await?
        == 1)
}

/// How many overdue requests one read of `unalerted_overdue` holds.
pub const OVERDUE_BATCH: usize = 1000;

/// Requests past due at `now`, still open, assigned or bought, not yet alerted, oldest due
/// first, `OVERDUE_BATCH` at most.
pub async fn unalerted_overdue(conn: &mut impl Statements, now: i64) -> Result<Vec<HelpRow>> {
    conn
        .fetch_all(
            &format!("SELECT {COLUMNS} FROM help_requests WHERE due_at < $1 AND status IN ('open', 'assigned', 'bought') AND overdue_alerted_at IS NULL ORDER BY due_at LIMIT {OVERDUE_BATCH}"),
            &[now.into()],
        )
        .await
}

/// Marks a request's overdue alert raised; false when another node did it first.
pub async fn mark_overdue_alerted(conn: &mut impl Statements, id: &str, at: i64) -> Result<bool> {
    Ok(conn
        .changed(
            "UPDATE help_requests SET overdue_alerted_at = $2 WHERE id = $1 AND overdue_alerted_at IS NULL",
            &[id.into(), at.into()],
        )
        .await?
        == 1)
}

/// Requests closed (delivered or called off) before `before`: the contact phone is removed and
/// the person helped is no longer named. What was asked, where and when stays.
pub async fn purge_closed(
    conn: &mut sqlx::AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::purge(
        conn,
        "help_requests",
        "UPDATE help_requests SET contact_cipher = NULL, contact_masked = NULL, for_whom = ''",
        "COALESCE(delivered_at, cancelled_at) < $1 AND (contact_cipher IS NOT NULL OR for_whom <> '')",
        &[before.into()],
        dry_run,
    )
    .await
}

/// Errands the given volunteers delivered in [from, to), per place: (area path, errands).
pub async fn delivered_by(
    conn: &mut impl Statements,
    user_ids: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    let counted = ("help_requests", "delivered_at", "volunteer_id");
    crate::counted_per_place(conn, counted, user_ids, from, to).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(n: i64, urgency: Urgency, vulnerable: bool) -> HelpRow {
        HelpRow {
            id: crate::new_id(),
            area_path: "0123456789abcdef0123456789abcdef".into(),
            household_id: None,
            address: "1号楼101".into(),
            for_whom: "刘奶奶".into(),
            needs: "降压药".into(),
            urgency,
            vulnerable,
            contact_cipher: None,
            contact_masked: None,
            status: HelpStatus::Open,
            volunteer_id: None,
            asked_at: n,
            due_at: n + 1,
            bought_at: None,
            delivered_at: None,
            cancelled_at: None,
            cancel_reason: None,
            cost_fen: None,
            created_by: "worker".into(),
            link_hash: crate::new_id(),
            confirmed_at: None,
        }
    }

    #[tokio::test]
    async fn a_full_list_of_open_requests_keeps_the_most_pressing_not_the_newest() {
        let scratch = crate::ScratchDb::new().await;
        let db = &scratch.db;
        let mut tx = db.begin().await.unwrap();
        // The oldest requests are the pressing ones: an old man living alone, then an urgent one.
        let alone = request(1, Urgency::Soon, true);
        let urgent = request(2, Urgency::Urgent, false);
        insert(&mut *tx, &alone).await.unwrap();
        insert(&mut *tx, &urgent).await.unwrap();
        for n in 0..ACTIVE_LISTED {
            insert(&mut *tx, &request(1000 + n, Urgency::Soon, false))
                .await
                .unwrap();
        }
        crate::commit(tx).await.unwrap();
        let roots = ["0123456789abcdef0123456789abcdef".to_string()];
        let scope = ActiveScope {
            whole: &roots,
            open_in: &[],
            own: None,
        };
        let mut conn = db.conn().await.unwrap();
        let listed = active(&mut *conn, &scope).await.unwrap();
        assert_eq!(
            count_active(&mut *conn, &scope).await.unwrap(),
            ACTIVE_LISTED + 2
        );
        assert_eq!(listed.len() as i64, ACTIVE_LISTED);
        assert_eq!(
            (listed[0].id.as_str(), listed[1].id.as_str()),
            (alone.id.as_str(), urgent.id.as_str())
        );
        // Of the rest, the longest waiting stay; the two newest wait off the list.
        assert_eq!(listed[2].asked_at, 1000);
        assert_eq!(listed.last().unwrap().asked_at, 1000 + ACTIVE_LISTED - 3);
    }

    #[tokio::test]
    async fn where_a_volunteer_serves_the_list_holds_the_open_requests_and_their_own() {
        let scratch = crate::ScratchDb::new().await;
        let db = &scratch.db;
        let mut tx = db.begin().await.unwrap();
        let a = crate::accounts::insert_user(&mut tx, "vol.a", "甲", "x", false)
            .await
            .unwrap();
        let b = crate::accounts::insert_user(&mut tx, "vol.b", "乙", "x", false)
            .await
            .unwrap();
        let open = request(1, Urgency::Soon, false);
        let mine = HelpRow {
            status: HelpStatus::Assigned,
            volunteer_id: Some(a.id.clone()),
            ..request(2, Urgency::Soon, false)
        };
        let others = HelpRow {
            status: HelpStatus::Bought,
            volunteer_id: Some(b.id.clone()),
            ..request(3, Urgency::Soon, false)
        };
        let delivered = HelpRow {
            status: HelpStatus::Delivered,
            volunteer_id: Some(a.id.clone()),
            ..request(4, Urgency::Soon, false)
        };
        let elsewhere = HelpRow {
            area_path: "fedcba9876543210fedcba9876543210".into(),
            ..request(5, Urgency::Soon, false)
        };
        for h in [&open, &mine, &others, &delivered, &elsewhere] {
            insert(&mut *tx, h).await.unwrap();
        }
        crate::commit(tx).await.unwrap();
        let roots = [open.area_path.clone()];
        let mut conn = db.conn().await.unwrap();
        let ids = |rows: Vec<HelpRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        let volunteer = ActiveScope {
            whole: &[],
            open_in: &roots,
            own: Some(&a.id),
        };
        let listed = ids(active(&mut *conn, &volunteer).await.unwrap());
        assert_eq!(listed, [open.id.clone(), mine.id.clone()]);
        assert_eq!(count_active(&mut *conn, &volunteer).await.unwrap(), 2);
        // A worker of the same place sees every request still being worked on there.
        let worker = ActiveScope {
            whole: &roots,
            open_in: &roots,
            own: None,
        };
        let listed = ids(active(&mut *conn, &worker).await.unwrap());
        assert_eq!(listed, [open.id, mine.id, others.id]);
        assert_eq!(count_active(&mut *conn, &worker).await.unwrap(), 3);
    }
}
