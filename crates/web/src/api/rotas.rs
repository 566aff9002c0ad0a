//! API of duty posts, shifts (take, assign, drop, check in and out) and service hours.

use axum::Json;

use crate::extract::{Path, Query};
use axum::http::StatusCode;
use chrono::NaiveDate;
use sanshe_app::period::Period;
use sanshe_app::rotas::{
    self, CoverCandidates, Gaps, HoursTotals, PostInput, PostView, Reminder, Rota, ServiceHours,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiResult, Created, JsonBody};
use crate::auth::ApiCaller;

/// Which posts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PostsQuery {
    /// The area whose posts (and its sub-areas' posts) to list.
    pub area: String,
}

/// Duty posts below an area.
#[utoipa::path(get, path = "/api/v1/posts", params(PostsQuery), tag = "rotas", responses((status = 200, body = [PostView])))]
pub async fn list_posts(
    caller: ApiCaller,
    Query(q): Query<PostsQuery>,
) -> ApiResult<Json<Vec<PostView>>> {
    Ok(Json(
        rotas::posts(caller.app(), &caller.actor, &q.area).await?,
    ))
}

/// Adds a duty post with the hours it must be covered.
#[utoipa::path(post, path = "/api/v1/posts", request_body = PostInput, tag = "rotas",
    responses((status = 201, body = PostView)))]
pub async fn create_post(
    caller: ApiCaller,
    JsonBody(body): JsonBody<PostInput>,
) -> ApiResult<Created<PostView>> {
    let post = rotas::add_post(caller.app(), &caller.actor, &body).await?;
    Ok(Created(post))
}

/// A stretch of days.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Stretch {
    /// First day, YYYY-MM-DD (China time).
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Days, 1–62.
    pub days: u32,
}

/// How many shifts a post has in the stretch.
#[derive(Debug, Serialize, ToSchema)]
pub struct Made {
    /// Shifts.
    pub shifts: usize,
}

/// Makes a post's shifts for a stretch of days (days already made are kept as they are).
#[utoipa::path(post, path = "/api/v1/posts/{id}/shifts", request_body = Stretch, tag = "rotas",
    responses((status = 201, body = Made)))]
pub async fn make_shifts(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Stretch>,
) -> ApiResult<Created<Made>> {
    let shifts = rotas::make_shifts(caller.app(), &caller.actor, &id, body.from, body.days).await?;
    Ok(Created(Made { shifts }))
}

/// An area's stretch of days.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AreaStretch {
    /// The area whose posts (and its sub-areas' posts) get shifts.
    pub area_id: String,
    /// First day, YYYY-MM-DD (China time).
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Days, 1–62.
    pub days: u32,
}

/// Makes the shifts of every post below an area for a stretch of days, in one go (days already
/// made are kept as they are).
#[utoipa::path(post, path = "/api/v1/shifts", request_body = AreaStretch, tag = "rotas",
    responses((status = 201, body = Made)))]
pub async fn make_area_shifts(
    caller: ApiCaller,
    JsonBody(body): JsonBody<AreaStretch>,
) -> ApiResult<Created<Made>> {
    let shifts = rotas::make_area_shifts(
        caller.app(),
        &caller.actor,
        &body.area_id,
        body.from,
        body.days,
    )
    .await?;
    Ok(Created(Made { shifts }))
}

/// Which rota.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RotaQuery {
    /// The area.
    pub area: String,
    /// First day, YYYY-MM-DD (China time).
    #[param(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// Days, 1–62.
    pub days: u32,
}

/// The rota below an area: posts, shifts, who holds them, gaps and no-shows.
#[utoipa::path(get, path = "/api/v1/shifts", params(RotaQuery), tag = "rotas", responses((status = 200, body = Rota)))]
pub async fn get_rota(caller: ApiCaller, Query(q): Query<RotaQuery>) -> ApiResult<Json<Rota>> {
    Ok(Json(
        rotas::rota(caller.app(), &caller.actor, &q.area, q.from, q.days).await?,
    ))
}

/// The coverage gaps below an area per post, counted over a stretch (for a street or more).
#[utoipa::path(get, path = "/api/v1/shifts/gaps", params(RotaQuery), tag = "rotas", responses((status = 200, body = Gaps)))]
pub async fn get_gaps(caller: ApiCaller, Query(q): Query<RotaQuery>) -> ApiResult<Json<Gaps>> {
    Ok(Json(
        rotas::gaps(caller.app(), &caller.actor, &q.area, q.from, q.days).await?,
    ))
}

/// Who could cover a shift from now to its end (for a no-show): deployed there, with the post's
/// skill, within the booking limits: the least loaded hundred, and how many in all.
#[utoipa::path(get, path = "/api/v1/shifts/{id}/cover", tag = "rotas",
    responses((status = 200, body = CoverCandidates)))]
pub async fn get_cover(
    caller: ApiCaller,
    Path(id): Path<String>,
) -> ApiResult<Json<CoverCandidates>> {
    Ok(Json(
        rotas::cover_candidates(caller.app(), &caller.actor, &id).await?,
    ))
}

/// The caller's reminders: their shifts starting within the hour (or under way) not yet
/// checked in to.
#[utoipa::path(get, path = "/api/v1/shifts/reminders", tag = "rotas",
    responses((status = 200, body = [Reminder])))]
pub async fn get_reminders(caller: ApiCaller) -> ApiResult<Json<Vec<Reminder>>> {
    Ok(Json(rotas::reminders(caller.app(), &caller.actor).await?))
}

/// The caller takes a shift.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/take", tag = "rotas",
    responses((status = 204)))]
pub async fn take_shift(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    rotas::take(caller.app(), &caller.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whom.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Person {
    /// User id.
    pub user_id: String,
}

/// A worker books someone deployed there on a shift.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/assign", request_body = Person, tag = "rotas",
    responses((status = 204)))]
pub async fn assign_shift(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Person>,
) -> ApiResult<StatusCode> {
    rotas::assign(caller.app(), &caller.actor, &id, &body.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whom to take off a shift.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Drop {
    /// Someone else (workers); the caller when absent.
    pub user_id: Option<String>,
}

/// Frees a place on a shift: one's own, or (workers) someone's.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/drop", request_body = Drop, tag = "rotas",
    responses((status = 204)))]
pub async fn drop_shift(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Drop>,
) -> ApiResult<StatusCode> {
    rotas::drop_shift(caller.app(), &caller.actor, &id, body.user_id.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller checks in.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/check-in", tag = "rotas",
    responses((status = 204)))]
pub async fn check_in(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    rotas::check_in(caller.app(), &caller.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Minutes a check-out counted.
#[derive(Debug, Serialize, ToSchema)]
pub struct Served {
    /// Minutes of service.
    pub minutes: i64,
}

/// The caller checks out; the answer says how many minutes of service it counts for.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/check-out", tag = "rotas",
    responses((status = 200, body = Served)))]
pub async fn check_out(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<Json<Served>> {
    let minutes = rotas::check_out(caller.app(), &caller.actor, &id).await?;
    Ok(Json(Served { minutes }))
}

/// Whose hours, and which page of them.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HoursQuery {
    /// `all`: everyone in the caller's rota scope (workers); otherwise the caller's own.
    pub who: Option<String>,
    /// The lines after this one: the `next` of the page before.
    pub before: Option<String>,
    /// Lines on the page (1–5,000, default 1,000).
    pub limit: Option<i64>,
}

/// The service-hours ledger, a page at a time, latest first, with the total of every line;
/// `from` and `to` keep the shifts checked in on those days (China time).
#[utoipa::path(get, path = "/api/v1/hours", params(HoursQuery, Period), tag = "rotas", responses((status = 200, body = ServiceHours)))]
pub async fn get_hours(
    caller: ApiCaller,
    Query(q): Query<HoursQuery>,
    Query(period): Query<Period>,
) -> ApiResult<Json<ServiceHours>> {
    let everyone = q.who.as_deref() == Some("all");
    let limit = q.limit.unwrap_or(1000);
    let page = rotas::hours(
        caller.app(),
        &caller.actor,
        everyone,
        &period,
        q.before.as_deref(),
        limit,
    );
    Ok(Json(page.await?))
}

/// Service totals per community and per organization: a bureau's or worker's areas, an
/// organization admin's members.
#[utoipa::path(get, path = "/api/v1/hours/totals", tag = "rotas",
    responses((status = 200, body = HoursTotals)))]
pub async fn get_hours_totals(caller: ApiCaller) -> ApiResult<Json<HoursTotals>> {
    Ok(Json(
        rotas::hours_totals(caller.app(), &caller.actor).await?,
    ))
}

/// The caller offers their place on a shift for a swap (换班); it stays theirs until someone
/// takes it over.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/offer", tag = "rotas",
    responses((status = 204)))]
pub async fn offer_shift(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    rotas::offer(caller.app(), &caller.actor, &id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller takes their swap offer back.
#[utoipa::path(delete, path = "/api/v1/shifts/{id}/offer", tag = "rotas",
    responses((status = 204)))]
pub async fn keep_shift(caller: ApiCaller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    rotas::offer(caller.app(), &caller.actor, &id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whose offered place to take over.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TakeOver {
    /// The volunteer who offered it.
    pub user_id: String,
}

/// The caller takes over a place offered for a swap (checked like a booking); the community's
/// workers are told.
#[utoipa::path(post, path = "/api/v1/shifts/{id}/take-over", request_body = TakeOver, tag = "rotas",
    responses((status = 204)))]
pub async fn take_over_shift(
    caller: ApiCaller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TakeOver>,
) -> ApiResult<StatusCode> {
    rotas::take_over(caller.app(), &caller.actor, &id, &body.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
