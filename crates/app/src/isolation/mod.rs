//! Home isolation and daily health reports: open an episode, take reports twice a day (from the
//! resident's link or entered by a worker), show the community board and each worker's list,
//! find missed reports, release.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDate};
use rand::RngCore;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::alerts::{AlertKind, AlertSubject};
use sanshe_core::dates;
use sanshe_core::isolation::EpisodeStatus;
use sanshe_core::isolation::{
    EpisodeKind, FollowUpMode, Half, ReleaseReason, Slot, Temperature, format_tenths,
    parse_symptoms, planned_end,
};
use sanshe_core::registry::HouseholdAddress;
use sanshe_store::isolation::{self as store, EpisodeQuery, EpisodeRow, NewEpisode};
use sanshe_store::{Conn, accounts as account_store, areas as area_store, new_id};

use crate::accounts::{Actor, token_hash};
use crate::alerts::{self, Batch, Routes, Trouble, rfc3339};
use crate::areas::AreaView;
use crate::audit::{self, Subject};
use crate::{App, AppError, Result, local_time, utc_ms};

mod board;
mod episodes;
mod follow_ups;
mod opening;
mod reports;

pub use board::*;
pub use episodes::*;
pub use follow_ups::*;
pub use opening::*;
pub use reports::*;

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
    pub kind: sanshe_core::isolation::EpisodeKind,
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
    pub status: sanshe_core::isolation::EpisodeStatus,
    /// Responsible worker.
    pub worker_id: Option<String>,
    /// Their name.
    pub worker_name: Option<String>,
    /// `link` / `phone`.
    pub follow_up: sanshe_core::isolation::FollowUpMode,
    /// Latest temperature, °C.
    pub last_temperature: Option<String>,
    /// RFC 3339.
    pub last_reported_at: Option<String>,
    /// Whether the latest reading is a fever.
    pub last_fever: bool,
    /// RFC 3339.
    pub released_at: Option<String>,
    /// `completed`, `referred`, `moved_away`, `opened_in_error`.
    pub release_reason: Option<sanshe_core::isolation::ReleaseReason>,
    /// Release note.
    pub release_note: Option<String>,
    /// Whether the planned end has passed without release.
    pub overdue: bool,
}

fn view(app: &App, e: EpisodeRow) -> EpisodeView {
    let today = app.today();
    let started = local_time(e.started_at).date();
    let overdue = e.status == EpisodeStatus::Open
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

/// A new random report-link token: (token, hash, sealed token).
fn new_link(app: &App) -> (String, String, String) {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    (token.clone(), token_hash(&token), app.vault.seal(&token))
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
        FollowUpMode::chosen(input.follow_up.as_deref().unwrap_or("")),
    );
    errors.into_result()?;
    let (Some(kind), Some(follow_up)) = (kind, follow_up) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let today = app.today();
    let exposure = dates::parse_optional(
        "exposure_date",
        input.exposure_date.as_deref().unwrap_or(""),
    )?
    .unwrap_or(today);
    if exposure > today {
        return Err(AppError::field("exposure_date", "err-date-future"));
    }
    dates::within("exposure_date", exposure, today, EXPOSURE_DAYS_BACK, 0)?;
    let end = dates::parse_optional("planned_end", input.planned_end.as_deref().unwrap_or(""))?
        .unwrap_or_else(|| planned_end(exposure));
    if end < exposure {
        return Err(AppError::field("planned_end", "err-end-before-start"));
    }
    sanshe_core::dates::span("planned_end", exposure, end, MAX_EPISODE_DAYS)?;
    let resident = sanshe_store::registry::resident(tx, &input.resident_id)
        .await
        .map_err(|_| AppError::field("resident_id", "err-resident-not-found"))?;
    let path = resident.record.area_path.clone();
    actor.require_for(
        Action::FrontLine,
        Target::Area(&path),
        "resident_id",
        "err-resident-not-found",
    )?;
    let today = app.today().to_string();
    let worker = choose_worker(tx, &path, input.worker_id.as_deref(), &today).await?;
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
            kind,
            source_kind,
            source_id,
            exposure_date: &exposure_s,
            started_at: now,
            planned_end: &end_s,
            worker_id: worker.as_deref(),
            follow_up,
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
                subject_kind: AlertSubject::Episode,
                subject_id: &id,
                event: "unassigned",
                detail: "",
            },
            now,
        )
        .await?;
    }
    audit::record(
        tx,
        actor,
        "isolation.opened",
        Subject::new("isolation", &id, &path),
        &format!("{} {exposure_s}..{end_s}", kind.as_str()),
    )
    .await?;
    Ok((id, token))
}

async fn visible(conn: &mut Conn, actor: &Actor, id: &str) -> Result<EpisodeRow> {
    let e = store::episode(conn, id).await?;
    actor.require(Action::FrontLine, Target::Area(&e.area_path))?;
    Ok(e)
}

/// One episode.
pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<EpisodeView> {
    let mut conn = app.db.conn().await?;
    Ok(view(app, visible(&mut conn, actor, id).await?))
}

/// A name as shown where it is not needed whole: its first character and a star for each other.
pub(crate) fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}
