//! API of gates, passes, scans, visitors and traffic statistics.

use axum::Json;
use axum::extract::State;

use crate::extract::{Path, Query};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sanshe_app::cursor::{AreaPaging, Page};
use sanshe_app::gates::{
    self, GateView, IssuePasses, PassFilter, PassView, ScanInput, ScanOutcome, Traffic,
    VisitorFilter, VisitorInput, VisitorView, VisitorsPage,
};
use sanshe_core::gates::GatePolicy;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, Created, JsonBody};
use crate::AppState;
use crate::auth::ApiCaller;

/// Gates the caller may staff, with their compound's policy, by compound and name, a page at a
/// time: first, on the first page, those outside their areas they are on duty at right now.
#[utoipa::path(get, path = "/api/v1/gates", params(AreaPaging), tag = "gates",
    responses((status = 200, body = Page<GateView>)))]
pub async fn list_gates(
    caller: ApiCaller,
    Query(f): Query<AreaPaging>,
) -> ApiResult<Json<Page<GateView>>> {
    Ok(Json(
        gates::gates_page(caller.app(), &caller.actor, &f).await?,
    ))
}

/// A new gate.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGate {
    /// The compound (or community) it closes.
    pub compound_id: String,
    /// Name, e.g. 南门.
    pub name: String,
}

/// Adds a gate to a compound.
#[utoipa::path(post, path = "/api/v1/gates", request_body = NewGate, tag = "gates",
    responses((status = 201, body = GateView)))]
pub async fn create_gate(
    caller: ApiCaller,
    JsonBody(body): JsonBody<NewGate>,
) -> ApiResult<Created<GateView>> {
    let gate = gates::add_gate(caller.app(), &caller.actor, &body.compound_id, &body.name).await?;
    Ok(Created(gate))
}

/// Sets the policy of the gate's compound (all its gates share it).
#[utoipa::path(put, path = "/api/v1/gates/{id}/policy", request_body = GatePolicy, tag = "gates",
    responses((status = 200, body = GatePolicy)))]
pub async fn set_policy(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<GatePolicy>,
) -> ApiResult<Json<GatePolicy>> {
    let gate = gates::gate(caller.app(), &caller.actor, &id).await?;
    Ok(Json(
        gates::set_policy(caller.app(), &caller.actor, &gate.compound_id, body).await?,
    ))
}

/// A day to look at.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DayQuery {
    /// YYYY-MM-DD (default today, China time).
    pub date: Option<String>,
}

/// Entries, exits, refusals and visitors per hour at one gate, refusals by reason, people out.
#[utoipa::path(get, path = "/api/v1/gates/{id}/traffic", params(DayQuery), tag = "gates",
    responses((status = 200, body = Traffic)))]
pub async fn gate_traffic(
    caller: ApiCaller,
    Path(id): Path<String>,
    Query(q): Query<DayQuery>,
) -> ApiResult<Json<Traffic>> {
    Ok(Json(
        gates::traffic(caller.app(), &caller.actor, &id, q.date.as_deref()).await?,
    ))
}

/// The same statistics for all gates of an area (a compound, a community, a street).
#[utoipa::path(get, path = "/api/v1/areas/{id}/traffic", params(DayQuery), tag = "gates",
    responses((status = 200, body = Traffic)))]
pub async fn area_traffic(
    caller: ApiCaller,
    id: Path<String>,
    day: Query<DayQuery>,
) -> ApiResult<Json<Traffic>> {
    // One use case serves both: a gate's id or an area's, the caller's scope decides.
    gate_traffic(caller, id, day).await
}

/// Which passes to list.
/// Passes of an area by address, a page at a time with the total.
#[utoipa::path(get, path = "/api/v1/passes", params(PassFilter), tag = "gates",
    responses((status = 200, body = Page<PassView>)))]
pub async fn list_passes(
    caller: ApiCaller,
    Query(f): Query<PassFilter>,
) -> ApiResult<Json<Page<PassView>>> {
    Ok(Json(gates::passes(caller.app(), &caller.actor, &f).await?))
}

/// Issues passes: to one household, one person, or every household of an area without one.
#[utoipa::path(post, path = "/api/v1/passes", request_body = IssuePasses, tag = "gates",
    responses((status = 201, body = [PassView])))]
pub async fn issue_passes(
    caller: ApiCaller,
    JsonBody(body): JsonBody<IssuePasses>,
) -> ApiResult<Created<Vec<PassView>>> {
    let passes = gates::issue_passes(caller.app(), &caller.actor, &body).await?;
    Ok(Created(passes))
}

/// Revokes a pass.
#[utoipa::path(post, path = "/api/v1/passes/{id}/revoke", tag = "gates",
    responses((status = 200, body = PassView)))]
pub async fn revoke_pass(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<PassView>> {
    Ok(Json(
        gates::revoke_pass(caller.app(), &caller.actor, &id).await?,
    ))
}

/// Reissues a pass: the old one is revoked at once and a new code for the same household (or
/// holder) and end date is issued.
#[utoipa::path(post, path = "/api/v1/passes/{id}/reissue", tag = "gates",
    responses((status = 201, body = PassView)))]
pub async fn reissue_pass(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Created<PassView>> {
    let pass = gates::reissue_pass(caller.app(), &caller.actor, &id).await?;
    Ok(Created(pass))
}

/// The pass's QR code (its signed token) as SVG.
#[utoipa::path(get, path = "/api/v1/passes/{id}/qr.svg", tag = "gates",
    responses((status = 200, content_type = "image/svg+xml")))]
pub async fn pass_qr(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Response> {
    let token = gates::token_of(caller.app(), &caller.actor, &id).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml")],
        crate::qr_svg(&token),
    )
        .into_response())
}

/// Records a passage through a gate and answers allowed or refused with the reason. The same
/// `id` again returns the first answer and records nothing new; 201 means committed.
#[utoipa::path(post, path = "/api/v1/scans", request_body = ScanInput, tag = "gates",
    responses((status = 201, body = ScanOutcome)))]
pub async fn create_scan(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(body): JsonBody<ScanInput>,
) -> ApiResult<Created<ScanOutcome>> {
    let outcome = state.scans.scan(&state.app, &caller.actor, body).await?;
    Ok(Created(outcome))
}

/// Visitors and deliveries registered on a day, latest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/visitors", params(VisitorFilter), tag = "gates",
    responses((status = 200, body = Page<VisitorView>)))]
pub async fn list_visitors(
    caller: ApiCaller,
    Query(f): Query<VisitorFilter>,
) -> ApiResult<Json<VisitorsPage>> {
    Ok(Json(
        gates::visitors(caller.app(), &caller.actor, &f).await?,
    ))
}

/// Registers a visitor or a delivery at a gate.
#[utoipa::path(post, path = "/api/v1/visitors", request_body = VisitorInput, tag = "gates",
    responses((status = 201, body = VisitorView)))]
pub async fn create_visitor(
    caller: ApiCaller,
    JsonBody(body): JsonBody<VisitorInput>,
) -> ApiResult<Created<VisitorView>> {
    let visitor = gates::register_visitor(caller.app(), &caller.actor, &body).await?;
    Ok(Created(visitor))
}
