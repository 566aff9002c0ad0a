//! Temperature and symptom reports, by the worker on a call or by the household through its link.

use super::*;
use crate::audit::Audited;
use sanshe_core::accounts::RESIDENT;
use sanshe_core::isolation::EpisodeStatus;

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

pub(super) async fn record_report(
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
    if e.status != EpisodeStatus::Open {
        errors.push("status", "err-episode-closed");
    }
    errors.into_result()?;
    let (Some(temperature), Some(symptoms)) = (temperature, symptoms) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let slot = Slot::containing(local_time(at)).key();
    let names: Vec<&str> = symptoms.iter().map(|s| s.as_str()).collect();
    let symptoms_stored = names.join(",");
    let report = store::SlotReport {
        episode_id: &e.id,
        slot: &slot,
        temperature: temperature.tenths(),
        symptoms: &symptoms_stored,
        reported_at: at,
        entered_by,
    };
    let replaced = store::upsert_report(tx, &new_id(), &report, now).await?;
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
                    subject_kind: AlertSubject::Episode,
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
                    subject_kind: AlertSubject::Episode,
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

/// A worker enters a report (phone follow-up, or on the resident's behalf): a community worker
/// of the place, or the linked organization's social worker who follows the person up.
pub async fn report_by_worker(
    app: &App,
    actor: &Actor,
    id: &str,
    input: &ReportInput,
) -> Result<ReportOutcome> {
    let mut tx = app.db.begin().await?;
    let e = match visible(&mut tx, actor, id).await {
        Err(AppError::NotFound) => follow_ups::followed_up_by(app, &mut tx, actor, id).await?,
        other => other?,
    };
    let out = record_report(app, &mut tx, &e, input, &actor.username).await?;
    audit::record(&mut tx, actor, "isolation.report", e.subject(), &out.slot).await?;
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
    pub kind: sanshe_core::isolation::EpisodeKind,
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

pub(super) async fn by_link(conn: &mut Conn, token: &str) -> Result<EpisodeRow> {
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    Ok(store::episode_by_link(conn, &token_hash(token)).await?)
}

/// The household of the person a report link belongs to, while their isolation is open.
pub async fn household_of_link(conn: &mut Conn, token: &str) -> Result<String> {
    let e = by_link(conn, token).await?;
    if e.status != EpisodeStatus::Open {
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
        kind: e.kind,
        planned_end: e.planned_end.clone(),
        open: e.status == EpisodeStatus::Open,
        slot: now_slot.key(),
        morning: now_slot.half == Half::Morning,
        today: (reading(&today_am), reading(&today_pm)),
    })
}

/// A resident reports through their link.
pub async fn report_by_link(app: &App, token: &str, input: &ReportInput) -> Result<ReportOutcome> {
    let mut tx = app.db.begin().await?;
    let e = by_link(&mut tx, token).await?;
    let out = record_report(app, &mut tx, &e, input, RESIDENT).await?;
    sanshe_store::commit(tx).await?;
    Ok(out)
}
