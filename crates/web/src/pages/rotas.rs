//! The rota page: a stretch of days of the posts below an area, gaps in red, and for the
//! signed-in volunteer the buttons to take, drop, check in and check out — on a phone.

use chrono::NaiveDate;
use sanshe_app::rotas::{self, Gaps, Rota};

use super::*;

#[derive(Template)]
#[template(path = "rota.html")]
pub(super) struct RotaPage {
    nav: Nav,
    areas: Vec<(String, String)>,
    area: String,
    from: String,
    days: u32,
    rota: Option<Rota>,
    summary: Option<Gaps>,
    me: String,
    message: Option<String>,
}

impl RotaPage {
    /// The signed-in person's place on a shift.
    fn mine<'a>(&self, s: &'a rotas::ShiftView) -> Option<&'a rotas::Holder> {
        s.holders.iter().find(|h| h.user_id == self.me)
    }
}

#[derive(Deserialize)]
pub(super) struct RotaQuery {
    area: Option<String>,
    from: Option<NaiveDate>,
    days: Option<u32>,
    done: Option<String>,
}

async fn rota_view(
    state: &AppState,
    caller: &PageCaller,
    q: &RotaQuery,
    message: Option<String>,
) -> PageResult {
    let areas = rotas::home_areas(&state.app, &caller.actor)
        .await
        .or_page(caller)?;
    let area = q
        .area
        .clone()
        .or_else(|| areas.first().map(|a| a.0.clone()))
        .unwrap_or_default();
    let from = q.from.unwrap_or_else(|| state.app.today());
    let days = q.days.unwrap_or(7).clamp(1, rotas::MAX_DAYS);
    // A street or more is summed up per post (its shifts would be tens of thousands of lines);
    // a community and below lists its shifts.
    let (rota, summary) = if area.is_empty() {
        (None, None)
    } else {
        let gaps = rotas::gaps(&state.app, &caller.actor, &area, from, days)
            .await
            .or_page(caller)?;
        if matches!(gaps.area_kind.as_str(), "city" | "district" | "street") {
            (None, Some(gaps))
        } else {
            let rota = rotas::rota(&state.app, &caller.actor, &area, from, days)
                .await
                .or_page(caller)?;
            (Some(rota), None)
        }
    };
    let message = message.or_else(|| {
        q.done
            .as_deref()
            .map(|d| caller.tr.t(&format!("rota-done-{d}")))
    });
    Ok(render_form(
        &RotaPage {
            nav: Nav::of(caller, "/rota"),
            areas,
            area,
            from: from.to_string(),
            days,
            rota,
            summary,
            me: caller.actor.user_id.clone().unwrap_or_default(),
            message,
        },
        false,
    ))
}

pub(super) async fn rota_page(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<RotaQuery>,
) -> PageResult {
    rota_view(&state, &caller, &q, None).await
}

#[derive(Deserialize)]
pub(super) struct ShiftForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    from: String,
}

/// Take, drop, check in or out; back to the rota with what happened.
pub(super) async fn shift_action(
    State(state): State<AppState>,
    caller: PageCaller,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ShiftForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    let (app, actor) = (&state.app, &caller.actor);
    let done = match action.as_str() {
        "take" => rotas::take(app, actor, &id).await,
        "drop" => rotas::drop_shift(app, actor, &id, None).await,
        "check-in" => rotas::check_in(app, actor, &id).await,
        "check-out" => rotas::check_out(app, actor, &id).await.map(|_| ()),
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!(
            "/rota?area={}&from={}&done={action}",
            urlencode(&f.area),
            urlencode(&f.from)
        ))
        .into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let q = RotaQuery {
                area: Some(f.area.clone()),
                from: f.from.parse().ok(),
                days: None,
                done: None,
            };
            let message = FormErrors::from(&e, caller.tr).messages().join(" ");
            let mut resp = rota_view(&state, &caller, &q, Some(message)).await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

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
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

/// A resident's receipt link: where their errand is, and, once delivered, a button to confirm.
pub(super) async fn receipt_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    match sanshe_app::help::receipt_page(&state.app, &token).await {
        Ok(page) => receipt_response(tr, page, None),
        Err(e) => error_page(tr, &e),
    }
}

pub(super) async fn confirm_receipt(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    match sanshe_app::help::confirm_receipt(&state.app, &token).await {
        Ok(page) => receipt_response(tr, page, None),
        Err(AppError::Invalid(f)) => match sanshe_app::help::receipt_page(&state.app, &token).await
        {
            Ok(page) => {
                let msg =
                    f.0.iter()
                        .map(|x| tr.t(x.key))
                        .collect::<Vec<_>>()
                        .join("；");
                receipt_response(tr, page, Some(msg))
            }
            Err(e) => error_page(tr, &e),
        },
        Err(e) => error_page(tr, &e),
    }
}

#[derive(Template)]
#[template(path = "volunteer_apply.html")]
pub(super) struct ApplyPage {
    nav: Nav,
    communities: Vec<(String, String)>,
    skills: Vec<&'static str>,
    form: sanshe_app::volunteers::ApplicationInput,
    errors: FormErrors,
    done: bool,
}

impl ApplyPage {
    /// Whether the form came back with this skill ticked.
    fn chosen(&self, skill: &str) -> bool {
        self.form.skills.iter().any(|s| s == skill)
    }
}

async fn apply_view(
    state: &AppState,
    tr: Tr,
    form: sanshe_app::volunteers::ApplicationInput,
    errors: FormErrors,
    done: bool,
) -> Response {
    let communities = match sanshe_app::volunteers::communities(&state.app).await {
        Ok(c) => c,
        Err(e) => return error_page(tr, &e),
    };
    let rejected = !errors.is_empty();
    render_form(
        &ApplyPage {
            nav: Nav::anonymous(tr, "/volunteer"),
            communities,
            skills: sanshe_app::volunteers::SKILLS.to_vec(),
            form,
            errors,
            done,
        },
        rejected,
    )
}

/// The public sign-up page (no account): a link or QR code leads here.
pub(super) async fn apply_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let tr = Tr::new(request_locale(&headers));
    apply_view(&state, tr, Default::default(), FormErrors::default(), false).await
}

pub(super) async fn submit_application(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    let form = pairs(&body);
    let input = sanshe_app::volunteers::ApplicationInput {
        name: value(&form, "name"),
        document_number: value(&form, "document_number"),
        phone: value(&form, "phone"),
        area_id: value(&form, "area_id"),
        skills: values(&form, "skills"),
        availability: value(&form, "availability"),
        organization: value(&form, "organization"),
        consent: value(&form, "consent") == "yes",
    };
    match sanshe_app::volunteers::apply(&state.app, &input).await {
        Ok(_) => apply_view(&state, tr, Default::default(), FormErrors::default(), true).await,
        Err(e @ AppError::Invalid(_)) => {
            let errors = FormErrors::from(&e, tr);
            apply_view(&state, tr, input, errors, false).await
        }
        Err(e) => error_page(tr, &e),
    }
}
