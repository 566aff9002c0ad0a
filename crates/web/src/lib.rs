//! The HTTP edge of sanshe: pages for the browser, the JSON API, the OpenAPI document and the
//! embedded assets. All routes are in `router`; handlers extract, call a use case, render.

pub mod api;
pub mod auth;
pub mod csrf;
pub mod error;
pub mod exports;
pub mod extract;
pub mod i18n;
pub mod openapi;
pub mod pages;
pub mod peek;
pub mod respond;
pub mod throttle;
pub mod uploads;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use sanshe_app::App;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Shared state of every handler; cloned for each request, so one pointer.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// Settings of the HTTP edge.
#[derive(Debug, Clone, Default)]
pub struct WebSettings {
    /// Mark cookies `Secure` even though the public URL is http (TLS ended before a proxy that
    /// speaks http to us); an https public URL always does.
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` is believed (see `throttle`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A bearer token that opens `/metrics`; without one, only loopback clients may read it.
    pub metrics_token: Option<String>,
}

/// What `AppState` points to.
pub struct Shared {
    /// The application.
    pub app: App,
    /// Whether cookies get `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// The settings the state was made with.
    pub settings: WebSettings,
    /// Budgets of the public routes per client address.
    pub throttle: throttle::Throttle,
    /// Requests served, for `/metrics`.
    pub requests: AtomicU64,
    /// Background exports of this node.
    pub exports: exports::ExportJobs,
    /// The one writer of gate scans.
    pub scans: sanshe_app::gates::ScanWriter,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// State around an opened application.
    pub fn new(app: App, settings: WebSettings) -> AppState {
        AppState(Arc::new(Shared {
            secure_cookies: settings.secure_cookies || app.public_url.starts_with("https://"),
            settings,
            throttle: throttle::Throttle::default(),
            app: app.clone(),
            requests: AtomicU64::new(0),
            exports: {
                let jobs = exports::ExportJobs::default();
                let sweeping = jobs.clone();
                // Jobs and their files go an hour after they started, whether fetched or not.
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
                    loop {
                        tick.tick().await;
                        sweeping.sweep();
                    }
                });
                jobs
            },
            scans: sanshe_app::gates::ScanWriter::start(app),
        }))
    }
}

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    if state.app.db.ping().await {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

/// Prometheus text, for this machine's scraper or a holder of the metrics token only: counts
/// of requests and connections tell an outsider when the service is busy.
async fn metrics(
    State(state): State<AppState>,
    address: throttle::ClientAddress,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let by_token = matches!(
        (&state.settings.metrics_token, bearer),
        (Some(t), Some(b)) if !t.is_empty() && t == b
    );
    let loopback = address.0 == "local"
        || address
            .0
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !by_token && !loopback {
        return StatusCode::NOT_FOUND.into_response();
    }
    let body = format!(
        "# HELP sanshe_http_requests_total Requests served.\n# TYPE sanshe_http_requests_total counter\nsanshe_http_requests_total {}\n# HELP sanshe_db_pool_connections Open database connections.\n# TYPE sanshe_db_pool_connections gauge\nsanshe_db_pool_connections {}\n",
        state.requests.load(Ordering::Relaxed),
        state.app.db.pool.size()
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Counts and logs each request. The log carries the route pattern, never the actual path or
/// query, which may hold an ID number or a phone someone searched for.
async fn count_requests(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let matched = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .cloned();
    let route = matched.as_ref().map_or("unmatched", |p| p.as_str());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    tracing::info!(%method, %route, status = resp.status().as_u16(), elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    resp
}

/// Starts the work that runs beside the requests: the first read of the linkage map, the
/// missed-report scan and the rota watch (reminders, no-shows, overdue errands) each minute,
/// and the delivery of queued chat messages every two seconds. The scans keep their state in
/// the database, so a restart loses nothing and several nodes may run them at once.
pub fn spawn_background_work(app: App) {
    let scanner = app.clone();
    let map = app.clone();
    tokio::spawn(async move {
        if let Err(e) = sanshe_app::organizations::warm_linkage_map(&map).await {
            tracing::warn!(error = %e, "linkage map not read at start-up");
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            match sanshe_app::isolation::scan(&scanner).await {
                Ok(s) if !s.slots.is_empty() || s.alerts > 0 => {
                    tracing::info!(slots = ?s.slots, missed = s.missed, alerts = s.alerts, "report scan")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "report scan failed"),
            }
            match sanshe_app::rotas::watch(&scanner).await {
                Ok(w) if w != sanshe_app::rotas::Watch::default() => {
                    tracing::info!(
                        reminded = w.reminded,
                        no_shows = w.no_shows,
                        overdue = w.overdue,
                        "rota watch"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "rota watch failed"),
            }
            match sanshe_app::needs::scan(&scanner).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(alerts = n, "needs not met in time"),
                Err(e) => tracing::warn!(error = %e, "need scan failed"),
            }
        }
    });
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .user_agent("sanshe")
            .build()
            .unwrap_or_default();
        // Chat groups in Tianjin read Chinese, whatever the language of the person who caused it.
        let tr = i18n::Tr::new(i18n::Locale::ZhCn);
        let words = move |id: &str| tr.t(id);
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            if let Err(e) = sanshe_app::notify::deliver_due(&app, &client, &words).await {
                tracing::warn!(error = %e, "webhook delivery round failed");
            }
        }
    });
}

/// An inline SVG of a QR code for `text` (report links, gate passes).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// Body limit of every route that names none of its own: a JSON body or a form.
pub const FORM_BODY: usize = 64 * 1024;
/// Body limit of the routes anyone may call (sign-in, the resident's links, volunteer sign-up).
pub const PUBLIC_BODY: usize = 16 * 1024;

/// What answers an address no route has: for the API a problem document (written by
/// `problems`), for anyone else the error page in the request's language with a way home, so a
/// stale or mistyped link says so rather than showing a blank page.
async fn nowhere(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        return error::ApiError(sanshe_app::AppError::NotFound).into_response();
    }
    let tr = i18n::Tr::new(auth::request_locale(&headers));
    pages::error_page(tr, &sanshe_app::AppError::NotFound)
}

/// A route asked with a method it does not take (a bookmarked form's address) answers 405 with
/// its `Allow`, as axum writes it; for a page the empty body becomes the error page in the
/// request's language, the `Allow` kept.
async fn wrong_method_page(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let api = req.uri().path().starts_with("/api/");
    let locale = auth::request_locale(req.headers());
    let resp = next.run(req).await;
    let bare = resp.headers().get(header::CONTENT_TYPE).is_none();
    if api || resp.status() != StatusCode::METHOD_NOT_ALLOWED || !bare {
        return resp;
    }
    let mut page = pages::error_page(i18n::Tr::new(locale), &sanshe_app::AppError::NotFound);
    *page.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    if let Some(allow) = resp.headers().get(header::ALLOW) {
        page.headers_mut().insert(header::ALLOW, allow.clone());
    }
    page
}

/// Every route of sanshe.
pub fn router(state: AppState) -> Router {
    let public = || DefaultBodyLimit::max(PUBLIC_BODY);
    let upload = || DefaultBodyLimit::max(state.app.limits.upload_bytes);
    // Written out in full rather than nested under /api/v1: a nested router rewrote each
    // request's address and cloned one more service (a few percent of a gate scan, measured).
    // Each handler's `#[utoipa::path]` gives its route and its description at once.
    let throttled =
        |bucket| axum::middleware::from_fn_with_state((state.clone(), bucket), throttle::throttled);
    let sign_in = OpenApiRouter::new()
        .routes(routes!(api::accounts::create_session))
        .layer(throttled(throttle::Bucket::SignIn))
        .layer(public());
    let sign_up = OpenApiRouter::new()
        .routes(routes!(api::volunteers::apply))
        .layer(throttled(throttle::Bucket::PublicForm))
        .layer(public());
    // Anyone may read these without signing in: the division list, the import template.
    let open_reads = OpenApiRouter::new()
        .routes(routes!(api::areas::list_divisions))
        .routes(routes!(api::imports::import_template))
        .layer(throttled(throttle::Bucket::PublicPage));
    let uploads = OpenApiRouter::new()
        .routes(routes!(api::imports::import_residents))
        .routes(routes!(api::accounts::import_users))
        .layer(upload());
    let (api, document) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(sign_in)
        .merge(sign_up)
        .merge(uploads)
        .merge(open_reads)
        .routes(routes!(api::accounts::delete_session))
        .routes(routes!(api::areas::list_areas, api::areas::create_area))
        .routes(routes!(api::areas::get_area))
        .routes(routes!(api::areas::set_area_contact))
        .routes(routes!(
            api::organizations::list_organizations,
            api::organizations::create_organization
        ))
        .routes(routes!(
            api::organizations::get_organization,
            api::organizations::update_organization
        ))
        .routes(routes!(
            api::organizations::list_linkages,
            api::organizations::create_linkage
        ))
        .routes(routes!(api::organizations::accept_linkage))
        .routes(routes!(api::organizations::end_linkage))
        .routes(routes!(api::organizations::list_members))
        .routes(routes!(api::organizations::deploy_member))
        .routes(routes!(api::organizations::recall_member))
        .routes(routes!(api::organizations::set_member_kind))
        .routes(routes!(api::teams::list_teams, api::teams::create_team))
        .routes(routes!(api::teams::get_team))
        .routes(routes!(api::teams::book_team_member))
        .routes(routes!(api::organizations::linkage_map))
        .routes(routes!(api::organizations::list_contributions))
        .routes(routes!(api::needs::list_needs, api::needs::create_need))
        .routes(routes!(api::needs::get_need))
        .routes(routes!(api::needs::commit_to_need))
        .routes(routes!(api::needs::confirm_commitment))
        .routes(routes!(api::needs::close_need))
        .routes(routes!(
            api::notices::list_notices,
            api::notices::send_notice
        ))
        .routes(routes!(api::notices::sent_notices))
        .routes(routes!(api::notices::read_notice))
        .routes(routes!(api::notices::unread_notice))
        .routes(routes!(api::registry::list_households))
        .routes(routes!(api::registry::get_household))
        .routes(routes!(
            api::registry::list_residents,
            api::registry::create_resident
        ))
        .routes(routes!(api::exports::export_residents))
        .routes(routes!(
            api::registry::get_resident,
            api::registry::update_resident
        ))
        .routes(routes!(api::registry::reveal_resident))
        .routes(routes!(api::registry::move_resident))
        .routes(routes!(api::registry::merge_residents))
        .routes(routes!(api::exports::start_export))
        .routes(routes!(api::exports::get_export))
        .routes(routes!(api::exports::get_export_file))
        .routes(routes!(
            api::accounts::list_users,
            api::accounts::create_user
        ))
        .routes(routes!(api::accounts::create_grant))
        .routes(routes!(api::accounts::delete_grant))
        .routes(routes!(api::accounts::change_password))
        .routes(routes!(api::accounts::sign_out_everywhere))
        .routes(routes!(api::accounts::reset_password))
        .routes(routes!(api::accounts::set_user_active))
        .routes(routes!(api::audit::list_audit))
        .routes(routes!(
            api::campaigns::list_campaigns,
            api::campaigns::create_campaign
        ))
        .routes(routes!(api::campaigns::get_campaign))
        .routes(routes!(
            api::campaigns::list_visits,
            api::campaigns::create_visit
        ))
        .routes(routes!(api::campaigns::get_coverage))
        .routes(routes!(
            api::campaigns::list_assignments,
            api::campaigns::create_assignment
        ))
        .routes(routes!(api::campaigns::delete_assignment))
        .routes(routes!(api::campaigns::my_buildings))
        .routes(routes!(
            api::contacts::list_arrivals,
            api::contacts::create_arrival
        ))
        .routes(routes!(
            api::contacts::list_contacts,
            api::contacts::create_contact
        ))
        .routes(routes!(
            api::isolation::list_isolations,
            api::isolation::create_isolation
        ))
        .routes(routes!(api::isolation::get_isolation))
        .routes(routes!(api::isolation::release_isolation))
        .routes(routes!(api::isolation::extend_isolation))
        .routes(routes!(api::isolation::assign_isolation))
        .routes(routes!(api::isolation::set_follow_up))
        .routes(routes!(
            api::isolation::renew_link,
            api::isolation::revoke_link
        ))
        .routes(routes!(api::isolation::create_report))
        .routes(routes!(api::isolation::list_follow_ups))
        .routes(routes!(api::isolation::get_follow_up))
        .routes(routes!(api::isolation::get_board))
        .routes(routes!(api::alerts::list_alerts))
        .routes(routes!(api::alerts::get_alert))
        .routes(routes!(api::alerts::acknowledge_alert))
        .routes(routes!(api::alerts::resolve_alert))
        .routes(routes!(
            api::alerts::list_webhooks,
            api::alerts::create_webhook
        ))
        .routes(routes!(api::alerts::update_webhook))
        .routes(routes!(api::gates::list_gates, api::gates::create_gate))
        .routes(routes!(api::gates::set_policy))
        .routes(routes!(api::gates::gate_traffic))
        .routes(routes!(api::gates::area_traffic))
        .routes(routes!(api::gates::list_passes, api::gates::issue_passes))
        .routes(routes!(api::gates::revoke_pass))
        .routes(routes!(api::gates::reissue_pass))
        .routes(routes!(api::gates::pass_qr))
        .routes(routes!(api::gates::create_scan))
        .routes(routes!(
            api::gates::list_visitors,
            api::gates::create_visitor
        ))
        .routes(routes!(api::rotas::list_posts, api::rotas::create_post))
        .routes(routes!(api::rotas::make_shifts))
        .routes(routes!(api::rotas::get_rota, api::rotas::make_area_shifts))
        .routes(routes!(api::rotas::get_gaps))
        .routes(routes!(api::rotas::get_reminders))
        .routes(routes!(api::rotas::get_cover))
        .routes(routes!(api::rotas::offer_shift, api::rotas::keep_shift))
        .routes(routes!(api::rotas::take_over_shift))
        .routes(routes!(api::rotas::take_shift))
        .routes(routes!(api::rotas::assign_shift))
        .routes(routes!(api::rotas::drop_shift))
        .routes(routes!(api::rotas::check_in))
        .routes(routes!(api::rotas::check_out))
        .routes(routes!(api::rotas::get_hours))
        .routes(routes!(api::rotas::get_hours_totals))
        .routes(routes!(api::help::list_help, api::help::create_help))
        .routes(routes!(api::help::step_help))
        .routes(routes!(api::help::phone_to_call))
        .routes(routes!(api::volunteers::list_volunteers))
        .routes(routes!(api::volunteers::list_reserve))
        .routes(routes!(api::volunteers::deploy))
        .routes(routes!(api::volunteers::recall))
        .routes(routes!(api::volunteers::list_applications))
        .routes(routes!(api::volunteers::decide))
        .split_for_parts();
    let mut document = document;
    // Once every operation is in: the errors they all can answer.
    utoipa::Modify::modify(&openapi::ProblemResponses, &mut document);
    let document = Arc::new(document);
    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || async move { Json(document.as_ref().clone()) })
                .layer(throttled(throttle::Bucket::PublicPage)),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(pages::routes(&state))
        .fallback(nowhere)
        .layer(axum::middleware::from_fn(wrong_method_page))
        .layer(DefaultBodyLimit::max(FORM_BODY))
        .layer(axum::middleware::from_fn(error::problems))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}
