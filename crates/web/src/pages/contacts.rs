//! Pages of arrivals from elsewhere and close contacts (M5): the lists with their period and
//! workbook, and the forms that register one at a household.

use sanshe_app::contacts::{
    self, ArrivalInput, ContactInput, IsolationChoice, PersonRef, TraceView,
};
use sanshe_app::cursor::Paging;
use sanshe_app::period::Period;
use sanshe_core::contacts::Trace;

use super::*;

#[derive(Template)]
#[template(path = "traces.html")]
pub(super) struct TracesPage {
    nav: Nav,
    arrivals: bool,
    /// `/arrivals` or `/contacts`.
    path: &'static str,
    /// The period asked for, as typed.
    period: Period,
    /// The first day of the last fourteen (the observation period of 2020's rules).
    fortnight_from: String,
    /// A page of them, latest first.
    items: Vec<TraceView>,
    /// How many there are in scope and period.
    total: i64,
    pager: Pager,
    /// The workbook of the period.
    export: String,
    /// A mistyped day, beside its field.
    errors: FormErrors,
}

/// Where a list of arrivals or contacts lives.
fn trace_path(trace: Trace) -> &'static str {
    match trace {
        Trace::Arrivals => "/arrivals",
        Trace::Contacts => "/contacts",
    }
}

pub(super) async fn arrivals_page(
    caller: PageCaller,
    Query(f): Query<Paging>,
    Query(period): Query<Period>,
) -> PageResult {
    traces_page(caller, Trace::Arrivals, f, period).await
}

pub(super) async fn contacts_page(
    caller: PageCaller,
    Query(f): Query<Paging>,
    Query(period): Query<Period>,
) -> PageResult {
    traces_page(caller, Trace::Contacts, f, period).await
}

async fn traces_page(caller: PageCaller, trace: Trace, f: Paging, period: Period) -> PageResult {
    let listed = contacts::traces(caller.app(), &caller.actor, trace, &f, &period).await;
    let (page, errors) = listed_or_refused(&caller, listed)?;
    let path = trace_path(trace);
    let filters = period.pairs();
    let pager = Pager::by_cursor(
        path,
        &filters,
        "after",
        f.after.as_deref(),
        page.next.as_deref(),
    );
    let export = link_to(&format!("{path}/export.xlsx"), &filters);
    let fortnight_from = caller.app().today() - chrono::Duration::days(13);
    Ok(render(&TracesPage {
        nav: Nav::of(&caller, path),
        arrivals: trace == Trace::Arrivals,
        path,
        period,
        fortnight_from: fortnight_from.format("%Y-%m-%d").to_string(),
        items: page.items,
        total: page.total,
        pager,
        export,
        errors,
    }))
}

/// The arrivals in scope and period as .xlsx, every page of them: the list a community sends
/// up each day.
pub(super) async fn export_arrivals(
    caller: PageCaller,
    Query(period): Query<Period>,
) -> PageResult {
    export_traces(caller, Trace::Arrivals, period).await
}

/// The close contacts in scope and period as .xlsx, every page of them.
pub(super) async fn export_contacts(
    caller: PageCaller,
    Query(period): Query<Period>,
) -> PageResult {
    export_traces(caller, Trace::Contacts, period).await
}

async fn export_traces(caller: PageCaller, trace: Trace, period: Period) -> PageResult {
    let (tr, arrivals) = (caller.tr, trace == Trace::Arrivals);
    let header: Vec<String> = if arrivals {
        vec![
            "name",
            "address",
            "arrival-origin",
            "arrival-transport",
            "arrival-date",
        ]
    } else {
        vec!["name", "address", "contact-index", "contact-date"]
    }
    .into_iter()
    .chain(["visit-note", "trace-isolated-column"])
    .map(|k| tr.t(k))
    .collect();
    // A mistyped day is refused before a workbook is started.
    period.open()?;
    let mut sheet = caller.sheet(
        &tr.t(if arrivals {
            "nav-arrivals"
        } else {
            "nav-contacts"
        }),
        &header,
    )?;
    let (app, actor, period) = (caller.app(), &caller.actor, &period);
    let yes_no = move |b: bool| tr.t(if b { "yes" } else { "no" });
    sheet
        .push_pages(|after| async move {
            let page = contacts::traces(app, actor, trace, &Paging::largest(after), period).await?;
            let rows = page
                .items
                .into_iter()
                .map(|t| {
                    let mut row = vec![t.name, format!("{} {}", t.area_name, t.address), t.from];
                    if arrivals {
                        row.push(t.how.map(|h| tr.of("transport-", h)).unwrap_or_default());
                    }
                    row.extend([t.date, t.note, yes_no(t.isolated)]);
                    row
                })
                .collect();
            Ok((rows, page.next))
        })
        .await?;
    let date = app.today().format("%Y%m%d");
    let name = if arrivals { "arrivals" } else { "contacts" };
    Ok(sheet.send(&format!("{name}-{date}.xlsx")).await?)
}

#[derive(Template)]
#[template(path = "trace_form.html")]
pub(super) struct TraceFormPage {
    nav: Nav,
    arrival: bool,
    household: HouseholdView,
    residents: Vec<ResidentView>,
    today: String,
    errors: FormErrors,
}

async fn trace_form_view(
    caller: &PageCaller,
    household_id: &str,
    arrival: bool,
    errors: FormErrors,
) -> PageResult {
    let (household, residents) =
        sanshe_app::registry::household(caller.app(), &caller.actor, household_id).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &TraceFormPage {
            nav: Nav::of(
                caller,
                &format!(
                    "/households/{household_id}/{}",
                    if arrival { "arrival" } else { "contact" }
                ),
            ),
            arrival,
            household,
            residents,
            today: caller.app().today().format("%Y-%m-%d").to_string(),
            errors,
        },
        rejected,
    ))
}

pub(super) async fn arrival_form(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    trace_form_view(&caller, &id, true, FormErrors::default()).await
}

pub(super) async fn contact_form(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    trace_form_view(&caller, &id, false, FormErrors::default()).await
}

fn person_of(form: &[(String, String)], household_id: &str) -> PersonRef {
    let chosen = value(form, "resident_id");
    if !chosen.is_empty() && chosen != "new" {
        return PersonRef {
            resident_id: Some(chosen),
            ..Default::default()
        };
    }
    PersonRef {
        resident_id: None,
        household_id: Some(household_id.to_string()),
        resident: Some(sanshe_core::registry::ResidentInput {
            name: value(form, "name"),
            document_number: value(form, "document_number"),
            phone: value(form, "phone"),
            ..Default::default()
        }),
    }
}

fn isolation_of(form: &[(String, String)]) -> Option<IsolationChoice> {
    (value(form, "isolate") == "on").then(|| IsolationChoice {
        kind: value(form, "kind"),
        follow_up: Some(value(form, "follow_up")),
        worker_id: None,
    })
}

pub(super) async fn register_arrival(
    caller: PageCaller,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    register_trace(caller, id, true, form).await
}

pub(super) async fn register_contact(
    caller: PageCaller,
    Path(id): Path<String>,
    form: FormPairs,
) -> PageResult {
    register_trace(caller, id, false, form).await
}

async fn register_trace(
    caller: PageCaller,
    id: String,
    arrival: bool,
    FormPairs(form): FormPairs,
) -> PageResult {
    let result = if arrival {
        contacts::register_arrival(
            caller.app(),
            &caller.actor,
            &ArrivalInput {
                person: person_of(&form, &id),
                origin: value(&form, "origin"),
                arrival_date: value(&form, "date"),
                transport: value(&form, "transport"),
                note: value(&form, "note"),
                isolation: isolation_of(&form),
            },
        )
        .await
    } else {
        contacts::register_contact(
            caller.app(),
            &caller.actor,
            &ContactInput {
                person: person_of(&form, &id),
                index_resident_id: None,
                index_label: value(&form, "index_label"),
                last_contact_date: value(&form, "date"),
                note: value(&form, "note"),
                isolation: isolation_of(&form),
            },
        )
        .await
    };
    after_form(
        &caller,
        result,
        async |r| {
            Ok(Redirect::to(&match r.episode_id {
                Some(e) => format!("/isolations/{e}"),
                None => trace_path(if arrival {
                    Trace::Arrivals
                } else {
                    Trace::Contacts
                })
                .to_string(),
            })
            .into_response())
        },
        async |errors| trace_form_view(&caller, &id, arrival, errors).await,
    )
    .await
}
