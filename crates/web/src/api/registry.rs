//! Households and residents: search, records, reveal, move and merge.

use axum::Json;
use sanshe_app::AppError;
use sanshe_app::cursor::Page;
use sanshe_app::registry::{
    self, HouseholdFilter, HouseholdTarget, HouseholdView, HouseholdsPage, ResidentPage,
    ResidentSearch, ResidentView, Revealed,
};
use sanshe_core::registry::ResidentInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::{Path, Query};

/// Households in scope, a page at a time with the total.
#[utoipa::path(get, path = "/api/v1/households", params(HouseholdFilter), tag = "registry",
    responses((status = 200, body = Page<HouseholdView>)))]
pub async fn list_households(
    caller: ApiCaller,
    Query(f): Query<HouseholdFilter>,
) -> ApiResult<Json<HouseholdsPage>> {
    Ok(Json(
        registry::households(caller.app(), &caller.actor, &f).await?,
    ))
}

/// A household with its residents.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdDetail {
    /// The household.
    #[serde(flatten)]
    pub household: HouseholdView,
    /// Its residents (numbers masked).
    pub residents: Vec<ResidentView>,
}

/// One household.
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", responses((status = 200, body = HouseholdDetail)))]
pub async fn get_household(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<HouseholdDetail>> {
    let (household, residents) = registry::household(caller.app(), &caller.actor, &id).await?;
    Ok(Json(HouseholdDetail {
        household,
        residents,
    }))
}

/// Residents in scope, masked, a page at a time.
#[utoipa::path(get, path = "/api/v1/residents", params(ResidentSearch), tag = "registry", responses((status = 200, body = Page<ResidentView>)))]
pub async fn list_residents(
    caller: ApiCaller,
    Query(search): Query<ResidentSearch>,
) -> ApiResult<Json<ResidentPage>> {
    Ok(Json(
        registry::search(caller.app(), &caller.actor, &search).await?,
    ))
}

/// A resident to register or the new values of one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResidentBody {
    /// Where the resident lives (used when registering; ignored by updates).
    #[serde(flatten)]
    pub household: HouseholdRef,
    /// The resident.
    #[serde(flatten)]
    pub resident: ResidentInput,
}

/// Registers a resident.
#[utoipa::path(post, path = "/api/v1/residents", request_body = ResidentBody, tag = "registry", responses((status = 201, body = ResidentView)))]
pub async fn create_resident(
    caller: ApiCaller,
    JsonBody(b): JsonBody<ResidentBody>,
) -> ApiResult<Created<ResidentView>> {
    let target = b.household.target()?;
    let resident =
        registry::add_resident(caller.app(), &caller.actor, &target, &b.resident).await?;
    Ok(Created(resident))
}

/// One resident, masked.
#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "registry", responses((status = 200, body = ResidentView)))]
pub async fn get_resident(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(registry::get(caller.app(), &caller.actor, &id).await?))
}

/// Replaces a resident's fields (masked numbers sent back unchanged keep the stored ones).
#[utoipa::path(put, path = "/api/v1/residents/{id}", request_body = ResidentBody, tag = "registry", responses((status = 200, body = ResidentView)))]
pub async fn update_resident(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ResidentBody>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(
        registry::update_resident(caller.app(), &caller.actor, &id, &b.resident).await?,
    ))
}

/// Why full numbers are needed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealBody {
    /// The reason, written to the audit log.
    #[schema(min_length = 2, max_length = 100)]
    pub reason: String,
}

/// Reveals a resident's full document number and phone (audited).
#[utoipa::path(post, path = "/api/v1/residents/{id}/reveal", request_body = RevealBody, tag = "registry", responses((status = 200, body = Revealed)))]
pub async fn reveal_resident(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<RevealBody>,
) -> ApiResult<Json<Revealed>> {
    Ok(Json(
        registry::reveal(caller.app(), &caller.actor, &id, &b.reason).await?,
    ))
}

/// Where a resident lives: an existing household, or an area and an address in it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdRef {
    /// An existing household (or give `area_id` and the address).
    pub household_id: Option<String>,
    /// Area of a new household (community, compound or building).
    pub area_id: Option<String>,
    /// 楼栋
    #[serde(default)]
    #[schema(max_length = 20)]
    pub building: String,
    /// 单元
    #[serde(default)]
    #[schema(max_length = 20)]
    pub unit: String,
    /// 房号
    #[serde(default)]
    #[schema(max_length = 20)]
    pub room: String,
}

impl HouseholdRef {
    fn target(&self) -> sanshe_app::Result<HouseholdTarget> {
        match (&self.household_id, &self.area_id) {
            (Some(h), _) if !h.is_empty() => Ok(HouseholdTarget::Existing {
                household_id: h.clone(),
            }),
            (_, Some(a)) if !a.is_empty() => Ok(HouseholdTarget::Address {
                area_id: a.clone(),
                building: self.building.clone(),
                unit: self.unit.clone(),
                room: self.room.clone(),
            }),
            _ => Err(AppError::field("household_id", "err-required")),
        }
    }
}

/// Moves a resident to another household.
#[utoipa::path(post, path = "/api/v1/residents/{id}/move", request_body = HouseholdRef, tag = "registry", responses((status = 200, body = ResidentView)))]
pub async fn move_resident(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<HouseholdRef>,
) -> ApiResult<Json<ResidentView>> {
    let target = b.target()?;
    Ok(Json(
        registry::move_resident(caller.app(), &caller.actor, &id, &target).await?,
    ))
}

/// Which record to merge into this one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeBody {
    /// Id of the duplicate record, which is deleted.
    pub remove: String,
}

/// Merges a duplicate record into this one.
#[utoipa::path(post, path = "/api/v1/residents/{id}/merge", request_body = MergeBody, tag = "registry", responses((status = 200, body = ResidentView)))]
pub async fn merge_residents(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<MergeBody>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(
        registry::merge(caller.app(), &caller.actor, &id, &b.remove).await?,
    ))
}
