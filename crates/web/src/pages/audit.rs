//! The audit log page and its export.

use sanshe_app::audit::{AuditFilter, MAX_AUDIT_PAGE};
use sanshe_app::period::Period;

use super::*;

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    nav: Nav,
    entries: Vec<(String, AuditEntryView)>,
    /// The action chosen, if any.
    action: String,
    /// Every action, to choose from in words.
    actions: &'static [&'static str],
    period: Period,
    /// The workbook of the log as filtered.
    export: String,
    pager: Pager,
    /// A mistyped day, beside its field.
    errors: FormErrors,
}

/// The log's filter as query pairs, for the pager and the workbook.
fn filters<'a>(f: &'a AuditFilter, period: &'a Period) -> Vec<(&'static str, Option<&'a str>)> {
    let mut pairs = vec![("action", f.action.as_deref())];
    pairs.extend(period.pairs());
    pairs
}

pub(super) async fn audit_page(
    caller: PageCaller,
    Query(f): Query<AuditFilter>,
    Query(period): Query<Period>,
) -> PageResult {
    let f = AuditFilter {
        limit: Some(100),
        ..f
    };
    let listed = sanshe_app::audit::list(caller.app(), &caller.actor, &f, &period).await;
    let (entries, errors) = listed_or_refused(&caller, listed)?;
    let next = (entries.len() == 100)
        .then(|| entries.last().map(|e| e.id.clone()))
        .flatten();
    let filters = filters(&f, &period);
    let pager = Pager::by_cursor(
        "/audit",
        &filters,
        "before",
        f.before.as_deref(),
        next.as_deref(),
    );
    let export = link_to("/audit/export.xlsx", &filters);
    let entries = entries
        .into_iter()
        .map(|e| {
            let at = to_the_second(e.at);
            (at, e)
        })
        .collect();
    Ok(render(&AuditPage {
        nav: Nav::of(&caller, "/audit"),
        entries,
        action: f.action.unwrap_or_default(),
        actions: sanshe_app::audit::ACTIONS,
        period,
        export,
        pager,
        errors,
    }))
}

pub(super) async fn export_audit(
    caller: PageCaller,
    Query(f): Query<AuditFilter>,
    Query(period): Query<Period>,
) -> PageResult {
    let tr = caller.tr;
    let header = [
        "audit-at",
        "audit-actor",
        "audit-action",
        "audit-target",
        "audit-detail",
        "audit-reason",
    ]
    .map(|k| tr.t(k));
    // A mistyped day is refused before a workbook is started.
    period.open()?;
    let mut sheet = caller.sheet("audit", &header)?;
    let (app, actor, f, period) = (caller.app(), &caller.actor, &f, &period);
    // Page through the whole log in scope; each page is one indexed range scan.
    sheet
        .push_pages(|before| async move {
            let page_filter = AuditFilter {
                before,
                limit: Some(MAX_AUDIT_PAGE),
                ..f.clone()
            };
            let page = sanshe_app::audit::list(app, actor, &page_filter, period).await?;
            let full = page.len() as i64 == MAX_AUDIT_PAGE;
            let next = page.last().filter(|_| full).map(|e| e.id.clone());
            let rows = page
                .into_iter()
                .map(|e| {
                    vec![
                        to_the_second(e.at),
                        format!("{} ({})", e.actor_name, e.actor),
                        // Words to read; the code stays in the filter and the API.
                        tr.audit_action(&e.action),
                        // Whom it is about, masked; the id stays for finding the record.
                        format!("{} {}", e.subject, e.target_id).trim().to_string(),
                        tr.audit_detail(&e.action, &e.detail),
                        e.reason.unwrap_or_default(),
                    ]
                })
                .collect();
            Ok((rows, next))
        })
        .await?;
    Ok(sheet.send("audit-log.xlsx").await?)
}

/// When an entry was written, in China time to the second.
fn to_the_second(ms: i64) -> String {
    sanshe_app::local_time(ms)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
