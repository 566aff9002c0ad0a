//! Home isolation and daily health reports: open an episode, take reports twice a day (from the
//! resident's link or entered by a worker), show the community board and each worker's list,
//! find missed reports, release.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDate};
use rand::RngCore;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::alerts::AlertKind;
use sanshe_core::isolation::{
    EpisodeKind, FollowUpMode, Half, ReleaseReason, Slot, Temperature, format_tenths,
    parse_symptoms, planned_end,
};
use sanshe_core::registry::HouseholdAddress;
use sanshe_store::isolation::{self as store, EpisodeQuery, EpisodeRow, NewEpisode};
use sanshe_store::{
    Conn, accounts as account_store, areas as area_store, audit as audit_store, new_id,
};

use crate::accounts::{Actor, token_hash};
use crate::alerts::{self, Batch, Routes, Trouble, rfc3339};
use crate::areas::AreaView;
use crate::{App, AppError, Result, local_time, utc_ms};

/// An episode as pages and the API show it: phone masked, no ID number.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EpisodeView {
    /// Id.
    pub id: String,
    /// The person.
    pub resident_id: String,
    /// Their name.
    pub name: String,
    /// Masked phone.
    pub phone: Option<String>,
    /// Household.
    pub household_id: String,
    /// Compound or community.
    pub area_name: String,
    /// 楼栋 单元 房号.
    pub address: String,
    /// `home_isolation`, `home_medical_observation`, `centralized_observation`.
    pub kind: String,
    /// `arrival`, `contact`, `visit`, `manual`.
    pub source_kind: String,
    /// Last exposure or arrival, YYYY-MM-DD.
    pub exposure_date: String,
    /// RFC 3339.
    pub started_at: String,
    /// YYYY-MM-DD.
    pub planned_end: String,
    /// Day of observation today (1 on the day it started).
    pub day: i64,
    /// `open` / `released`.
    pub status: String,
    /// Responsible worker.
    pub worker_id: Option<String>,
    /// Their name.
    pub worker_name: Option<String>,
    /// `link` / `phone`.
    pub follow_up: String,
    /// Latest temperature, °C.
    pub last_temperature: Option<String>,
    /// RFC 3339.
    pub last_reported_at: Option<String>,
    /// Whether the latest reading is a fever.
    pub last_fever: bool,
    /// RFC 3339.
    pub released_at: Option<String>,
    /// `completed`, `referred`, `moved_away`, `opened_in_error`.
    pub release_reason: Option<String>,
    /// Release note.
    pub release_note: Option<String>,
    /// Whether the planned end has passed without release.
    pub overdue: bool,
}

fn view(app: &App, e: EpisodeRow) -> EpisodeView {
    let today = app.today();
    let started = local_time(e.started_at).date();
    let overdue = e.status == "open"
        && NaiveDate::parse_from_str(&e.planned_end, "%Y-%m-%d").is_ok_and(|d| d < today);
    EpisodeView {
        address: HouseholdAddress {
            building: e.building,
            unit: e.unit,
            room: e.room,
        }
        .label(),
        day: (today - started).num_days() + 1,
        id: e.id,
        resident_id: e.resident_id,
        name: e.name,
        phone: e.phone_masked,
        household_id: e.household_id,
        area_name: e.area_name,
        kind: e.kind,
        source_kind: e.source_kind,
        exposure_date: e.exposure_date,
        started_at: rfc3339(e.started_at),
        planned_end: e.planned_end,
        status: e.status,
        worker_id: e.worker_id,
        worker_name: e.worker_name,
        follow_up: e.follow_up,
        last_fever: e
            .last_temperature
            .is_some_and(|t| t >= app.rules.fever_tenths),
        last_temperature: e.last_temperature.map(format_tenths),
        last_reported_at: e.last_reported_at.map(rfc3339),
        released_at: e.released_at.map(rfc3339),
        release_reason: e.release_reason,
        release_note: e.release_note,
        overdue,
    }
}

/// What opening an episode needs.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OpenEpisode {
    /// The person (a registered resident).
    #[schema(max_length = 64)]
    pub resident_id: String,
    /// `home_isolation`, `home_medical_observation` or `centralized_observation`.
    pub kind: String,
    /// Last exposure or arrival, YYYY-MM-DD (default today).
    #[serde(default)]
    #[schema(format = Date)]
    pub exposure_date: Option<String>,
    /// YYYY-MM-DD (default 14 days after the exposure).
    #[serde(default)]
    #[schema(format = Date)]
    pub planned_end: Option<String>,
    /// Responsible worker (default: the least-loaded community worker of the place).
    #[serde(default)]
    pub worker_id: Option<String>,
    /// `link` (default) or `phone`.
    #[serde(default)]
    pub follow_up: Option<String>,
}

/// An opened episode and the resident's report link (shown once here; printable later).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EpisodeOpened {
    /// The episode.
    pub episode: EpisodeView,
    /// Path of the resident's report page, `/r/{token}`.
    pub report_link: String,
}

/// Where an episode came from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// Opened directly.
    Manual,
    /// From an arrival record.
    Arrival(&'a str),
    /// From a close-contact record.
    Contact(&'a str),
}

/// How far back an exposure may be dated when isolation opens.
pub const EXPOSURE_DAYS_BACK: i64 = 60;
/// Longest an episode may be planned for, from the exposure (14 days, extended at most a few
/// times).
pub const MAX_EPISODE_DAYS: i64 = 90;

fn parse_date(field: &str, raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "err-date"))
}

/// A new random report-link token: (token, hash, sealed token).
fn new_link(app: &App) -> (String, String, String) {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    (token.clone(), token_hash(&token), app.vault.seal(&token))
}

/// Community workers whose area covers `path`: (user id, name).
async fn workers_covering(conn: &mut Conn, path: &str) -> Result<Vec<(String, String)>> {
    let holders = account_store::area_role_holders(conn, "community_worker").await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for (id, name, area_path) in holders {
        if path.starts_with(&area_path) && !out.iter().any(|(i, _)| *i == id) {
            out.push((id, name));
        }
    }
    Ok(out)
}

/// Picks the responsible worker: the one asked for (who must cover the place) or the one with
/// the fewest open episodes, so a community's caseload spreads across its team.
async fn choose_worker(conn: &mut Conn, path: &str, asked: Option<&str>) -> Result<Option<String>> {
    let team = workers_covering(conn, path).await?;
    if let Some(w) = asked.filter(|w| !w.is_empty()) {
        return if team.iter().any(|(id, _)| id == w) {
            Ok(Some(w.to_string()))
        } else {
            Err(AppError::field("worker_id", "err-worker"))
        };
    }
    let ids: Vec<String> = team.into_iter().map(|(id, _)| id).collect();
    let load = store::open_load(conn, &ids).await?;
    Ok(load.into_iter().min_by_key(|(_, n)| *n).map(|(id, _)| id))
}

/// Opens an episode inside the caller's transaction (arrivals and contacts open theirs here too).
pub(crate) async fn open_in(
    app: &App,
    actor: &Actor,
    tx: &mut Conn,
    input: &OpenEpisode,
    source: Source<'_>,
) -> Result<(String, String)> {
    let mut errors = sanshe_core::FieldErrors::default();
    let kind = errors.take("kind", EpisodeKind::parse(&input.kind));
    let follow_up = errors.take(
        "follow_up",
        FollowUpMode::parse(input.follow_up.as_deref().unwrap_or("")),
    );
    errors.into_result()?;
    let (Some(kind), Some(follow_up)) = (kind, follow_up) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let today = app.today();
    let exposure = match input
        .exposure_date
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        Some(d) => parse_date("exposure_date", d)?,
        None => today,
    };
    if exposure > today {
        return Err(AppError::field("exposure_date", "err-date-future"));
    }
    sanshe_core::dates::within("exposure_date", exposure, today, EXPOSURE_DAYS_BACK, 0)?;
    let end = match input
        .planned_end
        .as_deref()
        .filter(|d| !d.trim().is_empty())
    {
        Some(d) => parse_date("planned_end", d)?,
        None => planned_end(exposure),
    };
    if end < exposure {
        return Err(AppError::field("planned_end", "err-end-before-start"));
    }
    sanshe_core::dates::span("planned_end", exposure, end, MAX_EPISODE_DAYS)?;
    let resident = sanshe_store::registry::resident(tx, &input.resident_id)
        .await
        .map_err(|_| AppError::field("resident_id", "err-resident-not-found"))?;
    let path = resident.record.area_path.clone();
    if !actor.may(Action::FrontLine, Target::Area(&path)) {
        return Err(AppError::field("resident_id", "err-resident-not-found"));
    }
    let worker = choose_worker(tx, &path, input.worker_id.as_deref()).await?;
    let id = new_id();
    let (token, hash, sealed) = new_link(app);
    let now = app.clock.now_ms();
    let (source_kind, source_id) = match source {
        Source::Manual => ("manual", None),
        Source::Arrival(id) => ("arrival", Some(id)),
        Source::Contact(id) => ("contact", Some(id)),
    };
    let exposure_s = exposure.format("%Y-%m-%d").to_string();
    let end_s = end.format("%Y-%m-%d").to_string();
    store::insert(
        tx,
        &NewEpisode {
            id: &id,
            resident_id: &resident.record.id,
            household_id: &resident.record.household_id,
            area_path: &path,
            kind: kind.as_str(),
            source_kind,
            source_id,
            exposure_date: &exposure_s,
            started_at: now,
            planned_end: &end_s,
            worker_id: worker.as_deref(),
            follow_up: follow_up.as_str(),
            link_hash: &hash,
            link_cipher: &sealed,
        },
    )
    .await
    .map_err(|e| match e {
        sanshe_store::StoreError::Conflict(_) => {
            AppError::field("resident_id", "err-already-isolated")
        }
        other => other.into(),
    })?;
    if worker.is_none() {
        let routes = Routes::load(tx).await?;
        alerts::raise(
            tx,
            &routes,
            Trouble {
                kind: AlertKind::Unassigned,
                area_path: &path,
                subject_kind: "episode",
                subject_id: &id,
                event: "unassigned",
                detail: "",
            },
            now,
        )
        .await?;
    }
    audit(
        tx,
        actor,
        "isolation.opened",
        &id,
        &path,
        &format!("{} {exposure_s}..{end_s}", kind.as_str()),
    )
    .await?;
    Ok((id, token))
}

async fn audit(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    id: &str,
    path: &str,
    detail: &str,
) -> Result<()> {
    audit_store::append(
        conn,
        &audit_store::NewAuditEntry {
            action,
            target_kind: "isolation",
            target_id: id,
            area_path: Some(path),
            detail,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(())
}

/// Opens an episode for a registered resident.
pub async fn open(app: &App, actor: &Actor, input: &OpenEpisode) -> Result<EpisodeOpened> {
    let mut tx = app.db.begin().await?;
    let (id, token) = open_in(app, actor, &mut tx, input, Source::Manual).await?;
    sanshe_store::commit(tx).await?;
    Ok(EpisodeOpened {
        episode: get(app, actor, &id).await?,
        report_link: format!("/r/{token}"),
    })
}

async fn visible(conn: &mut Conn, actor: &Actor, id: &str) -> Result<EpisodeRow> {
    let e = store::episode(conn, id).await?;
    if !actor.may(Action::FrontLine, Target::Area(&e.area_path)) {
        return Err(AppError::NotFound);
    }
    Ok(e)
}

/// One episode.
pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<EpisodeView> {
    let mut conn = app.db.conn().await?;
    Ok(view(app, visible(&mut conn, actor, id).await?))
}

/// A stored report as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// Half-day slot, e.g. `2020-02-06-am`.
    pub slot: String,
    /// °C.
    pub temperature: String,
    /// Tenths of °C (for charts).
    pub tenths: i64,
    /// Whether it is a fever.
    pub fever: bool,
    /// Symptom spellings.
    pub symptoms: Vec<String>,
    /// RFC 3339.
    pub reported_at: String,
    /// `resident` or the worker's user name.
    pub entered_by: String,
}

/// An episode with its reports and alerts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EpisodeDetail {
    /// The episode.
    pub episode: EpisodeView,
    /// Reports, oldest first.
    pub reports: Vec<ReportView>,
    /// Alerts about it, newest first.
    pub alerts: Vec<alerts::AlertView>,
    /// Whether a report link is live.
    pub link_live: bool,
}

/// An episode's page: the episode, its reports (for the chart) and its alerts.
pub async fn detail(app: &App, actor: &Actor, id: &str) -> Result<EpisodeDetail> {
    let mut conn = app.db.conn().await?;
    let e = visible(&mut conn, actor, id).await?;
    let reports = store::reports(&mut conn, id).await?;
    let link_live = e.status == "open" && e.link_cipher.is_some();
    drop(conn);
    Ok(EpisodeDetail {
        episode: view(app, e),
        reports: reports
            .into_iter()
            .map(|r| ReportView {
                fever: r.temperature >= app.rules.fever_tenths,
                temperature: format_tenths(r.temperature),
                tenths: r.temperature,
                symptoms: r
                    .symptoms
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                slot: r.slot,
                reported_at: rfc3339(r.reported_at),
                entered_by: r.entered_by,
            })
            .collect(),
        alerts: alerts::about(app, id).await?,
        link_live,
    })
}

/// The report link of an open episode, for printing the notice.
pub async fn report_link(app: &App, actor: &Actor, id: &str) -> Result<Option<String>> {
    let mut conn = app.db.conn().await?;
    let e = visible(&mut conn, actor, id).await?;
    match (e.status.as_str(), e.link_cipher) {
        ("open", Some(sealed)) => Ok(Some(format!("/r/{}", app.vault.open(&sealed)?))),
        _ => Ok(None),
    }
}

/// Filters of the episode list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct EpisodeFilter {
    /// Only below this area.
    pub area: Option<String>,
    /// `open` (default), `released` or `all`.
    pub status: Option<String>,
    /// `me` for the caller's follow-up list, or a worker's id.
    pub worker: Option<String>,
    /// Only this household's.
    pub household: Option<String>,
    /// Skip this many.
    pub offset: Option<i64>,
    /// At most this many (1–1000, default 200).
    pub limit: Option<i64>,
}

/// Episodes in scope.
pub async fn list(app: &App, actor: &Actor, f: &EpisodeFilter) -> Result<Vec<EpisodeView>> {
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    let within = match f.area.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(
            area_store::get(&mut conn, a)
                .await
                .map_err(|_| AppError::NotFound)?
                .path,
        ),
        None => None,
    };
    let status = match f.status.as_deref().unwrap_or("open") {
        "open" | "" => Some("open"),
        "released" => Some("released"),
        "all" => None,
        _ => return Err(AppError::field("status", "err-episode-status")),
    };
    let worker = match f.worker.as_deref().filter(|w| !w.is_empty()) {
        Some("me") => Some(actor.user_id.clone().unwrap_or_default()),
        Some(w) => Some(w.to_string()),
        None => None,
    };
    let rows = store::episodes(
        &mut conn,
        &EpisodeQuery {
            roots: scope.roots(),
            within: within.as_deref(),
            status,
            worker_id: worker.as_deref(),
            resident_id: None,
            household_id: f.household.as_deref().filter(|h| !h.is_empty()),
            offset: f.offset.unwrap_or(0).max(0),
            limit: f.limit.unwrap_or(200).clamp(1, 1000),
        },
    )
    .await?;
    Ok(rows.into_iter().map(|e| view(app, e)).collect())
}

/// Episodes of one resident (their page shows the history).
pub async fn of_resident(app: &App, actor: &Actor, resident_id: &str) -> Result<Vec<EpisodeView>> {
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    let rows = store::episodes(
        &mut conn,
        &EpisodeQuery {
            roots: scope.roots(),
            resident_id: Some(resident_id),
            limit: 100,
            ..Default::default()
        },
    )
    .await?;
    Ok(rows.into_iter().map(|e| view(app, e)).collect())
}

/// Ends an episode with a reason.
pub async fn release(
    app: &App,
    actor: &Actor,
    id: &str,
    reason: &str,
    note: &str,
) -> Result<EpisodeView> {
    let reason = ReleaseReason::parse(reason).map_err(|e| AppError::field("reason", e))?;
    let note = sanshe_core::arrivals::note(note).map_err(|e| AppError::field("note", e))?;
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    let now = app.clock.now_ms();
    if !store::release(&mut tx, id, now, reason.as_str(), &note).await? {
        return Err(AppError::field("status", "err-episode-closed"));
    }
    for kind in [AlertKind::Unassigned, AlertKind::EndDue] {
        alerts::settle(&mut tx, kind, id, "released", now).await?;
    }
    audit(
        &mut tx,
        actor,
        "isolation.released",
        id,
        &e.area_path,
        reason.as_str(),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Moves the planned end (an extension, or an earlier end ordered by the health centre).
pub async fn extend(app: &App, actor: &Actor, id: &str, new_end: &str) -> Result<EpisodeView> {
    let end = parse_date("planned_end", new_end)?;
    sanshe_core::dates::within("planned_end", end, app.today(), 0, MAX_EPISODE_DAYS).or_else(
        |e| {
            // An earlier end ordered by the health centre may lie in the past, not years back.
            sanshe_core::dates::within("planned_end", end, app.today(), MAX_EPISODE_DAYS, 0)
                .map_err(|_| e)
        },
    )?;
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    if NaiveDate::parse_from_str(&e.exposure_date, "%Y-%m-%d").is_ok_and(|x| end < x) {
        return Err(AppError::field("planned_end", "err-end-before-start"));
    }
    let end_s = end.format("%Y-%m-%d").to_string();
    if !store::set_planned_end(&mut tx, id, &end_s).await? {
        return Err(AppError::field("status", "err-episode-closed"));
    }
    if end >= app.today() {
        alerts::settle(
            &mut tx,
            AlertKind::EndDue,
            id,
            "extended",
            app.clock.now_ms(),
        )
        .await?;
    }
    audit(
        &mut tx,
        actor,
        "isolation.extended",
        id,
        &e.area_path,
        &format!("{} -> {end_s}", e.planned_end),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Hands an episode to another worker of the place.
pub async fn assign(app: &App, actor: &Actor, id: &str, worker_id: &str) -> Result<EpisodeView> {
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    let Some(worker) = choose_worker(&mut tx, &e.area_path, Some(worker_id)).await? else {
        return Err(AppError::field("worker_id", "err-worker"));
    };
    if !store::assign(&mut tx, id, &worker).await? {
        return Err(AppError::field("status", "err-episode-closed"));
    }
    alerts::settle(
        &mut tx,
        AlertKind::Unassigned,
        id,
        "assigned",
        app.clock.now_ms(),
    )
    .await?;
    audit(
        &mut tx,
        actor,
        "isolation.assigned",
        id,
        &e.area_path,
        &worker,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Switches between the resident's link and phone follow-up by the worker.
pub async fn set_follow_up(app: &App, actor: &Actor, id: &str, mode: &str) -> Result<EpisodeView> {
    let mode = FollowUpMode::parse(mode).map_err(|e| AppError::field("follow_up", e))?;
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    if !store::set_follow_up(&mut tx, id, mode.as_str()).await? {
        return Err(AppError::field("status", "err-episode-closed"));
    }
    audit(
        &mut tx,
        actor,
        "isolation.follow_up",
        id,
        &e.area_path,
        mode.as_str(),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Issues a new report link (the old one stops working) or, with `revoke`, none.
pub async fn renew_link(
    app: &App,
    actor: &Actor,
    id: &str,
    revoke: bool,
) -> Result<Option<String>> {
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    let link = (!revoke).then(|| new_link(app));
    let ok = store::set_link(
        &mut tx,
        id,
        link.as_ref().map(|(_, h, s)| (h.as_str(), s.as_str())),
    )
    .await?;
    if !ok {
        return Err(AppError::field("status", "err-episode-closed"));
    }
    audit(
        &mut tx,
        actor,
        if revoke {
            "isolation.link_revoked"
        } else {
            "isolation.link_renewed"
        },
        id,
        &e.area_path,
        "",
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(link.map(|(t, _, _)| format!("/r/{t}")))
}

/// A health report as submitted.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// The temperature as typed ("37.3").
    pub temperature: String,
    /// Symptom spellings.
    pub symptoms: Vec<String>,
    /// When it was measured (default now), UTC ms.
    pub reported_at: Option<i64>,
}

/// What a stored report led to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReportOutcome {
    /// The slot it filled.
    pub slot: String,
    /// Whether it replaced an earlier report of the same slot.
    pub replaced: bool,
    /// Whether it is a fever.
    pub fever: bool,
    /// Whether it carries severe symptoms.
    pub severe: bool,
}

async fn record_report(
    app: &App,
    tx: &mut Conn,
    e: &EpisodeRow,
    input: &ReportInput,
    entered_by: &str,
) -> Result<ReportOutcome> {
    let mut errors = sanshe_core::FieldErrors::default();
    let temperature = errors.take("temperature", Temperature::parse(&input.temperature));
    let symptoms = errors.take("symptoms", parse_symptoms(&input.symptoms));
    let now = app.clock.now_ms();
    let at = input.reported_at.unwrap_or(now);
    if at > now + 10 * 60_000 || at < e.started_at - 12 * 3_600_000 {
        errors.push("reported_at", "err-reported-at");
    }
    if e.status != "open" {
        errors.push("status", "err-episode-closed");
    }
    errors.into_result()?;
    let (Some(temperature), Some(symptoms)) = (temperature, symptoms) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let slot = Slot::containing(local_time(at)).key();
    let names: Vec<&str> = symptoms.iter().map(|s| s.as_str()).collect();
    let replaced = store::upsert_report(
        tx,
        &new_id(),
        &e.id,
        &slot,
        temperature.tenths(),
        &names.join(","),
        at,
        entered_by,
        now,
    )
    .await?;
    let fever = temperature.is_fever(app.rules.fever_tenths);
    let severe = symptoms.iter().any(|s| s.is_severe());
    if fever || severe {
        let routes = Routes::load(tx).await?;
        let reading = format!("{temperature}℃");
        if fever {
            alerts::raise(
                tx,
                &routes,
                Trouble {
                    kind: AlertKind::Fever,
                    area_path: &e.area_path,
                    subject_kind: "episode",
                    subject_id: &e.id,
                    event: &slot,
                    detail: &reading,
                },
                now,
            )
            .await?;
        }
        if severe {
            alerts::raise(
                tx,
                &routes,
                Trouble {
                    kind: AlertKind::SevereSymptoms,
                    area_path: &e.area_path,
                    subject_kind: "episode",
                    subject_id: &e.id,
                    event: &slot,
                    detail: &names.join(","),
                },
                now,
            )
            .await?;
        }
    }
    Ok(ReportOutcome {
        slot,
        replaced,
        fever,
        severe,
    })
}

/// A worker enters a report (phone follow-up, or on the resident's behalf).
pub async fn report_by_worker(
    app: &App,
    actor: &Actor,
    id: &str,
    input: &ReportInput,
) -> Result<ReportOutcome> {
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    let out = record_report(app, &mut tx, &e, input, &actor.username).await?;
    audit(
        &mut tx,
        actor,
        "isolation.report",
        id,
        &e.area_path,
        &out.slot,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(out)
}

/// What the resident's link page shows: nothing about anyone else, and of the person only the
/// masked name, so a forwarded link leaks little.
#[derive(Debug, Clone)]
pub struct LinkPage {
    /// 张* style.
    pub masked_name: String,
    /// Kind spelling.
    pub kind: String,
    /// YYYY-MM-DD.
    pub planned_end: String,
    /// Whether reports are still taken.
    pub open: bool,
    /// The slot a report now would fill.
    pub slot: String,
    /// Whether it is the morning slot.
    pub morning: bool,
    /// Today's readings: (morning, afternoon).
    pub today: (Option<String>, Option<String>),
}

/// A name as shown where it is not needed whole: its first character and a star for each other.
pub(crate) fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

async fn by_link(conn: &mut Conn, token: &str) -> Result<EpisodeRow> {
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    Ok(store::episode_by_link(conn, &token_hash(token)).await?)
}

/// The household of the person a report link belongs to, while their isolation is open.
pub async fn household_of_link(conn: &mut Conn, token: &str) -> Result<String> {
    let e = by_link(conn, token).await?;
    if e.status != "open" {
        return Err(AppError::NotFound);
    }
    Ok(e.household_id)
}

/// The resident's report page behind a link.
pub async fn link_page(app: &App, token: &str) -> Result<LinkPage> {
    let mut conn = app.db.conn().await?;
    let e = by_link(&mut conn, token).await?;
    let now_slot = Slot::containing(app.clock.now_local());
    let today_am = Slot {
        date: now_slot.date,
        half: Half::Morning,
    }
    .key();
    let today_pm = Slot {
        date: now_slot.date,
        half: Half::Afternoon,
    }
    .key();
    let reports = store::reports(&mut conn, &e.id).await?;
    let reading = |key: &str| {
        reports
            .iter()
            .find(|r| r.slot == key)
            .map(|r| format_tenths(r.temperature))
    };
    Ok(LinkPage {
        masked_name: mask_name(&e.name),
        kind: e.kind.clone(),
        planned_end: e.planned_end.clone(),
        open: e.status == "open",
        slot: now_slot.key(),
        morning: now_slot.half == Half::Morning,
        today: (reading(&today_am), reading(&today_pm)),
    })
}

/// A resident reports through their link.
pub async fn report_by_link(app: &App, token: &str, input: &ReportInput) -> Result<ReportOutcome> {
    let mut tx = app.db.begin().await?;
    let e = by_link(&mut tx, token).await?;
    let out = record_report(app, &mut tx, &e, input, "resident").await?;
    sanshe_store::commit(tx).await?;
    Ok(out)
}

/// Today's counts for one part of the board.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct BoardCounts {
    /// The area (a compound of a community, a community of a street).
    pub area_id: String,
    /// Its name.
    pub name: String,
    /// Open episodes.
    pub open: i64,
    /// Reports due so far today.
    pub due: i64,
    /// Reports received today.
    pub received: i64,
    /// Reports missed today (due slot ended plus grace, nothing received).
    pub missed: i64,
    /// People with a fever reading today.
    pub fever: i64,
    /// Episodes without a responsible worker.
    pub unassigned: i64,
}

impl BoardCounts {
    fn add(&mut self, o: &BoardCounts) {
        self.open += o.open;
        self.due += o.due;
        self.received += o.received;
        self.missed += o.missed;
        self.fever += o.fever;
        self.unassigned += o.unassigned;
    }
}

/// The board of an area for today.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Board {
    /// The area.
    pub area: AreaView,
    /// Today, YYYY-MM-DD.
    pub date: String,
    /// One line per child area with open episodes.
    pub parts: Vec<BoardCounts>,
    /// The whole area.
    pub total: BoardCounts,
}

/// Today's board for an area: due, received, missed and fever, per child area.
pub async fn board(app: &App, actor: &Actor, area_id: &str) -> Result<Board> {
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    if !scope.overlaps(&area.path) {
        return Err(AppError::NotFound);
    }
    let now = app.clock.now_ms();
    let today = app.today();
    let am = Slot {
        date: today,
        half: Half::Morning,
    };
    let pm = Slot {
        date: today,
        half: Half::Afternoon,
    };
    let rows = store::board(&mut conn, scope.roots(), &area.path, &am.key(), &pm.key()).await?;
    let children = area_store::children(&mut conn, Some(&area.id)).await?;
    drop(conn);
    let grace = app.rules.missed_grace_minutes * 60_000;
    let mut parts: Vec<BoardCounts> = Vec::new();
    let mut total = BoardCounts {
        area_id: area.id.clone(),
        name: area.name.clone(),
        ..Default::default()
    };
    for r in rows {
        let child = children.iter().find(|c| r.area_path.starts_with(&c.path));
        let (cid, cname) = child.map_or((area.id.as_str(), area.name.as_str()), |c| {
            (c.id.as_str(), c.name.as_str())
        });
        let mut c = BoardCounts {
            open: 1,
            unassigned: i64::from(r.worker_id.is_none()),
            ..Default::default()
        };
        let mut fever = false;
        for (slot, reading) in [(am, r.morning), (pm, r.afternoon)] {
            let (start, end) = (utc_ms(slot.start()), utc_ms(slot.end()));
            if now < start || r.started_at >= end {
                continue;
            }
            c.due += 1;
            match reading {
                Some(t) => {
                    c.received += 1;
                    fever |= t >= app.rules.fever_tenths;
                }
                None if now >= end + grace => c.missed += 1,
                None => {}
            }
        }
        c.fever = i64::from(fever);
        total.add(&c);
        match parts.iter_mut().find(|p| p.area_id == cid) {
            Some(p) => p.add(&c),
            None => {
                c.area_id = cid.to_string();
                c.name = cname.to_string();
                parts.push(c);
            }
        }
    }
    parts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Board {
        area: area.into(),
        date: today.format("%Y-%m-%d").to_string(),
        parts,
        total,
    })
}

/// One line of the day's printable roster.
#[derive(Debug, Clone)]
pub struct RosterLine {
    /// The episode.
    pub episode: EpisodeView,
    /// Morning reading.
    pub morning: Option<String>,
    /// Afternoon reading.
    pub afternoon: Option<String>,
}

/// The day's isolation roster of an area: every open episode with today's two readings.
pub async fn roster(
    app: &App,
    actor: &Actor,
    area_id: &str,
) -> Result<(AreaView, Vec<RosterLine>)> {
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    if !scope.contains(&area.path) {
        return Err(AppError::NotFound);
    }
    let today = app.today();
    let am = Slot {
        date: today,
        half: Half::Morning,
    }
    .key();
    let pm = Slot {
        date: today,
        half: Half::Afternoon,
    }
    .key();
    let readings = store::board(&mut conn, scope.roots(), &area.path, &am, &pm).await?;
    let rows = store::episodes(
        &mut conn,
        &EpisodeQuery {
            roots: scope.roots(),
            within: Some(&area.path),
            status: Some("open"),
            limit: 10_000,
            ..Default::default()
        },
    )
    .await?;
    let lines = rows
        .into_iter()
        .map(|e| {
            let r = readings.iter().find(|r| r.id == e.id);
            RosterLine {
                morning: r.and_then(|r| r.morning).map(format_tenths),
                afternoon: r.and_then(|r| r.afternoon).map(format_tenths),
                episode: view(app, e),
            }
        })
        .collect();
    Ok((area.into(), lines))
}

/// Workers who may be made responsible for episodes at a place: (id, name).
pub async fn workers_for(
    app: &App,
    actor: &Actor,
    episode_id: &str,
) -> Result<Vec<(String, String)>> {
    let mut conn = app.db.conn().await?;
    let e = visible(&mut conn, actor, episode_id).await?;
    workers_covering(&mut conn, &e.area_path).await
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Slots scanned for missed reports.
    pub slots: Vec<String>,
    /// Missed reports found.
    pub missed: usize,
    /// Alerts raised or counted (missed, past planned end, unassigned).
    pub alerts: usize,
}

/// Finds missed reports (each slot once, when its grace has passed), episodes past their
/// planned end, and episodes without a worker, and raises their alerts. Safe to run often and
/// on several nodes: a slot is claimed in the database before it is scanned.
pub async fn scan(app: &App) -> Result<ScanSummary> {
    let now = app.clock.now_ms();
    let grace = Duration::minutes(app.rules.missed_grace_minutes);
    let mut slot = Slot::containing(app.clock.now_local());
    // The newest slot whose grace has passed, then up to two days back (the node may have
    // been down); older misses are not worth an alert any more.
    let mut slots = Vec::new();
    for _ in 0..6 {
        slot = slot.previous();
        if utc_ms(slot.end() + grace) <= now {
            slots.push(slot);
        }
        if slots.len() == 4 {
            break;
        }
    }
    slots.reverse();
    let mut summary = ScanSummary::default();
    for s in slots {
        let key = s.key();
        let mut tx = app.db.begin().await?;
        if !store::claim_scan(&mut tx, &key, now).await? {
            continue;
        }
        let routes = Routes::load(&mut *tx).await?;
        let missing = store::missing_reports(&mut tx, &key, utc_ms(s.end())).await?;
        summary.alerts += alerts::raise_many(
            &mut tx,
            &routes,
            Batch {
                kind: AlertKind::MissedReport,
                subject_kind: "episode",
                event: &key,
                detail: &key,
            },
            &missing,
            now,
        )
        .await?;
        store::finish_scan(&mut tx, &key, missing.len() as i64).await?;
        sanshe_store::commit(tx).await?;
        summary.missed += missing.len();
        summary.slots.push(key);
    }
    let today = app.today().format("%Y-%m-%d").to_string();
    let mut tx = app.db.begin().await?;
    let routes = Routes::load(&mut *tx).await?;
    // Past their end: the event is the planned end, so an extension that passes again counts.
    let mut by_end: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for (id, path, end) in store::past_planned_end(&mut tx, &today).await? {
        by_end.entry(end).or_default().push((id, path));
    }
    for (end, subjects) in &by_end {
        let batch = Batch {
            kind: AlertKind::EndDue,
            subject_kind: "episode",
            event: end,
            detail: end,
        };
        summary.alerts += alerts::raise_many(&mut tx, &routes, batch, subjects, now).await?;
    }
    let unassigned = store::without_worker(&mut tx).await?;
    summary.alerts += alerts::raise_many(
        &mut tx,
        &routes,
        Batch {
            kind: AlertKind::Unassigned,
            subject_kind: "episode",
            event: "unassigned",
            detail: "",
        },
        &unassigned,
        now,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(summary)
}
