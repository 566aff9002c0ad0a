//! The area tree and the national division codes.

use axum::Json;
use sanshe_app::areas::{self, AreaView};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::{Path, Query};

/// Filters of the area list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AreaFilter {
    /// Children of this area (otherwise: areas in scope matching `kind` and `q`).
    pub parent: Option<String>,
    /// Level: city, district, street, community, compound, building.
    pub kind: Option<String>,
    /// Name prefix.
    pub q: Option<String>,
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

/// Areas in the caller's scope.
#[utoipa::path(get, path = "/api/v1/areas", params(AreaFilter), tag = "areas", responses((status = 200, body = [AreaView])))]
pub async fn list_areas(
    caller: ApiCaller,
    Query(f): Query<AreaFilter>,
) -> ApiResult<Json<Vec<AreaView>>> {
    let out = match f.parent.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => {
            areas::area_page(caller.app(), &caller.actor, p)
                .await?
                .children
        }
        None if f.kind.is_none() && f.q.is_none() => {
            areas::scope_roots(caller.app(), &caller.actor).await?
        }
        None => {
            areas::search(
                caller.app(),
                &caller.actor,
                f.kind.as_deref(),
                f.q.as_deref(),
                f.limit.unwrap_or(100),
            )
            .await?
        }
    };
    Ok(Json(out))
}

/// One area.
#[utoipa::path(get, path = "/api/v1/areas/{id}", tag = "areas", responses((status = 200, body = AreaView)))]
pub async fn get_area(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<AreaView>> {
    Ok(Json(
        areas::area_page(caller.app(), &caller.actor, &id)
            .await?
            .area,
    ))
}

/// Sets the phone people call about an area (printed on the isolation notice).
#[utoipa::path(put, path = "/api/v1/areas/{id}/contact", tag = "areas", request_body = areas::AreaContact,
    responses((status = 200, body = areas::AreaContact)))]
pub async fn set_area_contact(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<areas::AreaContact>,
) -> ApiResult<Json<areas::AreaContact>> {
    let phone = areas::set_contact(caller.app(), &caller.actor, &id, &body).await?;
    Ok(Json(areas::AreaContact { phone }))
}

/// A new area.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewArea {
    /// Parent area; the new area is one level below it.
    #[schema(max_length = 64)]
    pub parent_id: String,
    /// Name.
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// Division code (optional).
    #[serde(default)]
    #[schema(pattern = "^([0-9]{6}|[0-9]{9}|[0-9]{12})?$")]
    pub code: String,
}

/// Adds an area.
#[utoipa::path(post, path = "/api/v1/areas", request_body = NewArea, tag = "areas", responses((status = 201, body = AreaView)))]
pub async fn create_area(
    caller: ApiCaller,
    JsonBody(b): JsonBody<NewArea>,
) -> ApiResult<Created<AreaView>> {
    let area = areas::add_area(caller.app(), &caller.actor, &b.parent_id, &b.name, &b.code).await?;
    Ok(Created(area))
}

/// Which divisions to list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DivisionFilter {
    /// A division code (6 or 9 digits); its children are listed. Omitted: Tianjin's districts.
    pub parent: Option<String>,
}

/// Official division codes below a code (NBS 2023), for picking areas instead of typing them.
#[utoipa::path(get, path = "/api/v1/divisions", params(DivisionFilter), tag = "areas", responses((status = 200, body = [sanshe_app::divisions::Division])), security(()))]
pub async fn list_divisions(
    Query(f): Query<DivisionFilter>,
) -> Json<Vec<sanshe_app::divisions::Division>> {
    Json(sanshe_app::divisions::children(
        f.parent.as_deref().unwrap_or("120000").trim(),
    ))
}
