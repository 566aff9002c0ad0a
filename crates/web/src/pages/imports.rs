//! The resident import page and its report.

use super::*;

/// A rejected row with its reason translated, for the import page.
pub struct ShownRejection {
    /// Row.
    pub row: usize,
    /// Column header.
    pub column: String,
    /// Reason.
    pub reason: String,
}

/// An import report as the page shows it.
pub struct ShownReport {
    /// Added.
    pub accepted: usize,
    /// Already there.
    pub unchanged: usize,
    /// Refused rows.
    pub rejected: Vec<ShownRejection>,
}

#[derive(Template)]
#[template(path = "import.html")]
pub(super) struct ImportPage {
    nav: Nav,
    /// The communities (or compounds) an import can go to, by place.
    targets: Vec<sanshe_app::areas::AreaGroup>,
    selected: String,
    error: Option<String>,
    report: Option<ShownReport>,
    report_json: String,
}

#[derive(Deserialize)]
pub(super) struct AreaQuery {
    area: Option<String>,
}

pub(super) async fn import_targets(
    caller: &PageCaller,
    selected: &str,
) -> Result<Vec<sanshe_app::areas::AreaGroup>, PageFailure> {
    let mut targets = sanshe_app::areas::import_targets(caller.app(), &caller.actor).await?;
    // A place asked for by the link that led here (a compound's page) is offered too.
    let offered = targets
        .iter()
        .any(|g| g.areas.iter().any(|(id, _)| id == selected));
    if !selected.is_empty()
        && !offered
        && let Ok(p) = sanshe_app::areas::area_page(caller.app(), &caller.actor, selected).await
    {
        let group = sanshe_app::areas::AreaGroup {
            place: caller.tr.of("kind-", p.area.kind),
            areas: vec![(p.area.id, p.area.name)],
        };
        targets.insert(0, group);
    }
    Ok(targets)
}

pub(super) async fn import_form(caller: PageCaller, Query(q): Query<AreaQuery>) -> PageResult {
    let selected = q.area.unwrap_or_default();
    let targets = import_targets(&caller, &selected).await?;
    Ok(render(&ImportPage {
        nav: Nav::of(&caller, "/import"),
        targets,
        selected,
        error: None,
        report: None,
        report_json: String::new(),
    }))
}

/// Checks the caller may import and takes an upload slot before reading the form, then checks
/// its CSRF token; gives the file and the community.
async fn read_import(
    caller: &PageCaller,
    headers: &HeaderMap,
    form: axum::extract::Multipart,
) -> sanshe_app::Result<(Vec<u8>, String)> {
    sanshe_app::imports::may_import_residents(&caller.actor)?;
    let (upload, _slot) = crate::uploads::receive(caller.app(), headers, form).await?;
    let community = upload.field("community").trim().to_string();
    if community.is_empty() {
        return Err(AppError::field("community", "err-required"));
    }
    Ok((upload.file, community))
}

pub(super) async fn run_import(
    caller: PageCaller,
    headers: HeaderMap,
    Multipart(form): Multipart,
) -> PageResult {
    let tr = caller.tr;
    let (result, selected) = match read_import(&caller, &headers, form).await {
        Ok((file, community)) => (
            sanshe_app::imports::import_residents(
                caller.app(),
                &caller.actor,
                &community,
                file,
                &|_, _| {},
            )
            .await,
            community,
        ),
        Err(e @ AppError::Invalid(_)) => (Err(e), String::new()),
        Err(e) => return Err(e.into()),
    };
    let targets = import_targets(&caller, &selected).await?;
    match result {
        Ok(report) => {
            let report_json = serde_json::to_string(&report).unwrap_or_default();
            let shown = ShownReport {
                accepted: report.accepted,
                unchanged: report.unchanged,
                rejected: report
                    .rejected
                    .iter()
                    .map(|r| ShownRejection {
                        row: r.row,
                        column: r.column.clone(),
                        reason: tr.t(r.reason),
                    })
                    .collect(),
            };
            Ok(render(&ImportPage {
                nav: Nav::of(&caller, "/import"),
                targets,
                selected,
                error: None,
                report: Some(shown),
                report_json,
            }))
        }
        Err(e @ AppError::Invalid(_)) => {
            let message = FormErrors::from(&e, tr).messages().join("；");
            let mut resp = render(&ImportPage {
                nav: Nav::of(&caller, "/import"),
                targets,
                selected,
                error: Some(message),
                report: None,
                report_json: String::new(),
            });
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn import_template(_signed_in: PageCaller) -> PageResult {
    let sheet = sanshe_app::imports::template()?;
    Ok(crate::respond::xlsx(sheet, "residents-template.xlsx"))
}

#[derive(Deserialize)]
pub(super) struct ReportForm {
    #[serde(default)]
    report: String,
}

#[derive(Deserialize)]
pub(super) struct ReportRow {
    row: usize,
    column: String,
    reason: String,
}

#[derive(Deserialize)]
pub(super) struct ReportBack {
    rejected: Vec<ReportRow>,
}

pub(super) async fn import_report(caller: PageCaller, Form(f): Form<ReportForm>) -> PageResult {
    let back: ReportBack =
        serde_json::from_str(&f.report).map_err(|_| AppError::field("report", "err-json"))?;
    let tr = caller.tr;
    // Only reasons that are message ids are translated; anything else is dropped to plain text.
    let mut w = sanshe_app::sheets::SheetWriter::new(
        "rejected",
        &[
            &tr.t("import-row"),
            &tr.t("import-column"),
            &tr.t("import-reason"),
        ],
    )?;
    for r in back.rejected {
        w.push(&[r.row.to_string(), r.column, tr.t(&r.reason)])?;
    }
    Ok(crate::respond::xlsx(w.finish()?, "rejected-rows.xlsx"))
}
