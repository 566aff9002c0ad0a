//! API of an organization's teams: the admin makes them, the leader sees the members' shifts
//! and books them into open shifts.

use axum::Json;
use sanshe_app::organizations::{self, TeamInput, TeamView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::{Path, Query};

/// Which organization's teams.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TeamFilter {
    /// The organization.
    pub organization_id: String,
}

/// An organization's teams: all of them for its admin, those they lead for a leader.
#[utoipa::path(get, path = "/api/v1/teams", params(TeamFilter), tag = "organizations",
    responses((status = 200, body = [TeamView])))]
pub async fn list_teams(
    caller: ApiCaller,
    Query(f): Query<TeamFilter>,
) -> ApiResult<Json<Vec<TeamView>>> {
    Ok(Json(
        organizations::teams(caller.app(), &caller.actor, &f.organization_id).await?,
    ))
}

/// Makes a team of the organization's people with a leader.
#[utoipa::path(post, path = "/api/v1/teams", request_body = TeamInput, tag = "organizations",
    responses((status = 201, body = TeamView)))]
pub async fn create_team(
    caller: ApiCaller,
    JsonBody(body): JsonBody<TeamInput>,
) -> ApiResult<Created<TeamView>> {
    let team = organizations::create_team(caller.app(), &caller.actor, &body).await?;
    Ok(Created(team))
}

/// One team with its members' shifts of the coming week.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "organizations",
    responses((status = 200, body = TeamView)))]
pub async fn get_team(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<TeamView>> {
    Ok(Json(
        organizations::team(caller.app(), &caller.actor, &id).await?,
    ))
}

/// A member to book on a shift.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamBooking {
    /// The open shift.
    #[schema(max_length = 64)]
    pub shift_id: String,
    /// The team's member.
    #[schema(max_length = 64)]
    pub user_id: String,
}

/// The leader books a member on an open shift where the member is deployed, within the limits.
#[utoipa::path(post, path = "/api/v1/teams/{id}/bookings", request_body = TeamBooking, tag = "organizations",
    responses((status = 200, body = TeamView)))]
pub async fn book_team_member(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<TeamBooking>,
) -> ApiResult<Json<TeamView>> {
    Ok(Json(
        organizations::book_team_member(caller.app(), &caller.actor, &id, &b.shift_id, &b.user_id)
            .await?,
    ))
}
