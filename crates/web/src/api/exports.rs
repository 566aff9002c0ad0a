//! Exports of the registry: the direct download and the export jobs written to files.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sanshe_app::AppError;
use sanshe_app::registry::{self, ResidentSearch};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, JsonBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{Path, Query};

/// Export parameters: the list filters plus, for full numbers, a reason.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportFilter {
    /// Within this area.
    pub area: Option<String>,
    /// Name prefix, ID number or phone.
    pub q: Option<String>,
    /// Only with this flag.
    pub flag: Option<String>,
    /// With full numbers, for this reason (needs the unmasked-export permission; audited).
    pub unmasked_reason: Option<String>,
}

/// Exports residents in scope to .xlsx (masked unless a reason for full numbers is given).
#[utoipa::path(get, path = "/api/v1/residents/export.xlsx", params(ExportFilter), tag = "registry", responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn export_residents(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(f): Query<ExportFilter>,
) -> ApiResult<Response> {
    let search = ResidentSearch {
        area: f.area,
        q: f.q,
        flag: f.flag,
        ..Default::default()
    };
    let reason = f.unmasked_reason.filter(|r| !r.is_empty());
    Ok(crate::exports::residents_now(
        &state.exports,
        &state.app,
        &caller.actor,
        &search,
        reason.as_deref(),
    )
    .await?)
}

/// What to export in the background.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExportRequest {
    /// Within this area.
    pub area: Option<String>,
    /// Name prefix, ID number or phone.
    pub q: Option<String>,
    /// Only with this flag.
    pub flag: Option<String>,
}

/// A background export's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportStatus {
    /// Job id.
    pub id: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// Rows written.
    pub done: usize,
    /// Rows in all (0 until counted).
    pub total: usize,
}

pub(super) fn export_status(id: &str, job: &crate::exports::ExportJob) -> ExportStatus {
    use std::sync::atomic::Ordering;
    let status = match job.state.lock().ok().as_deref() {
        Some(crate::exports::JobState::Done) => "done",
        Some(crate::exports::JobState::Failed(_)) => "failed",
        _ => "running",
    };
    ExportStatus {
        id: id.to_string(),
        status: status.into(),
        done: job.done.load(Ordering::Relaxed),
        total: job.total.load(Ordering::Relaxed),
    }
}

/// Starts a resident export in the background (for lists too large to wait for); poll its status.
#[utoipa::path(post, path = "/api/v1/exports/residents", request_body = ExportRequest, tag = "registry", responses((status = 202, body = ExportStatus)))]
pub async fn start_export(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<ExportRequest>,
) -> ApiResult<(StatusCode, Json<ExportStatus>)> {
    let search = ResidentSearch {
        area: b.area,
        q: b.q,
        flag: b.flag,
        ..Default::default()
    };
    registry::build_query(
        &state.app,
        &caller.actor,
        &search,
        sanshe_core::accounts::Action::ViewRegistry,
    )
    .await?;
    let id = state
        .exports
        .start_residents(state.app.clone(), caller.actor.clone(), search)?;
    let job = state
        .exports
        .get(&id, &caller.actor)
        .ok_or(ApiError::from(AppError::NotFound))?;
    Ok((StatusCode::ACCEPTED, Json(export_status(&id, &job))))
}

/// The state of a background export.
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "registry", responses((status = 200, body = ExportStatus)))]
pub async fn get_export(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ExportStatus>> {
    let job = state
        .exports
        .get(&id, &caller.actor)
        .ok_or(ApiError::from(AppError::NotFound))?;
    Ok(Json(export_status(&id, &job)))
}

/// The file of a finished background export.
#[utoipa::path(get, path = "/api/v1/exports/{id}/file", tag = "registry", responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn get_export_file(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let job = state
        .exports
        .finished(&id, &caller.actor)
        .ok_or(ApiError::from(AppError::NotFound))?;
    Ok(job.send().await?)
}
