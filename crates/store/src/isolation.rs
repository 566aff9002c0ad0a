//! The `isolation_episodes`, `health_reports` and `report_scans` tables.

use sanshe_core::isolation::{EpisodeKind, EpisodeStatus, FollowUpMode, ReleaseReason};
use sqlx::AnyConnection;

use crate::statements::{Cell, Statements};

use crate::{Result, scope_filter};

/// An episode to open.
#[derive(Debug, Clone)]
pub struct NewEpisode<'a> {
    /// Id.
    pub id: &'a str,
    /// The person.
    pub resident_id: &'a str,
    /// Their household.
    pub household_id: &'a str,
    /// Path of the household's area.
    pub area_path: &'a str,
    /// Home isolation, health monitoring, …
    pub kind: EpisodeKind,
    /// `arrival`, `contact`, `visit` or `manual`.
    pub source_kind: &'a str,
    /// The arrival or contact record that led here.
    pub source_id: Option<&'a str>,
    /// Last exposure or arrival, YYYY-MM-DD.
    pub exposure_date: &'a str,
    /// When observation started, UTC ms.
    pub started_at: i64,
    /// YYYY-MM-DD.
    pub planned_end: &'a str,
    /// Responsible worker.
    pub worker_id: Option<&'a str>,
    /// How reports arrive: the resident's link, or the worker's calls.
    pub follow_up: FollowUpMode,
    /// Hash of the report link token.
    pub link_hash: &'a str,
    /// The token, sealed, so notices can be printed again.
    pub link_cipher: &'a str,
}

/// Opens an episode; a conflict means the person already has an open one.
pub async fn insert(conn: &mut AnyConnection, e: &NewEpisode<'_>) -> Result<()> {
    conn.run("INSERT INTO isolation_episodes (id, resident_id, household_id, area_path, kind, source_kind, source_id, exposure_date, \
         started_at, planned_end, status, open_key, worker_id, follow_up, link_hash, link_cipher, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $2, $11, $12, $13, $14, $9)", &[Cell::from(e.id), Cell::from(e.resident_id), Cell::from(e.household_id), Cell::from(e.area_path), Cell::from(e.kind), Cell::from(e.source_kind), Cell::from(e.source_id), Cell::from(e.exposure_date), Cell::from(e.started_at), Cell::from(e.planned_end), Cell::from(e.worker_id), Cell::from(e.follow_up), Cell::from(e.link_hash), Cell::from(e.link_cipher)])
    .await
}

crate::query_row! {
    /// An episode with the person, address and worker it concerns.
    #[derive(Debug, Clone)]
    pub struct EpisodeRow {
        /// Id.
        pub id: String,
        /// The person.
        pub resident_id: String,
        /// Their name.
        pub name: String,
        /// Masked phone.
        pub phone_masked: Option<String>,
        /// Household.
        pub household_id: String,
        /// Path of the household's area.
        pub area_path: String,
        /// Compound or community name.
        pub area_name: String,
        /// 楼栋
        pub building: String,
        /// 单元
        pub unit: String,
        /// 房号
        pub room: String,
        /// Kind.
        pub kind: EpisodeKind,
        /// Source kind.
        pub source_kind: String,
        /// YYYY-MM-DD.
        pub exposure_date: String,
        /// UTC ms.
        pub started_at: i64,
        /// YYYY-MM-DD.
        pub planned_end: String,
        /// Open or released.
        pub status: EpisodeStatus,
        /// Responsible worker.
        pub worker_id: Option<String>,
        /// Their display name.
        pub worker_name: Option<String>,
        /// How reports arrive.
        pub follow_up: FollowUpMode,
        /// Sealed link token.
        pub link_cipher: Option<String>,
        /// Latest temperature, tenths.
        pub last_temperature: Option<i64>,
        /// UTC ms.
        pub last_reported_at: Option<i64>,
        /// UTC ms.
        pub released_at: Option<i64>,
        /// Release reason.
        pub release_reason: Option<ReleaseReason>,
        /// Release note.
        pub release_note: Option<String>,
    }
}

const EPISODE_SELECT: &str = "SELECT e.id, e.resident_id, r.name, r.phone_masked, e.household_id, e.area_path, \
     CASE WHEN a.kind = 'building' THEN p.name ELSE a.name END AS area_name, h.building, h.unit, h.room, e.kind, e.source_kind, \
     e.exposure_date, e.started_at, e.planned_end, e.status, e.worker_id, u.display_name AS worker_name, e.follow_up, e.link_cipher, \
     e.last_temperature, e.last_reported_at, e.released_at, e.release_reason, e.release_note \
     FROM isolation_episodes e JOIN residents r ON r.id = e.resident_id JOIN households h ON h.id = e.household_id \
     JOIN areas a ON a.id = h.area_id LEFT JOIN areas p ON p.id = a.parent_id LEFT JOIN users u ON u.id = e.worker_id";

/// One episode, whatever the scope (callers check the path).
pub async fn episode(conn: &mut AnyConnection, id: &str) -> Result<EpisodeRow> {
    conn.fetch_one::<EpisodeRow>(
        &format!("{EPISODE_SELECT} WHERE e.id = $1"),
        &[Cell::from(id)],
    )
    .await
}

/// The episode a report link opens, if the link is live.
pub async fn episode_by_link(conn: &mut AnyConnection, link_hash: &str) -> Result<EpisodeRow> {
    conn.fetch_one::<EpisodeRow>(
        &format!("{EPISODE_SELECT} WHERE e.link_hash = $1"),
        &[Cell::from(link_hash)],
    )
    .await
}

/// What an episode list asks for.
#[derive(Debug, Clone, Default)]
pub struct EpisodeQuery<'a> {
    /// Scope roots.
    pub roots: &'a [String],
    /// Only below this path.
    pub within: Option<&'a str>,
    /// Open or released (all when `None`).
    pub status: Option<EpisodeStatus>,
    /// Only this worker's.
    pub worker_id: Option<&'a str>,
    /// Only this person's.
    pub resident_id: Option<&'a str>,
    /// Only this household's.
    pub household_id: Option<&'a str>,
    /// Only those whose name begins with this.
    pub name_prefix: Option<&'a str>,
    /// Released at or after this instant (UTC ms).
    pub released_since: Option<i64>,
    /// Released before this instant (UTC ms).
    pub released_until: Option<i64>,
    /// Skip this many.
    pub offset: i64,
    /// At most this many.
    pub limit: i64,
}

/// The WHERE clause of an episode query and its values, from `$1`.
fn episode_filter(q: &EpisodeQuery<'_>) -> (String, Vec<Cell>) {
    let (filter, binds) = scope_filter("e.area_path", q.roots, 1);
    let mut sql = filter;
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let mut add = |cond: &str, v: Cell| {
        args.push(v);
        sql.push_str(&cond.replace("$?", &format!("${}", args.len())));
    };
    if let Some(w) = q.within {
        add(" AND e.area_path >= $?", Cell::from(w));
        add(
            " AND e.area_path < $?",
            Cell::from(sanshe_core::accounts::subtree_upper_bound(w)),
        );
    }
    if let Some(s) = q.status {
        add(" AND e.status = $?", Cell::from(s.as_str()));
    }
    if let Some(w) = q.worker_id {
        add(" AND e.worker_id = $?", Cell::from(w));
    }
    if let Some(r) = q.resident_id {
        add(" AND e.resident_id = $?", Cell::from(r));
    }
    if let Some(h) = q.household_id {
        add(" AND e.household_id = $?", Cell::from(h));
    }
    if let Some(at) = q.released_since {
        add(" AND e.released_at >= $?", Cell::from(at));
    }
    if let Some(at) = q.released_until {
        add(" AND e.released_at < $?", Cell::from(at));
    }
    if let Some(prefix) = q.name_prefix {
        // Each episode's person looked up by key: the open episodes in scope are few beside
        // a city's registry, which a range over every name would read.
        let named = crate::sql::starting_with("n.name", prefix, &mut args);
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM residents n WHERE n.id = e.resident_id AND {named})"
        ));
    }
    (sql, args)
}

/// Episodes in scope, by address.
pub async fn episodes(conn: &mut AnyConnection, q: &EpisodeQuery<'_>) -> Result<Vec<EpisodeRow>> {
    let (filter, mut args) = episode_filter(q);
    let n = args.len();
    let sql = format!(
        "{EPISODE_SELECT} WHERE {filter} ORDER BY {}, h.address_key, e.started_at DESC, e.id \
         LIMIT ${} OFFSET ${}",
        crate::areas::COMPOUND_KEY,
        n + 1,
        n + 2
    );
    args.push(Cell::from(q.limit));
    args.push(Cell::from(q.offset));
    conn.fetch_all::<EpisodeRow>(&sql, &args).await
}

/// How many episodes `episodes` would list over all its pages.
pub async fn count_episodes(conn: &mut AnyConnection, q: &EpisodeQuery<'_>) -> Result<i64> {
    let (filter, args) = episode_filter(q);
    let sql = format!("SELECT COUNT(*) AS n FROM isolation_episodes e WHERE {filter}");
    Ok(conn
        .fetch_one::<crate::statements::Count>(&sql, &args)
        .await?
        .0)
}

/// Ends an episode; false when it was not open.
pub async fn release(
    conn: &mut AnyConnection,
    id: &str,
    at: i64,
    reason: ReleaseReason,
    note: &str,
) -> Result<bool> {
    let done = conn.changed("UPDATE isolation_episodes SET status = 'released', open_key = NULL, released_at = $2, release_reason = $3, \
         release_note = $4, link_hash = NULL WHERE id = $1 AND status = 'open'", &[Cell::from(id), Cell::from(at), Cell::from(reason), Cell::from(note)])
    .await?;
    Ok(done == 1)
}

/// One setting of an open episode that a worker changes.
#[derive(Debug, Clone, Copy)]
pub enum OpenEpisodeChange<'a> {
    /// A new planned end (`YYYY-MM-DD`).
    PlannedEnd(&'a str),
    /// The responsible worker's id.
    Worker(&'a str),
    /// How reports arrive.
    FollowUp(FollowUpMode),
    /// A new report link as (hash, cipher), or `None` to revoke it.
    Link(Option<(&'a str, &'a str)>),
}

/// Applies `change` to the episode if it is still open; false when it is closed or absent.
pub async fn change_open(
    conn: &mut AnyConnection,
    id: &str,
    change: OpenEpisodeChange<'_>,
) -> Result<bool> {
    // The set clause comes from this match, never from input; the values are bound.
    let (set, values) = match change {
        OpenEpisodeChange::PlannedEnd(end) => ("planned_end = $2", vec![Cell::from(end)]),
        OpenEpisodeChange::Worker(worker) => ("worker_id = $2", vec![Cell::from(worker)]),
        OpenEpisodeChange::FollowUp(mode) => ("follow_up = $2", vec![Cell::from(mode)]),
        OpenEpisodeChange::Link(link) => (
            "link_hash = $2, link_cipher = $3",
            vec![Cell::from(link.map(|l| l.0)), Cell::from(link.map(|l| l.1))],
        ),
    };
    let mut args = vec![Cell::from(id)];
    args.extend(values);
    let sql = format!("UPDATE isolation_episodes SET {set} WHERE id = $1 AND status = 'open'");
    Ok(conn.changed(&sql, &args).await? == 1)
}

/// Open episodes per worker among `worker_ids` (for spreading new ones across a team).
pub async fn open_load(
    conn: &mut AnyConnection,
    worker_ids: &[String],
) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for w in worker_ids {
        let n: i64 = conn.one_row("SELECT COUNT(*) AS n FROM isolation_episodes WHERE worker_id = $1 AND status = 'open'",
            &[Cell::from(w)],
        )
        .await?
        .try_get("n")?;
        out.push((w.clone(), n));
    }
    Ok(out)
}

crate::row! {
    /// A report as stored.
    #[derive(Debug, Clone)]
    pub struct ReportRow {
        /// Id.
        pub id: String,
        /// Slot key.
        pub slot: String,
        /// Tenths of a degree.
        pub temperature: i64,
        /// Comma-separated symptom spellings.
        pub symptoms: String,
        /// UTC ms.
        pub reported_at: i64,
        /// `resident` or the worker's user name.
        pub entered_by: String,
    }
}

/// What a report of a slot says.
#[derive(Debug, Clone, Copy)]
pub struct SlotReport<'a> {
    /// The episode.
    pub episode_id: &'a str,
    /// The slot (`2020-02-06-am`).
    pub slot: &'a str,
    /// Tenths of °C.
    pub temperature: i64,
    /// Comma-separated symptom spellings.
    pub symptoms: &'a str,
    /// When it was taken, UTC ms.
    pub reported_at: i64,
    /// `resident` or the worker's user name.
    pub entered_by: &'a str,
}

/// Records the report of a slot, replacing an earlier one of the same slot; returns whether it
/// replaced one. Decided by the database, not by a read before the write: of two reports of one
/// slot sent at once (a double tap, the resident and a worker), the second waits for the first
/// and replaces it, on any number of nodes.
pub async fn upsert_report(
    conn: &mut AnyConnection,
    id: &str,
    r: &SlotReport<'_>,
    now: i64,
) -> Result<bool> {
    // One list of values serves both statements, in the same order.
    let values: [Cell; 7] = [
        r.episode_id.into(),
        r.slot.into(),
        r.temperature.into(),
        r.symptoms.into(),
        r.reported_at.into(),
        r.entered_by.into(),
        now.into(),
    ];
    let mut with_id = values.to_vec();
    with_id.push(id.into());
    let inserted = conn
        .changed(
            "INSERT INTO health_reports (episode_id, slot, temperature, symptoms, reported_at, entered_by, updated_at, id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (episode_id, slot) DO NOTHING",
            &with_id,
        )
        .await?
        == 1;
    if !inserted {
        conn.run(
            "UPDATE health_reports SET temperature = $3, symptoms = $4, reported_at = $5, entered_by = $6, updated_at = $7 \
             WHERE episode_id = $1 AND slot = $2",
            &values,
        )
        .await?;
    }
    conn.changed("UPDATE isolation_episodes SET last_temperature = $2, last_reported_at = $3 WHERE id = $1 AND (last_reported_at IS NULL OR last_reported_at <= $3)", &[Cell::from(r.episode_id), Cell::from(r.temperature), Cell::from(r.reported_at)])
        .await?;
    Ok(!inserted)
}

/// An episode's reports, oldest first.
pub async fn reports(conn: &mut AnyConnection, episode_id: &str) -> Result<Vec<ReportRow>> {
    conn.fetch_all(
        &format!(
            "SELECT {} FROM health_reports WHERE episode_id = $1 ORDER BY slot",
            ReportRow::COLUMNS
        ),
        &[Cell::from(episode_id)],
    )
    .await
}

crate::query_row! {
    /// One reading of an episode in a slot.
    #[derive(Debug, Clone)]
    pub struct SlotReading {
        /// The episode.
        pub episode_id: String,
        /// Slot key.
        pub slot: String,
        /// Tenths of a degree.
        pub temperature: i64,
    }
}

/// The readings of these episodes in these slots: a page of the day's roster reads its own
/// episodes' two readings, not the whole area's.
pub async fn readings_in(
    conn: &mut AnyConnection,
    episode_ids: &[String],
    slots: [&str; 2],
) -> Result<Vec<SlotReading>> {
    conn.fetch_in(episode_ids, &[slots[0].into(), slots[1].into()], |list| {
        format!(
            "SELECT episode_id, slot, temperature FROM health_reports \
             WHERE slot IN ($1, $2) AND episode_id IN {list}"
        )
    })
    .await
}

crate::query_row! {
    /// An open episode on today's board: where it is and what arrived in today's two slots.
    #[derive(Debug, Clone)]
    pub struct BoardRow {
        /// Episode id.
        pub id: String,
        /// Path of the household's area.
        pub area_path: String,
        /// UTC ms.
        pub started_at: i64,
        /// Responsible worker.
        pub worker_id: Option<String>,
        /// Morning temperature, tenths.
        pub morning: Option<i64>,
        /// Afternoon temperature, tenths.
        pub afternoon: Option<i64>,
    }
}

/// Open episodes below `within` (and in scope) with today's two reports.
pub async fn board(
    conn: &mut AnyConnection,
    roots: &[String],
    within: &str,
    morning_slot: &str,
    afternoon_slot: &str,
) -> Result<Vec<BoardRow>> {
    let (filter, binds) = scope_filter("e.area_path", roots, 5);
    let sql = format!(
        "SELECT e.id, e.area_path, e.started_at, e.worker_id, am.temperature AS morning, pm.temperature AS afternoon \
         FROM isolation_episodes e \
         LEFT JOIN health_reports am ON am.episode_id = e.id AND am.slot = $3 \
         LEFT JOIN health_reports pm ON pm.episode_id = e.id AND pm.slot = $4 \
         WHERE e.status = 'open' AND e.area_path >= $1 AND e.area_path < $2 AND {filter}"
    );
    let mut args: Vec<Cell> = vec![
        within.into(),
        sanshe_core::accounts::subtree_upper_bound(within).into(),
        morning_slot.into(),
        afternoon_slot.into(),
    ];
    args.extend(binds.iter().map(Cell::from));
    conn.fetch_all(&sql, &args).await
}

/// Claims a slot for the missed-report scan; false when it was already scanned.
pub async fn claim_scan(conn: &mut AnyConnection, slot: &str, at: i64) -> Result<bool> {
    let done = conn.changed("INSERT INTO report_scans (slot, scanned_at, missed) VALUES ($1, $2, 0) ON CONFLICT (slot) DO NOTHING", &[Cell::from(slot), Cell::from(at)])
        .await?;
    Ok(done == 1)
}

/// Records how many reports a scanned slot missed.
pub async fn finish_scan(conn: &mut AnyConnection, slot: &str, missed: i64) -> Result<()> {
    conn.run(
        "UPDATE report_scans SET missed = $2 WHERE slot = $1",
        &[Cell::from(slot), Cell::from(missed)],
    )
    .await
}

/// Open episodes that started before `slot_end` and have no report in `slot`: (id, area path).
pub async fn missing_reports(
    conn: &mut AnyConnection,
    slot: &str,
    slot_end: i64,
) -> Result<Vec<(String, String)>> {
    let rows = conn.rows("SELECT e.id, e.area_path FROM isolation_episodes e WHERE e.status = 'open' AND e.started_at < $2 \
         AND NOT EXISTS (SELECT 1 FROM health_reports r WHERE r.episode_id = e.id AND r.slot = $1)", &[Cell::from(slot), Cell::from(slot_end)])
    .await?;
    rows.iter()
        .map(|r| r.columns(["id", "area_path"]))
        .collect()
}

/// Open episodes past their planned end (`planned_end < today`): (id, area path, planned end).
pub async fn past_planned_end(
    conn: &mut AnyConnection,
    today: &str,
) -> Result<Vec<(String, String, String)>> {
    let rows = conn.rows("SELECT id, area_path, planned_end FROM isolation_episodes WHERE status = 'open' AND planned_end < $1", &[Cell::from(today)])
        .await?;
    rows.iter()
        .map(|r| r.columns(["id", "area_path", "planned_end"]))
        .collect()
}

/// Open episodes without a responsible worker: (id, area path).
pub async fn without_worker(conn: &mut AnyConnection) -> Result<Vec<(String, String)>> {
    let rows = conn.rows("SELECT id, area_path FROM isolation_episodes WHERE worker_id IS NULL AND status = 'open'",
        &[],
    )
    .await?;
    rows.iter()
        .map(|r| r.columns(["id", "area_path"]))
        .collect()
}

/// People in open episodes among these households: (household id, resident id). Gates ask this
/// to suspend passes while someone of the household is in isolation.
pub async fn open_in_households(
    conn: &mut impl crate::statements::Statements,
    households: &[String],
) -> Result<Vec<(String, String)>> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    let households: Vec<crate::statements::Cell> = crate::padded(households)
        .into_iter()
        .map(Into::into)
        .collect();
    let sql = format!(
        "SELECT household_id, resident_id FROM isolation_episodes WHERE status = 'open' AND household_id IN {}",
        crate::in_list(1, households.len())
    );
    conn.rows(&sql, &households)
        .await?
        .iter()
        .map(|r| r.columns(["household_id", "resident_id"]))
        .collect::<Result<_>>()
}

/// Health reports of episodes released before `before`, deleted; the episodes themselves stay
/// (they are the counts of people isolated) but lose their report link and release note.
pub async fn purge_released(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<(crate::Purge, crate::Purge)> {
    let args = [before.into()];
    let reports = crate::purge(
        conn,
        "health_reports",
        "DELETE FROM health_reports",
        "episode_id IN (SELECT id FROM isolation_episodes WHERE released_at IS NOT NULL AND released_at < $1)",
        &args,
        dry_run,
    )
    .await?;
    let episodes = crate::purge(
        conn,
        "isolation_episodes",
        "UPDATE isolation_episodes SET link_hash = NULL, link_cipher = NULL, release_note = NULL",
        "released_at IS NOT NULL AND released_at < $1 AND (link_cipher IS NOT NULL OR release_note IS NOT NULL)",
        &args,
        dry_run,
    )
    .await?;
    Ok((reports, episodes))
}

/// Whom episodes are about: (episode id, the person's name, 楼栋, 单元, 房号).
pub async fn people_of(
    conn: &mut impl Statements,
    ids: &[String],
) -> Result<Vec<(String, String, String, String, String)>> {
    conn.rows_in(ids, &[], |ids| {
        format!(
            "SELECT e.id, r.name, h.building, h.unit, h.room FROM isolation_episodes e \
             JOIN residents r ON r.id = e.resident_id JOIN households h ON h.id = e.household_id \
             WHERE e.id IN {ids}"
        )
    })
    .await?
    .iter()
    .map(|r| r.columns(["id", "name", "building", "unit", "room"]))
    .collect()
}
