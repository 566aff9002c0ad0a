//! API of isolation episodes, health reports and the community board.

use axum::Json;
use sanshe_app::period::Period;

use crate::extract::{Path, Query};
use axum::http::StatusCode;
use sanshe_app::AppError;
use sanshe_app::cursor::Page;
use sanshe_app::isolation::{
    self, Board, EpisodeDetail, EpisodeFilter, EpisodeOpened, EpisodeView, EpisodesPage,
    OpenEpisode, ReportInput, ReportOutcome,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;

/// Episodes in scope: open by default; `worker=me` is the caller's follow-up list; by
/// address, a page at a time. `from` and `to` keep those released on those days (China time),
/// with `status=released` or `all` (422 on `status` with the open, who have no release day).
#[utoipa::path(get, path = "/api/v1/isolations", params(EpisodeFilter, Period), tag = "isolation",
    responses((status = 200, body = Page<EpisodeView>)))]
pub async fn list_isolations(
    caller: ApiCaller,
    Query(f): Query<EpisodeFilter>,
    Query(released): Query<Period>,
) -> ApiResult<Json<EpisodesPage>> {
    Ok(Json(
        isolation::list(caller.app(), &caller.actor, &f, &released).await?,
    ))
}

/// Opens an episode for a registered resident; answers with the resident's report link.
#[utoipa::path(post, path = "/api/v1/isolations", request_body = OpenEpisode, tag = "isolation",
    responses((status = 201, body = EpisodeOpened)))]
pub async fn create_isolation(
    caller: ApiCaller,
    JsonBody(body): JsonBody<OpenEpisode>,
) -> ApiResult<Created<EpisodeOpened>> {
    let opened = isolation::open(caller.app(), &caller.actor, &body).await?;
    Ok(Created(opened))
}

/// One episode with its reports and alerts.
#[utoipa::path(get, path = "/api/v1/isolations/{id}", tag = "isolation",
    responses((status = 200, body = EpisodeDetail)))]
pub async fn get_isolation(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<EpisodeDetail>> {
    Ok(Json(
        isolation::detail(caller.app(), &caller.actor, &id).await?,
    ))
}

/// Release of an episode.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReleaseBody {
    /// `completed`, `referred`, `moved_away`, `opened_in_error`.
    pub reason: String,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// Ends an episode with a reason.
#[utoipa::path(post, path = "/api/v1/isolations/{id}/release", request_body = ReleaseBody, tag = "isolation",
    responses((status = 200, body = EpisodeView)))]
pub async fn release_isolation(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReleaseBody>,
) -> ApiResult<Json<EpisodeView>> {
    Ok(Json(
        isolation::release(caller.app(), &caller.actor, &id, &body.reason, &body.note).await?,
    ))
}

/// A new planned end.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExtendBody {
    /// YYYY-MM-DD.
    pub planned_end: String,
}

/// Moves an episode's planned end (extension).
#[utoipa::path(post, path = "/api/v1/isolations/{id}/extend", request_body = ExtendBody, tag = "isolation",
    responses((status = 200, body = EpisodeView)))]
pub async fn extend_isolation(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ExtendBody>,
) -> ApiResult<Json<EpisodeView>> {
    Ok(Json(
        isolation::extend(caller.app(), &caller.actor, &id, &body.planned_end).await?,
    ))
}

/// A worker to hand an episode to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignBody {
    /// The worker's user id.
    pub worker_id: String,
}

/// Reassigns an episode to another community worker of the place.
#[utoipa::path(post, path = "/api/v1/isolations/{id}/assign", request_body = AssignBody, tag = "isolation",
    responses((status = 200, body = EpisodeView)))]
pub async fn assign_isolation(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignBody>,
) -> ApiResult<Json<EpisodeView>> {
    Ok(Json(
        isolation::assign(caller.app(), &caller.actor, &id, &body.worker_id).await?,
    ))
}

/// How reports arrive.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUpBody {
    /// `link` or `phone`.
    pub follow_up: String,
}

/// Switches an episode between the resident's link and phone follow-up.
#[utoipa::path(post, path = "/api/v1/isolations/{id}/follow-up", request_body = FollowUpBody, tag = "isolation",
    responses((status = 200, body = EpisodeView)))]
pub async fn set_follow_up(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<FollowUpBody>,
) -> ApiResult<Json<EpisodeView>> {
    Ok(Json(
        isolation::set_follow_up(caller.app(), &caller.actor, &id, &body.follow_up).await?,
    ))
}

/// A report link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkIssued {
    /// Path of the new report page, `/r/{token}`; the old link no longer works.
    pub report_link: String,
}

/// Issues a new report link; the old one stops working.
#[utoipa::path(post, path = "/api/v1/isolations/{id}/link", tag = "isolation",
    responses((status = 201, body = LinkIssued)))]
pub async fn renew_link(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Created<LinkIssued>> {
    let link = isolation::renew_link(caller.app(), &caller.actor, &id, false).await?;
    Ok(Created(LinkIssued {
        report_link: link.unwrap_or_default(),
    }))
}

/// Revokes the report link (reports then come by phone).
#[utoipa::path(delete, path = "/api/v1/isolations/{id}/link", tag = "isolation",
    responses((status = 204)))]
pub async fn revoke_link(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    isolation::renew_link(caller.app(), &caller.actor, &id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A health report.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportBody {
    /// °C, as a number (37.3) or text ("37.3").
    #[schema(value_type = f64)]
    pub temperature: serde_json::Value,
    /// Symptoms: `cough`, `sore_throat`, `fatigue`, `diarrhoea`, `loss_of_smell_or_taste`,
    /// `shortness_of_breath`, `chest_pain`, `confusion`.
    #[serde(default)]
    pub symptoms: Vec<String>,
    /// When measured, RFC 3339 (default now). A second report in the same half-day replaces it.
    pub reported_at: Option<String>,
}

/// Turns the API's report body into the use case's input.
pub fn report_input(body: ReportBody) -> Result<ReportInput, AppError> {
    let temperature = match body.temperature {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        _ => return Err(AppError::field("temperature", "err-temperature")),
    };
    let reported_at = match body.reported_at.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            chrono::DateTime::parse_from_rfc3339(s)
                .map_err(|_| AppError::field("reported_at", "err-reported-at"))?
                .timestamp_millis(),
        ),
        None => None,
    };
    Ok(ReportInput {
        temperature,
        symptoms: body.symptoms,
        reported_at,
    })
}

/// A worker enters a report (phone follow-up, or on the resident's behalf).
#[utoipa::path(post, path = "/api/v1/isolations/{id}/reports", request_body = ReportBody, tag = "isolation",
    responses((status = 201, body = ReportOutcome)))]
pub async fn create_report(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ReportBody>,
) -> ApiResult<Created<ReportOutcome>> {
    let input = report_input(body)?;
    let outcome = isolation::report_by_worker(caller.app(), &caller.actor, &id, &input).await?;
    Ok(Created(outcome))
}

/// Today's board of an area: open episodes, reports due, received, missed, fevers, per part.
#[utoipa::path(get, path = "/api/v1/boards/{area_id}", tag = "isolation",
    responses((status = 200, body = Board)))]
pub async fn get_board(caller: ApiCaller, Path(area_id): Path<String>) -> ApiResult<Json<Board>> {
    Ok(Json(
        isolation::board(caller.app(), &caller.actor, &area_id).await?,
    ))
}

/// The people the caller follows up by phone as a linked organization's social worker, masked.
#[utoipa::path(get, path = "/api/v1/follow-ups", tag = "isolation", responses((status = 200, body = [EpisodeView])))]
pub async fn list_follow_ups(caller: ApiCaller) -> ApiResult<Json<Vec<EpisodeView>>> {
    Ok(Json(
        isolation::follow_ups(caller.app(), &caller.actor).await?,
    ))
}

/// One person the caller follows up by phone, masked; their reports go to
/// `POST /api/v1/isolations/{id}/reports`.
#[utoipa::path(get, path = "/api/v1/follow-ups/{id}", tag = "isolation",
    responses((status = 200, body = EpisodeView)))]
pub async fn get_follow_up(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<EpisodeView>> {
    Ok(Json(
        isolation::followed_up(caller.app(), &caller.actor, &id).await?,
    ))
}
