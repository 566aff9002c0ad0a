//! The audit log, read.

use axum::Json;
use sanshe_app::audit::{self, AuditEntryView};
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiResult;
use crate::auth::ApiCaller;
use crate::extract::Query;

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
#[utoipa::path(get, path = "/api/v1/audit", params(AuditFilter), tag = "accounts", responses((status = 200, body = [AuditEntryView])))]
pub async fn list_audit(
    caller: ApiCaller,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    Ok(Json(
        audit::list(
            caller.app(),
            &caller.actor,
            f.action.as_deref(),
            f.before.as_deref(),
            f.limit.unwrap_or(100),
        )
        .await?,
    ))
}
