//! API of help requests (代买药品).

use axum::Json;

use crate::extract::{Path, Query};
use sanshe_app::help::{self, HelpInput, HelpView, StepInput};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;

/// Which requests.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HelpQuery {
    /// `true`: only those not yet delivered or cancelled (`before` and `limit` do not apply).
    pub active: Option<bool>,
    /// The finished ones recorded before this request (the last one of the previous page);
    /// leaves out the active ones, which came with the first page.
    pub before: Option<String>,
    /// At most this many finished ones (1–500, default 100).
    pub limit: Option<i64>,
}

/// Help requests the caller may see: those still being worked on in triage order, then the
/// finished ones a page at a time, latest recorded first.
#[utoipa::path(get, path = "/api/v1/help-requests", params(HelpQuery), tag = "help", responses((status = 200, body = [HelpView])))]
pub async fn list_help(
    caller: ApiCaller,
    Query(q): Query<HelpQuery>,
) -> ApiResult<Json<Vec<HelpView>>> {
    let (active_only, before) = (q.active == Some(true), q.before.as_deref());
    let limit = q.limit.unwrap_or(100);
    let page = help::list(caller.app(), &caller.actor, active_only, before, limit).await?;
    Ok(Json(page.items))
}

/// Records a help request.
#[utoipa::path(post, path = "/api/v1/help-requests", request_body = HelpInput, tag = "help",
    responses((status = 201, body = HelpView)))]
pub async fn create_help(
    caller: ApiCaller,
    JsonBody(body): JsonBody<HelpInput>,
) -> ApiResult<Created<HelpView>> {
    let errand = help::ask(caller.app(), &caller.actor, &body).await?;
    Ok(Created(errand))
}

/// Moves a request one step: `assign` (workers), `claim` (a volunteer deployed there),
/// `release`, `buy` (with the cost advanced), `deliver`, `cancel` (workers, with a reason). A
/// step not allowed from the request's status is a 422 naming `step`.
#[utoipa::path(post, path = "/api/v1/help-requests/{id}/steps", request_body = StepInput, tag = "help",
    responses((status = 200, body = HelpView)))]
pub async fn step_help(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<StepInput>,
) -> ApiResult<Json<HelpView>> {
    Ok(Json(
        help::step(caller.app(), &caller.actor, &id, &body).await?,
    ))
}

/// The contact's phone.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PhoneToCall {
    /// The whole number.
    pub phone: String,
}

/// The contact's whole phone for the volunteer holding the errand, while they hold it (each
/// time in the audit log).
#[utoipa::path(get, path = "/api/v1/help-requests/{id}/phone", tag = "help",
    responses((status = 200, body = PhoneToCall)))]
pub async fn phone_to_call(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<PhoneToCall>> {
    let phone = help::phone_to_call(caller.app(), &caller.actor, &id).await?;
    Ok(Json(PhoneToCall { phone }))
}
