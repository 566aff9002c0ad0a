//! Pages of the alert centre and of the chat-group webhooks.

use sanshe_app::alerts::{self, AlertView};
use sanshe_app::notify::{self, WebhookInput, WebhookView};
use sanshe_core::alerts::AlertKind;

use super::*;

#[derive(Template)]
#[template(path = "alerts.html")]
pub(super) struct AlertsPage {
    nav: Nav,
    /// A page of them, latest first.
    items: Vec<AlertView>,
    /// How many the filter finds.
    total: i64,
    pager: Pager,
    resolved: bool,
    kinds: Vec<(&'static str, bool)>,
    /// The community the list is narrowed to.
    picker: CommunityPicker,
    /// The workbook of the list as filtered.
    export: String,
    /// The list's filters, which taking the ticked alerts keeps.
    kind: String,
    area: String,
    /// How many alerts were just taken, or why none was.
    message: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct AlertsQuery {
    status: Option<String>,
    kind: Option<String>,
    area: Option<String>,
    after: Option<String>,
    /// How many alerts the caller has just taken from the list.
    taken: Option<i64>,
}

pub(super) async fn alerts_page(caller: PageCaller, Query(q): Query<AlertsQuery>) -> PageResult {
    let message = q.taken.map(|n| caller.tr.count("alerts-taken", n));
    alerts_view(&caller, &q, message).await
}

async fn alerts_view(caller: &PageCaller, q: &AlertsQuery, message: Option<String>) -> PageResult {
    let resolved = q.status.as_deref() == Some("resolved");
    let kind = q.kind.clone().unwrap_or_default();
    let area = q.area.clone().unwrap_or_default();
    let status = if resolved { "resolved" } else { "open" };
    let filter = alerts::AlertFilter {
        status: Some(status.to_string()),
        kind: Some(kind.clone()),
        area: Some(area.clone()),
        after: q.after.clone(),
        limit: None,
    };
    let page = alerts::list(caller.app(), &caller.actor, &filter).await?;
    let picker = CommunityPicker::of(caller, Action::FrontLine, Some(&area)).await?;
    let filters = [
        ("status", Some(status)),
        ("kind", Some(kind.as_str())),
        ("area", Some(area.as_str())),
    ];
    let export = link_to("/alerts/export.xlsx", &filters);
    let pager = Pager::by_cursor(
        "/alerts",
        &filters,
        "after",
        q.after.as_deref(),
        page.next.as_deref(),
    );
    let kinds = AlertKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.as_str() == kind))
        .collect();
    Ok(render(&AlertsPage {
        nav: Nav::of(caller, "/alerts"),
        items: page.items,
        total: page.total,
        pager,
        export,
        resolved,
        picker,
        kinds,
        kind,
        area,
        message,
    }))
}

/// Takes the alerts ticked on a page of the list, and goes back to the list as it was
/// filtered, saying how many were taken (those someone took first are not counted).
pub(super) async fn take_alerts(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let (kind, area) = (value(&form, "kind"), value(&form, "area"));
    match alerts::acknowledge_many(caller.app(), &caller.actor, &values(&form, "id")).await {
        Ok(taken) => {
            let taken = taken.to_string();
            let back = link_to(
                "/alerts",
                &[
                    ("kind", Some(kind.as_str())),
                    ("area", Some(area.as_str())),
                    ("taken", Some(taken.as_str())),
                ],
            );
            Ok(Redirect::to(&back).into_response())
        }
        Err(e @ AppError::Invalid(_)) => {
            let q = AlertsQuery {
                kind: Some(kind),
                area: Some(area),
                ..Default::default()
            };
            let message = FormErrors::from(&e, caller.tr).messages().join(" ");
            let mut page = alerts_view(&caller, &q, Some(message)).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "alert.html")]
pub(super) struct AlertPage {
    nav: Nav,
    a: AlertView,
    /// For a fever at the gates of a household: each reading with its time and gate.
    readings: Vec<sanshe_app::gates::FeverAtGate>,
    errors: FormErrors,
}

async fn alert_view(caller: &PageCaller, id: &str, errors: FormErrors) -> PageResult {
    let a = alerts::get(caller.app(), &caller.actor, id).await?;
    let readings = if a.kind == AlertKind::GateFever
        && a.subject_kind == sanshe_core::alerts::AlertSubject::Household
    {
        sanshe_app::gates::fevers_of_household(caller.app(), &caller.actor, &a.subject_id).await?
    } else {
        Vec::new()
    };
    let rejected = !errors.is_empty();
    Ok(render_form(
        &AlertPage {
            nav: Nav::of(caller, &format!("/alerts/{id}")),
            a,
            readings,
            errors,
        },
        rejected,
    ))
}

pub(super) async fn alert_page(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    alert_view(&caller, &id, FormErrors::default()).await
}

#[derive(Deserialize)]
pub(super) struct AlertForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn alert_action(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<AlertForm>,
) -> PageResult {
    let r = if f.action == "resolve" {
        alerts::resolve(caller.app(), &caller.actor, &id, &f.note).await
    } else {
        alerts::acknowledge(caller.app(), &caller.actor, &id).await
    };
    after_form(
        &caller,
        r,
        async |_| Ok(Redirect::to(&format!("/alerts/{id}")).into_response()),
        async |errors| alert_view(&caller, &id, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "webhooks.html")]
pub(super) struct WebhooksPage {
    nav: Nav,
    items: Vec<WebhookView>,
    areas: Vec<AreaView>,
    errors: FormErrors,
}

async fn webhooks_view(caller: &PageCaller, errors: FormErrors) -> PageResult {
    let items = notify::list_webhooks(caller.app(), &caller.actor).await?;
    let areas = scope_and_children(caller).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &WebhooksPage {
            nav: Nav::of(caller, "/webhooks"),
            items,
            areas,
            errors,
        },
        rejected,
    ))
}

pub(super) async fn webhooks_page(caller: PageCaller) -> PageResult {
    webhooks_view(&caller, FormErrors::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct WebhookForm {
    area_id: String,
    name: String,
    kind: String,
    url: String,
    secret: String,
}

pub(super) async fn add_webhook(caller: PageCaller, Form(f): Form<WebhookForm>) -> PageResult {
    let input = WebhookInput {
        area_id: f.area_id,
        name: f.name,
        kind: f.kind,
        url: f.url,
        secret: Some(f.secret),
        organization_id: None,
    };
    after_form(
        &caller,
        notify::add_webhook(caller.app(), &caller.actor, &input).await,
        async |_| Ok(Redirect::to("/webhooks").into_response()),
        async |errors| webhooks_view(&caller, errors).await,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct ToggleForm {
    #[serde(default)]
    active: String,
}

pub(super) async fn toggle_webhook(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<ToggleForm>,
) -> PageResult {
    notify::set_active(caller.app(), &caller.actor, &id, f.active == "true").await?;
    Ok(Redirect::to("/webhooks").into_response())
}

/// The alerts of the list as filtered, as .xlsx, every page of them, by when each was first
/// raised, newest first: what happened, to whom, how often, and how it was handled, for the
/// day's report.
pub(super) async fn export_alerts(caller: PageCaller, Query(q): Query<AlertsQuery>) -> PageResult {
    let tr = caller.tr;
    let header = [
        "alert-kind",
        "alert-place",
        "alert-subject",
        "alert-detail",
        "alert-status",
        "alert-occurrences",
        "alert-raised",
        "alert-last",
        "alert-note",
    ]
    .map(|k| tr.t(k));
    let mut sheet = caller.sheet(&tr.t("nav-alerts"), &header)?;
    let (app, actor) = (caller.app(), &caller.actor);
    let (status, kind, area) = (q.status.clone(), q.kind.clone(), q.area.clone());
    sheet
        .push_pages(|after| {
            let filter = alerts::AlertFilter {
                status: status.clone(),
                kind: kind.clone(),
                area: area.clone(),
                after,
                limit: Some(alerts::MAX_ALERTS_PAGE),
            };
            async move {
                let page = alerts::list_by_first_raised(app, actor, &filter).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|a| {
                        vec![
                            tr.of("alert-kind-", a.kind),
                            a.place,
                            a.who.unwrap_or_default(),
                            tr.slot(&a.detail),
                            tr.of("alert-status-", a.status),
                            a.occurrences.to_string(),
                            a.since,
                            a.when,
                            a.resolution_note.unwrap_or_default(),
                        ]
                    })
                    .collect();
                Ok((rows, page.next))
            }
        })
        .await?;
    let date = app.today().format("%Y%m%d");
    Ok(sheet.send(&format!("alerts-{date}.xlsx")).await?)
}
