//! API of door-to-door campaigns (M4).

use axum::Json;

use crate::extract::{Path, Query};
use axum::http::StatusCode;
use sanshe_app::campaigns::{
    self, AssignmentInput, AssignmentView, CampaignInput, CampaignView, Coverage, Door, VisitInput,
    VisitRecorded,
};
use sanshe_app::cursor::{AreaPaging, Page};

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;

/// Campaigns in the caller's scope, newest first, a page at a time with the total.
#[utoipa::path(get, path = "/api/v1/campaigns", params(AreaPaging), tag = "campaigns",
    responses((status = 200, body = Page<CampaignView>)))]
pub async fn list_campaigns(
    caller: ApiCaller,
    Query(f): Query<AreaPaging>,
) -> ApiResult<Json<campaigns::CampaignsPage>> {
    Ok(Json(
        campaigns::list(caller.app(), &caller.actor, &f).await?,
    ))
}

/// Starts a campaign over an area.
#[utoipa::path(post, path = "/api/v1/campaigns", request_body = CampaignInput, tag = "campaigns",
    responses((status = 201, body = CampaignView)))]
pub async fn create_campaign(
    caller: ApiCaller,
    JsonBody(body): JsonBody<CampaignInput>,
) -> ApiResult<Created<CampaignView>> {
    let campaign = campaigns::create(caller.app(), &caller.actor, &body).await?;
    Ok(Created(campaign))
}

/// One campaign with its coverage so far.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    responses((status = 200, body = CampaignView)))]
pub async fn get_campaign(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CampaignView>> {
    Ok(Json(
        campaigns::get(caller.app(), &caller.actor, &id).await?,
    ))
}

/// The campaign's households with their latest visit (the building grid), the revisit list
/// or the doors never knocked on, by address, a page at a time.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/visits", params(campaigns::DoorFilter), tag = "campaigns",
    responses((status = 200, body = Page<Door>)))]
pub async fn list_visits(
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(f): Query<campaigns::DoorFilter>,
) -> ApiResult<Json<Page<Door>>> {
    Ok(Json(
        campaigns::doors(caller.app(), &caller.actor, &id, &f).await?,
    ))
}

/// Logs a visit; the same `id` again records nothing new (a retry from the phone).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/visits", request_body = VisitInput, tag = "campaigns",
    responses((status = 201, body = VisitRecorded), (status = 200, body = VisitRecorded)))]
pub async fn create_visit(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<VisitInput>,
) -> ApiResult<(StatusCode, Json<VisitRecorded>)> {
    let v = campaigns::visit(caller.app(), &caller.actor, &id, &body).await?;
    let status = if v.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(v)))
}

/// Coverage by building and compound, and visits per worker per day.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/coverage", tag = "campaigns",
    responses((status = 200, body = Coverage)))]
pub async fn get_coverage(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<Coverage>> {
    Ok(Json(
        campaigns::coverage(caller.app(), &caller.actor, &id).await?,
    ))
}

/// The buildings of a campaign handed to linked organizations' social workers.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/assignments", tag = "campaigns",
    responses((status = 200, body = [AssignmentView])))]
pub async fn list_assignments(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AssignmentView>>> {
    Ok(Json(
        campaigns::assignments(caller.app(), &caller.actor, &id).await?,
    ))
}

/// Hands a building to a social worker of an organization holding the door-to-door duty here.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/assignments", request_body = AssignmentInput, tag = "campaigns",
    responses((status = 201, body = AssignmentView)))]
pub async fn create_assignment(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignmentInput>,
) -> ApiResult<Created<AssignmentView>> {
    let assignment = campaigns::assign(caller.app(), &caller.actor, &id, &body).await?;
    Ok(Created(assignment))
}

/// Takes a building back.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}/assignments/{assignment_id}", tag = "campaigns",
    responses((status = 204)))]
pub async fn delete_assignment(
    caller: ApiCaller,
    Path((id, assignment_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    campaigns::unassign(caller.app(), &caller.actor, &id, &assignment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The buildings handed to the caller (a linked organization's social worker) in running
/// campaigns; their doors are at `GET /api/v1/campaigns/{id}/visits?building=`.
#[utoipa::path(get, path = "/api/v1/door-to-door", tag = "campaigns",
    responses((status = 200, body = [AssignmentView])))]
pub async fn my_buildings(caller: ApiCaller) -> ApiResult<Json<Vec<AssignmentView>>> {
    Ok(Json(
        campaigns::my_buildings(caller.app(), &caller.actor).await?,
    ))
}
