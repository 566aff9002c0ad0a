//! Social organizations and their linkages to areas.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanshe_app::organizations::{self, LinkageView, OrganizationView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, JsonBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::extract::Path;

/// Organizations the caller may see.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", responses((status = 200, body = [OrganizationView])), security(("bearer" = [])))]
pub async fn list_organizations(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<OrganizationView>>> {
    Ok(Json(organizations::list(&state.app, &caller.actor).await?))
}

/// An organization with its linkages.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationDetail {
    /// The organization.
    #[serde(flatten)]
    pub organization: OrganizationView,
    /// Its linkages visible to the caller.
    pub linkages: Vec<LinkageView>,
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", responses((status = 200, body = OrganizationDetail), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_organization(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganizationDetail>> {
    let (organization, linkages, _) = organizations::get(&state.app, &caller.actor, &id).await?;
    Ok(Json(OrganizationDetail {
        organization,
        linkages,
    }))
}

/// A new organization.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOrganization {
    /// Kind: bureau, social_work_agency, social_organization, volunteer_association, care_home, hospital, donor.
    pub kind: String,
    /// Name.
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    /// Area it is registered in.
    #[serde(default)]
    pub home_area_id: Option<String>,
    /// Contact.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub contact: String,
}

/// Registers an organization.
#[utoipa::path(post, path = "/api/v1/organizations", request_body = NewOrganization, tag = "organizations", responses((status = 201, body = OrganizationView), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_organization(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<NewOrganization>,
) -> ApiResult<(StatusCode, Json<OrganizationView>)> {
    let o = organizations::register(
        &state.app,
        &caller.actor,
        &b.kind,
        &b.name,
        b.home_area_id.as_deref(),
        &b.contact,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(o)))
}

/// A new linkage.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLinkage {
    /// The community.
    #[schema(max_length = 64)]
    pub community_id: String,
    /// What the organization provides.
    #[schema(min_length = 1, max_length = 500)]
    pub organization_provides: String,
    /// What the community provides.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub community_provides: String,
}

/// Links an organization to a community.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/linkages", request_body = NewLinkage, tag = "organizations", responses((status = 201, body = LinkageView), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_linkage(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewLinkage>,
) -> ApiResult<(StatusCode, Json<LinkageView>)> {
    let l = organizations::link(
        &state.app,
        &caller.actor,
        &id,
        &b.community_id,
        &b.organization_provides,
        &b.community_provides,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(l)))
}

/// Removes a linkage.
#[utoipa::path(delete, path = "/api/v1/linkages/{id}", tag = "organizations", responses((status = 204), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn delete_linkage(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    organizations::unlink(&state.app, &caller.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes an organization's kind, name and contact.
#[utoipa::path(put, path = "/api/v1/organizations/{id}", request_body = NewOrganization, tag = "organizations", responses((status = 200, body = OrganizationView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn update_organization(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewOrganization>,
) -> ApiResult<Json<OrganizationView>> {
    Ok(Json(
        organizations::update(&state.app, &caller.actor, &id, &b.kind, &b.name, &b.contact).await?,
    ))
}
