//! What a member may do, where and when, because of the duties their organization took on:
//! a volunteer or social worker holds no area role, so their right to act at a place is
//! derived here from the rota and the linkages, never granted by hand.

use sanshe_core::accounts::member_of;
use sanshe_core::organizations::Duty;
use sanshe_core::rotas::gate_duty_window;
use sanshe_store::Conn;
use sanshe_store::accounts as account_store;

use super::*;

/// A stretch of time in which someone staffs one gate through a checked-in shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateDutyWindow {
    /// The gate.
    pub gate_id: String,
    /// From (UTC ms).
    pub from: i64,
    /// Until (UTC ms, excluded).
    pub until: i64,
}

impl GateDutyWindow {
    /// Whether the window holds `at`.
    pub fn covers(&self, at: i64) -> bool {
        self.from <= at && at < self.until
    }
}

/// How far back a gate duty still counts: offline scans queued on a phone arrive up to a week
/// late (the scan's own window) and are judged by when they were made.
const LOOK_BACK_MS: i64 = 7 * 86_400_000;

/// The windows in which the actor staffs a gate through a shift they checked in to, within
/// their organizations' active gate duty there. Someone in no organization (a volunteer the
/// community vetted itself) staffs the gates of the posts the community's workers put them on.
pub async fn gate_duty_windows(app: &App, actor: &Actor) -> Result<Vec<GateDutyWindow>> {
    let Some(user_id) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let mut conn = app.db.conn().await?;
    let now = app.clock.now_ms();
    let shifts =
        sanshe_store::rotas::gate_shifts_of(&mut *conn, user_id, now - LOOK_BACK_MS).await?;
    if shifts.is_empty() {
        return Ok(Vec::new());
    }
    let organizations = member_of(&actor.grants);
    let duty_paths = if organizations.is_empty() {
        None
    } else {
        let today = app.today().to_string();
        Some(store::duty_paths(&mut conn, &organizations, Duty::GateDuty.as_str(), &today).await?)
    };
    Ok(shifts
        .into_iter()
        .filter(|s| {
            duty_paths
                .as_ref()
                .is_none_or(|paths| paths.iter().any(|p| s.area_path.starts_with(p.as_str())))
        })
        .map(|s| {
            let (from, until) = gate_duty_window(s.checked_in_at, s.checked_out_at, s.ends_at);
            GateDutyWindow {
                gate_id: s.gate_id,
                from,
                until,
            }
        })
        .collect())
}

/// The gates the actor staffs right now through a shift (see `gate_duty_windows`).
pub async fn gates_on_duty_now(app: &App, actor: &Actor) -> Result<Vec<String>> {
    let now = app.clock.now_ms();
    let mut gates: Vec<String> = gate_duty_windows(app, actor)
        .await?
        .into_iter()
        .filter(|w| w.covers(now))
        .map(|w| w.gate_id)
        .collect();
    gates.sort();
    gates.dedup();
    Ok(gates)
}

/// The social workers who may do `duty` at `path` on `day` for a linked organization — follow
/// people isolated there up by phone, visit its doors: members of the social-worker kind of an
/// organization holding that duty with the place's community, deployed there. (id, name), by
/// name.
pub async fn duty_workers(
    conn: &mut Conn,
    path: &str,
    duty: Duty,
    day: &str,
) -> Result<Vec<(String, String)>> {
    let places: Vec<String> = sanshe_core::areas::lineage(path)
        .map(String::from)
        .collect();
    let organizations = store::duty_holders(conn, &places, duty.as_str(), day).await?;
    if organizations.is_empty() {
        return Ok(Vec::new());
    }
    let mut workers =
        account_store::social_workers_deployed_at(&mut *conn, &organizations, &places).await?;
    // The same order on both engines, whatever the database's collation.
    workers.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(workers)
}
