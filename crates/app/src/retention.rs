//! Keeping personal data no longer than its purpose needs (PIPL art. 19, 47): each kind of record
//! has a retention period, after which `purge` deletes it or strips it of what identifies a
//! person, while the counts the daily reports and statistics read (gate rollups, episodes,
//! applications, errands) stay. Run by `sanshe purge` (see README), first with `--dry-run`.

use chrono::Duration;
use sanshe_store::{accounts, audit as audit_store, gates, help, isolation, volunteers};

use crate::accounts::Actor;
use crate::{App, Result};

/// How long each kind of record is kept, in days (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Health reports of an episode, counted from its release.
    pub health_days: i64,
    /// Gate scans and the quota counts of past periods, counted from the scan.
    pub scan_days: i64,
    /// Visitors registered at a gate, counted from the visit.
    pub visitor_days: i64,
    /// Applicants' ID numbers, phones and availability, counted from the decision.
    pub applicant_days: i64,
    /// Contact phones and names of errands, counted from delivery or cancellation.
    pub errand_days: i64,
}

impl Default for Retention {
    /// Long enough for the follow-up a 2020 episode needed (a second round, a tracing request
    /// from the health centre), short enough not to keep a city's movements for years.
    fn default() -> Self {
        Retention {
            health_days: 180,
            scan_days: 90,
            visitor_days: 90,
            applicant_days: 365,
            errand_days: 180,
        }
    }
}

/// What a purge did (or would do) to one kind of record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged {
    /// Which records: `health_reports`, `episode_links`, `scans`, `quota_counts`, `visitors`,
    /// `applicant_details`, `errand_contacts`, `sessions`, `sign_in_failures`.
    pub what: &'static str,
    /// How many.
    pub rows: u64,
}

/// Deletes or anonymizes what has outlived its retention period; with `dry_run`, only counts
/// it. Each kind is done in its own transaction; the purge is written to the audit log.
pub async fn purge(
    app: &App,
    actor: &Actor,
    keep: &Retention,
    dry_run: bool,
) -> Result<Vec<Purged>> {
    let now = app.clock.now_ms();
    let days_ago = |d: i64| now - Duration::days(d.max(1)).num_milliseconds();
    let oldest_period = (app.today() - Duration::days(keep.scan_days.max(31)))
        .format("%Y-%m-%d")
        .to_string();
    let mut out = Vec::new();
    let mut tx = app.db.begin().await?;
    let (reports, links) =
        isolation::purge_released(&mut tx, days_ago(keep.health_days), dry_run).await?;
    out.push(("health_reports", reports));
    out.push(("episode_links", links));
    out.push((
        "scans",
        gates::purge_scans(&mut tx, days_ago(keep.scan_days), dry_run).await?,
    ));
    out.push((
        "quota_counts",
        gates::purge_exits(
            &mut tx,
            &oldest_period,
            crate::gates::ARRIVAL_PREFIX,
            dry_run,
        )
        .await?,
    ));
    out.push((
        "visitors",
        gates::purge_visitors(&mut tx, days_ago(keep.visitor_days), dry_run).await?,
    ));
    out.push((
        "applicant_details",
        volunteers::purge_decided(&mut tx, days_ago(keep.applicant_days), dry_run).await?,
    ));
    out.push((
        "errand_contacts",
        help::purge_closed(&mut tx, days_ago(keep.errand_days), dry_run).await?,
    ));
    out.push((
        "sessions",
        accounts::purge_sessions(&mut tx, now, dry_run).await?,
    ));
    out.push((
        "sign_in_failures",
        accounts::purge_failures(&mut tx, days_ago(1), dry_run).await?,
    ));
    let out: Vec<Purged> = out
        .into_iter()
        .map(|(what, p)| Purged { what, rows: p.rows })
        .collect();
    if !dry_run {
        // `what=rows` words, which the audit page says in the reader's language.
        let detail = out
            .iter()
            .map(|p| format!("{}={}", p.what, p.rows))
            .collect::<Vec<_>>()
            .join(" ");
        audit_store::append(
            &mut *tx,
            &audit_store::NewAuditEntry {
                action: "data.purged",
                target_kind: "retention",
                target_id: "all",
                detail: &detail,
                ..actor.audit_entry()
            },
        )
        .await?;
    }
    sanshe_store::commit(tx).await?;
    Ok(out)
}
