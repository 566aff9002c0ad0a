//! The JSON API under `/api/v1`: extract, call the use case, answer. Every handler is listed in
//! the OpenAPI document (`openapi.rs`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanshe_app::AppError;
use sanshe_app::accounts::{self, GrantTarget, UserView};
use sanshe_app::areas::{self, AreaView};
use sanshe_app::audit::{self, AuditEntryView};
use sanshe_app::imports;
use sanshe_app::organizations::{self, LinkageView, OrganizationView};
use sanshe_app::registry::{
    self, HouseholdTarget, HouseholdView, ResidentPage, ResidentSearch, ResidentView, Revealed,
};
use sanshe_core::registry::{ResidentFlags, ResidentInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub mod alerts;
pub mod campaigns;
pub mod gates;
pub mod help;
pub mod isolation;
pub mod rotas;
pub mod volunteers;

use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::extract::{Multipart, Path, Query};
use crate::i18n::{Locale, Tr};

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON body whose parse failure is a problem+json 422 on field `body`, not a text 400.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let locale = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Locale::parse)
            .unwrap_or_default();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError {
                error: AppError::field("body", "err-json"),
                locale,
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| ApiError {
                error: AppError::field("body", "err-json"),
                locale,
            })
    }
}

fn with_locale<T>(caller: &ApiCaller, r: sanshe_app::Result<T>) -> ApiResult<T> {
    r.map_err(|error| ApiError {
        error,
        locale: caller.locale,
    })
}

/// Sign-in request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInBody {
    /// User name.
    #[schema(max_length = 64)]
    pub username: String,
    /// Password.
    #[schema(max_length = 1024)]
    pub password: String,
}

/// A new API session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// Bearer token for `Authorization: Bearer …`.
    pub token: String,
    /// Expiry, RFC 3339.
    pub expires_at: String,
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = SignInBody, tag = "accounts",
    responses((status = 201, body = SessionCreated), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn create_session(
    State(state): State<AppState>,
    address: crate::throttle::ClientAddress,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SignInBody>,
) -> ApiResult<(StatusCode, Json<SessionCreated>)> {
    let locale = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::parse)
        .unwrap_or_default();
    let s = accounts::sign_in(
        &state.app,
        &body.username,
        &body.password,
        "api",
        &address.0,
    )
    .await
    .map_err(|error| ApiError { error, locale })?;
    Ok((
        StatusCode::CREATED,
        Json(SessionCreated {
            token: s.token,
            expires_at: rfc3339(s.expires_at),
        }),
    ))
}

/// Ends the caller's session.
#[utoipa::path(delete, path = "/api/v1/sessions", tag = "accounts", responses((status = 204)), security(("bearer" = [])))]
pub async fn delete_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    _caller: ApiCaller,
) -> ApiResult<StatusCode> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    accounts::sign_out(&state.app, token.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

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
#[utoipa::path(get, path = "/api/v1/areas", params(AreaFilter), tag = "areas", responses((status = 200, body = [AreaView])), security(("bearer" = [])))]
pub async fn list_areas(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(f): Query<AreaFilter>,
) -> ApiResult<Json<Vec<AreaView>>> {
    let out = match f.parent.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => {
            with_locale(
                &caller,
                areas::area_page(&state.app, &caller.actor, p).await,
            )?
            .children
        }
        None if f.kind.is_none() && f.q.is_none() => {
            with_locale(&caller, areas::scope_roots(&state.app, &caller.actor).await)?
        }
        None => with_locale(
            &caller,
            areas::search(
                &state.app,
                &caller.actor,
                f.kind.as_deref(),
                f.q.as_deref(),
                f.limit.unwrap_or(100),
            )
            .await,
        )?,
    };
    Ok(Json(out))
}

/// One area.
#[utoipa::path(get, path = "/api/v1/areas/{id}", tag = "areas", responses((status = 200, body = AreaView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_area(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AreaView>> {
    Ok(Json(
        with_locale(
            &caller,
            areas::area_page(&state.app, &caller.actor, &id).await,
        )?
        .area,
    ))
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
#[utoipa::path(post, path = "/api/v1/areas", request_body = NewArea, tag = "areas", responses((status = 201, body = AreaView), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_area(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<NewArea>,
) -> ApiResult<(StatusCode, Json<AreaView>)> {
    let a = with_locale(
        &caller,
        areas::add_area(&state.app, &caller.actor, &b.parent_id, &b.name, &b.code).await,
    )?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Organizations the caller may see.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", responses((status = 200, body = [OrganizationView])), security(("bearer" = [])))]
pub async fn list_organizations(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<OrganizationView>>> {
    Ok(Json(with_locale(
        &caller,
        organizations::list(&state.app, &caller.actor).await,
    )?))
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
    let (organization, linkages, _) = with_locale(
        &caller,
        organizations::get(&state.app, &caller.actor, &id).await,
    )?;
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
    let o = with_locale(
        &caller,
        organizations::register(
            &state.app,
            &caller.actor,
            &b.kind,
            &b.name,
            b.home_area_id.as_deref(),
            &b.contact,
        )
        .await,
    )?;
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
    let l = with_locale(
        &caller,
        organizations::link(
            &state.app,
            &caller.actor,
            &id,
            &b.community_id,
            &b.organization_provides,
            &b.community_provides,
        )
        .await,
    )?;
    Ok((StatusCode::CREATED, Json(l)))
}

/// Removes a linkage.
#[utoipa::path(delete, path = "/api/v1/linkages/{id}", tag = "organizations", responses((status = 204), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn delete_linkage(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    with_locale(
        &caller,
        organizations::unlink(&state.app, &caller.actor, &id).await,
    )?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging of households.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HouseholdFilter {
    /// Within this area.
    pub area: Option<String>,
    /// Cursor from the previous page.
    pub after: Option<String>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
}

/// A page of households.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPage {
    /// The households.
    pub items: Vec<HouseholdView>,
    /// Cursor of the next page.
    pub next: Option<String>,
}

/// Households in scope.
#[utoipa::path(get, path = "/api/v1/households", params(HouseholdFilter), tag = "registry", responses((status = 200, body = HouseholdPage)), security(("bearer" = [])))]
pub async fn list_households(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(f): Query<HouseholdFilter>,
) -> ApiResult<Json<HouseholdPage>> {
    let (items, next) = with_locale(
        &caller,
        registry::households(
            &state.app,
            &caller.actor,
            f.area.as_deref(),
            f.after.as_deref(),
            f.limit.unwrap_or(50),
        )
        .await,
    )?;
    Ok(Json(HouseholdPage { items, next }))
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
#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", responses((status = 200, body = HouseholdDetail), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_household(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<HouseholdDetail>> {
    let (household, residents) = with_locale(
        &caller,
        registry::household(&state.app, &caller.actor, &id).await,
    )?;
    Ok(Json(HouseholdDetail {
        household,
        residents,
    }))
}

/// Search parameters of the resident list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ResidentFilter {
    /// Within this area.
    pub area: Option<String>,
    /// Name prefix, whole ID number or phone.
    pub q: Option<String>,
    /// Only with this flag: living_alone, elderly_80, disabled, chronic_illness, pregnant.
    pub flag: Option<String>,
    /// `name` (default) or `birth_date`.
    pub sort: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
}

impl From<ResidentFilter> for ResidentSearch {
    fn from(f: ResidentFilter) -> Self {
        ResidentSearch {
            area: f.area,
            q: f.q,
            flag: f.flag,
            sort: f.sort,
            after: f.after,
            limit: f.limit,
        }
    }
}

/// Residents in scope, masked, a page at a time.
#[utoipa::path(get, path = "/api/v1/residents", params(ResidentFilter), tag = "registry", responses((status = 200, body = ResidentPage), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_residents(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(f): Query<ResidentFilter>,
) -> ApiResult<Json<ResidentPage>> {
    Ok(Json(with_locale(
        &caller,
        registry::search(&state.app, &caller.actor, &f.into()).await,
    )?))
}

/// A resident to register or the new values of one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResidentBody {
    /// Where the resident lives (used when registering; ignored by updates).
    #[serde(flatten)]
    pub household: HouseholdRef,
    /// 姓名
    #[serde(default)]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// male / female (or 男/女); may be omitted when the ID number gives it.
    #[serde(default)]
    pub sex: String,
    /// YYYY-MM-DD; may be omitted when the ID number gives it.
    #[serde(default)]
    #[schema(format = Date)]
    pub birth_date: String,
    /// mainland_id (default), residence_permit, exit_entry_permit, passport, foreign_permanent_residence, other.
    #[serde(default)]
    pub document_kind: String,
    /// The document number.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub document_number: String,
    /// Mobile or landline.
    #[serde(default)]
    #[schema(max_length = 20)]
    pub phone: String,
    /// Flags.
    #[serde(default)]
    pub flags: ResidentFlags,
}

impl ResidentBody {
    fn input(&self) -> ResidentInput {
        ResidentInput {
            name: self.name.clone(),
            sex: self.sex.clone(),
            birth_date: self.birth_date.clone(),
            document_kind: self.document_kind.clone(),
            document_number: self.document_number.clone(),
            phone: self.phone.clone(),
            flags: self.flags,
        }
    }
}

/// Registers a resident.
#[utoipa::path(post, path = "/api/v1/residents", request_body = ResidentBody, tag = "registry", responses((status = 201, body = ResidentView), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_resident(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<ResidentBody>,
) -> ApiResult<(StatusCode, Json<ResidentView>)> {
    let target = with_locale(&caller, b.household.target())?;
    let r = with_locale(
        &caller,
        registry::add_resident(&state.app, &caller.actor, &target, &b.input()).await,
    )?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// One resident, masked.
#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "registry", responses((status = 200, body = ResidentView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_resident(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(with_locale(
        &caller,
        registry::get(&state.app, &caller.actor, &id).await,
    )?))
}

/// Replaces a resident's fields (masked numbers sent back unchanged keep the stored ones).
#[utoipa::path(put, path = "/api/v1/residents/{id}", request_body = ResidentBody, tag = "registry", responses((status = 200, body = ResidentView), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn update_resident(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<ResidentBody>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(with_locale(
        &caller,
        registry::update_resident(&state.app, &caller.actor, &id, &b.input()).await,
    )?))
}

/// Why full numbers are needed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealBody {
    /// The reason, written to the audit log.
    #[schema(min_length = 2, max_length = 100)]
    pub reason: String,
}

/// Reveals a resident's full document number and phone (audited).
#[utoipa::path(post, path = "/api/v1/residents/{id}/reveal", request_body = RevealBody, tag = "registry", responses((status = 200, body = Revealed), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn reveal_resident(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<RevealBody>,
) -> ApiResult<Json<Revealed>> {
    Ok(Json(with_locale(
        &caller,
        registry::reveal(&state.app, &caller.actor, &id, &b.reason).await,
    )?))
}

/// Where a resident lives: an existing household, or an area and an address in it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HouseholdRef {
    /// An existing household (or give `area_id` and the address).
    #[serde(default)]
    pub household_id: Option<String>,
    /// Area of a new household (community, compound or building).
    #[serde(default)]
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
#[utoipa::path(post, path = "/api/v1/residents/{id}/move", request_body = HouseholdRef, tag = "registry", responses((status = 200, body = ResidentView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn move_resident(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<HouseholdRef>,
) -> ApiResult<Json<ResidentView>> {
    let target = with_locale(&caller, b.target())?;
    Ok(Json(with_locale(
        &caller,
        registry::move_resident(&state.app, &caller.actor, &id, &target).await,
    )?))
}

/// Which record to merge into this one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeBody {
    /// Id of the duplicate record, which is deleted.
    pub remove: String,
}

/// Merges a duplicate record into this one.
#[utoipa::path(post, path = "/api/v1/residents/{id}/merge", request_body = MergeBody, tag = "registry", responses((status = 200, body = ResidentView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn merge_residents(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<MergeBody>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(with_locale(
        &caller,
        registry::merge(&state.app, &caller.actor, &id, &b.remove).await,
    )?))
}

/// An .xlsx answer with a download name.
pub fn xlsx(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Export parameters: the list filters plus, for full numbers, a reason.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportFilter {
    /// Within this area.
    pub area: Option<String>,
    /// Name prefix, ID number or phone.
    pub q: Option<String>,
    /// Only with this flag.
    pub flag: Option<String>,
    /// With full numbers, for this reason (needs the unmasked-export permission; audited).
    pub unmasked_reason: Option<String>,
}

/// Exports residents in scope to .xlsx (masked unless a reason for full numbers is given).
#[utoipa::path(get, path = "/api/v1/residents/export.xlsx", params(ExportFilter), tag = "registry", responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), security(("bearer" = [])))]
pub async fn export_residents(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(f): Query<ExportFilter>,
) -> ApiResult<Response> {
    let search = ResidentSearch {
        area: f.area,
        q: f.q,
        flag: f.flag,
        ..Default::default()
    };
    let reason = f.unmasked_reason.filter(|r| !r.is_empty());
    with_locale(
        &caller,
        crate::exports::residents_now(
            &state.exports,
            &state.app,
            &caller.actor,
            &search,
            reason.as_deref(),
        )
        .await,
    )
}

/// A rejected import row, with the reason in the caller's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRowBody {
    /// Row number as the spreadsheet shows it.
    pub row: usize,
    /// Header of the column.
    pub column: String,
    /// Why.
    pub reason: String,
    /// Stable message id of the reason.
    pub code: String,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// New residents saved.
    pub accepted: usize,
    /// Rows already registered at the same address.
    pub unchanged: usize,
    /// Rows refused.
    pub rejected: Vec<RejectedRowBody>,
}

/// Rejected rows with their reasons in the caller's language.
fn rejected_rows(rows: Vec<imports::RejectedRow>, tr: Tr) -> Vec<RejectedRowBody> {
    rows.into_iter()
        .map(|r| RejectedRowBody {
            row: r.row,
            column: r.column,
            reason: tr.t(r.reason),
            code: r.reason.to_string(),
        })
        .collect()
}

/// Turns an import report into the API's shape.
pub fn import_result(report: imports::ImportReport, tr: Tr) -> ImportResult {
    ImportResult {
        accepted: report.accepted,
        unchanged: report.unchanged,
        rejected: rejected_rows(report.rejected, tr),
    }
}

/// Where residents are imported to.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportTarget {
    /// Community, compound or building (may instead be the form field `community`, sent before
    /// the file).
    pub community: Option<String>,
}

/// Imports residents from an .xlsx or .csv (multipart field `file`; the community as a query
/// parameter or a field). The caller's permission and an upload slot are checked before the
/// file is read, and the whole sheet against the limits before anything is saved.
#[utoipa::path(post, path = "/api/v1/imports/residents", tag = "registry", params(ImportTarget),
    request_body(content_type = "multipart/form-data", content = crate::extract::UploadForm),
    responses((status = 200, body = ImportResult), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn import_residents(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(target): Query<ImportTarget>,
    headers: HeaderMap,
    Multipart(form): Multipart,
) -> ApiResult<Json<ImportResult>> {
    with_locale(&caller, imports::may_import_residents(&caller.actor))?;
    let (upload, _slot) = with_locale(
        &caller,
        crate::uploads::receive(&state.app, &headers, form).await,
    )?;
    let community = target
        .community
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| upload.field("community").to_string());
    if community.trim().is_empty() {
        return Err(ApiError {
            error: AppError::field("community", "err-required"),
            locale: caller.locale,
        });
    }
    let report = with_locale(
        &caller,
        imports::import_residents(
            &state.app,
            &caller.actor,
            community.trim(),
            upload.file,
            &|_, _| {},
        )
        .await,
    )?;
    Ok(Json(import_result(report, Tr::new(caller.locale))))
}

/// The import template.
#[utoipa::path(get, path = "/api/v1/imports/residents/template.xlsx", tag = "registry", responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub async fn import_template() -> ApiResult<Response> {
    Ok(xlsx(imports::template()?, "residents-template.xlsx"))
}

/// Users the caller may manage.
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", responses((status = 200, body = [UserView])), security(("bearer" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(with_locale(
        &caller,
        accounts::list_users(&state.app, &caller.actor).await,
    )?))
}

/// A new user and their first grant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUser {
    /// Sign-in name.
    #[schema(min_length = 3, max_length = 40)]
    pub username: String,
    /// Name shown.
    #[schema(min_length = 1, max_length = 50)]
    pub display_name: String,
    /// Password (at least 10 characters).
    #[schema(min_length = 10, max_length = 1024)]
    pub password: String,
    /// coordinator, community_worker, org_admin, volunteer.
    #[schema(pattern = "^(coordinator|community_worker|org_admin|volunteer)$")]
    pub role: String,
    /// Area of an area role.
    #[serde(default)]
    pub area_id: Option<String>,
    /// Organization of an organization role.
    #[serde(default)]
    pub organization_id: Option<String>,
}

fn grant_target(area: Option<String>, org: Option<String>) -> sanshe_app::Result<GrantTarget> {
    match (
        area.filter(|a| !a.is_empty()),
        org.filter(|o| !o.is_empty()),
    ) {
        (Some(a), _) => Ok(GrantTarget::Area(a)),
        (None, Some(o)) => Ok(GrantTarget::Organization(o)),
        _ => Err(AppError::field("area_id", "err-required")),
    }
}

/// Creates a user.
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUser, tag = "accounts", responses((status = 201, body = UserView), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let target = with_locale(&caller, grant_target(b.area_id, b.organization_id))?;
    let u = with_locale(
        &caller,
        accounts::create_user(
            &state.app,
            &caller.actor,
            &b.username,
            &b.display_name,
            &b.password,
            &b.role,
            target,
        )
        .await,
    )?;
    Ok((StatusCode::CREATED, Json(u)))
}

/// A new grant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrant {
    /// Role.
    pub role: String,
    /// Area of an area role.
    #[serde(default)]
    pub area_id: Option<String>,
    /// Organization of an organization role.
    #[serde(default)]
    pub organization_id: Option<String>,
}

/// Grants a user another role.
#[utoipa::path(post, path = "/api/v1/users/{id}/grants", request_body = NewGrant, tag = "accounts", responses((status = 201, body = UserView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_grant(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewGrant>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let target = with_locale(&caller, grant_target(b.area_id, b.organization_id))?;
    let u = with_locale(
        &caller,
        accounts::grant_role(&state.app, &caller.actor, &id, &b.role, target).await,
    )?;
    Ok((StatusCode::CREATED, Json(u)))
}

/// Paging of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditFilter {
    /// Only this action (e.g. `resident.revealed`).
    pub action: Option<String>,
    /// Entries older than this entry id.
    pub before: Option<String>,
    /// Page size (1–500, default 100).
    pub limit: Option<i64>,
}

/// The audit log within the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditFilter), tag = "accounts", responses((status = 200, body = [AuditEntryView]), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_audit(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    Ok(Json(with_locale(
        &caller,
        audit::list(
            &state.app,
            &caller.actor,
            f.action.as_deref(),
            f.before.as_deref(),
            f.limit.unwrap_or(100),
        )
        .await,
    )?))
}

/// Which divisions to list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DivisionFilter {
    /// A division code (6 or 9 digits); its children are listed. Omitted: Tianjin's districts.
    pub parent: Option<String>,
}

/// Official division codes below a code (NBS 2023), for picking areas instead of typing them.
#[utoipa::path(get, path = "/api/v1/divisions", params(DivisionFilter), tag = "areas", responses((status = 200, body = [sanshe_app::divisions::Division])))]
pub async fn list_divisions(
    Query(f): Query<DivisionFilter>,
) -> Json<Vec<sanshe_app::divisions::Division>> {
    Json(sanshe_app::divisions::children(
        f.parent.as_deref().unwrap_or("120000").trim(),
    ))
}

/// What a user onboarding did: created accounts with one-time passwords, and refused rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserImportResult {
    /// Accounts created, each with its initial password (shown only here).
    pub created: Vec<imports::OnboardedUser>,
    /// Rows refused.
    pub rejected: Vec<RejectedRowBody>,
}

/// Turns a user onboarding report into the API's shape.
pub fn user_import_result(report: imports::UserImportReport, tr: Tr) -> UserImportResult {
    UserImportResult {
        created: report.created,
        rejected: rejected_rows(report.rejected, tr),
    }
}

/// Creates users in bulk from an .xlsx or .csv (columns 用户名, 姓名, 角色, 区域 or 组织).
#[utoipa::path(post, path = "/api/v1/imports/users", tag = "accounts", request_body(content_type = "multipart/form-data", content = crate::extract::UploadForm),
    responses((status = 200, body = UserImportResult), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn import_users(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    Multipart(form): Multipart,
) -> ApiResult<Json<UserImportResult>> {
    with_locale(&caller, imports::may_import_users(&caller.actor))?;
    let (upload, _slot) = with_locale(
        &caller,
        crate::uploads::receive(&state.app, &headers, form).await,
    )?;
    let report = with_locale(
        &caller,
        imports::import_users(&state.app, &caller.actor, upload.file).await,
    )?;
    Ok(Json(user_import_result(report, Tr::new(caller.locale))))
}

/// Takes a role grant away from a user.
#[utoipa::path(delete, path = "/api/v1/users/{id}/grants/{grant_id}", tag = "accounts", responses((status = 200, body = UserView), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn delete_grant(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, grant_id)): Path<(String, String)>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(with_locale(
        &caller,
        accounts::revoke_grant(&state.app, &caller.actor, &id, &grant_id).await,
    )?))
}

/// What to export in the background.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExportRequest {
    /// Within this area.
    #[serde(default)]
    pub area: Option<String>,
    /// Name prefix, ID number or phone.
    #[serde(default)]
    pub q: Option<String>,
    /// Only with this flag.
    #[serde(default)]
    pub flag: Option<String>,
}

/// A background export's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportStatus {
    /// Job id.
    pub id: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// Rows written.
    pub done: usize,
    /// Rows in all (0 until counted).
    pub total: usize,
}

fn export_status(id: &str, job: &crate::exports::ExportJob) -> ExportStatus {
    use std::sync::atomic::Ordering;
    let status = match job.state.lock().ok().as_deref() {
        Some(crate::exports::JobState::Done) => "done",
        Some(crate::exports::JobState::Failed(_)) => "failed",
        _ => "running",
    };
    ExportStatus {
        id: id.to_string(),
        status: status.into(),
        done: job.done.load(Ordering::Relaxed),
        total: job.total.load(Ordering::Relaxed),
    }
}

/// Starts a resident export in the background (for lists too large to wait for); poll its status.
#[utoipa::path(post, path = "/api/v1/exports/residents", request_body = ExportRequest, tag = "registry", responses((status = 202, body = ExportStatus), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn start_export(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(b): JsonBody<ExportRequest>,
) -> ApiResult<(StatusCode, Json<ExportStatus>)> {
    let search = ResidentSearch {
        area: b.area,
        q: b.q,
        flag: b.flag,
        ..Default::default()
    };
    with_locale(
        &caller,
        registry::build_query(
            &state.app,
            &caller.actor,
            &search,
            sanshe_core::accounts::Action::ViewRegistry,
        )
        .await,
    )?;
    let id = with_locale(
        &caller,
        state
            .exports
            .start_residents(state.app.clone(), caller.actor.clone(), search),
    )?;
    let user = caller.actor.user_id.clone().unwrap_or_default();
    let job = state.exports.get(&id, &user).ok_or(ApiError {
        error: AppError::NotFound,
        locale: caller.locale,
    })?;
    Ok((StatusCode::ACCEPTED, Json(export_status(&id, &job))))
}

/// The state of a background export.
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "registry", responses((status = 200, body = ExportStatus), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_export(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<ExportStatus>> {
    let user = caller.actor.user_id.clone().unwrap_or_default();
    let job = state.exports.get(&id, &user).ok_or(ApiError {
        error: AppError::NotFound,
        locale: caller.locale,
    })?;
    Ok(Json(export_status(&id, &job)))
}

/// The file of a finished background export.
#[utoipa::path(get, path = "/api/v1/exports/{id}/file", tag = "registry", responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_export_file(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let user = caller.actor.user_id.clone().unwrap_or_default();
    let job = state
        .exports
        .get(&id, &user)
        .filter(|j| {
            matches!(
                j.state.lock().ok().as_deref(),
                Some(crate::exports::JobState::Done)
            )
        })
        .ok_or(ApiError {
            error: AppError::NotFound,
            locale: caller.locale,
        })?;
    let path = job.file.clone();
    with_locale(
        &caller,
        crate::exports::xlsx_file(&path, "residents.xlsx", job).await,
    )
}

/// Changes an organization's kind, name and contact.
#[utoipa::path(put, path = "/api/v1/organizations/{id}", request_body = NewOrganization, tag = "organizations", responses((status = 200, body = OrganizationView), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn update_organization(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewOrganization>,
) -> ApiResult<Json<OrganizationView>> {
    Ok(Json(with_locale(
        &caller,
        organizations::update(&state.app, &caller.actor, &id, &b.kind, &b.name, &b.contact).await,
    )?))
}
