//! The resident's errand receipt page (`/h/{token}`): where the errand is, and a button to
//! confirm once it is delivered. No account: the token is the key.

use super::*;

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptView {
    tr: Tr,
    page: sanshe_app::help::ReceiptPage,
    error: Option<String>,
}

fn receipt_response(
    tr: Tr,
    page: sanshe_app::help::ReceiptPage,
    error: Option<String>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut resp = render(&ReceiptView { tr, page, error });
    *resp.status_mut() = status;
    // The token is the key to the page: keep it out of caches.
    no_store(&mut resp);
    resp
}

/// A resident's receipt link: where their errand is, and, once delivered, a button to confirm.
pub(super) async fn receipt_page(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
) -> PageResult {
    let page = sanshe_app::help::receipt_page(&state.app, &token).await?;
    Ok(receipt_response(tr, page, None))
}

pub(super) async fn confirm_receipt(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
) -> PageResult {
    match sanshe_app::help::confirm_receipt(&state.app, &token).await {
        Ok(page) => Ok(receipt_response(tr, page, None)),
        Err(AppError::Invalid(f)) => {
            let page = sanshe_app::help::receipt_page(&state.app, &token).await?;
            Ok(receipt_response(tr, page, Some(tr.fields(&f))))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "errands.html")]
pub(super) struct ErrandsPage {
    nav: Nav,
    items: Vec<sanshe_app::help::HelpView>,
    /// Requests still being worked on that the list leaves out.
    unlisted: i64,
    all: bool,
    pager: Pager,
    areas: Vec<(String, String)>,
    assignable: std::collections::HashMap<String, sanshe_app::help::Offered>,
    me: String,
    message: Option<String>,
    form: FormErrors,
    input: sanshe_app::help::HelpInput,
}

impl ErrandsPage {
    /// Whether the signed-in person runs errands here as a worker (assigns, cancels).
    fn worker(&self) -> bool {
        self.nav.frontline
    }

    /// Whom the worker may give this open errand to (no one for any other errand).
    fn assignable_to(&self, h: &sanshe_app::help::HelpView) -> &[sanshe_app::help::Assignable] {
        self.assignable
            .get(&h.id)
            .map_or(&[], |o| o.people.as_slice())
    }

    /// How many more this open errand could be given to than its list offers.
    fn unlisted_for(&self, h: &sanshe_app::help::HelpView) -> i64 {
        self.assignable
            .get(&h.id)
            .map_or(0, |o| o.total - o.people.len() as i64)
    }

    /// Whether the errand is the signed-in volunteer's.
    fn mine(&self, h: &sanshe_app::help::HelpView) -> bool {
        h.volunteer_id.as_deref() == Some(self.me.as_str())
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ErrandsQuery {
    all: Option<String>,
    before: Option<String>,
    done: Option<String>,
}

/// Which errands the page lists: the active ones, or all of them, the finished a page at a
/// time (those recorded before `before`).
#[derive(Clone, Copy)]
enum Listing<'a> {
    Active,
    All { before: Option<&'a str> },
}

/// Finished errands on one page: a phone's screenful or a few.
const FINISHED_PER_PAGE: i64 = 50;

async fn errands_view(
    caller: &PageCaller,
    listing: Listing<'_>,
    message: Option<String>,
    form: FormErrors,
    input: sanshe_app::help::HelpInput,
) -> PageResult {
    let (app, actor) = (caller.app(), &caller.actor);
    let (all, before) = match listing {
        Listing::All { before } => (true, before),
        Listing::Active => (false, None),
    };
    let page = sanshe_app::help::list(app, actor, !all, before, FINISHED_PER_PAGE).await?;
    let (items, next, unlisted) = (page.items, page.next, page.unlisted);
    let pager = Pager::by_cursor(
        "/errands",
        &[("all", Some("1"))],
        "before",
        before,
        next.as_deref(),
    );
    let areas = sanshe_app::rotas::home_areas(app, actor).await?;
    let assignable = sanshe_app::help::assignable(app, actor, &items).await?;
    let rejected = !form.is_empty();
    Ok(render_form(
        &ErrandsPage {
            nav: Nav::of(caller, "/errands"),
            items,
            unlisted,
            all,
            pager,
            areas,
            assignable,
            me: actor.user_id.clone().unwrap_or_default(),
            message,
            form,
            input,
        },
        rejected,
    ))
}

/// Errands (代买代办) of the caller's areas, most pressing first, with the steps each allows.
pub(super) async fn errands_page(caller: PageCaller, Query(q): Query<ErrandsQuery>) -> PageResult {
    let message = q
        .done
        .as_deref()
        .map(|d| caller.tr.t(&format!("errand-done-{d}")));
    let listing = match q.all {
        Some(_) => Listing::All {
            before: q.before.as_deref(),
        },
        None => Listing::Active,
    };
    errands_view(
        &caller,
        listing,
        message,
        FormErrors::default(),
        sanshe_app::help::HelpInput {
            urgency: "today".into(),
            ..Default::default()
        },
    )
    .await
}

/// Every errand the caller may see as a sheet: the active ones, then every finished one, latest
/// first, with what was advanced and when it was delivered (what a reimbursement needs). The
/// contact's phone stays out.
pub(super) async fn export_errands(caller: PageCaller) -> PageResult {
    let (app, actor, tr) = (caller.app(), &caller.actor, caller.tr);
    let header = [
        "errand-asked",
        "errand-address",
        "link-help-for-whom",
        "link-help-needs",
        "link-help-urgency",
        "errand-status",
        "errand-volunteer",
        "errand-cost",
        "errand-delivered",
        "errand-confirmed",
        "errand-cancel-reason",
    ]
    .map(|k| tr.t(k));
    let mut sheet = caller.sheet("errands", &header)?;
    let yes_no = move |b: bool| tr.t(if b { "yes" } else { "no" });
    sheet
        .push_pages(|before| async move {
            let page = sanshe_app::help::list(app, actor, false, before.as_deref(), 500).await?;
            let rows = page
                .items
                .into_iter()
                .map(|h| {
                    vec![
                        h.asked,
                        h.address,
                        h.for_whom,
                        h.needs,
                        tr.of("help-urgency-", h.urgency),
                        tr.of("help-status-", h.status),
                        h.volunteer.unwrap_or_default(),
                        h.cost.unwrap_or_default(),
                        h.delivered.unwrap_or_default(),
                        yes_no(h.confirmed),
                        h.cancel_reason.unwrap_or_default(),
                    ]
                })
                .collect();
            Ok((rows, page.next))
        })
        .await?;
    Ok(sheet.send("errands.xlsx").await?)
}

/// Records an errand from the page (an address in one of the caller's areas).
pub(super) async fn create_errand(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let area = value(&form, "area_id");
    let input = sanshe_app::help::HelpInput {
        household_id: None,
        area_id: (!area.is_empty()).then_some(area),
        address: value(&form, "address"),
        for_whom: value(&form, "for_whom"),
        needs: value(&form, "needs"),
        urgency: value(&form, "urgency"),
        contact: value(&form, "contact"),
    };
    after_form(
        &caller,
        sanshe_app::help::ask(caller.app(), &caller.actor, &input).await,
        async |_| Ok(Redirect::to("/errands?done=asked").into_response()),
        async |errors| errands_view(&caller, Listing::Active, None, errors, input).await,
    )
    .await
}

/// One step of an errand from the page; back to the list with what happened.
pub(super) async fn errand_step(
    caller: PageCaller,
    Path((id, step)): Path<(String, String)>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let optional = |k: &str| Some(value(&form, k)).filter(|v| !v.is_empty());
    let input = sanshe_app::help::StepInput {
        step: step.clone(),
        user_id: optional("user_id"),
        cost: optional("cost"),
        reason: optional("reason"),
    };
    after_form(
        &caller,
        sanshe_app::help::step(caller.app(), &caller.actor, &id, &input).await,
        async |_| Ok(Redirect::to(&format!("/errands?done={}", urlencode(&step))).into_response()),
        async |errors| {
            let message = errors.messages().join(" ");
            let mut resp = errands_view(
                &caller,
                Listing::Active,
                Some(message),
                FormErrors::default(),
                sanshe_app::help::HelpInput {
                    urgency: "today".into(),
                    ..Default::default()
                },
            )
            .await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "errand_call.html")]
pub(super) struct ErrandCallPage {
    nav: Nav,
    phone: String,
}

/// The contact's number to call, for the volunteer holding the errand (audited each time).
pub(super) async fn errand_call(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let phone = sanshe_app::help::phone_to_call(caller.app(), &caller.actor, &id).await?;
    let mut resp = render(&ErrandCallPage {
        nav: Nav::of(&caller, "/errands"),
        phone,
    });
    // A whole number: not to be kept in the browser's cache.
    no_store(&mut resp);
    Ok(resp)
}
