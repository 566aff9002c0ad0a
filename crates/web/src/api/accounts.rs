//! Sessions, users, their grants and the import of many users.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use sanshe_app::AppError;
use sanshe_app::accounts::{self, GrantTarget, UserFilter, UserView, UsersPage};
use sanshe_app::cursor::Page;
use sanshe_app::imports;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::imports::{RejectedRowBody, rejected_rows};
use super::{ApiResult, Created, JsonBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::RequestLocale;
use crate::extract::{Multipart, Path, Query};
use crate::i18n::Tr;

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
    /// The password was set by someone else: until `POST /api/v1/account/password` sets the
    /// account's own, every other call answers 403 `error-password-change-first`.
    pub must_change_password: bool,
}

pub(super) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = SignInBody, tag = "accounts",
    responses((status = 201, body = SessionCreated)), security(()))]
pub async fn create_session(
    State(state): State<AppState>,
    address: crate::throttle::ClientAddress,
    JsonBody(body): JsonBody<SignInBody>,
) -> ApiResult<Created<SessionCreated>> {
    let s = accounts::sign_in(
        &state.app,
        &body.username,
        &body.password,
        sanshe_core::accounts::SessionKind::Api,
        &address.0,
    )
    .await?;
    Ok(Created(SessionCreated {
        token: s.token,
        expires_at: rfc3339(s.expires_at),
        must_change_password: s.must_change_password,
    }))
}

/// Ends the caller's session.
#[utoipa::path(delete, path = "/api/v1/sessions", tag = "accounts", responses((status = 204)))]
pub async fn delete_session(headers: HeaderMap, caller: ApiCaller) -> ApiResult<StatusCode> {
    accounts::sign_out(caller.app(), bearer(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Users the caller may manage, by user name, a page at a time.
#[utoipa::path(get, path = "/api/v1/users", params(UserFilter), tag = "accounts",
    responses((status = 200, body = Page<UserView>)))]
pub async fn list_users(
    caller: ApiCaller,
    Query(f): Query<UserFilter>,
) -> ApiResult<Json<UsersPage>> {
    Ok(Json(
        accounts::list_users(caller.app(), &caller.actor, &f).await?,
    ))
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
    pub area_id: Option<String>,
    /// Organization of an organization role.
    pub organization_id: Option<String>,
}

pub(super) fn grant_target(
    area: Option<String>,
    org: Option<String>,
) -> sanshe_app::Result<GrantTarget> {
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
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUser, tag = "accounts", responses((status = 201, body = UserView)))]
pub async fn create_user(
    caller: ApiCaller,
    JsonBody(b): JsonBody<NewUser>,
) -> ApiResult<Created<UserView>> {
    let target = grant_target(b.area_id, b.organization_id)?;
    let user = accounts::create_user(
        caller.app(),
        &caller.actor,
        &b.username,
        &b.display_name,
        &b.password,
        &b.role,
        target,
    )
    .await?;
    Ok(Created(user))
}

/// A new grant.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGrant {
    /// Role.
    pub role: String,
    /// Area of an area role.
    pub area_id: Option<String>,
    /// Organization of an organization role.
    pub organization_id: Option<String>,
}

/// Grants a user another role.
#[utoipa::path(post, path = "/api/v1/users/{id}/grants", request_body = NewGrant, tag = "accounts", responses((status = 201, body = UserView)))]
pub async fn create_grant(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<NewGrant>,
) -> ApiResult<Created<UserView>> {
    let target = grant_target(b.area_id, b.organization_id)?;
    let user = accounts::grant_role(caller.app(), &caller.actor, &id, &b.role, target).await?;
    Ok(Created(user))
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
    responses((status = 200, body = UserImportResult)))]
pub async fn import_users(
    caller: ApiCaller,
    RequestLocale(locale): RequestLocale,
    headers: HeaderMap,
    Multipart(form): Multipart,
) -> ApiResult<Json<UserImportResult>> {
    imports::may_import_users(&caller.actor)?;
    let (upload, _slot) = crate::uploads::receive(caller.app(), &headers, form).await?;
    let report = imports::import_users(caller.app(), &caller.actor, upload.file).await?;
    Ok(Json(user_import_result(report, Tr::new(locale))))
}

/// Takes a role grant away from a user.
#[utoipa::path(delete, path = "/api/v1/users/{id}/grants/{grant_id}", tag = "accounts", responses((status = 200, body = UserView)))]
pub async fn delete_grant(
    caller: ApiCaller,
    Path((id, grant_id)): Path<(String, String)>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        accounts::revoke_grant(caller.app(), &caller.actor, &id, &grant_id).await?,
    ))
}

/// A new password for the caller.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// The password now.
    #[schema(max_length = 1024)]
    pub current_password: String,
    /// The new one (at least 10 characters).
    #[schema(min_length = 10, max_length = 1024)]
    pub new_password: String,
}

/// Changes the caller's password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/account/password", request_body = PasswordChange, tag = "accounts",
    responses((status = 204)))]
pub async fn change_password(
    headers: HeaderMap,
    caller: ApiCaller,
    JsonBody(b): JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    let token = bearer(&headers);
    accounts::change_password(
        caller.app(),
        &caller.actor,
        Some(token),
        &b.current_password,
        &b.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs the caller out on every device, this one included.
#[utoipa::path(delete, path = "/api/v1/account/sessions", tag = "accounts", responses((status = 204)))]
pub async fn sign_out_everywhere(caller: ApiCaller) -> ApiResult<StatusCode> {
    accounts::sign_out_everywhere(caller.app(), &caller.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A one-time password, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct OneTimePassword {
    /// Give it to the user; they change it after signing in.
    pub password: String,
}

/// Resets a user's password (an administrator over every place they work); their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "accounts",
    responses((status = 200, body = OneTimePassword)))]
pub async fn reset_password(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<OneTimePassword>> {
    let reset = accounts::reset_password(caller.app(), &caller.actor, &id).await?;
    Ok(Json(OneTimePassword {
        password: reset.password,
    }))
}

/// Whether a user may sign in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserActive {
    /// `false` deactivates (their sessions end), `true` reactivates.
    pub active: bool,
}

/// Deactivates or reactivates a user (an administrator over every place they work).
#[utoipa::path(put, path = "/api/v1/users/{id}/active", request_body = UserActive, tag = "accounts",
    responses((status = 200, body = UserView)))]
pub async fn set_user_active(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<UserActive>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(
        accounts::set_user_active(caller.app(), &caller.actor, &id, b.active).await?,
    ))
}

/// The bearer token of a request ("" when there is none).
fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim()
}
