//! Reading the audit log (writing happens inside each use case, in the same connection).

use sanshe_core::accounts::Action;
use sanshe_store::audit as store;

use crate::accounts::Actor;
use crate::{App, AppError, Result};

/// One entry as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    /// Id (also the paging cursor).
    pub id: String,
    /// When, UTC ms.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Target kind.
    pub target_kind: String,
    /// Target id.
    pub target_id: String,
    /// Detail.
    pub detail: String,
    /// Why.
    pub reason: Option<String>,
}

/// A page of the log within the actor's audit scope, newest first.
pub async fn list(
    app: &App,
    actor: &Actor,
    action: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntryView>> {
    let scope = actor.scope(Action::ReadAudit);
    if scope.is_empty() {
        return Err(AppError::NotFound);
    }
    let mut conn = app.db.conn().await?;
    let rows = store::list(
        &mut conn,
        scope.roots(),
        actor.is_city_coordinator(),
        action.filter(|a| !a.is_empty()),
        before.filter(|b| !b.is_empty()),
        limit.clamp(1, 500),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntryView {
            id: r.id,
            at: r.at,
            actor: r.actor_name,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            detail: r.detail,
            reason: r.reason,
        })
        .collect())
}
