//! API of volunteers' applications and their vetting.

use axum::Json;
use axum::extract::State;
use sanshe_app::cursor::Page;

use crate::extract::{Path, Query};
use axum::http::StatusCode;
use sanshe_app::volunteers::{self, ApplicationInput, ApplicationView, Decided, DecisionInput};
use serde::Deserialize;

use super::{ApiResult, Created, JsonBody};
use crate::AppState;
use crate::auth::ApiCaller;

/// Applies to volunteer (public: no account).
#[utoipa::path(post, path = "/api/v1/volunteers/applications", request_body = ApplicationInput, tag = "volunteers",
    responses((status = 201, body = ApplicationView)), security(()))]
pub async fn apply(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ApplicationInput>,
) -> ApiResult<Created<ApplicationView>> {
    Ok(Created(volunteers::apply(&state.app, &body).await?))
}

/// Applications in the caller's areas, in the order they came, a page at a time with the total.
#[utoipa::path(get, path = "/api/v1/volunteers/applications", params(volunteers::ApplicationFilter), tag = "volunteers",
    responses((status = 200, body = Page<ApplicationView>)))]
pub async fn list_applications(
    caller: ApiCaller,
    Query(q): Query<volunteers::ApplicationFilter>,
) -> ApiResult<Json<volunteers::ApplicationsPage>> {
    Ok(Json(
        volunteers::applications(caller.app(), &caller.actor, &q).await?,
    ))
}

/// Approves (an account deployed to the community; its first password is in this answer only),
/// asks for more, or declines with a note.
#[utoipa::path(post, path = "/api/v1/volunteers/applications/{id}/decision", request_body = DecisionInput, tag = "volunteers",
    responses((status = 200, body = Decided)))]
pub async fn decide(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DecisionInput>,
) -> ApiResult<Json<Decided>> {
    Ok(Json(
        volunteers::decide(caller.app(), &caller.actor, &id, &body).await?,
    ))
}

/// Volunteers deployed within the caller's areas (and an organization's own people, wherever
/// they are), with their skills and recorded service, a page at a time.
#[utoipa::path(get, path = "/api/v1/volunteers", params(volunteers::RosterFilter), tag = "volunteers",
    responses((status = 200, body = Page<volunteers::VolunteerView>)))]
pub async fn list_volunteers(
    caller: ApiCaller,
    Query(f): Query<volunteers::RosterFilter>,
) -> ApiResult<Json<volunteers::RosterPage>> {
    Ok(Json(
        volunteers::deployed(caller.app(), &caller.actor, &f).await?,
    ))
}

/// The reserve pool: approved volunteers deployed nowhere whose home community is in the
/// caller's areas, optionally only those with a skill or below an area; the longest-waiting
/// first, a page at a time.
#[utoipa::path(get, path = "/api/v1/volunteers/reserve", params(volunteers::ReserveFilter), tag = "volunteers",
    responses((status = 200, body = Page<ApplicationView>)))]
pub async fn list_reserve(
    caller: ApiCaller,
    Query(f): Query<volunteers::ReserveFilter>,
) -> ApiResult<Json<Page<ApplicationView>>> {
    Ok(Json(
        volunteers::reserve(caller.app(), &caller.actor, &f).await?,
    ))
}

/// Where to deploy.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeploymentInput {
    /// The area (a community) the volunteer serves from now on.
    pub area_id: String,
}

/// Deploys a volunteer (from the reserve pool, or to one more community).
#[utoipa::path(post, path = "/api/v1/volunteers/{user_id}/deployments", request_body = DeploymentInput, tag = "volunteers",
    responses((status = 204)))]
pub async fn deploy(
    caller: ApiCaller,
    Path(user_id): Path<String>,
    JsonBody(body): JsonBody<DeploymentInput>,
) -> ApiResult<StatusCode> {
    volunteers::deploy(caller.app(), &caller.actor, &user_id, &body.area_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ends a deployment (refused while the volunteer holds shifts there that have not ended).
#[utoipa::path(delete, path = "/api/v1/volunteers/{user_id}/deployments/{area_id}", tag = "volunteers",
    responses((status = 204)))]
pub async fn recall(
    caller: ApiCaller,
    Path((user_id, area_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    volunteers::recall(caller.app(), &caller.actor, &user_id, &area_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
