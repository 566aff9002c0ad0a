//! Gate checkpoints: gates and their compound's policy, passes (QR signed with the vault's key,
//! and a short code to type), the scan rule, visitors, traffic statistics.
//!
//! Scans are the hottest write in sanshe. They go through one `ScanWriter`, which takes every scan
//! waiting in its queue, decides them all and records them (scans, quota counts, hourly rollups,
//! fever alerts) in one transaction, commits, and only then answers each — so every 201 is
//! durable and the database sees one commit per batch instead of one per scan. On a SQLite file
//! it is a thread of its own holding its own connection (`sanshe_store::statements`).

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate, Timelike};
use rand::Rng;
use sanshe_core::accounts::{Action, AreaScope, Target};
use sanshe_core::alerts::AlertKind;
use sanshe_core::gates::{
    CODE_ALPHABET, Direction, GatePolicy, PassState, Refusal, decide, normalize_code,
};
use sanshe_core::isolation::Temperature;
use sanshe_core::registry::HouseholdAddress;
use sanshe_store::gates::{
    self as store, GateRow, HourCounts, NewPass, NewScan, NewVisitor, PassRow,
};
use sanshe_store::statements::Statements;
use sanshe_store::{Conn, areas as area_store, audit as audit_store, new_id};
use tokio::sync::{mpsc, oneshot};

use crate::accounts::Actor;
use crate::alerts::{self, Routes, Trouble};
use crate::{App, AppError, Result, local_time, utc_ms};

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
    if matches!(area.kind.as_str(), "compound" | "community") {
        return Ok(area);
    }
    let lineage = area_store::lineage(conn, &area).await?;
    lineage
        .into_iter()
        .rev()
        .find(|a| a.kind == "compound" || a.kind == "community")
        .ok_or(AppError::field("area_id", "err-gate-area"))
}

async fn audit(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    kind: &str,
    id: &str,
    path: &str,
    detail: &str,
) -> Result<()> {
    audit_store::append(
        conn,
        &audit_store::NewAuditEntry {
            action,
            target_kind: kind,
            target_id: id,
            area_path: Some(path),
            detail,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(())
}

/// Adds a gate to a compound.
pub async fn add_gate(app: &App, actor: &Actor, compound_id: &str, name: &str) -> Result<GateView> {
    let name = sanshe_core::text::required_line("name", name, 40)?;
    let name = name.as_str();
    let mut tx = app.db.begin().await?;
    let area = area_store::get(&mut tx, compound_id)
        .await
        .map_err(|_| AppError::field("compound_id", "err-area-not-found"))?;
    if !actor.may(Action::ManageGates, Target::Area(&area.path)) {
        return Err(AppError::field("compound_id", "err-area-not-found"));
    }
    if !matches!(area.kind.as_str(), "compound" | "community") {
        return Err(AppError::field("compound_id", "err-gate-area"));
    }
    let id = new_id();
    store::insert_gate(&mut tx, &id, &area.id, &area.path, name, app.clock.now_ms()).await?;
    audit(
        &mut tx,
        actor,
        "gate.created",
        "gate",
        &id,
        &area.path,
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
    if !actor.may(Action::GateDuty, Target::Area(&g.area_path)) {
        return Err(AppError::NotFound);
    }
    let p = policies(&mut conn, std::slice::from_ref(&g.compound_id)).await?;
    Ok(gate_view(g, &p))
}

fn gate_view(g: GateRow, policies: &HashMap<String, GatePolicy>) -> GateView {
    GateView {
        policy: policies.get(&g.compound_id).copied().unwrap_or_default(),
        id: g.id,
        name: g.name,
        compound_id: g.compound_id,
        compound_name: g.compound_name,
    }
}

/// Gates the actor may staff.
pub async fn gates(app: &App, actor: &Actor) -> Result<Vec<GateView>> {
    let scope = actor.scope(Action::GateDuty);
    let mut conn = app.db.conn().await?;
    let rows = store::gates(&mut conn, scope.roots()).await?;
    let compounds: Vec<String> = rows.iter().map(|g| g.compound_id.clone()).collect();
    let p = policies(&mut conn, &compounds).await?;
    Ok(rows.into_iter().map(|g| gate_view(g, &p)).collect())
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
    if !actor.may(Action::ManageGates, Target::Area(&area.path)) {
        return Err(AppError::NotFound);
    }
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
    audit(
        &mut tx,
        actor,
        "gate.policy",
        "area",
        &area.id,
        &area.path,
        &detail,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.gates_changed
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    Ok(p)
}

/// A pass as listed and printed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PassView {
    /// Id.
    pub id: String,
    /// Short code to type at the gate.
    pub code: String,
    /// Household.
    pub household_id: String,
    /// 楼栋 单元 房号.
    pub address: String,
    /// 楼栋 (for printing a sheet per building).
    pub building: String,
    /// Holder of a personal pass.
    pub holder: Option<String>,
    /// YYYY-MM-DD.
    pub valid_from: String,
    /// YYYY-MM-DD.
    pub valid_to: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

fn pass_view(p: PassRow) -> PassView {
    PassView {
        address: HouseholdAddress {
            building: p.building.clone(),
            unit: p.unit,
            room: p.room,
        }
        .label(),
        building: p.building,
        id: p.id,
        code: p.code,
        household_id: p.household_id,
        holder: p.resident_name,
        valid_from: p.valid_from,
        valid_to: p.valid_to,
        revoked: p.revoked_at.is_some(),
    }
}

/// The signed token a pass's QR code carries: `P1.{id}.{mac}`, the MAC keyed with the vault's
/// hashing key, so a code cannot be made or altered without the server.
pub fn pass_token(app: &App, pass_id: &str) -> String {
    let mac = app.vault.lookup_hash(&format!("gate-pass:{pass_id}"));
    format!("P1.{pass_id}.{}", &mac[..32])
}

/// The pass id of a token whose signature holds.
pub fn verify_token(app: &App, token: &str) -> Option<String> {
    let mut parts = token.trim().split('.');
    let (Some("P1"), Some(id), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let expected = pass_token(app, id);
    let given = format!("P1.{id}.{mac}");
    // Compare without stopping at the first difference.
    let same = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| id.to_string())
}

fn new_code() -> String {
    let letters: Vec<char> = CODE_ALPHABET.chars().collect();
    let mut rng = rand::thread_rng();
    (0..8)
        .map(|_| letters[rng.gen_range(0..letters.len())])
        .collect()
}

/// Passes to issue: one household, one person, or every household of an area without a live pass.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct IssuePasses {
    /// One household.
    #[serde(default)]
    pub household_id: Option<String>,
    /// A personal pass for this resident (of that household).
    #[serde(default)]
    pub resident_id: Option<String>,
    /// Or every household of this area (compound, building) that has no live pass.
    #[serde(default)]
    pub area_id: Option<String>,
    /// YYYY-MM-DD (default today).
    #[serde(default)]
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub valid_to: String,
}

/// Longest validity of a pass, in days.
pub const PASS_MAX_DAYS: i64 = 366;
/// How far back a pass's validity may start (passes issued for the week already under way).
pub const PASS_DAYS_BACK: i64 = 31;

/// Issues passes.
pub async fn issue_passes(app: &App, actor: &Actor, input: &IssuePasses) -> Result<Vec<PassView>> {
    use sanshe_core::dates;
    let today = app.today();
    let from = match input.valid_from.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => dates::within(
            "valid_from",
            dates::parse("valid_from", d)?,
            today,
            PASS_DAYS_BACK,
            PASS_MAX_DAYS,
        )?,
        None => today,
    };
    let to = dates::parse("valid_to", &input.valid_to)?;
    if to < from || to < today {
        return Err(AppError::field("valid_to", "err-end-before-start"));
    }
    // A pass lasts a year at most: closed management is reviewed long before that.
    dates::span("valid_to", from, to, PASS_MAX_DAYS)?;
    let mut conn = app.db.conn().await?;
    let mut households: Vec<(String, String, Option<String>)> = Vec::new();
    match (
        input.household_id.as_deref().filter(|h| !h.is_empty()),
        input.area_id.as_deref().filter(|a| !a.is_empty()),
    ) {
        (Some(h), _) => {
            let row = sanshe_store::registry::household(&mut conn, h)
                .await
                .map_err(|_| AppError::field("household_id", "err-household-not-found"))?;
            if let Some(r) = input.resident_id.as_deref().filter(|r| !r.is_empty()) {
                let res = sanshe_store::registry::resident(&mut conn, r)
                    .await
                    .map_err(|_| AppError::field("resident_id", "err-resident-not-found"))?;
                if res.record.household_id != row.id {
                    return Err(AppError::field("resident_id", "err-resident-not-found"));
                }
            }
            households.push((
                row.id,
                row.area_id,
                input.resident_id.clone().filter(|r| !r.is_empty()),
            ));
        }
        (None, Some(a)) => {
            let area = area_store::get(&mut conn, a)
                .await
                .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
            if !actor.may(Action::ManageGates, Target::Area(&area.path)) {
                return Err(AppError::field("area_id", "err-area-not-found"));
            }
            let scope = actor.scope(Action::ManageGates);
            let live: HashSet<String> =
                store::passes(&mut conn, scope.roots(), &area.path, 100_000)
                    .await?
                    .into_iter()
                    .filter(|p| {
                        p.revoked_at.is_none()
                            && p.resident_id.is_none()
                            && p.valid_to.as_str() >= from.to_string().as_str()
                    })
                    .map(|p| p.household_id)
                    .collect();
            let mut after: Option<String> = None;
            loop {
                let page = sanshe_store::registry::households(
                    &mut conn,
                    scope.roots(),
                    Some(&area.path),
                    after.as_deref(),
                    500,
                )
                .await?;
                let last = page.last().map(|h| h.id.clone());
                for h in page {
                    if !live.contains(&h.id) {
                        households.push((h.id, h.area_id, None));
                    }
                }
                match last {
                    Some(l) => after = Some(l),
                    None => break,
                }
            }
        }
        (None, None) => return Err(AppError::field("household_id", "err-required")),
    }
    let from_s = from.format("%Y-%m-%d").to_string();
    let to_s = to.format("%Y-%m-%d").to_string();
    let mut compounds: HashMap<String, area_store::AreaRow> = HashMap::new();
    let mut ids = Vec::new();
    let mut tx = app.db.begin().await?;
    for (household, area_id, resident) in &households {
        let compound = match compounds.get(area_id) {
            Some(c) => c.clone(),
            None => {
                let c = compound_of(&mut tx, area_id).await?;
                compounds.insert(area_id.clone(), c.clone());
                c
            }
        };
        if !actor.may(Action::ManageGates, Target::Area(&compound.path)) {
            return Err(AppError::field("household_id", "err-household-not-found"));
        }
        let id = new_id();
        // Codes are random; on the rare collision draw again.
        let mut inserted = false;
        for _ in 0..5 {
            let code = new_code();
            let pass = NewPass {
                id: &id,
                code: &code,
                compound_id: &compound.id,
                area_path: &compound.path,
                household_id: household,
                resident_id: resident.as_deref(),
                valid_from: &from_s,
                valid_to: &to_s,
            };
            match store::insert_pass(&mut tx, &pass, app.clock.now_ms()).await {
                Ok(()) => {
                    inserted = true;
                    break;
                }
                Err(sanshe_store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        if !inserted {
            return Err(AppError::Internal("no free pass code after 5 draws".into()));
        }
        ids.push(id);
    }
    if let Some(first) = ids.first() {
        let path = compounds
            .values()
            .next()
            .map(|c| c.path.clone())
            .unwrap_or_default();
        audit(
            &mut tx,
            actor,
            "pass.issued",
            "pass",
            first,
            &path,
            &format!("{} passes {from_s}..{to_s}", ids.len()),
        )
        .await?;
    }
    sanshe_store::commit(tx).await?;
    let mut conn = app.db.conn().await?;
    let rows = store::passes_by(&mut conn, &ids, &[]).await?;
    Ok(rows.into_iter().map(pass_view).collect())
}

/// Passes of an area, by address.
pub async fn passes(app: &App, actor: &Actor, area_id: &str) -> Result<Vec<PassView>> {
    let scope = actor.scope(Action::ManageGates);
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    if !scope.overlaps(&area.path) {
        return Err(AppError::NotFound);
    }
    // Passes hang on the compound: look from the compound of a building too.
    let within = if area.kind == "building" {
        compound_of(&mut conn, &area.id).await?.path
    } else {
        area.path.clone()
    };
    let mut rows = store::passes(&mut conn, scope.roots(), &within, 20_000).await?;
    if area.kind == "building" {
        rows.retain(|p| p.building == area.name);
    }
    rows.sort_by_cached_key(|p| {
        (
            sanshe_core::areas::natural_key(&p.building),
            sanshe_core::areas::natural_key(&p.unit),
            sanshe_core::areas::natural_key(&p.room),
        )
    });
    Ok(rows.into_iter().map(pass_view).collect())
}

async fn visible_pass(conn: &mut Conn, actor: &Actor, id: &str) -> Result<PassRow> {
    let p = store::pass(conn, id).await?;
    if !actor.may(Action::ManageGates, Target::Area(&p.area_path)) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// The signed token of a pass, for its QR code.
pub async fn token_of(app: &App, actor: &Actor, id: &str) -> Result<String> {
    let mut conn = app.db.conn().await?;
    let p = visible_pass(&mut conn, actor, id).await?;
    Ok(pass_token(app, &p.id))
}

/// Revokes a pass (lost, moved out, misused).
pub async fn revoke_pass(app: &App, actor: &Actor, id: &str) -> Result<PassView> {
    let mut tx = app.db.begin().await?;
    let p = visible_pass(&mut tx, actor, id).await?;
    if !store::revoke_pass(&mut tx, id, app.clock.now_ms()).await? {
        return Err(AppError::field("status", "err-pass-revoked"));
    }
    audit(
        &mut tx,
        actor,
        "pass.revoked",
        "pass",
        id,
        &p.area_path,
        &p.code,
    )
    .await?;
    let row = store::pass(&mut tx, id).await?;
    sanshe_store::commit(tx).await?;
    Ok(pass_view(row))
}

/// A scan as the gate post sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ScanInput {
    /// A UUID made by the device: the same id again returns the first answer.
    #[schema(pattern = "^[0-9a-fA-F-]{32,36}$")]
    pub id: String,
    /// The gate.
    #[schema(max_length = 64)]
    pub gate_id: String,
    /// The short code typed.
    #[serde(default)]
    #[schema(max_length = 16)]
    pub pass_code: Option<String>,
    /// Or the QR code's signed token.
    #[serde(default)]
    #[schema(max_length = 128)]
    pub pass_token: Option<String>,
    /// `in` or `out`.
    #[schema(pattern = "^(in|out)$")]
    pub direction: String,
    /// °C, as a number or text.
    #[schema(value_type = f64)]
    pub temperature: serde_json::Value,
    /// When scanned, RFC 3339 (default now; a queued offline scan sends its own time).
    #[serde(default)]
    #[schema(format = DateTime)]
    pub scanned_at: Option<String>,
    /// What the device decided while offline (`allowed`/`refused`), to flag disagreements.
    #[serde(default)]
    #[schema(pattern = "^(allowed|refused)$")]
    pub device_decision: Option<String>,
}

/// The answer to a scan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ScanOutcome {
    /// The device's id.
    pub id: String,
    /// `allowed` or `refused`.
    pub decision: String,
    /// Why refused: `fever`, `expired`, `revoked`, `suspended`, `quota_used`, `wrong_compound`,
    /// `unknown_pass`, `closed`.
    pub reason: Option<String>,
    /// The device let this person through offline, but the server refuses.
    pub flagged: bool,
    /// True when this id was recorded before (nothing new was recorded).
    pub repeated: bool,
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
    recorded_by: String,
    reply: oneshot::Sender<Result<ScanOutcome>>,
}

/// The one writer of scans (see the module's documentation).
#[derive(Clone)]
pub struct ScanWriter {
    queue: mpsc::Sender<Job>,
}

/// Marks a household's exits counted by the period a scan arrived in (`household_exits` keeps
/// them beside the counts by the period a scan says it was made in).
pub const ARRIVAL_PREFIX: &str = "arrived:";

/// Scans decided and recorded in one transaction at most.
const MAX_BATCH: usize = 512;

impl ScanWriter {
    /// Starts the writer. On a SQLite file it runs on a thread of its own with its own
    /// connection (on the shared runtime it waited behind the requests it serves, measured);
    /// otherwise it is a task on the current runtime, so the pool's PostgreSQL connections it
    /// opens stay bound to a runtime that outlives it.
    pub fn start(app: App) -> ScanWriter {
        let (queue, jobs) = mpsc::channel::<Job>(8192);
        let Some(file) = app.db.sqlite_file.clone() else {
            tokio::spawn(async move {
                let (mut jobs, mut cache) = (jobs, GateCache::default());
                while let Some(batch) = next_batch(&mut jobs).await {
                    let timer = std::time::Instant::now();
                    let result = record_pooled(&app, &mut cache, &batch).await;
                    answer(batch, result, timer);
                }
            });
            return ScanWriter { queue };
        };
        // Both fail only when the process cannot make a thread at start-up, as `thread::spawn`
        // panics; no input or network can cause it.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the scan writer");
        std::thread::Builder::new()
            .name("scan-writer".into())
            .spawn(move || {
                let direct = sanshe_store::statements::OwnConnection::open(&file)
                    .map_err(|e| tracing::error!(error = %e, "scan writer's own connection"))
                    .ok();
                // The log is copied back beside the writer, not in its commits; should that
                // thread not start, the writer's commits checkpoint as before.
                let checkpoints = direct.as_ref().and_then(|conn| {
                    let started = sanshe_store::statements::WalCheckpoints::start(&file)
                        .map_err(|e| tracing::error!(error = %e, "checkpoint thread"))
                        .ok()?;
                    conn.checkpoint_elsewhere()
                        .map_err(|e| tracing::error!(error = %e, "scan writer's checkpoints"))
                        .ok()?;
                    Some(started)
                });
                let mut writer = Writer {
                    _checkpoints: checkpoints,
                    direct,
                    cache: GateCache::default(),
                    app,
                };
                runtime.block_on(writer.run(jobs));
            })
            .expect("a thread for the scan writer");
        ScanWriter { queue }
    }

    /// Checks a scan, hands it to the writer and waits for its committed answer.
    pub async fn scan(&self, app: &App, actor: &Actor, input: ScanInput) -> Result<ScanOutcome> {
        let mut errors = sanshe_core::FieldErrors::default();
        let id = input.id.trim().replace('-', "").to_ascii_lowercase();
        if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            errors.push("id", "err-scan-id");
        }
        let direction = errors.take("direction", Direction::parse(&input.direction));
        let temperature = match &input.temperature {
            serde_json::Value::Number(n) => {
                errors.take("temperature", Temperature::parse(&n.to_string()))
            }
            serde_json::Value::String(s) => errors.take("temperature", Temperature::parse(s)),
            _ => errors.take("temperature", Temperature::parse("")),
        };
        let now = app.clock.now_ms();
        let scanned_at = match input.scanned_at.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
                // A device clock a little ahead is tolerated; a week-old queue is not a scan.
                Ok(t)
                    if t.timestamp_millis() <= now + 5 * 60_000
                        && t.timestamp_millis() >= now - 7 * 86_400_000 =>
                {
                    t.timestamp_millis()
                }
                _ => {
                    errors.push("scanned_at", "err-scanned-at");
                    now
                }
            },
            None => now,
        };
        let (pass_id, code) = match (
            input.pass_token.as_deref().filter(|t| !t.is_empty()),
            input.pass_code.as_deref().filter(|c| !c.is_empty()),
        ) {
            // A forged or altered code finds no pass.
            (Some(t), _) => (Some(verify_token(app, t).unwrap_or_default()), None),
            (None, Some(c)) => match normalize_code(c) {
                Some(c) => (None, Some(c)),
                None => (Some(String::new()), None),
            },
            (None, None) => {
                errors.push("pass_code", "err-required");
                (None, None)
            }
        };
        let device_decision = input
            .device_decision
            .filter(|d| d == "allowed" || d == "refused");
        errors.into_result()?;
        let (Some(direction), Some(temperature)) = (direction, temperature) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            id,
            gate_id: input.gate_id,
            pass_id,
            code,
            direction,
            temperature,
            scanned_at,
            device_decision,
            scope: actor.scope(Action::GateDuty),
            recorded_by: actor.username.clone(),
            reply,
        };
        self.queue
            .send(job)
            .await
            .map_err(|_| AppError::Internal("scan writer stopped".into()))?;
        answer
            .await
            .map_err(|_| AppError::Internal("scan writer dropped the scan".into()))?
    }
}

/// The writer's state, on its own thread.
struct Writer {
    app: App,
    /// Its own connection to the SQLite file (None when it would not open).
    direct: Option<sanshe_store::statements::OwnConnection>,
    /// The thread copying the log back while the writer runs.
    _checkpoints: Option<sanshe_store::statements::WalCheckpoints>,
    cache: GateCache,
}

impl Writer {
    /// Records batch after batch until the last sender is gone.
    async fn run(&mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(batch) = next_batch(&mut jobs).await {
            let timer = std::time::Instant::now();
            let result = match self.direct.as_mut() {
                Some(conn) => record_direct(&self.app, &mut self.cache, conn, &batch).await,
                // Its own connection would not open: the pool still works.
                None => record_pooled(&self.app, &mut self.cache, &batch).await,
            };
            answer(batch, result, timer);
        }
    }
}

/// Whatever is queued, up to a batch; None when the last sender is gone.
async fn next_batch(jobs: &mut mpsc::Receiver<Job>) -> Option<Vec<Job>> {
    let first = jobs.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match jobs.try_recv() {
            Ok(j) => batch.push(j),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Answers each scan of a batch: its outcome after the commit, or, when the transaction failed
/// and nothing of it was recorded, the error (the devices retry).
fn answer(batch: Vec<Job>, result: Result<Vec<Result<ScanOutcome>>>, timer: std::time::Instant) {
    tracing::debug!(
        scans = batch.len(),
        elapsed_us = timer.elapsed().as_micros() as u64,
        "scan batch"
    );
    match result {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, scans = batch.len(), "scan batch failed");
            for job in batch {
                let _ = job.reply.send(Err(AppError::Internal(e.to_string())));
            }
        }
    }
}

/// Decides and records a batch through the writer's own SQLite connection.
async fn record_direct(
    app: &App,
    cache: &mut GateCache,
    conn: &mut sanshe_store::statements::OwnConnection,
    batch: &[Job],
) -> Result<Vec<Result<ScanOutcome>>> {
    cache.refresh(app, batch).await?;
    let mut tx = conn.begin()?;
    let outcomes = decide_batch(app, cache, batch, &mut tx).await?;
    tx.commit()?;
    Ok(outcomes)
}

/// Decides and records a batch through a pooled connection (PostgreSQL, SQLite in memory).
async fn record_pooled(
    app: &App,
    cache: &mut GateCache,
    batch: &[Job],
) -> Result<Vec<Result<ScanOutcome>>> {
    cache.refresh(app, batch).await?;
    let mut tx = app.db.begin().await?;
    let outcomes = decide_batch(app, cache, batch, &mut *tx).await?;
    sanshe_store::commit(tx).await?;
    Ok(outcomes)
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

/// Decides a batch and writes its scans, quota counts, rollups and fever alerts in `tx`.
async fn decide_batch(
    app: &App,
    cache: &GateCache,
    batch: &[Job],
    tx: &mut impl Statements,
) -> Result<Vec<Result<ScanOutcome>>> {
    let now = app.clock.now_ms();
    let ids: Vec<String> = batch.iter().map(|j| j.id.clone()).collect();
    let gates = &cache.gates;
    let pass_ids: Vec<String> = batch
        .iter()
        .filter_map(|j| j.pass_id.clone())
        .filter(|p| !p.is_empty())
        .collect();
    let codes: Vec<String> = batch.iter().filter_map(|j| j.code.clone()).collect();
    let found = store::scan_passes(tx, &pass_ids, &codes).await?;
    let by_id: HashMap<&str, &store::ScanPass> = found.iter().map(|p| (p.id.as_str(), p)).collect();
    let by_code: HashMap<&str, &store::ScanPass> =
        found.iter().map(|p| (p.code.as_str(), p)).collect();
    let households: Vec<String> = found
        .iter()
        .map(|p| p.household_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Another node's writer may be deciding the same scan id or the same households right now:
    // take turns on them before reading what was recorded and counted, so the same id is
    // recorded once and a quota is never spent twice.
    let keys: Vec<String> = ids
        .iter()
        .map(|id| format!("scan:{id}"))
        .chain(households.iter().map(|h| format!("household-exits:{h}")))
        .collect();
    tx.lock_keys(&keys).await?;
    let mut known: HashMap<String, ScanOutcome> = store::recorded_scans(tx, &ids)
        .await?
        .into_iter()
        .map(|(id, decision, reason, flagged)| {
            (
                id.clone(),
                ScanOutcome {
                    id,
                    decision,
                    reason,
                    flagged,
                    repeated: true,
                },
            )
        })
        .collect();
    let mut isolated = sanshe_store::isolation::open_in_households(tx, &households).await?;
    // Close contacts are suspended for the 14 days of observation even where no episode was opened.
    let since = (app.today() - Duration::days(sanshe_core::isolation::OBSERVATION_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    isolated.extend(sanshe_store::contacts::recent_in_households(tx, &households, &since).await?);
    let mut exits: HashMap<(String, String), i64> = store::household_exits(tx, &households)
        .await?
        .into_iter()
        .map(|(h, p, n)| ((h, p), n))
        .collect();
    let policies = &cache.policies;

    let local_now = local_time(now);
    let mut out = Vec::with_capacity(batch.len());
    let mut scans: Vec<NewScan> = Vec::new();
    let mut new_exits: HashMap<(String, String), i64> = HashMap::new();
    let mut hours: HashMap<(String, i64), HourCounts> = HashMap::new();
    let mut refusals: HashMap<(String, String, &'static str), (String, i64)> = HashMap::new();
    let mut fevers: Vec<(String, String, String)> = Vec::new();
    for job in batch {
        if let Some(first) = known.get(&job.id) {
            out.push(Ok(ScanOutcome {
                repeated: true,
                ..first.clone()
            }));
            continue;
        }
        let Some(gate) = gates
            .get(&job.gate_id)
            .filter(|g| job.scope.contains(&g.area_path))
        else {
            out.push(Err(AppError::field("gate_id", "err-gate-not-found")));
            continue;
        };
        let policy = policies.get(&gate.compound_id).copied().unwrap_or_default();
        let local = local_time(job.scanned_at);
        let pass = match (&job.pass_id, &job.code) {
            (Some(id), _) => by_id.get(id.as_str()).copied(),
            (None, Some(c)) => by_code.get(c.as_str()).copied(),
            _ => None,
        };
        // NaiveDate's Display is YYYY-MM-DD, without parsing a format string per scan.
        let period = policy.period_start(local).to_string();
        // The period the scan reached the server in. Each allowed exit counts in both: a scan
        // queued offline with an old time (or a made-up one) cannot reopen a past period's
        // quota, because the period it arrives in has to have room too.
        let arrived = format!("{ARRIVAL_PREFIX}{}", policy.period_start(local_now));
        let date = local.date().to_string();
        let state = pass.map(|p| {
            let key = (p.household_id.clone(), period.clone());
            let arrival = (p.household_id.clone(), arrived.clone());
            PassState {
                same_compound: p.compound_id == gate.compound_id,
                revoked: p.revoked_at.is_some(),
                valid_on_date: p.valid_from <= date && date <= p.valid_to,
                suspended: isolated.iter().any(|(h, r)| {
                    *h == p.household_id && p.resident_id.as_ref().is_none_or(|holder| holder == r)
                }),
                exits_in_period: exits
                    .get(&key)
                    .copied()
                    .unwrap_or(0)
                    .max(exits.get(&arrival).copied().unwrap_or(0)),
            }
        });
        let fever = job.temperature.is_fever(app.rules.fever_tenths);
        let verdict = decide(state, &policy, job.direction, local, fever);
        let hour_start = utc_ms(
            local
                .date()
                .and_hms_opt(local.hour(), 0, 0)
                .unwrap_or_default(),
        );
        let counts = hours
            .entry((gate.id.clone(), hour_start))
            .or_insert_with(|| HourCounts {
                gate_id: gate.id.clone(),
                hour_start,
                day: date.clone(),
                area_path: gate.area_path.clone(),
                ..Default::default()
            });
        match verdict {
            Ok(()) => {
                if job.direction == Direction::Out {
                    counts.exits += 1;
                    if let Some(p) = pass {
                        for counted in [&period, &arrived] {
                            let key = (p.household_id.clone(), counted.clone());
                            *exits.entry(key.clone()).or_insert(0) += 1;
                            *new_exits.entry(key).or_insert(0) += 1;
                        }
                    }
                } else {
                    counts.entries += 1;
                }
            }
            Err(reason) => {
                counts.refused += 1;
                refusals
                    .entry((gate.id.clone(), date.clone(), reason.as_str()))
                    .or_insert((gate.area_path.clone(), 0))
                    .1 += 1;
                if reason == Refusal::Fever {
                    fevers.push((gate.id.clone(), gate.area_path.clone(), job.id.clone()));
                }
            }
        }
        let (decision, reason) = match verdict {
            Ok(()) => ("allowed", None),
            Err(r) => ("refused", Some(r.as_str())),
        };
        let flagged = decision == "refused" && job.device_decision.as_deref() == Some("allowed");
        scans.push(NewScan {
            id: job.id.clone(),
            gate_id: gate.id.clone(),
            pass_id: pass.map(|p| p.id.clone()),
            household_id: pass.map(|p| p.household_id.clone()),
            area_path: gate.area_path.clone(),
            direction: job.direction.as_str(),
            temperature: Some(job.temperature.tenths()),
            scanned_at: job.scanned_at,
            decision,
            reason,
            device_decision: job.device_decision.clone(),
            flagged,
            recorded_by: job.recorded_by.clone(),
        });
        let outcome = ScanOutcome {
            id: job.id.clone(),
            decision: decision.into(),
            reason: reason.map(String::from),
            flagged,
            repeated: false,
        };
        // The same id twice in one batch records once, like a retry.
        known.insert(
            job.id.clone(),
            ScanOutcome {
                repeated: true,
                ..outcome.clone()
            },
        );
        out.push(Ok(outcome));
    }
    store::insert_scans(tx, &scans, now).await?;
    let exit_rows: Vec<(String, String, i64)> =
        new_exits.into_iter().map(|((h, p), n)| (h, p, n)).collect();
    store::add_exits(tx, &exit_rows).await?;
    let hour_rows: Vec<HourCounts> = hours.into_values().collect();
    store::add_hours(tx, &hour_rows).await?;
    let refusal_rows: Vec<(String, String, &'static str, String, i64)> = refusals
        .into_iter()
        .map(|((g, d, r), (p, n))| (g, d, r, p, n))
        .collect();
    store::add_refusals(tx, &refusal_rows).await?;
    if !fevers.is_empty() {
        let routes = Routes::load(tx).await?;
        for (gate_id, path, scan_id) in &fevers {
            alerts::raise(
                tx,
                &routes,
                Trouble {
                    kind: AlertKind::GateFever,
                    area_path: path,
                    subject_kind: "gate",
                    subject_id: gate_id,
                    event: scan_id,
                    detail: "",
                },
                now,
            )
            .await?;
        }
    }
    Ok(out)
}

/// Today's and the given day's traffic of an area or a gate.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Traffic {
    /// YYYY-MM-DD.
    pub date: String,
    /// 24 hours: entries, exits, refused, visitors per hour (China time).
    pub hours: Vec<HourLine>,
    /// Day totals.
    pub total: HourLine,
    /// Exits minus entries so far that day (never below 0): people out now, as far as the gates know.
    pub out_now: i64,
    /// Refusals by reason that day.
    pub refusals: Vec<(String, i64)>,
}

/// One hour of traffic.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct HourLine {
    /// 0–23 (China time).
    pub hour: u32,
    /// Allowed entries.
    pub entries: i64,
    /// Allowed exits.
    pub exits: i64,
    /// Refusals.
    pub refused: i64,
    /// Visitors and deliveries registered.
    pub visitors: i64,
}

/// Traffic of a day below an area (a compound, community or street) or at one gate.
pub async fn traffic(
    app: &App,
    actor: &Actor,
    area_or_gate: &str,
    date: Option<&str>,
) -> Result<Traffic> {
    let day = match date.filter(|d| !d.is_empty()) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::field("date", "err-date"))?,
        None => app.today(),
    };
    let scope = actor.scope(Action::GateDuty);
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
    if !scope.contains(&within) {
        return Err(AppError::NotFound);
    }
    let from = utc_ms(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let rows = store::hours(&mut conn, &within, &day.format("%Y-%m-%d").to_string()).await?;
    let mut hours: Vec<HourLine> = (0..24)
        .map(|h| HourLine {
            hour: h,
            ..Default::default()
        })
        .collect();
    for (gate, start, entries, exits, refused, visitors) in rows {
        if gate_only.as_ref().is_some_and(|g| *g != gate) {
            continue;
        }
        let h = ((start - from) / 3_600_000).clamp(0, 23) as usize;
        hours[h].entries += entries;
        hours[h].exits += exits;
        hours[h].refused += refused;
        hours[h].visitors += visitors;
    }
    let mut total = HourLine::default();
    for h in &hours {
        total.entries += h.entries;
        total.exits += h.exits;
        total.refused += h.refused;
        total.visitors += h.visitors;
    }
    let refusals = store::refusals(
        &mut conn,
        &within,
        gate_only.as_deref(),
        &day.format("%Y-%m-%d").to_string(),
    )
    .await?;
    Ok(Traffic {
        date: day.format("%Y-%m-%d").to_string(),
        out_now: (total.exits - total.entries).max(0),
        hours,
        total,
        refusals,
    })
}

/// A visitor or delivery registered at a gate.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct VisitorInput {
    /// The gate.
    #[schema(max_length = 64)]
    pub gate_id: String,
    /// `visitor` (default) or `delivery`.
    #[serde(default)]
    #[schema(pattern = "^(visitor|delivery)$")]
    pub kind: Option<String>,
    /// Name.
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    /// Phone.
    #[serde(default)]
    #[schema(max_length = 20)]
    pub phone: String,
    /// Why (送药, 维修, 探望老人…).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub reason: String,
    /// Whom they visit (room or name).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub host: String,
    /// °C (required for people who enter).
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub temperature: Option<serde_json::Value>,
    /// Whether they go in (a courier usually leaves things at the gate).
    #[serde(default)]
    pub entered: bool,
}

/// A visitor as listed (phone masked).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VisitorView {
    /// Id.
    pub id: String,
    /// Gate.
    pub gate_id: String,
    /// `visitor` / `delivery`.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Masked phone.
    pub phone: Option<String>,
    /// Why.
    pub reason: String,
    /// Whom.
    pub host: String,
    /// °C.
    pub temperature: Option<String>,
    /// Went in.
    pub entered: bool,
    /// YYYY-MM-DD HH:MM, China time.
    pub at: String,
}

/// Registers a visitor or a delivery; a fever refuses entry and raises the gate's alert.
pub async fn register_visitor(
    app: &App,
    actor: &Actor,
    input: &VisitorInput,
) -> Result<VisitorView> {
    let mut errors = sanshe_core::FieldErrors::default();
    let kind = match input.kind.as_deref().unwrap_or("visitor") {
        k @ ("visitor" | "delivery") => k,
        _ => {
            errors.push("kind", "err-visitor-kind");
            "visitor"
        }
    };
    let name = errors
        .take_field(sanshe_core::text::required_line("name", &input.name, 40))
        .unwrap_or_default();
    let name = name.as_str();
    let phone = if input.phone.trim().is_empty() {
        None
    } else {
        errors.take("phone", sanshe_core::phone::Phone::parse(&input.phone))
    };
    let temperature = match &input.temperature {
        Some(serde_json::Value::Number(n)) => {
            errors.take("temperature", Temperature::parse(&n.to_string()))
        }
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
            errors.take("temperature", Temperature::parse(s))
        }
        _ if input.entered => errors.take("temperature", Temperature::parse("")),
        _ => None,
    };
    let reason = errors
        .take_field(sanshe_core::text::line("reason", &input.reason, 100))
        .unwrap_or_default();
    let host = errors
        .take_field(sanshe_core::text::line("host", &input.host, 100))
        .unwrap_or_default();
    errors.into_result()?;
    let fever = temperature.is_some_and(|t| t.is_fever(app.rules.fever_tenths));
    let mut tx = app.db.begin().await?;
    let gate = store::gate(&mut tx, &input.gate_id)
        .await
        .map_err(|_| AppError::field("gate_id", "err-gate-not-found"))?;
    if !actor.may(Action::GateDuty, Target::Area(&gate.area_path)) {
        return Err(AppError::field("gate_id", "err-gate-not-found"));
    }
    let now = app.clock.now_ms();
    let id = new_id();
    let entered = input.entered && !fever;
    let sealed = phone.as_ref().map(|p| app.vault.seal(p.as_str()));
    let masked = phone.as_ref().map(|p| p.masked());
    store::insert_visitor(
        &mut tx,
        &NewVisitor {
            id: &id,
            gate_id: &gate.id,
            area_path: &gate.area_path,
            kind,
            name,
            phone_cipher: sealed.as_deref(),
            phone_masked: masked.as_deref(),
            reason: &reason,
            host: &host,
            temperature: temperature.map(|t| t.tenths()),
            entered,
            at: now,
            recorded_by: &actor.username,
        },
    )
    .await?;
    let local = local_time(now);
    let hour_start = utc_ms(
        local
            .date()
            .and_hms_opt(local.hour(), 0, 0)
            .unwrap_or_default(),
    );
    store::add_hours(
        &mut *tx,
        &[HourCounts {
            gate_id: gate.id.clone(),
            hour_start,
            day: local.date().format("%Y-%m-%d").to_string(),
            area_path: gate.area_path.clone(),
            visitors: 1,
            refused: i64::from(fever),
            ..Default::default()
        }],
    )
    .await?;
    if fever {
        store::add_refusals(
            &mut *tx,
            &[(
                gate.id.clone(),
                local.date().format("%Y-%m-%d").to_string(),
                Refusal::Fever.as_str(),
                gate.area_path.clone(),
                1,
            )],
        )
        .await?;
        let routes = Routes::load(&mut *tx).await?;
        alerts::raise(
            &mut *tx,
            &routes,
            Trouble {
                kind: AlertKind::GateFever,
                area_path: &gate.area_path,
                subject_kind: "gate",
                subject_id: &gate.id,
                event: &id,
                detail: "",
            },
            now,
        )
        .await?;
    }
    sanshe_store::commit(tx).await?;
    Ok(VisitorView {
        id,
        gate_id: gate.id,
        kind: kind.into(),
        name: name.into(),
        phone: masked,
        reason,
        host,
        temperature: temperature.map(|t| t.to_string()),
        entered,
        at: local.format("%Y-%m-%d %H:%M").to_string(),
    })
}

/// Visitors of a day below an area or at a gate, latest first.
pub async fn visitors(
    app: &App,
    actor: &Actor,
    area_or_gate: &str,
    date: Option<&str>,
) -> Result<Vec<VisitorView>> {
    let day = match date.filter(|d| !d.is_empty()) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::field("date", "err-date"))?,
        None => app.today(),
    };
    let scope = actor.scope(Action::GateDuty);
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
    if !scope.contains(&within) {
        return Err(AppError::NotFound);
    }
    let from = utc_ms(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let rows = store::visitors(
        &mut conn,
        &within,
        from,
        from + Duration::days(1).num_milliseconds(),
        1000,
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter(|v| gate_only.as_ref().is_none_or(|g| *g == v.gate_id))
        .map(|v| VisitorView {
            id: v.id,
            gate_id: v.gate_id,
            kind: v.kind,
            name: v.name,
            phone: v.phone_masked,
            reason: v.reason,
            host: v.host,
            temperature: v.temperature.map(sanshe_core::isolation::format_tenths),
            entered: v.entered,
            at: local_time(v.at).format("%Y-%m-%d %H:%M").to_string(),
        })
        .collect())
}
