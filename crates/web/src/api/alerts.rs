//! API of the alert centre and the chat-group webhooks.

use axum::Json;

use crate::extract::{Path, Query};
use sanshe_app::alerts::{self, AlertFilter, AlertView, AlertsPage};
use sanshe_app::cursor::Page;
use sanshe_app::notify::{self, WebhookInput, WebhookView};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;

/// Alerts in the caller's scope, latest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/alerts", params(AlertFilter), tag = "alerts",
    responses((status = 200, body = Page<AlertView>)))]
pub async fn list_alerts(
    caller: ApiCaller,
    Query(f): Query<AlertFilter>,
) -> ApiResult<Json<AlertsPage>> {
    Ok(Json(alerts::list(caller.app(), &caller.actor, &f).await?))
}

/// One alert.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts",
    responses((status = 200, body = AlertView)))]
pub async fn get_alert(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<AlertView>> {
    Ok(Json(alerts::get(caller.app(), &caller.actor, &id).await?))
}

/// Takes an open alert.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "alerts",
    responses((status = 200, body = AlertView)))]
pub async fn acknowledge_alert(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(
        alerts::acknowledge(caller.app(), &caller.actor, &id).await?,
    ))
}

/// How an alert was dealt with.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResolveBody {
    /// What was done (required).
    pub note: String,
}

/// Resolves an alert with a note.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", request_body = ResolveBody, tag = "alerts",
    responses((status = 200, body = AlertView)))]
pub async fn resolve_alert(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<ResolveBody>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(
        alerts::resolve(caller.app(), &caller.actor, &id, &body.note).await?,
    ))
}

/// Webhooks the caller manages, with delivery counts.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "alerts", responses((status = 200, body = [WebhookView])))]
pub async fn list_webhooks(caller: ApiCaller) -> ApiResult<Json<Vec<WebhookView>>> {
    Ok(Json(
        notify::list_webhooks(caller.app(), &caller.actor).await?,
    ))
}

/// Adds a chat-group webhook for an area's alerts (coordinators).
#[utoipa::path(post, path = "/api/v1/webhooks", request_body = WebhookInput, tag = "alerts",
    responses((status = 201, body = WebhookView)))]
pub async fn create_webhook(
    caller: ApiCaller,
    JsonBody(body): JsonBody<WebhookInput>,
) -> ApiResult<Created<WebhookView>> {
    let webhook = notify::add_webhook(caller.app(), &caller.actor, &body).await?;
    Ok(Created(webhook))
}

/// Turning a webhook on or off.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookState {
    /// Whether alerts go to it.
    pub active: bool,
}

/// Turns a webhook on or off.
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", request_body = WebhookState, tag = "alerts",
    responses((status = 200, body = WebhookView)))]
pub async fn update_webhook(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<WebhookState>,
) -> ApiResult<Json<WebhookView>> {
    Ok(Json(
        notify::set_active(caller.app(), &caller.actor, &id, body.active).await?,
    ))
}
