//! Social organizations and their linkages to areas.

use axum::Json;
use axum::http::StatusCode;
use sanshe_app::cursor::{NameSearch, Page};
use sanshe_app::organizations::{
    self, CONTRIBUTION_DAYS, Contribution, DeploymentView, LinkageInput, LinkageView, MapCommunity,
    MapFilter, MembersPage, OrganizationView,
};
use sanshe_app::period::Period;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::{Path, Query};

/// Organizations the caller may see, by name, a page at a time.
#[utoipa::path(get, path = "/api/v1/organizations", params(NameSearch), tag = "organizations", responses((status = 200, body = Page<OrganizationView>)))]
pub async fn list_organizations(
    caller: ApiCaller,
    Query(f): Query<NameSearch>,
) -> ApiResult<Json<Page<OrganizationView>>> {
    Ok(Json(
        organizations::list(caller.app(), &caller.actor, &f).await?,
    ))
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
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", responses((status = 200, body = OrganizationDetail)))]
pub async fn get_organization(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OrganizationDetail>> {
    let (organization, linkages, _) = organizations::get(caller.app(), &caller.actor, &id).await?;
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
    pub home_area_id: Option<String>,
    /// Contact.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub contact: String,
}

/// Registers an organization.
#[utoipa::path(post, path = "/api/v1/organizations", request_body = NewOrganization, tag = "organizations", responses((status = 201, body = OrganizationView)))]
pub async fn create_organization(
    caller: ApiCaller,
    JsonBody(b): JsonBody<NewOrganization>,
) -> ApiResult<Created<OrganizationView>> {
    let organization = organizations::register(
        caller.app(),
        &caller.actor,
        &b.kind,
        &b.name,
        b.home_area_id.as_deref(),
        &b.contact,
    )
    .await?;
    Ok(Created(organization))
}

/// The linkages of an organization the caller may see.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/linkages", tag = "organizations", responses((status = 200, body = [LinkageView])))]
pub async fn list_linkages(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<LinkageView>>> {
    Ok(Json(
        organizations::linkages(caller.app(), &caller.actor, &id).await?,
    ))
}

/// Proposes a linkage of an organization with a community and the duties it takes on there:
/// active at once when the caller speaks for both sides, else waiting for the other side.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/linkages", request_body = LinkageInput, tag = "organizations", responses((status = 201, body = LinkageView)))]
pub async fn create_linkage(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<LinkageInput>,
) -> ApiResult<Created<LinkageView>> {
    let linkage = organizations::propose(caller.app(), &caller.actor, &id, &b).await?;
    Ok(Created(linkage))
}

/// The other side accepts a proposed linkage.
#[utoipa::path(post, path = "/api/v1/linkages/{id}/accept", tag = "organizations", responses((status = 200, body = LinkageView)))]
pub async fn accept_linkage(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<LinkageView>> {
    Ok(Json(
        organizations::accept(caller.app(), &caller.actor, &id).await?,
    ))
}

/// Either side ends a linkage (or withdraws a proposal); it is kept for the record.
#[utoipa::path(post, path = "/api/v1/linkages/{id}/end", tag = "organizations", responses((status = 200, body = LinkageView)))]
pub async fn end_linkage(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<LinkageView>> {
    Ok(Json(
        organizations::end(caller.app(), &caller.actor, &id).await?,
    ))
}

/// An organization's people, for whoever runs it, a page at a time by name.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/members", params(NameSearch), tag = "organizations",
    responses((status = 200, body = Page<organizations::MemberView>)))]
pub async fn list_members(
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(f): Query<NameSearch>,
) -> ApiResult<Json<MembersPage>> {
    Ok(Json(
        organizations::members(caller.app(), &caller.actor, &id, &f).await?,
    ))
}

/// Where to deploy a member.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDeployment {
    /// A community (or a place in it) where the organization holds an active linkage.
    #[schema(max_length = 64)]
    pub area_id: String,
}

/// Deploys a member within the organization's linkages.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/members/{user_id}/deployments", request_body = NewDeployment, tag = "organizations", responses((status = 201, body = DeploymentView)))]
pub async fn deploy_member(
    caller: ApiCaller,
    Path((id, user_id)): Path<(String, String)>,
    JsonBody(b): JsonBody<NewDeployment>,
) -> ApiResult<Created<DeploymentView>> {
    let deployment =
        organizations::deploy_member(caller.app(), &caller.actor, &id, &user_id, &b.area_id)
            .await?;
    Ok(Created(deployment))
}

/// Recalls a member from an area (refused while they hold shifts there ahead).
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/members/{user_id}/deployments/{area_id}", tag = "organizations", responses((status = 204)))]
pub async fn recall_member(
    caller: ApiCaller,
    Path((id, user_id, area_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    organizations::recall_member(caller.app(), &caller.actor, &id, &user_id, &area_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A member's kind.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberKindBody {
    /// `social_worker` (社工) or `volunteer` (志愿者).
    #[schema(max_length = 32)]
    pub kind: String,
}

/// Sets whether a member is a social worker or a volunteer (only social workers follow people
/// up by phone).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/members/{user_id}/kind", request_body = MemberKindBody, tag = "organizations", responses((status = 204)))]
pub async fn set_member_kind(
    caller: ApiCaller,
    Path((id, user_id)): Path<(String, String)>,
    JsonBody(b): JsonBody<MemberKindBody>,
) -> ApiResult<StatusCode> {
    organizations::set_member_kind(caller.app(), &caller.actor, &id, &user_id, &b.kind).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes an organization's kind, name and contact.
#[utoipa::path(put, path = "/api/v1/organizations/{id}", request_body = NewOrganization, tag = "organizations", responses((status = 200, body = OrganizationView)))]
pub async fn update_organization(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewOrganization>,
) -> ApiResult<Json<OrganizationView>> {
    Ok(Json(
        organizations::update(
            caller.app(),
            &caller.actor,
            &id,
            &b.kind,
            &b.name,
            &b.contact,
        )
        .await?,
    ))
}

/// The linkage map: the communities in the caller's scope with their linked organizations,
/// their duties and people deployed, and the hours served in the last 7 and 30 days; the
/// unsupported first, then those with a duty nobody is deployed for, then by name, a page at
/// a time.
#[utoipa::path(get, path = "/api/v1/linkage-map", params(MapFilter), tag = "organizations", responses((status = 200, body = Page<MapCommunity>)))]
pub async fn linkage_map(
    caller: ApiCaller,
    Query(f): Query<MapFilter>,
) -> ApiResult<Json<Page<MapCommunity>>> {
    let (page, _) = organizations::linkage_map_page(caller.app(), &caller.actor, &f).await?;
    Ok(Json(page))
}

/// What an organization's people did per linked community in a period: who served, shifts and
/// hours, scans at gates, errands delivered.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/contributions", params(Period), tag = "organizations", responses((status = 200, body = [Contribution])))]
pub async fn list_contributions(
    caller: ApiCaller,
    Path(id): Path<String>,
    crate::extract::Query(q): crate::extract::Query<Period>,
) -> ApiResult<Json<Vec<Contribution>>> {
    let (from, to) = q.or_last(caller.app().today(), CONTRIBUTION_DAYS)?;
    Ok(Json(
        organizations::contributions(caller.app(), &caller.actor, &id, from, to).await?,
    ))
}
