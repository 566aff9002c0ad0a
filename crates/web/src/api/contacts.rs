//! API of arrivals from elsewhere and close contacts (M5).

use axum::Json;
use sanshe_app::contacts::{self, ArrivalInput, ContactInput, Registered, TraceView};
use sanshe_core::contacts::Trace;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::Query;

/// Paging of a list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Paging {
    /// Skip this many.
    pub offset: Option<i64>,
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

async fn list(caller: ApiCaller, trace: Trace, p: Paging) -> ApiResult<Json<Vec<TraceView>>> {
    let (offset, limit) = (p.offset.unwrap_or(0), p.limit.unwrap_or(100));
    let traces = contacts::traces(caller.app(), &caller.actor, trace, offset, limit);
    Ok(Json(traces.await?))
}

/// Arrivals in scope, latest first.
#[utoipa::path(get, path = "/api/v1/arrivals", params(Paging), tag = "contacts", responses((status = 200, body = [TraceView])))]
pub async fn list_arrivals(
    caller: ApiCaller,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Vec<TraceView>>> {
    list(caller, Trace::Arrivals, p).await
}

/// Registers an arrival from elsewhere (a resident, or a new resident of a household), and
/// opens isolation from the arrival date when `isolation` is given.
#[utoipa::path(post, path = "/api/v1/arrivals", request_body = ArrivalInput, tag = "contacts",
    responses((status = 201, body = Registered)))]
pub async fn create_arrival(
    caller: ApiCaller,
    JsonBody(body): JsonBody<ArrivalInput>,
) -> ApiResult<Created<Registered>> {
    let registered = contacts::register_arrival(caller.app(), &caller.actor, &body).await?;
    Ok(Created(registered))
}

/// Close contacts in scope, latest contact first.
#[utoipa::path(get, path = "/api/v1/contacts", params(Paging), tag = "contacts", responses((status = 200, body = [TraceView])))]
pub async fn list_contacts(
    caller: ApiCaller,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Vec<TraceView>>> {
    list(caller, Trace::Contacts, p).await
}

/// Registers a close contact of an index person, and opens isolation from the last contact
/// when `isolation` is given.
#[utoipa::path(post, path = "/api/v1/contacts", request_body = ContactInput, tag = "contacts",
    responses((status = 201, body = Registered)))]
pub async fn create_contact(
    caller: ApiCaller,
    JsonBody(body): JsonBody<ContactInput>,
) -> ApiResult<Created<Registered>> {
    let registered = contacts::register_contact(caller.app(), &caller.actor, &body).await?;
    Ok(Created(registered))
}
