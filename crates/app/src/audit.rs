//! The audit log: `record`, the one way a use case writes it (inside its own transaction, so
//! the entry commits with the change), and reading it.

use sanshe_core::accounts::Action;
use sanshe_store::audit as store;

use crate::accounts::Actor;
use crate::period::Period;
use crate::{App, AppError, Result};

/// What an audit entry is about: its kind, its id, and the area path that decides who may
/// read the entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    /// e.g. `resident`, `shift`.
    pub kind: &'a str,
    /// Its id.
    pub id: &'a str,
    /// Where it is (none for what belongs to no area, like an organization without a home).
    pub area_path: Option<&'a str>,
}

impl<'a> Subject<'a> {
    /// A subject of `kind`.
    pub(crate) fn new(kind: &'a str, id: &'a str, area_path: &'a str) -> Subject<'a> {
        Subject {
            kind,
            id,
            area_path: Some(area_path),
        }
    }
}

/// A stored thing audit entries are about, with its kind said once for its type.
pub(crate) trait Audited {
    /// Its kind, id and area path.
    fn subject(&self) -> Subject<'_>;
}

/// `Audited` for row types whose subject is their `id` and an area path field.
macro_rules! audited {
    ($($row:ty => $kind:literal by $path:ident),+ $(,)?) => {
        $(impl Audited for $row {
            fn subject(&self) -> Subject<'_> {
                Subject::new($kind, &self.id, &self.$path)
            }
        })+
    };
}

audited!(
    sanshe_store::alerts::AlertRow => "alert" by area_path,
    sanshe_store::areas::AreaRow => "area" by path,
    sanshe_store::campaigns::CampaignRow => "campaign" by area_path,
    sanshe_store::gates::PassRow => "pass" by area_path,
    sanshe_store::help::HelpRow => "help_request" by area_path,
    sanshe_store::isolation::EpisodeRow => "isolation" by area_path,
    sanshe_store::needs::NeedRow => "need" by area_path,
    sanshe_store::rotas::PostRow => "post" by area_path,
    sanshe_store::registry::ResidentRecord => "resident" by area_path,
    sanshe_store::rotas::ShiftRow => "shift" by area_path,
);

/// Records that `actor` did `action` to `subject` (`detail`: what changed, never a personal
/// number in clear), in the caller's connection or transaction.
pub(crate) async fn record(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    action: &str,
    subject: Subject<'_>,
    detail: &str,
) -> Result<()> {
    store::append(
        conn,
        &store::NewAuditEntry {
            action,
            target_kind: subject.kind,
            target_id: subject.id,
            area_path: subject.area_path,
            detail,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(())
}

/// One entry as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    /// Id (also the paging cursor).
    pub id: String,
    /// When, UTC ms.
    pub at: i64,
    /// Who (their user name).
    pub actor: String,
    /// Who, by name.
    pub actor_name: String,
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
    /// Whom it is about, masked (`李*` for a resident), where the subject is a person.
    pub subject: String,
}

/// Every action the log records, by what it is about: the choices of the audit page's filter.
/// A test in `web` fails when the code writes an action this list lacks.
pub const ACTIONS: &[&str] = &[
    "alert.acknowledged",
    "alert.resolved",
    "area.contact_set",
    "area.created",
    "arrival.registered",
    "campaign.assigned",
    "campaign.closed",
    "campaign.created",
    "campaign.reopened",
    "campaign.unassigned",
    "contact.registered",
    "data.purged",
    "gate.created",
    "gate.policy",
    "grant.created",
    "grant.revoked",
    "help.asked",
    "help.assign",
    "help.buy",
    "help.cancel",
    "help.claim",
    "help.confirmed",
    "help.deliver",
    "help.phone_shown",
    "help.release",
    "hours.certificate",
    "isolation.assigned",
    "isolation.extended",
    "isolation.follow_up",
    "isolation.link_renewed",
    "isolation.link_revoked",
    "isolation.opened",
    "isolation.released",
    "isolation.report",
    "linkage.accepted",
    "linkage.created",
    "linkage.ended",
    "linkage.proposed",
    "member.deployed",
    "member.kind_set",
    "member.recalled",
    "need.closed",
    "need.committed",
    "need.confirmed",
    "need.posted",
    "notice.sent",
    "organization.created",
    "organization.updated",
    "pass.issued",
    "pass.reissued",
    "pass.revoked",
    "password.changed",
    "password.reset",
    "post.created",
    "resident.created",
    "resident.merged",
    "resident.moved",
    "resident.revealed",
    "resident.updated",
    "residents.exported",
    "residents.exported_unmasked",
    "residents.imported",
    "session.created",
    "session.ended_everywhere",
    "session.failed",
    "shift.assigned",
    "shift.dropped",
    "shift.kept",
    "shift.offered",
    "shift.taken",
    "shift.taken_over",
    "shifts.made",
    "team.created",
    "user.created",
    "user.deactivated",
    "user.reactivated",
    "volunteer.deployed",
    "volunteer.number_set",
    "volunteer.recalled",
    "webhook.created",
    "webhook.disabled",
    "webhook.enabled",
];

/// Which entries of the log: one action, those older than an entry, how many.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct AuditFilter {
    /// Only this action, one of those the log records (e.g. `resident.revealed`).
    pub action: Option<String>,
    /// Entries older than this entry id.
    pub before: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The most entries one page holds.
pub const MAX_AUDIT_PAGE: i64 = 500;

/// A page of the log within the actor's audit scope, written within `period` (China days),
/// newest first.
pub async fn list(
    app: &App,
    actor: &Actor,
    f: &AuditFilter,
    period: &Period,
) -> Result<Vec<AuditEntryView>> {
    let scope = actor.scope(Action::ReadAudit);
    if scope.is_empty() {
        return Err(AppError::NotFound);
    }
    let (since, until) = period.open_ms()?;
    let action = f.action.as_deref().map(str::trim).filter(|a| !a.is_empty());
    if action.is_some_and(|a| !ACTIONS.contains(&a)) {
        return Err(AppError::field("action", "err-audit-action"));
    }
    let q = store::AuditQuery {
        roots: scope.roots(),
        include_unlocated: actor.is_city_coordinator(),
        action,
        since,
        until,
    };
    let before = f.before.as_deref().filter(|b| !b.is_empty());
    let limit = f.limit.unwrap_or(100).clamp(1, MAX_AUDIT_PAGE);
    let mut conn = app.db.conn().await?;
    let rows = store::list(&mut conn, &q, before, limit).await?;
    let people = rows.iter().map(|r| r.actor_name.as_str());
    let names = sanshe_store::accounts::display_names_of_usernames(&mut *conn, people).await?;
    let residents: Vec<String> = rows
        .iter()
        .filter(|r| r.target_kind == "resident")
        .map(|r| r.target_id.clone())
        .collect();
    let subjects = crate::registry::masked_names(&mut conn, &residents).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEntryView {
            id: r.id,
            at: r.at,
            actor_name: names
                .get(&r.actor_name)
                .cloned()
                .unwrap_or_else(|| r.actor_name.clone()),
            subject: match r.target_kind.as_str() {
                "resident" => subjects.get(&r.target_id).cloned().unwrap_or_default(),
                _ => String::new(),
            },
            actor: r.actor_name,
            action: r.action,
            target_kind: r.target_kind,
            target_id: r.target_id,
            detail: r.detail,
            reason: r.reason,
        })
        .collect())
}
