//! The `scans`, `household_exits`, `gate_hours` and `gate_refusals` tables the scan writer fills.

use super::*;

/// The first answers of scans already recorded: id → (decision, reason, flagged).
pub async fn recorded_scans(
    conn: &mut impl Statements,
    ids: &[String],
) -> Result<Vec<(String, String, Option<String>, bool)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Cell> = padded(ids).into_iter().map(Cell::from).collect();
    let sql = format!(
        "SELECT id, decision, reason, flagged FROM scans WHERE id IN {}",
        marks(1, ids.len())
    );
    let mut out: Vec<(String, String, Option<String>, bool)> = Vec::new();
    for r in conn.rows(&sql, &ids).await? {
        let id: String = r.try_get("id")?;
        // Padding repeats the last id.
        if !out.iter().any(|o| o.0 == id) {
            out.push((
                id,
                r.try_get("decision")?,
                r.try_get("reason")?,
                r.try_get("flagged")?,
            ));
        }
    }
    Ok(out)
}

/// Exits already made: (household, period start) → exits.
pub async fn household_exits(
    conn: &mut impl Statements,
    households: &[String],
) -> Result<Vec<(String, String, i64)>> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    let households: Vec<Cell> = padded(households).into_iter().map(Cell::from).collect();
    let sql = format!(
        "SELECT household_id, period_start, exits FROM household_exits WHERE household_id IN {}",
        marks(1, households.len())
    );
    conn.rows(&sql, &households)
        .await?
        .iter()
        .map(|r| r.columns(["household_id", "period_start", "exits"]))
        .collect::<Result<_>>()
}

/// A scan to store.
#[derive(Debug, Clone)]
pub struct NewScan {
    /// The device's id.
    pub id: String,
    /// Gate.
    pub gate_id: String,
    /// Pass, when one was found.
    pub pass_id: Option<String>,
    /// Household of the pass.
    pub household_id: Option<String>,
    /// Gate's compound path.
    pub area_path: String,
    /// `in` / `out`.
    pub direction: &'static str,
    /// Tenths of °C.
    pub temperature: Option<i64>,
    /// When the device scanned, UTC ms.
    pub scanned_at: i64,
    /// `allowed` / `refused`.
    pub decision: &'static str,
    /// Refusal reason.
    pub reason: Option<&'static str>,
    /// What the device decided while offline.
    pub device_decision: Option<String>,
    /// The device let through someone the server refuses.
    pub flagged: bool,
    /// Who scanned.
    pub recorded_by: String,
}

/// Stores scans, many rows per statement.
pub async fn insert_scans(
    conn: &mut impl Statements,
    scans: &[NewScan],
    recorded_at: i64,
) -> Result<()> {
    let mut values: Vec<Cell> = Vec::with_capacity(scans.len() * 14);
    for s in scans {
        values.extend([
            Cell::from(&s.id),
            Cell::from(&s.gate_id),
            Cell::from(s.pass_id.clone()),
            Cell::from(s.household_id.clone()),
            Cell::from(&s.area_path),
            Cell::from(s.direction),
            Cell::from(s.temperature),
            Cell::from(s.scanned_at),
            Cell::from(recorded_at),
            Cell::from(s.decision),
            Cell::from(s.reason),
            Cell::from(s.device_decision.clone()),
            Cell::from(s.flagged as i64),
            Cell::from(&s.recorded_by),
        ]);
    }
    // Few rows per statement on the pooled path: SQLite looks bound names up one by one
    // (measured in the registry).
    conn.insert_rows(
        "INSERT INTO scans (id, gate_id, pass_id, household_id, area_path, direction, temperature, scanned_at, recorded_at, decision, reason, device_decision, flagged, recorded_by) VALUES ",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "",
        &values,
        8,
    )
    .await?;
    Ok(())
}

/// Adds exits to households' periods.
pub async fn add_exits(conn: &mut impl Statements, rows: &[(String, String, i64)]) -> Result<()> {
    let values: Vec<Cell> = rows
        .iter()
        .flat_map(|(h, p, n)| [h.into(), p.into(), (*n).into()])
        .collect();
    conn.insert_rows(
        "INSERT INTO household_exits (household_id, period_start, exits) VALUES ",
        "(?, ?, ?)",
        " ON CONFLICT (household_id, period_start) DO UPDATE SET exits = household_exits.exits + excluded.exits",
        &values,
        50,
    )
    .await
}

/// Counts of one gate-hour to add.
#[derive(Debug, Clone, Default)]
pub struct HourCounts {
    /// Gate.
    pub gate_id: String,
    /// UTC ms of the China-time hour.
    pub hour_start: i64,
    /// The hour's China-time date, YYYY-MM-DD.
    pub day: String,
    /// Gate's compound path.
    pub area_path: String,
    /// Allowed entries.
    pub entries: i64,
    /// Allowed exits.
    pub exits: i64,
    /// Refusals.
    pub refused: i64,
    /// Visitors registered.
    pub visitors: i64,
}

/// Adds to the hourly rollup.
pub async fn add_hours(conn: &mut impl Statements, rows: &[HourCounts]) -> Result<()> {
    let values: Vec<Cell> = rows
        .iter()
        .flat_map(|h| {
            [
                Cell::from(&h.gate_id),
                h.hour_start.into(),
                (&h.day).into(),
                (&h.area_path).into(),
                h.entries.into(),
                h.exits.into(),
                h.refused.into(),
                h.visitors.into(),
            ]
        })
        .collect();
    conn.insert_rows(
        "INSERT INTO gate_hours (gate_id, hour_start, day, area_path, entries, exits, refused, visitors) VALUES ",
        "(?, ?, ?, ?, ?, ?, ?, ?)",
        " ON CONFLICT (gate_id, hour_start) DO UPDATE SET entries = gate_hours.entries + excluded.entries, \
         exits = gate_hours.exits + excluded.exits, refused = gate_hours.refused + excluded.refused, visitors = gate_hours.visitors + excluded.visitors",
        &values,
        40,
    )
    .await
}

/// Adds refusals: (gate, day, reason, path, count).
pub async fn add_refusals(
    conn: &mut impl Statements,
    rows: &[(String, String, &'static str, String, i64)],
) -> Result<()> {
    let values: Vec<Cell> = rows
        .iter()
        .flat_map(|(g, d, r, p, n)| [g.into(), d.into(), (*r).into(), p.into(), (*n).into()])
        .collect();
    conn.insert_rows(
        "INSERT INTO gate_refusals (gate_id, day, reason, area_path, refusals) VALUES ",
        "(?, ?, ?, ?, ?)",
        " ON CONFLICT (gate_id, day, reason) DO UPDATE SET refusals = gate_refusals.refusals + excluded.refusals",
        &values,
        50,
    )
    .await
}

/// Hourly counts of the gates below `within` on one China-time day: (gate, hour, entries,
/// exits, refused, visitors).
pub async fn hours(
    conn: &mut AnyConnection,
    within: &str,
    day: &str,
) -> Result<Vec<(String, i64, i64, i64, i64, i64)>> {
    let rows = conn
        .rows(
            HOURS_SQL,
            &[
                Cell::from(day),
                Cell::from(within),
                Cell::from(sanshe_core::accounts::subtree_upper_bound(within)),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            r.columns([
                "gate_id",
                "hour_start",
                "entries",
                "exits",
                "refused",
                "visitors",
            ])
        })
        .collect()
}

/// The statement `hours` runs (for the query-plan test).
pub const HOURS_SQL: &str = "SELECT gate_id, hour_start, entries, exits, refused, visitors FROM gate_hours \
         WHERE day = $1 AND area_path >= $2 AND area_path < $3";

/// The statement `refusals` runs (for the query-plan test).
pub const REFUSALS_SQL: &str = "SELECT reason, CAST(SUM(refusals) AS BIGINT) AS refusals FROM gate_refusals WHERE day = $1 AND area_path >= $2 AND area_path < $3 GROUP BY reason ORDER BY reason";

/// One gate's refusals by reason on one day (the primary key's prefix).
pub(super) const GATE_REFUSALS_SQL: &str =
    "SELECT reason, refusals FROM gate_refusals WHERE gate_id = $1 AND day = $2 ORDER BY reason";

/// Refusals by reason on one day below `within`, or at one gate.
pub async fn refusals(
    conn: &mut AnyConnection,
    within: &str,
    gate: Option<&str>,
    day: &str,
) -> Result<Vec<(String, i64)>> {
    let rows = match gate {
        Some(g) => {
            conn.rows(GATE_REFUSALS_SQL, &[Cell::from(g), Cell::from(day)])
                .await?
        }
        None => {
            conn.rows(
                REFUSALS_SQL,
                &[
                    Cell::from(day),
                    Cell::from(within),
                    Cell::from(sanshe_core::accounts::subtree_upper_bound(within)),
                ],
            )
            .await?
        }
    };
    rows.iter()
        .map(|r| r.columns(["reason", "refusals"]))
        .collect()
}

/// Scans recorded before `before`, deleted; the hourly and refusal rollups keep their counts.
pub async fn purge_scans(
    conn: &mut AnyConnection,
    before: i64,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::delete_older(conn, "scans", "recorded_at", before, dry_run).await
}

/// Quota counts of periods that started before `before_day` (YYYY-MM-DD), deleted: they decide
/// nothing any more.
pub async fn purge_exits(
    conn: &mut AnyConnection,
    before_day: &str,
    arrival_prefix: &str,
    dry_run: bool,
) -> Result<crate::Purge> {
    crate::purge(
        conn,
        "household_exits",
        "DELETE FROM household_exits",
        "(period_start < $1 OR (period_start >= $2 AND period_start < $3))",
        &[
            before_day.into(),
            arrival_prefix.into(),
            format!("{arrival_prefix}{before_day}").into(),
        ],
        dry_run,
    )
    .await
}

/// Scans recorded by the given people (user names) in [from, to), per gate area: (area path,
/// scans).
pub async fn scans_by_people(
    conn: &mut impl Statements,
    usernames: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    let counted = ("scans", "scanned_at", "recorded_by");
    crate::counted_per_place(conn, counted, usernames, from, to).await
}

/// A fever reading at a gate: (UTC ms, gate name, temperature in tenths).
pub type FeverReading = (i64, String, Option<i64>);

/// The fevers a household's passes met at its compound's gates since `since`, newest first.
pub async fn fever_readings(
    conn: &mut impl Statements,
    household_id: &str,
    since: i64,
) -> Result<Vec<FeverReading>> {
    // Through the gates of the household's compound, so each gate's (gate, time) index is used.
    conn.rows(
        "SELECT s.scanned_at, g.name, s.temperature FROM gates g JOIN scans s ON s.gate_id = g.id \
         WHERE g.compound_id IN (SELECT compound_id FROM passes WHERE household_id = $1) \
         AND s.scanned_at >= $2 AND s.household_id = $1 AND s.reason = 'fever' \
         ORDER BY s.scanned_at DESC LIMIT 100",
        &[household_id.into(), since.into()],
    )
    .await?
    .iter()
    .map(|r| r.columns(["scanned_at", "name", "temperature"]))
    .collect()
}
