//! API of needs and commitments (需求对接).

use axum::Json;
use axum::http::StatusCode;
use sanshe_app::cursor::Page;
use sanshe_app::needs::{
    self, CommitmentInput, CommitmentView, NeedFilter, NeedInput, NeedView, NeedsPage,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::{Path, Query};

/// The needs the caller sees: their communities', and for an organization's admin those of
/// its linked communities and the city-wide ones; newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/needs", params(NeedFilter), tag = "needs", responses((status = 200, body = Page<NeedView>)))]
pub async fn list_needs(
    caller: ApiCaller,
    Query(f): Query<NeedFilter>,
) -> ApiResult<Json<NeedsPage>> {
    Ok(Json(needs::needs(caller.app(), &caller.actor, &f).await?))
}

/// Posts a need for a community.
#[utoipa::path(post, path = "/api/v1/needs", request_body = NeedInput, tag = "needs",
    responses((status = 201, body = NeedView)))]
pub async fn create_need(
    caller: ApiCaller,
    JsonBody(body): JsonBody<NeedInput>,
) -> ApiResult<Created<NeedView>> {
    let need = needs::post_need(caller.app(), &caller.actor, &body).await?;
    Ok(Created(need))
}

/// A need with the organizations' commitments.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedDetail {
    /// The need.
    pub need: NeedView,
    /// What organizations committed.
    pub commitments: Vec<CommitmentView>,
}

/// One need.
#[utoipa::path(get, path = "/api/v1/needs/{id}", tag = "needs", responses((status = 200, body = NeedDetail)))]
pub async fn get_need(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<NeedDetail>> {
    let (need, commitments) = needs::need(caller.app(), &caller.actor, &id).await?;
    Ok(Json(NeedDetail { need, commitments }))
}

/// An organization commits people (booked into the need's shifts within the booking limits) or
/// takes on the service.
#[utoipa::path(post, path = "/api/v1/needs/{id}/commitments", request_body = CommitmentInput, tag = "needs",
    responses((status = 201, body = CommitmentView)))]
pub async fn commit_to_need(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<CommitmentInput>,
) -> ApiResult<Created<CommitmentView>> {
    let commitment = needs::commit(caller.app(), &caller.actor, &id, &body).await?;
    Ok(Created(commitment))
}

/// The community confirms a commitment.
#[utoipa::path(post, path = "/api/v1/needs/{id}/commitments/{commitment_id}/confirm", tag = "needs",
    responses((status = 204)))]
pub async fn confirm_commitment(
    caller: ApiCaller,
    Path((id, commitment_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    needs::confirm(caller.app(), &caller.actor, &id, &commitment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The community closes a need.
#[utoipa::path(post, path = "/api/v1/needs/{id}/close", tag = "needs",
    responses((status = 204)))]
pub async fn close_need(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    needs::close(caller.app(), &caller.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
