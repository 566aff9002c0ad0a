//! Server-rendered pages for the browser: each handler extracts, calls the same use case as the
//! API, and renders an askama template in the user's language.

// A failed page is a rendered error `Response`; it is built once per failed request, so its
// size on the error path does not matter and boxing it would only add noise.
#![allow(clippy::result_large_err)]

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use sanshe_app::AppError;
use sanshe_app::accounts::{self, GrantTarget, UserView};
use sanshe_app::areas::{self, AreaView};
use sanshe_app::audit::{self, AuditEntryView};
use sanshe_app::imports::{self, ImportReport};
use sanshe_app::organizations::{self, LinkageView, OrganizationView};
use sanshe_app::registry::{
    self, FLAGS, HouseholdTarget, HouseholdView, ResidentSearch, ResidentView, Revealed,
};
use sanshe_core::accounts::{Action, Role, Target};
use sanshe_core::areas::AreaKind;
use sanshe_core::identity::DocumentKind;
use sanshe_core::organizations::OrganizationKind;
use sanshe_core::registry::{ResidentFlags, ResidentInput};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{LANG_COOKIE, PageCaller, SESSION_COOKIE, request_locale, urlencode};
use crate::error::classify;
use crate::i18n::{Locale, Tr};

/// What the page frame shows: language, user, CSRF token and which menu entries apply.
pub struct Nav {
    /// Translator.
    pub tr: Tr,
    /// Signed-in user's display name.
    pub user: Option<String>,
    /// CSRF token for forms.
    pub csrf: String,
    /// This page's path (for the language switch).
    pub here: String,
    /// Show registry entries.
    pub registry: bool,
    /// Show user management.
    pub users: bool,
    /// Show the audit log.
    pub audit: bool,
}

impl Nav {
    fn of(caller: &PageCaller, here: &str) -> Nav {
        let a = &caller.actor;
        Nav {
            tr: caller.tr,
            user: Some(a.display_name.clone()),
            csrf: caller.csrf.clone(),
            here: urlencode(here),
            registry: !a.scope(Action::EditRegistry).is_empty(),
            users: !a.scope(Action::ManageUsers).is_empty() || a.has_role(Role::OrgAdmin),
            audit: !a.scope(Action::ReadAudit).is_empty(),
        }
    }

    fn anonymous(tr: Tr, here: &str) -> Nav {
        Nav {
            tr,
            user: None,
            csrf: String::new(),
            here: urlencode(here),
            registry: false,
            users: false,
            audit: false,
        }
    }
}

/// Field errors of a form, translated.
#[derive(Default)]
pub struct FormErrors(Vec<(String, String)>);

impl FormErrors {
    fn from(e: &AppError, tr: Tr) -> FormErrors {
        match e {
            AppError::Invalid(f) => {
                FormErrors(f.0.iter().map(|x| (x.field.clone(), tr.t(x.key))).collect())
            }
            _ => FormErrors::default(),
        }
    }

    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether `field` was rejected.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// Whether nothing was rejected.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Nav,
    message: String,
    details: Vec<String>,
}

/// A friendly error page with the right status.
pub fn error_page(tr: Tr, e: &AppError) -> Response {
    let (status, key) = classify(e);
    if let AppError::Internal(msg) = e {
        tracing::error!(error = %msg, "internal error");
    }
    let details = match e {
        AppError::Invalid(f) => f.0.iter().map(|x| tr.t(x.key)).collect(),
        _ => Vec::new(),
    };
    let mut resp = render(&ErrorPage {
        nav: Nav::anonymous(tr, "/"),
        message: tr.t(key),
        details,
    });
    *resp.status_mut() = status;
    resp
}

/// A page handler's result: the page, or the error page.
type PageResult = Result<Response, Response>;

trait OrPage<T> {
    fn or_page(self, caller: &PageCaller) -> Result<T, Response>;
}

impl<T> OrPage<T> for sanshe_app::Result<T> {
    fn or_page(self, caller: &PageCaller) -> Result<T, Response> {
        self.map_err(|e| {
            if matches!(e, AppError::Unauthorized) {
                return Redirect::to("/login").into_response();
            }
            let mut resp = error_page(caller.tr, &e);
            // Keep the signed-in frame so the user can navigate on.
            if let Ok(html) = (ErrorPage {
                nav: Nav::of(caller, "/"),
                message: caller.tr.t(classify(&e).1),
                details: Vec::new(),
            })
            .render()
            {
                let status = resp.status();
                resp = Html(html).into_response();
                *resp.status_mut() = status;
            }
            resp
        })
    }
}

/// Routes of the pages and assets.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang/{tag}", get(switch_language))
        .route("/assets/{file}", get(asset))
        .route("/areas/{id}", get(area))
        .route("/areas/{id}/children", post(add_area))
        .route("/households/{id}", get(household))
        .route("/residents", get(residents))
        .route("/residents/export.xlsx", get(export_residents))
        .route("/residents/export", get(start_resident_export))
        .route("/exports/{id}", get(export_job_page))
        .route("/exports/{id}/download", get(download_export))
        .route(
            "/residents/new",
            get(new_resident_form).post(create_resident),
        )
        .route("/residents/{id}", get(resident))
        .route(
            "/residents/{id}/edit",
            get(edit_resident_form).post(update_resident),
        )
        .route("/residents/{id}/reveal", post(reveal_resident))
        .route("/residents/{id}/merge", post(merge_resident))
        .route("/residents/{id}/move", post(move_resident))
        .route("/import", get(import_form).post(run_import))
        .route("/import/template.xlsx", get(import_template))
        .route("/import/report.xlsx", post(import_report))
        .route(
            "/organizations",
            get(organizations_page).post(register_organization),
        )
        .route("/organizations/{id}", get(organization_page))
        .route("/organizations/{id}/linkages", post(add_linkage))
        .route("/linkages/{id}/delete", get(confirm_unlink).post(unlink))
        .route("/users", get(users_page).post(create_user))
        .route("/users/import", post(onboard_users))
        .route("/audit", get(audit_page))
        .route("/audit/export.xlsx", get(export_audit))
        .route("/users/export.xlsx", get(export_users))
        .route("/organizations/export.xlsx", get(export_organizations))
        .route("/areas/{id}/households.xlsx", get(export_households))
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "sanshe.css" => (
            include_str!("../assets/sanshe.css"),
            "text/css; charset=utf-8",
        ),
        "confirm.js" => (
            include_str!("../assets/confirm.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    error: Option<String>,
    next: String,
    username: String,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn safe_next(next: Option<&str>) -> String {
    // Only local paths: an open redirect would let a phishing link borrow our sign-in page.
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn login_form(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    let tr = Tr::new(request_locale(&headers));
    render(&LoginPage {
        nav: Nav::anonymous(tr, "/login"),
        error: None,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    match accounts::sign_in(&state.app, &f.username, &f.password, "web").await {
        Ok(s) => {
            let cookie = session_cookie(&state, &s.token, state.app.session_ttl_ms / 1000);
            (
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&safe_next(Some(&f.next))),
            )
                .into_response()
        }
        Err(e) => {
            let (status, key) = classify(&e);
            let message = match &e {
                AppError::Invalid(f) => {
                    f.0.first()
                        .map(|x| tr.t(x.key))
                        .unwrap_or_else(|| tr.t(key))
                }
                _ => tr.t(key),
            };
            let mut resp = render(&LoginPage {
                nav: Nav::anonymous(tr, "/login"),
                error: Some(message),
                next: safe_next(Some(&f.next)),
                username: f.username,
            });
            *resp.status_mut() = if status == StatusCode::UNPROCESSABLE_ENTITY {
                StatusCode::UNAUTHORIZED
            } else {
                status
            };
            resp
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    caller: PageCaller,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    accounts::sign_out(&state.app, &caller.token)
        .await
        .or_page(&caller)?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&state, "", 0))],
        Redirect::to("/login"),
    )
        .into_response())
}

async fn switch_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(tag): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let locale = Locale::parse(&tag);
    if let Some(token) = crate::auth::cookie(&headers, SESSION_COOKIE)
        && let Ok((actor, _)) = accounts::authenticate(&state.app, &token).await
    {
        let _ = accounts::set_locale(&state.app, &actor, locale.tag()).await;
    }
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        locale.tag()
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.next.as_deref())),
    )
        .into_response()
}

/// A scope root with its resident count.
pub struct RootSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Level.
    pub kind: String,
    /// Residents below it.
    pub residents: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Nav,
    welcome: String,
    roots: Vec<RootSummary>,
    grants: Vec<String>,
}

async fn home(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    let roots = areas::scope_roots(&state.app, &caller.actor)
        .await
        .or_page(&caller)?;
    let mut summaries = Vec::new();
    for r in roots {
        let page = registry::search(
            &state.app,
            &caller.actor,
            &ResidentSearch {
                area: Some(r.id.clone()),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .or_page(&caller)?;
        summaries.push(RootSummary {
            id: r.id,
            name: r.name,
            kind: r.kind,
            residents: page.total,
        });
    }
    let tr = caller.tr;
    let grants = caller
        .actor
        .grants
        .iter()
        .filter(|g| !g.role.is_area_role())
        .map(|g| tr.of("role-", g.role.as_str()))
        .collect();
    Ok(render(&HomePage {
        nav: Nav::of(&caller, "/"),
        welcome: tr.named("home-welcome", &caller.actor.display_name),
        roots: summaries,
        grants,
    }))
}

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage {
    nav: Nav,
    area: AreaView,
    lineage: Vec<AreaView>,
    children: Vec<AreaView>,
    households: Vec<HouseholdView>,
    next: Option<String>,
    resident_count: i64,
    can_edit: bool,
    can_add_child: bool,
    holds_households: bool,
    child_kind: Option<&'static str>,
    official: Vec<sanshe_app::divisions::Division>,
}

#[derive(Deserialize)]
struct AfterQuery {
    after: Option<String>,
}

async fn area(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> PageResult {
    let page = areas::area_page(&state.app, &caller.actor, &id)
        .await
        .or_page(&caller)?;
    let row = areas::visible_area(&state.app, &caller.actor, &id)
        .await
        .or_page(&caller)?;
    let kind = AreaKind::parse(&page.area.kind).unwrap_or(AreaKind::Community);
    let (households, next) = if kind >= AreaKind::Community {
        registry::households(&state.app, &caller.actor, Some(&id), q.after.as_deref(), 50)
            .await
            .or_page(&caller)?
    } else {
        (Vec::new(), None)
    };
    let count = registry::search(
        &state.app,
        &caller.actor,
        &ResidentSearch {
            area: Some(id.clone()),
            limit: Some(1),
            ..Default::default()
        },
    )
    .await
    .or_page(&caller)?
    .total;
    let can_edit = caller
        .actor
        .may(Action::EditRegistry, Target::Area(&row.path));
    let child_kind = kind.child();
    let can_add_child = match child_kind {
        Some(k) if k >= AreaKind::Compound => can_edit,
        Some(_) => caller
            .actor
            .may(Action::ManageAreas, Target::Area(&row.path)),
        None => false,
    };
    let official = if can_add_child {
        areas::unused_official_children(&state.app, &caller.actor, &id)
            .await
            .or_page(&caller)?
    } else {
        Vec::new()
    };
    let here = format!("/areas/{id}");
    Ok(render(&AreaPage {
        nav: Nav::of(&caller, &here),
        area: page.area,
        lineage: page.lineage,
        children: page.children,
        households,
        next,
        resident_count: count,
        can_edit,
        can_add_child,
        holds_households: kind.holds_households(),
        child_kind: child_kind.map(|k| k.as_str()),
        official,
    }))
}

#[derive(Deserialize)]
struct NewAreaForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
}

async fn add_area(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<NewAreaForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    let a = areas::add_area(&state.app, &caller.actor, &id, &f.name, &f.code)
        .await
        .or_page(&caller)?;
    Ok(Redirect::to(&format!("/areas/{}", a.id)).into_response())
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    nav: Nav,
    h: HouseholdView,
    residents: Vec<ResidentView>,
    can_edit: bool,
}

async fn household(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    let (h, residents) = registry::household(&state.app, &caller.actor, &id)
        .await
        .or_page(&caller)?;
    let area = areas::visible_area(&state.app, &caller.actor, &h.area_id)
        .await
        .or_page(&caller)?;
    let can_edit = caller
        .actor
        .may(Action::EditRegistry, Target::Area(&area.path));
    Ok(render(&HouseholdPage {
        nav: Nav::of(&caller, &format!("/households/{id}")),
        h,
        residents,
        can_edit,
    }))
}

#[derive(Template)]
#[template(path = "residents.html")]
struct ResidentsPage {
    nav: Nav,
    items: Vec<ResidentView>,
    total: i64,
    next: Option<String>,
    area: Option<String>,
    area_name: Option<String>,
    q: String,
    q_error: Option<String>,
    sort: String,
    flags: Vec<(&'static str, bool)>,
    base_query: String,
    export_query: String,
    has_cursor: bool,
}

#[derive(Deserialize, Default)]
struct ResidentListQuery {
    area: Option<String>,
    q: Option<String>,
    flag: Option<String>,
    sort: Option<String>,
    after: Option<String>,
}

fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", urlencode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn residents(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<ResidentListQuery>,
) -> PageResult {
    let search = ResidentSearch {
        area: q.area.clone(),
        q: q.q.clone(),
        flag: q.flag.clone(),
        sort: q.sort.clone(),
        after: q.after.clone(),
        limit: Some(50),
    };
    let (page, q_error) = match registry::search(&state.app, &caller.actor, &search).await {
        Ok(p) => (p, None),
        Err(AppError::Invalid(f)) => (
            sanshe_app::registry::ResidentPage {
                items: Vec::new(),
                total: 0,
                next: None,
            },
            f.0.first().map(|x| caller.tr.t(x.key)),
        ),
        Err(e) => return Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    };
    let area_name = match q.area.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => areas::visible_area(&state.app, &caller.actor, a)
            .await
            .ok()
            .map(|a| a.name),
        None => None,
    };
    let base_query = query_string(&[
        ("area", q.area.as_deref()),
        ("q", q.q.as_deref()),
        ("flag", q.flag.as_deref()),
        ("sort", q.sort.as_deref()),
    ]);
    let export_query = query_string(&[
        ("area", q.area.as_deref()),
        ("q", q.q.as_deref()),
        ("flag", q.flag.as_deref()),
    ]);
    Ok(render(&ResidentsPage {
        nav: Nav::of(&caller, &format!("/residents?{base_query}")),
        items: page.items,
        total: page.total,
        next: page.next,
        area: q.area.filter(|a| !a.is_empty()),
        area_name,
        q: q.q.unwrap_or_default(),
        q_error,
        sort: q.sort.unwrap_or_else(|| "name".into()),
        flags: FLAGS
            .iter()
            .map(|f| (*f, q.flag.as_deref() == Some(*f)))
            .collect(),
        base_query,
        export_query,
        has_cursor: q.after.is_some_and(|a| !a.is_empty()),
    }))
}

async fn export_residents(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<ResidentListQuery>,
) -> PageResult {
    let search = ResidentSearch {
        area: q.area,
        q: q.q,
        flag: q.flag,
        ..Default::default()
    };
    let bytes = registry::export(&state.app, &caller.actor, &search, None, &|_, _| {})
        .await
        .or_page(&caller)?;
    Ok(crate::api::xlsx(bytes, "residents.xlsx"))
}

#[derive(Template)]
#[template(path = "resident_form.html")]
struct ResidentFormPage {
    nav: Nav,
    heading: String,
    action: String,
    cancel: String,
    input: ResidentInput,
    errors: FormErrors,
    document_kinds: Vec<(&'static str, bool)>,
    household_label: Option<String>,
    household_id: String,
    new_household: bool,
    area_id: String,
    area_label: String,
    building: String,
    unit: String,
    room: String,
}

#[derive(Deserialize)]
struct NewResidentQuery {
    area: Option<String>,
    household: Option<String>,
}

#[derive(Deserialize, Default)]
struct ResidentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    household_id: String,
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    document_kind: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    phone: String,
    living_alone: Option<String>,
    disabled: Option<String>,
    chronic_illness: Option<String>,
    pregnant: Option<String>,
}

impl ResidentForm {
    fn input(&self) -> ResidentInput {
        ResidentInput {
            name: self.name.clone(),
            sex: self.sex.clone(),
            birth_date: self.birth_date.clone(),
            document_kind: self.document_kind.clone(),
            document_number: self.document_number.clone(),
            phone: self.phone.clone(),
            flags: ResidentFlags {
                living_alone: self.living_alone.is_some(),
                elderly_80: false,
                disabled: self.disabled.is_some(),
                chronic_illness: self.chronic_illness.is_some(),
                pregnant: self.pregnant.is_some(),
            },
        }
    }
}

fn document_kinds(selected: &str) -> Vec<(&'static str, bool)> {
    DocumentKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str(),
                k.as_str() == selected || (selected.is_empty() && *k == DocumentKind::MainlandId),
            )
        })
        .collect()
}

async fn resident_form_page(
    state: &AppState,
    caller: &PageCaller,
    form: ResidentForm,
    errors: FormErrors,
) -> PageResult {
    let tr = caller.tr;
    let (household_label, new_household, area_label, cancel) = if !form.household_id.is_empty() {
        let (h, _) = registry::household(&state.app, &caller.actor, &form.household_id)
            .await
            .or_page(caller)?;
        (
            Some(format!("{} {}", h.area_name, h.address)),
            false,
            String::new(),
            format!("/households/{}", h.id),
        )
    } else {
        let a = areas::visible_area(&state.app, &caller.actor, &form.area_id)
            .await
            .or_page(caller)?;
        (None, true, a.name.clone(), format!("/areas/{}", a.id))
    };
    let mut input = form.input();
    if input.document_kind.is_empty() {
        input.document_kind = "mainland_id".into();
    }
    let mut resp = render(&ResidentFormPage {
        nav: Nav::of(caller, "/residents/new"),
        heading: tr.t("resident-add"),
        action: "/residents/new".into(),
        cancel,
        document_kinds: document_kinds(&input.document_kind),
        input,
        errors,
        household_label,
        household_id: form.household_id.clone(),
        new_household,
        area_id: form.area_id.clone(),
        area_label,
        building: form.building.clone(),
        unit: form.unit.clone(),
        room: form.room.clone(),
    });
    if !form.csrf.is_empty() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn new_resident_form(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<NewResidentQuery>,
) -> PageResult {
    let form = ResidentForm {
        household_id: q.household.unwrap_or_default(),
        area_id: q.area.unwrap_or_default(),
        ..Default::default()
    };
    if form.household_id.is_empty() && form.area_id.is_empty() {
        return Err(error_page(
            caller.tr,
            &AppError::field("area", "err-required"),
        ));
    }
    resident_form_page(&state, &caller, form, FormErrors::default()).await
}

async fn create_resident(
    State(state): State<AppState>,
    caller: PageCaller,
    Form(f): Form<ResidentForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    let target = if !f.household_id.is_empty() {
        HouseholdTarget::Existing {
            household_id: f.household_id.clone(),
        }
    } else {
        HouseholdTarget::Address {
            area_id: f.area_id.clone(),
            building: f.building.clone(),
            unit: f.unit.clone(),
            room: f.room.clone(),
        }
    };
    match registry::add_resident(&state.app, &caller.actor, &target, &f.input()).await {
        Ok(r) => Ok(Redirect::to(&format!("/residents/{}?saved=1", r.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let errors = FormErrors::from(&e, caller.tr);
            resident_form_page(&state, &caller, f, errors).await
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

#[derive(Template)]
#[template(path = "resident.html")]
struct ResidentPage {
    nav: Nav,
    r: ResidentView,
    revealed: Option<Revealed>,
    reveal_error: Option<String>,
    can_edit: bool,
    can_reveal: bool,
    saved: bool,
    move_targets: Vec<AreaView>,
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn resident_page(
    state: &AppState,
    caller: &PageCaller,
    id: &str,
    revealed: Option<Revealed>,
    reveal_error: Option<String>,
    saved: bool,
) -> PageResult {
    let r = registry::get(&state.app, &caller.actor, id)
        .await
        .or_page(caller)?;
    let (h, _) = registry::household(&state.app, &caller.actor, &r.household_id)
        .await
        .or_page(caller)?;
    let area = areas::visible_area(&state.app, &caller.actor, &h.area_id)
        .await
        .or_page(caller)?;
    let target = Target::Area(&area.path);
    let can_edit = caller.actor.may(Action::EditRegistry, target);
    let can_reveal = caller.actor.may(Action::RevealPersonal, target);
    let move_targets = if can_edit {
        let mut t = areas::search(&state.app, &caller.actor, Some("compound"), None, 500)
            .await
            .or_page(caller)?;
        t.extend(
            areas::search(&state.app, &caller.actor, Some("community"), None, 500)
                .await
                .or_page(caller)?,
        );
        t
    } else {
        Vec::new()
    };
    let mut resp = render(&ResidentPage {
        nav: Nav::of(caller, &format!("/residents/{id}")),
        r,
        revealed,
        reveal_error: reveal_error.clone(),
        can_edit,
        can_reveal,
        saved,
        move_targets,
    });
    if reveal_error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn resident(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    resident_page(&state, &caller, &id, None, None, q.saved.is_some()).await
}

#[derive(Deserialize)]
struct RevealForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn reveal_resident(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<RevealForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    match registry::reveal(&state.app, &caller.actor, &id, &f.reason).await {
        Ok(v) => resident_page(&state, &caller, &id, Some(v), None, false).await,
        Err(e @ AppError::Invalid(_)) => {
            resident_page(
                &state,
                &caller,
                &id,
                None,
                FormErrors::from(&e, caller.tr)
                    .get("reason")
                    .map(String::from),
                false,
            )
            .await
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

#[derive(Deserialize)]
struct MergeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    remove: String,
}

async fn merge_resident(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<MergeForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    registry::merge(&state.app, &caller.actor, &id, f.remove.trim())
        .await
        .or_page(&caller)?;
    Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response())
}

async fn edit_form_page(
    state: &AppState,
    caller: &PageCaller,
    id: &str,
    input: ResidentInput,
    errors: FormErrors,
) -> PageResult {
    let r = registry::get(&state.app, &caller.actor, id)
        .await
        .or_page(caller)?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&ResidentFormPage {
        nav: Nav::of(caller, &format!("/residents/{id}/edit")),
        heading: caller.tr.t("resident-edit"),
        action: format!("/residents/{id}/edit"),
        cancel: format!("/residents/{id}"),
        document_kinds: document_kinds(&input.document_kind),
        input,
        errors,
        household_label: Some(format!("{} {}", r.area_name, r.address)),
        household_id: r.household_id,
        new_household: false,
        area_id: String::new(),
        area_label: String::new(),
        building: String::new(),
        unit: String::new(),
        room: String::new(),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

async fn edit_resident_form(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    let input = registry::edit_input(&state.app, &caller.actor, &id)
        .await
        .or_page(&caller)?;
    edit_form_page(&state, &caller, &id, input, FormErrors::default()).await
}

async fn update_resident(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<ResidentForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    match registry::update_resident(&state.app, &caller.actor, &id, &f.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let errors = FormErrors::from(&e, caller.tr);
            edit_form_page(&state, &caller, &id, f.input(), errors).await
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

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
struct ImportPage {
    nav: Nav,
    targets: Vec<AreaView>,
    selected: String,
    error: Option<String>,
    report: Option<ShownReport>,
    report_json: String,
}

#[derive(Deserialize)]
struct AreaQuery {
    area: Option<String>,
}

async fn import_targets(
    state: &AppState,
    caller: &PageCaller,
    selected: &str,
) -> Result<Vec<AreaView>, Response> {
    let mut targets = areas::search(&state.app, &caller.actor, Some("community"), None, 500)
        .await
        .or_page(caller)?;
    targets.extend(
        areas::search(&state.app, &caller.actor, Some("compound"), None, 500)
            .await
            .or_page(caller)?,
    );
    if !selected.is_empty()
        && !targets.iter().any(|t| t.id == selected)
        && let Ok(p) = areas::area_page(&state.app, &caller.actor, selected).await
    {
        targets.insert(0, p.area);
    }
    Ok(targets)
}

async fn import_form(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<AreaQuery>,
) -> PageResult {
    let selected = q.area.unwrap_or_default();
    let targets = import_targets(&state, &caller, &selected).await?;
    Ok(render(&ImportPage {
        nav: Nav::of(&caller, "/import"),
        targets,
        selected,
        error: None,
        report: None,
        report_json: String::new(),
    }))
}

async fn run_import(
    State(state): State<AppState>,
    caller: PageCaller,
    form: Multipart,
) -> PageResult {
    let tr = caller.tr;
    let (result, selected) = match crate::api::read_import_form(form).await {
        Ok((file, community, csrf)) => {
            caller.check_csrf(&csrf).or_page(&caller)?;
            (
                imports::import_residents(
                    &state.app,
                    &caller.actor,
                    community.trim(),
                    &file,
                    &|_, _| {},
                )
                .await,
                community,
            )
        }
        Err(e) => (Err(e), String::new()),
    };
    let targets = import_targets(&state, &caller, &selected).await?;
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
            let message = FormErrors::from(&e, tr)
                .0
                .into_iter()
                .map(|(_, m)| m)
                .collect::<Vec<_>>()
                .join("；");
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
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

async fn import_template(_caller: PageCaller) -> PageResult {
    crate::api::import_template()
        .await
        .map_err(|e| e.into_response())
}

#[derive(Deserialize)]
struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    report: String,
}

#[derive(Deserialize)]
struct ReportRow {
    row: usize,
    column: String,
    reason: String,
}

#[derive(Deserialize)]
struct ReportBack {
    rejected: Vec<ReportRow>,
}

async fn import_report(caller: PageCaller, Form(f): Form<ReportForm>) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    let back: ReportBack = serde_json::from_str(&f.report)
        .map_err(|_| error_page(caller.tr, &AppError::field("report", "err-json")))?;
    let tr = caller.tr;
    // Only reasons that are message ids are translated; anything else is dropped to plain text.
    let mut w = sanshe_app::sheets::SheetWriter::new(
        "rejected",
        &[
            &tr.t("import-row"),
            &tr.t("import-column"),
            &tr.t("import-reason"),
        ],
    )
    .or_page(&caller)?;
    for r in back.rejected {
        w.push(&[r.row.to_string(), r.column, tr.t(&r.reason)])
            .or_page(&caller)?;
    }
    let _ = ImportReport::default;
    Ok(crate::api::xlsx(
        w.finish().or_page(&caller)?,
        "rejected-rows.xlsx",
    ))
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    nav: Nav,
    items: Vec<OrganizationView>,
    can_register: bool,
    kinds: Vec<&'static str>,
    areas: Vec<AreaView>,
    errors: FormErrors,
}

async fn organizations_view(
    state: &AppState,
    caller: &PageCaller,
    errors: FormErrors,
) -> PageResult {
    let items = organizations::list(&state.app, &caller.actor)
        .await
        .or_page(caller)?;
    let can_register = !caller.actor.scope(Action::RegisterOrganizations).is_empty();
    let areas = if can_register {
        upper_areas(state, caller).await?
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&OrganizationsPage {
        nav: Nav::of(caller, "/organizations"),
        items,
        can_register,
        kinds: OrganizationKind::ALL.iter().map(|k| k.as_str()).collect(),
        areas,
        errors,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

async fn upper_areas(state: &AppState, caller: &PageCaller) -> Result<Vec<AreaView>, Response> {
    let all = areas::search(&state.app, &caller.actor, None, None, 500)
        .await
        .or_page(caller)?;
    Ok(all
        .into_iter()
        .filter(|a| {
            matches!(
                a.kind.as_str(),
                "city" | "district" | "street" | "community"
            )
        })
        .collect())
}

async fn organizations_page(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    organizations_view(&state, &caller, FormErrors::default()).await
}

#[derive(Deserialize)]
struct OrganizationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    home_area_id: String,
    #[serde(default)]
    contact: String,
}

async fn register_organization(
    State(state): State<AppState>,
    caller: PageCaller,
    Form(f): Form<OrganizationForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    match organizations::register(
        &state.app,
        &caller.actor,
        &f.kind,
        &f.name,
        Some(&f.home_area_id),
        &f.contact,
    )
    .await
    {
        Ok(o) => Ok(Redirect::to(&format!("/organizations/{}", o.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            organizations_view(&state, &caller, FormErrors::from(&e, caller.tr)).await
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

#[derive(Template)]
#[template(path = "organization.html")]
struct OrganizationPage {
    nav: Nav,
    o: OrganizationView,
    linkages: Vec<LinkageView>,
    can_manage: bool,
    communities: Vec<AreaView>,
    errors: FormErrors,
}

async fn organization_view(
    state: &AppState,
    caller: &PageCaller,
    id: &str,
    errors: FormErrors,
) -> PageResult {
    let (o, linkages, can_manage) = organizations::get(&state.app, &caller.actor, id)
        .await
        .or_page(caller)?;
    let can_manage = can_manage || caller.actor.has_role(Role::Coordinator);
    let communities = if can_manage {
        areas::communities_for_linking(&state.app, &caller.actor)
            .await
            .or_page(caller)?
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&OrganizationPage {
        nav: Nav::of(caller, &format!("/organizations/{id}")),
        o,
        linkages,
        can_manage,
        communities,
        errors,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

async fn organization_page(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    organization_view(&state, &caller, &id, FormErrors::default()).await
}

#[derive(Deserialize)]
struct LinkageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    community_id: String,
    #[serde(default)]
    organization_provides: String,
    #[serde(default)]
    community_provides: String,
}

async fn add_linkage(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<LinkageForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    match organizations::link(
        &state.app,
        &caller.actor,
        &id,
        &f.community_id,
        &f.organization_provides,
        &f.community_provides,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/organizations/{id}")).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            organization_view(&state, &caller, &id, FormErrors::from(&e, caller.tr)).await
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    nav: Nav,
    question: String,
    subject: String,
    action: String,
    confirm_label: String,
    cancel: String,
}

async fn confirm_unlink(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    // Find the linkage through the organizations the caller can see, so nothing outside leaks.
    let orgs = organizations::list(&state.app, &caller.actor)
        .await
        .or_page(&caller)?;
    for o in orgs {
        let (org, links, _) = organizations::get(&state.app, &caller.actor, &o.id)
            .await
            .or_page(&caller)?;
        if let Some(l) = links.into_iter().find(|l| l.id == id) {
            return Ok(render(&ConfirmPage {
                nav: Nav::of(&caller, &format!("/linkages/{id}/delete")),
                question: caller.tr.t("confirm-unlink"),
                subject: format!("{} ↔ {}", org.name, l.community_name),
                action: format!("/linkages/{id}/delete"),
                confirm_label: caller.tr.t("linkage-remove"),
                cancel: format!("/organizations/{}", org.id),
            }));
        }
    }
    Err(error_page(caller.tr, &AppError::NotFound))
}

async fn unlink(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    organizations::unlink(&state.app, &caller.actor, &id)
        .await
        .or_page(&caller)?;
    Ok(Redirect::to("/organizations").into_response())
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserView>,
    roles: Vec<&'static str>,
    areas: Vec<AreaView>,
    organizations: Vec<OrganizationView>,
    errors: FormErrors,
    onboarded: Option<(Vec<imports::OnboardedUser>, Vec<ShownRejection>)>,
}

async fn users_view(state: &AppState, caller: &PageCaller, errors: FormErrors) -> PageResult {
    users_view_with(state, caller, errors, None).await
}

async fn users_view_with(
    state: &AppState,
    caller: &PageCaller,
    errors: FormErrors,
    onboarded: Option<(Vec<imports::OnboardedUser>, Vec<ShownRejection>)>,
) -> PageResult {
    let users = accounts::list_users(&state.app, &caller.actor)
        .await
        .or_page(caller)?;
    let areas = upper_areas(state, caller).await?;
    let organizations = organizations::list(&state.app, &caller.actor)
        .await
        .or_page(caller)?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = render(&UsersPage {
        nav: Nav::of(caller, "/users"),
        users,
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        areas,
        organizations,
        errors,
        onboarded,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

async fn users_page(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    users_view(&state, &caller, FormErrors::default()).await
}

#[derive(Deserialize)]
struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    organization_id: String,
}

async fn create_user(
    State(state): State<AppState>,
    caller: PageCaller,
    Form(f): Form<UserForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    let is_area_role = Role::parse(&f.role)
        .map(|r| r.is_area_role())
        .unwrap_or(true);
    let target = match (
        is_area_role,
        f.area_id.is_empty(),
        f.organization_id.is_empty(),
    ) {
        (true, false, _) => GrantTarget::Area(f.area_id.clone()),
        (false, _, false) => GrantTarget::Organization(f.organization_id.clone()),
        (true, true, _) => {
            return users_view(
                &state,
                &caller,
                FormErrors::from(
                    &AppError::field("area_id", "err-role-needs-area"),
                    caller.tr,
                ),
            )
            .await;
        }
        (false, _, true) => {
            return users_view(
                &state,
                &caller,
                FormErrors::from(
                    &AppError::field("area_id", "err-role-needs-organization"),
                    caller.tr,
                ),
            )
            .await;
        }
    };
    match accounts::create_user(
        &state.app,
        &caller.actor,
        &f.username,
        &f.display_name,
        &f.password,
        &f.role,
        target,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(e @ AppError::Invalid(_)) => {
            users_view(&state, &caller, FormErrors::from(&e, caller.tr)).await
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    entries: Vec<(String, AuditEntryView)>,
    action: String,
    next: Option<String>,
}

#[derive(Deserialize)]
struct AuditQuery {
    action: Option<String>,
    before: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let entries = audit::list(
        &state.app,
        &caller.actor,
        q.action.as_deref(),
        q.before.as_deref(),
        100,
    )
    .await
    .or_page(&caller)?;
    let next = if entries.len() == 100 {
        entries.last().map(|e| e.id.clone())
    } else {
        None
    };
    let offset = sanshe_app::china_offset();
    let entries = entries
        .into_iter()
        .map(|e| {
            let at = chrono::DateTime::from_timestamp_millis(e.at)
                .map(|d| {
                    d.with_timezone(&offset)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default();
            (at, e)
        })
        .collect();
    Ok(render(&AuditPage {
        nav: Nav::of(&caller, "/audit"),
        entries,
        action: q.action.unwrap_or_default(),
        next,
    }))
}

async fn onboard_users(
    State(state): State<AppState>,
    caller: PageCaller,
    form: Multipart,
) -> PageResult {
    let (file, csrf) = crate::api::read_file_form(form).await.or_page(&caller)?;
    caller.check_csrf(&csrf).or_page(&caller)?;
    match imports::import_users(&state.app, &caller.actor, &file).await {
        Ok(report) => {
            let rejected = report
                .rejected
                .iter()
                .map(|r| ShownRejection {
                    row: r.row,
                    column: r.column.clone(),
                    reason: caller.tr.t(r.reason),
                })
                .collect();
            users_view_with(
                &state,
                &caller,
                FormErrors::default(),
                Some((report.created, rejected)),
            )
            .await
        }
        Err(e @ AppError::Invalid(_)) => {
            users_view(&state, &caller, FormErrors::from(&e, caller.tr)).await
        }
        Err(e) => Err(Err::<(), _>(e).or_page(&caller).unwrap_err()),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    room: String,
}

async fn move_resident(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> PageResult {
    caller.check_csrf(&f.csrf).or_page(&caller)?;
    let target = HouseholdTarget::Address {
        area_id: f.area_id,
        building: f.building,
        unit: f.unit,
        room: f.room,
    };
    registry::move_resident(&state.app, &caller.actor, &id, &target)
        .await
        .or_page(&caller)?;
    Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response())
}

/// Writes rows under a header into an .xlsx download.
fn sheet_download(
    caller: &PageCaller,
    name: &str,
    header: &[String],
    rows: Vec<Vec<String>>,
    filename: &str,
) -> PageResult {
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut w = sanshe_app::sheets::SheetWriter::new(name, &header).or_page(caller)?;
    for r in rows {
        w.push(&r).or_page(caller)?;
    }
    Ok(crate::api::xlsx(w.finish().or_page(caller)?, filename))
}

async fn export_audit(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let tr = caller.tr;
    let offset = sanshe_app::china_offset();
    let mut rows = Vec::new();
    let mut before: Option<String> = None;
    // Page through the whole log in scope; each page is one indexed range scan.
    loop {
        let page = audit::list(
            &state.app,
            &caller.actor,
            q.action.as_deref(),
            before.as_deref(),
            500,
        )
        .await
        .or_page(&caller)?;
        let Some(last) = page.last() else { break };
        before = Some(last.id.clone());
        let full = page.len() == 500;
        for e in page {
            let at = chrono::DateTime::from_timestamp_millis(e.at)
                .map(|d| {
                    d.with_timezone(&offset)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string()
                })
                .unwrap_or_default();
            rows.push(vec![
                at,
                e.actor,
                e.action,
                format!("{} {}", e.target_kind, e.target_id),
                e.detail,
                e.reason.unwrap_or_default(),
            ]);
        }
        if !full {
            break;
        }
    }
    let header = [
        "audit-at",
        "audit-actor",
        "audit-action",
        "audit-target",
        "audit-detail",
        "audit-reason",
    ]
    .map(|k| tr.t(k));
    sheet_download(&caller, "audit", &header, rows, "audit-log.xlsx")
}

async fn export_users(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    let tr = caller.tr;
    let users = accounts::list_users(&state.app, &caller.actor)
        .await
        .or_page(&caller)?;
    let rows = users
        .into_iter()
        .map(|u| {
            let grants = u
                .grants
                .iter()
                .map(|g| format!("{} @ {}", tr.of("role-", &g.role), g.scope_name))
                .collect::<Vec<_>>()
                .join("；");
            vec![u.username, u.display_name, grants]
        })
        .collect();
    let header = ["username", "display-name", "role"].map(|k| tr.t(k));
    sheet_download(&caller, "users", &header, rows, "users.xlsx")
}

async fn export_organizations(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    let tr = caller.tr;
    let mut rows = Vec::new();
    for o in organizations::list(&state.app, &caller.actor)
        .await
        .or_page(&caller)?
    {
        let (o, links, _) = organizations::get(&state.app, &caller.actor, &o.id)
            .await
            .or_page(&caller)?;
        if links.is_empty() {
            rows.push(vec![
                o.name.clone(),
                tr.of("org-", &o.kind),
                o.contact.clone(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for l in links {
            rows.push(vec![
                o.name.clone(),
                tr.of("org-", &o.kind),
                o.contact.clone(),
                l.community_name,
                l.organization_provides,
                l.community_provides,
            ]);
        }
    }
    let header = [
        "organization",
        "organization-kind",
        "contact",
        "community",
        "linkage-org-provides",
        "linkage-community-provides",
    ]
    .map(|k| tr.t(k));
    sheet_download(
        &caller,
        "organizations",
        &header,
        rows,
        "organizations.xlsx",
    )
}

async fn export_households(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    let tr = caller.tr;
    let mut rows = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (page, next) =
            registry::households(&state.app, &caller.actor, Some(&id), after.as_deref(), 500)
                .await
                .or_page(&caller)?;
        for h in page {
            rows.push(vec![
                h.area_name,
                h.building,
                h.unit,
                h.room,
                h.resident_count.to_string(),
            ]);
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let header = ["area-name", "building", "unit", "room", "residents"].map(|k| tr.t(k));
    sheet_download(&caller, "households", &header, rows, "households.xlsx")
}

async fn start_resident_export(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<ResidentListQuery>,
) -> PageResult {
    let search = ResidentSearch {
        area: q.area,
        q: q.q,
        flag: q.flag,
        ..Default::default()
    };
    // Check the filter now, so a bad one is an error page rather than a failed job.
    registry::build_query(&state.app, &caller.actor, &search, Action::ViewRegistry)
        .await
        .or_page(&caller)?;
    let id = state
        .exports
        .start_residents(state.app.clone(), caller.actor.clone(), search);
    Ok(Redirect::to(&format!("/exports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "export_job.html")]
struct ExportJobPage {
    nav: Nav,
    id: String,
    done: usize,
    total: usize,
    finished: bool,
    error: Option<String>,
}

async fn export_job_page(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    let user = caller.actor.user_id.clone().unwrap_or_default();
    let job = state
        .exports
        .get(&id, &user)
        .ok_or_else(|| error_page(caller.tr, &AppError::NotFound))?;
    let (finished, error) = match job.result.lock().ok().as_deref() {
        Some(Some(Ok(_))) => (true, None),
        Some(Some(Err(e))) => (true, Some(caller.tr.t(classify(e).1))),
        _ => (false, None),
    };
    let done = job.done.load(std::sync::atomic::Ordering::Relaxed);
    let total = job.total.load(std::sync::atomic::Ordering::Relaxed);
    Ok(render(&ExportJobPage {
        nav: Nav::of(&caller, &format!("/exports/{id}")),
        id,
        done,
        total,
        finished,
        error,
    }))
}

async fn download_export(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    let user = caller.actor.user_id.clone().unwrap_or_default();
    let job = state
        .exports
        .get(&id, &user)
        .ok_or_else(|| error_page(caller.tr, &AppError::NotFound))?;
    let bytes = match job.result.lock().ok().as_deref() {
        Some(Some(Ok(bytes))) => bytes.clone(),
        _ => return Err(error_page(caller.tr, &AppError::NotFound)),
    };
    Ok(crate::api::xlsx(bytes, "residents.xlsx"))
}
