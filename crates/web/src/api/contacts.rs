//! API of arrivals from elsewhere and close contacts (M5).

use axum::Json;
use sanshe_app::contacts::{self, ArrivalInput, ContactInput, Registered, TraceView, TracesPage};
use sanshe_app::cursor::{Page, Paging};
use sanshe_app::period::Period;
use sanshe_core::contacts::Trace;

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;
use crate::extract::Query;

async fn list(
    caller: ApiCaller,
    trace: Trace,
    f: Paging,
    period: Period,
) -> ApiResult<Json<TracesPage>> {
    Ok(Json(
        contacts::traces(caller.app(), &caller.actor, trace, &f, &period).await?,
    ))
}

/// Arrivals in scope, latest first, a page at a time; `from` and `to` keep those that arrived
/// in that period.
#[utoipa::path(get, path = "/api/v1/arrivals", params(Paging, Period), tag = "contacts",
    responses((status = 200, body = Page<TraceView>)))]
pub async fn list_arrivals(
    caller: ApiCaller,
    Query(f): Query<Paging>,
    Query(period): Query<Period>,
) -> ApiResult<Json<TracesPage>> {
    list(caller, Trace::Arrivals, f, period).await
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

/// Close contacts in scope, latest contact first, a page at a time; `from` and `to` keep those
/// whose last contact lies in that period.
#[utoipa::path(get, path = "/api/v1/contacts", params(Paging, Period), tag = "contacts",
    responses((status = 200, body = Page<TraceView>)))]
pub async fn list_contacts(
    caller: ApiCaller,
    Query(f): Query<Paging>,
    Query(period): Query<Period>,
) -> ApiResult<Json<TracesPage>> {
    list(caller, Trace::Contacts, f, period).await
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
