//! Gate checkpoints: gates and their compound's policy, passes (QR signed with the vault's key,
//! and a short code to type), the scan rule, visitors, traffic statistics.
//!
//! Scans are the hottest write in sanshe. They go through one `ScanWriter`, which takes every scan
//! waiting in its queue, decides them all and records them (scans, quota counts, hourly rollups,
//! fever alerts) in one transaction, commits, and only then answers each — so every 201 is
//! durable and the database sees one commit per batch instead of one per scan. On a SQLite file
//! it is a thread of its own holding its own connection (`sanshe_store::statements`).

use crate::audit::Audited;
use sanshe_core::areas::{AreaKind, path_at};
use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Timelike};
use rand::Rng;
use sanshe_core::accounts::{Action, AreaScope, Target};
use sanshe_core::alerts::{AlertKind, AlertSubject};
use sanshe_core::gates::{
    CODE_ALPHABET, Direction, GatePolicy, PassState, Refusal, decide, normalize_code,
};
use sanshe_core::isolation::Temperature;
use sanshe_core::registry::HouseholdAddress;
use sanshe_store::gates::{
    self as store, GateRow, HourCounts, NewPass, NewScan, PassRow, VisitorRow,
};
use sanshe_store::statements::Statements;
use sanshe_store::{Conn, areas as area_store, new_id};
use tokio::sync::{mpsc, oneshot};

use crate::accounts::Actor;
use crate::alerts::{self, Routes, Trouble};
use crate::audit::{self, Subject};
use crate::{App, AppError, Result, local_time, utc_ms};

mod deciding;
mod passes;
mod scans;
mod traffic;
mod visitors;

use deciding::*;
pub use passes::*;
pub use scans::*;
pub use traffic::*;
pub use visitors::*;

/// A gate with its compound's policy.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GateView {
    /// Id.
    pub id: String,
    /// Name, e.g. 南门.
    pub name: String,
    /// The compound it closes.
    pub compound_id: String,
    /// Its name.
    pub compound_name: String,
    /// The community the compound is in (the gate's own when it closes a community).
    pub community_name: String,
    /// The compound's policy.
    pub policy: GatePolicy,
}

fn policy_of(row: Option<&store::PolicyRow>) -> GatePolicy {
    match row {
        Some(p) => GatePolicy {
            exits_per_period: p.0,
            period_days: p.1.max(1),
            out_from_hour: p.2.clamp(0, 23) as u32,
            out_until_hour: p.3.clamp(1, 24) as u32,
        },
        None => GatePolicy::default(),
    }
}

async fn policies(conn: &mut Conn, compounds: &[String]) -> Result<HashMap<String, GatePolicy>> {
    Ok(store::policies(conn, compounds)
        .await?
        .into_iter()
        .map(|(c, p)| (c, policy_of(Some(&p))))
        .collect())
}

/// The compound (or, where there are no compounds, the community) an area belongs to.
async fn compound_of(conn: &mut Conn, area_id: &str) -> Result<area_store::AreaRow> {
    let area = area_store::get(conn, area_id).await?;
    if matches!(area.kind, AreaKind::Compound | AreaKind::Community) {
        return Ok(area);
    }
    let lineage = area_store::lineage(conn, &area).await?;
    lineage
        .into_iter()
        .rev()
        .find(|a| matches!(a.kind, AreaKind::Compound | AreaKind::Community))
        .ok_or(AppError::field("area_id", "err-gate-area"))
}

/// Adds a gate to a compound.
pub async fn add_gate(app: &App, actor: &Actor, compound_id: &str, name: &str) -> Result<GateView> {
    let name = sanshe_core::text::required_line("name", name, 40)?;
    let name = name.as_str();
    let mut tx = app.db.begin().await?;
    let area = area_store::get(&mut tx, compound_id)
        .await
        .map_err(|_| AppError::field("compound_id", "err-area-not-found"))?;
    actor.require_for(
        Action::ManageGates,
        Target::Area(&area.path),
        "compound_id",
        "err-area-not-found",
    )?;
    if !matches!(area.kind, AreaKind::Compound | AreaKind::Community) {
        return Err(AppError::field("compound_id", "err-gate-area"));
    }
    let id = new_id();
    store::insert_gate(&mut tx, &id, &area.id, &area.path, name, app.clock.now_ms()).await?;
    audit::record(
        &mut tx,
        actor,
        "gate.created",
        Subject::new("gate", &id, &area.path),
        name,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.gates_changed
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    gate(app, actor, &id).await
}

/// One gate.
pub async fn gate(app: &App, actor: &Actor, id: &str) -> Result<GateView> {
    let mut conn = app.db.conn().await?;
    let g = store::gate(&mut conn, id).await?;
    if !actor.may(Action::GateDuty, Target::Area(&g.area_path))
        && !on_duty_at(app, actor, &g.id).await?
    {
        return Err(AppError::NotFound);
    }
    views_of(&mut conn, vec![g])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Whether the actor staffs this gate right now through a checked-in shift of its post.
async fn on_duty_at(app: &App, actor: &Actor, gate_id: &str) -> Result<bool> {
    Ok(gates_on_duty(app, actor)
        .await?
        .iter()
        .any(|g| g == gate_id))
}

/// The gates the actor staffs right now through a checked-in shift (none for someone who does
/// not serve by shifts).
async fn gates_on_duty(app: &App, actor: &Actor) -> Result<Vec<String>> {
    if sanshe_core::accounts::serves_by_shifts(&actor.grants) {
        crate::organizations::gates_on_duty_now(app, actor).await
    } else {
        Ok(Vec::new())
    }
}

/// Gates as they are shown: each with its compound's policy and its community's name.
async fn views_of(conn: &mut Conn, rows: Vec<GateRow>) -> Result<Vec<GateView>> {
    let compounds: Vec<String> = rows.iter().map(|g| g.compound_id.clone()).collect();
    let policies = policies(conn, &compounds).await?;
    let community_of = |g: &GateRow| path_at(&g.area_path, AreaKind::Community).to_string();
    let communities: Vec<String> = rows.iter().map(community_of).collect();
    let names =
        area_store::names_by_path(&mut *conn, communities.iter().map(String::as_str)).await?;
    Ok(rows
        .into_iter()
        .zip(communities)
        .map(|(g, community)| GateView {
            policy: policies.get(&g.compound_id).copied().unwrap_or_default(),
            community_name: names.get(&community).cloned().unwrap_or_default(),
            id: g.id,
            name: g.name,
            compound_id: g.compound_id,
            compound_name: g.compound_name,
        })
        .collect())
}

/// The most gates a new post's form offers: a street's worth; a post higher up names its gate
/// through the API.
pub const MAX_GATES_FOR_POSTS: i64 = 500;

/// The gates a new post in `area_id` may stand at (those within it, and those closing an area
/// it lies in), for whoever manages its rota; `MAX_GATES_FOR_POSTS` at most.
pub async fn gates_for_posts(app: &App, actor: &Actor, area_id: &str) -> Result<Vec<GateView>> {
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    if !actor.may(Action::ManageRotas, Target::Area(&area.path)) {
        return Err(AppError::NotFound);
    }
    let rows = store::gates_for_area(&mut conn, &area.path, MAX_GATES_FOR_POSTS).await?;
    views_of(&mut conn, rows).await
}

/// A page of the gates the actor may staff, by compound and name, with the total: those in
/// their gate-duty areas (a district's run to thousands) and, on the first page and first,
/// the ones outside them they are on duty at right now through a shift.
pub async fn gates_page(
    app: &App,
    actor: &Actor,
    f: &crate::cursor::AreaPaging,
) -> Result<crate::cursor::Page<GateView>> {
    let after = crate::cursor::after::<3>(f.after.as_deref())?;
    let limit = f.size();
    let scope = actor.scope(Action::GateDuty);
    // Narrowed to an area of the scope, the list leaves out the gates outside it.
    let on_duty = if f.narrowed() {
        Vec::new()
    } else {
        gates_on_duty(app, actor).await?
    };
    let mut conn = app.db.conn().await?;
    let roots =
        crate::areas::list_roots(&mut conn, actor, Action::GateDuty, f.area.as_deref()).await?;
    let mut rows = store::gates_page(&mut conn, &roots, after.as_ref(), limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |g| {
        crate::cursor::encode(&g.position().each_ref().map(String::as_str))
    });
    let outside: Vec<GateRow> = store::gates_by_ids(&mut conn, &on_duty)
        .await?
        .into_iter()
        .filter(|g| !scope.contains(&g.area_path))
        .collect();
    let total = store::count_gates(&mut conn, &roots).await? + outside.len() as i64;
    if after.is_none() {
        rows.splice(0..0, outside);
    }
    let items = views_of(&mut conn, rows).await?;
    Ok(crate::cursor::Page { items, total, next })
}

/// Sets a compound's closed-management policy.
pub async fn set_policy(
    app: &App,
    actor: &Actor,
    compound_id: &str,
    policy: GatePolicy,
) -> Result<GatePolicy> {
    let p = GatePolicy::new(
        policy.exits_per_period,
        policy.period_days,
        policy.out_from_hour,
        policy.out_until_hour,
    )
    .map_err(|(f, k)| AppError::field(f, k))?;
    let mut tx = app.db.begin().await?;
    let area = area_store::get(&mut tx, compound_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    actor.require(Action::ManageGates, Target::Area(&area.path))?;
    store::set_policy(
        &mut tx,
        &area.id,
        (
            p.exits_per_period,
            p.period_days,
            p.out_from_hour as i64,
            p.out_until_hour as i64,
        ),
        app.clock.now_ms(),
    )
    .await?;
    let detail = format!(
        "{}/{}d {}-{}h",
        p.exits_per_period, p.period_days, p.out_from_hour, p.out_until_hour
    );
    audit::record(&mut tx, actor, "gate.policy", area.subject(), &detail).await?;
    sanshe_store::commit(tx).await?;
    app.gates_changed
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Ok(p)
}

/// A checked scan, ready for the writer.
struct Job {
    id: String,
    gate_id: String,
    pass_id: Option<String>,
    code: Option<String>,
    direction: Direction,
    temperature: Temperature,
    scanned_at: i64,
    device_decision: Option<String>,
    scope: AreaScope,
    /// Where and when a member staffs a gate through a checked-in shift.
    duty: Vec<crate::organizations::GateDutyWindow>,
    recorded_by: String,
    reply: oneshot::Sender<Result<ScanOutcome>>,
}

/// The gates and policies the writer has seen: they change rarely and are read by every batch.
/// Dropped when this node changes a gate or a policy (`App::gates_changed`), and every 30 s so a
/// change made on another node applies within that time.
#[derive(Default)]
struct GateCache {
    generation: i64,
    loaded: Option<std::time::Instant>,
    gates: HashMap<String, GateRow>,
    policies: HashMap<String, GatePolicy>,
}

impl GateCache {
    /// Loads the gates of a batch not yet known (through the pool: gates are not the writer's).
    async fn refresh(&mut self, app: &App, batch: &[Job]) -> Result<()> {
        let generation = app.gates_changed.load(std::sync::atomic::Ordering::SeqCst);
        let stale = self
            .loaded
            .is_none_or(|t| t.elapsed() > std::time::Duration::from_secs(30));
        if generation != self.generation || stale {
            *self = GateCache {
                generation,
                loaded: Some(std::time::Instant::now()),
                ..Default::default()
            };
        }
        let missing: Vec<String> = batch
            .iter()
            .map(|j| &j.gate_id)
            .filter(|g| !self.gates.contains_key(*g))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut conn = app.db.conn().await?;
        let found = store::gates_by_ids(&mut conn, &missing).await?;
        let compounds: Vec<String> = found.iter().map(|g| g.compound_id.clone()).collect();
        self.policies.extend(policies(&mut conn, &compounds).await?);
        for g in found {
            self.gates.insert(g.id.clone(), g);
        }
        Ok(())
    }
}

/// The day asked for (today by default) and where to count it: below an area, or at one gate
/// (its path, and its id); `NotFound` outside the actor's gate-duty scope.
async fn gate_day(
    app: &App,
    actor: &Actor,
    area_or_gate: &str,
    date: Option<&str>,
) -> Result<(NaiveDate, String, Option<String>)> {
    let day =
        sanshe_core::dates::parse_optional("date", date.unwrap_or(""))?.unwrap_or(app.today());
    let mut conn = app.db.conn().await?;
    let (within, gate_only) = match store::gate(&mut conn, area_or_gate).await {
        Ok(g) => (g.area_path.clone(), Some(g.id)),
        Err(_) => (
            area_store::get(&mut conn, area_or_gate)
                .await
                .map_err(|_| AppError::NotFound)?
                .path,
            None,
        ),
    };
    if !actor.scope(Action::GateDuty).contains(&within) {
        return Err(AppError::NotFound);
    }
    Ok((day, within, gate_only))
}
