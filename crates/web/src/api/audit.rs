//! The audit log, read.

use axum::Json;
use sanshe_app::audit::{self, AuditEntryView, AuditFilter};
use sanshe_app::period::Period;

use super::ApiResult;
use crate::auth::ApiCaller;
use crate::extract::Query;

/// The audit log within the caller's scope, newest first; `from` and `to` keep the entries
/// written on those days (China time).
#[utoipa::path(get, path = "/api/v1/audit", params(AuditFilter, Period), tag = "accounts", responses((status = 200, body = [AuditEntryView])))]
pub async fn list_audit(
    caller: ApiCaller,
    Query(f): Query<AuditFilter>,
    Query(period): Query<Period>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    Ok(Json(
        audit::list(caller.app(), &caller.actor, &f, &period).await?,
    ))
}
