//! API of notices (动员).

use axum::Json;
use axum::http::StatusCode;
use sanshe_app::cursor::{Page, Paging};
use sanshe_app::notices::{self, NoticeFilter, NoticeInput, NoticeView, NoticesPage, UnreadView};

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::{Path, Query};

/// The notices sent to the caller, newest first and a page at a time, with whether they read
/// each.
#[utoipa::path(get, path = "/api/v1/notices", params(NoticeFilter), tag = "notices",
    responses((status = 200, body = Page<NoticeView>)))]
pub async fn list_notices(
    caller: ApiCaller,
    Query(f): Query<NoticeFilter>,
) -> ApiResult<Json<NoticesPage>> {
    Ok(Json(notices::mine(caller.app(), &caller.actor, &f).await?))
}

/// Sends a notice as an organization the caller runs, or over an area they speak for; only
/// those deployed in one community or with one skill, if given.
#[utoipa::path(post, path = "/api/v1/notices", request_body = NoticeInput, tag = "notices",
    responses((status = 201, body = NoticeView)))]
pub async fn send_notice(
    caller: ApiCaller,
    JsonBody(body): JsonBody<NoticeInput>,
) -> ApiResult<Created<NoticeView>> {
    let notice = notices::send(caller.app(), &caller.actor, &body).await?;
    Ok(Created(notice))
}

/// The notices the caller's organizations and areas sent, newest first and a page at a time,
/// with how many they reach and how many read them.
#[utoipa::path(get, path = "/api/v1/notices/sent", params(NoticeFilter), tag = "notices",
    responses((status = 200, body = Page<NoticeView>)))]
pub async fn sent_notices(
    caller: ApiCaller,
    Query(f): Query<NoticeFilter>,
) -> ApiResult<Json<NoticesPage>> {
    Ok(Json(notices::sent(caller.app(), &caller.actor, &f).await?))
}

/// The caller marks a notice sent to them as read.
#[utoipa::path(post, path = "/api/v1/notices/{id}/read", tag = "notices",
    responses((status = 204)))]
pub async fn read_notice(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    notices::mark_read(caller.app(), &caller.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Those a notice the caller's organizations or areas sent is for who have not read it, by user
/// name and a page at a time; the total is how many have not.
#[utoipa::path(get, path = "/api/v1/notices/{id}/unread", params(Paging), tag = "notices",
    responses((status = 200, body = Page<UnreadView>)))]
pub async fn unread_notice(
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(f): Query<Paging>,
) -> ApiResult<Json<Page<UnreadView>>> {
    let (_, page) = notices::unread(caller.app(), &caller.actor, &id, &f).await?;
    Ok(Json(page))
}
