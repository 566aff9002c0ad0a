//! The audit log page and its export.

use super::*;

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    nav: Nav,
    entries: Vec<(String, AuditEntryView)>,
    action: String,
    pager: Pager,
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    action: Option<String>,
    before: Option<String>,
}

pub(super) async fn audit_page(caller: PageCaller, Query(q): Query<AuditQuery>) -> PageResult {
    let entries = sanshe_app::audit::list(
        caller.app(),
        &caller.actor,
        q.action.as_deref(),
        q.before.as_deref(),
        100,
    )
    .await?;
    let next = (entries.len() == 100)
        .then(|| entries.last().map(|e| e.id.clone()))
        .flatten();
    let pager = Pager::by_cursor(
        "/audit",
        &[("action", q.action.as_deref())],
        "before",
        q.before.as_deref(),
        next.as_deref(),
    );
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
        action: q.action.unwrap_or_default(),
        pager,
    }))
}

pub(super) async fn export_audit(caller: PageCaller, Query(q): Query<AuditQuery>) -> PageResult {
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
    let mut sheet = caller.sheet("audit", &header)?;
    let (app, actor, action) = (caller.app(), &caller.actor, q.action.as_deref());
    // Page through the whole log in scope; each page is one indexed range scan.
    sheet
        .push_pages(|before| async move {
            let page = sanshe_app::audit::list(app, actor, action, before.as_deref(), 500).await?;
            let full = page.len() == 500;
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
