//! The HTTP edge of sanshe: pages for the browser, the JSON API, the OpenAPI document and the
//! embedded assets. All routes are in `router`; handlers extract, call a use case, render.

pub mod api;
pub mod auth;
pub mod error;
pub mod exports;
pub mod i18n;
pub mod openapi;
pub mod pages;
pub mod throttle;
pub mod uploads;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{DefaultBodyLimit, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use sanshe_app::App;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;

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

async fn openapi_json() -> impl IntoResponse {
    Json(openapi::ApiDoc::openapi())
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

/// Starts the work that runs beside the requests: the missed-report scan and the rota watch
/// (reminders, no-shows, overdue errands) each minute, and the delivery of queued chat messages every two seconds. Both keep their state in the database,
/// so a restart loses nothing and several nodes may run them at once.
pub fn spawn_background_work(app: App) {
    let scanner = app.clone();
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

/// Every route of sanshe.
pub fn router(state: AppState) -> Router {
    let public = || DefaultBodyLimit::max(PUBLIC_BODY);
    let upload = || DefaultBodyLimit::max(state.app.limits.upload_bytes);
    let throttle =
        |bucket| axum::middleware::from_fn_with_state((state.clone(), bucket), throttle::throttled);
    // Written out in full rather than nested under /api/v1: a nested router rewrote each
    // request's address and cloned one more service (a few percent of a gate scan, measured).
    let api = Router::new()
        .route(
            "/api/v1/sessions",
            post(api::create_session.layer(throttle(throttle::Bucket::SignIn)))
                .delete(api::delete_session)
                .layer(public()),
        )
        .route("/api/v1/areas", get(api::list_areas).post(api::create_area))
        .route("/api/v1/areas/{id}", get(api::get_area))
        .route("/api/v1/divisions", get(api::list_divisions))
        .route(
            "/api/v1/organizations",
            get(api::list_organizations).post(api::create_organization),
        )
        .route(
            "/api/v1/organizations/{id}",
            get(api::get_organization).put(api::update_organization),
        )
        .route(
            "/api/v1/organizations/{id}/linkages",
            post(api::create_linkage),
        )
        .route("/api/v1/linkages/{id}", delete(api::delete_linkage))
        .route("/api/v1/households", get(api::list_households))
        .route("/api/v1/households/{id}", get(api::get_household))
        .route(
            "/api/v1/residents",
            get(api::list_residents).post(api::create_resident),
        )
        .route("/api/v1/residents/export.xlsx", get(api::export_residents))
        .route(
            "/api/v1/residents/{id}",
            get(api::get_resident).put(api::update_resident),
        )
        .route("/api/v1/residents/{id}/reveal", post(api::reveal_resident))
        .route("/api/v1/residents/{id}/move", post(api::move_resident))
        .route("/api/v1/residents/{id}/merge", post(api::merge_residents))
        .route(
            "/api/v1/imports/residents",
            post(api::import_residents).layer(upload()),
        )
        .route("/api/v1/exports/residents", post(api::start_export))
        .route("/api/v1/exports/{id}", get(api::get_export))
        .route("/api/v1/exports/{id}/file", get(api::get_export_file))
        .route(
            "/api/v1/imports/users",
            post(api::import_users).layer(upload()),
        )
        .route(
            "/api/v1/imports/residents/template.xlsx",
            get(api::import_template),
        )
        .route("/api/v1/users", get(api::list_users).post(api::create_user))
        .route("/api/v1/users/{id}/grants", post(api::create_grant))
        .route(
            "/api/v1/users/{id}/grants/{grant_id}",
            delete(api::delete_grant),
        )
        .route("/api/v1/audit", get(api::list_audit))
        .route(
            "/api/v1/campaigns",
            get(api::campaigns::list_campaigns).post(api::campaigns::create_campaign),
        )
        .route("/api/v1/campaigns/{id}", get(api::campaigns::get_campaign))
        .route(
            "/api/v1/campaigns/{id}/visits",
            get(api::campaigns::list_visits).post(api::campaigns::create_visit),
        )
        .route(
            "/api/v1/campaigns/{id}/coverage",
            get(api::campaigns::get_coverage),
        )
        .route(
            "/api/v1/arrivals",
            get(api::campaigns::list_arrivals).post(api::campaigns::create_arrival),
        )
        .route(
            "/api/v1/contacts",
            get(api::campaigns::list_contacts).post(api::campaigns::create_contact),
        )
        .route(
            "/api/v1/isolations",
            get(api::isolation::list_isolations).post(api::isolation::create_isolation),
        )
        .route(
            "/api/v1/isolations/{id}",
            get(api::isolation::get_isolation),
        )
        .route(
            "/api/v1/isolations/{id}/release",
            post(api::isolation::release_isolation),
        )
        .route(
            "/api/v1/isolations/{id}/extend",
            post(api::isolation::extend_isolation),
        )
        .route(
            "/api/v1/isolations/{id}/assign",
            post(api::isolation::assign_isolation),
        )
        .route(
            "/api/v1/isolations/{id}/follow-up",
            post(api::isolation::set_follow_up),
        )
        .route(
            "/api/v1/isolations/{id}/link",
            post(api::isolation::renew_link).delete(api::isolation::revoke_link),
        )
        .route(
            "/api/v1/isolations/{id}/reports",
            post(api::isolation::create_report),
        )
        .route("/api/v1/boards/{area_id}", get(api::isolation::get_board))
        .route("/api/v1/alerts", get(api::alerts::list_alerts))
        .route("/api/v1/alerts/{id}", get(api::alerts::get_alert))
        .route(
            "/api/v1/alerts/{id}/acknowledge",
            post(api::alerts::acknowledge_alert),
        )
        .route(
            "/api/v1/alerts/{id}/resolve",
            post(api::alerts::resolve_alert),
        )
        .route(
            "/api/v1/webhooks",
            get(api::alerts::list_webhooks).post(api::alerts::create_webhook),
        )
        .route(
            "/api/v1/webhooks/{id}",
            axum::routing::put(api::alerts::update_webhook),
        )
        .route(
            "/api/v1/gates",
            get(api::gates::list_gates).post(api::gates::create_gate),
        )
        .route(
            "/api/v1/gates/{id}/policy",
            axum::routing::put(api::gates::set_policy),
        )
        .route("/api/v1/gates/{id}/traffic", get(api::gates::gate_traffic))
        .route("/api/v1/areas/{id}/traffic", get(api::gates::area_traffic))
        .route(
            "/api/v1/passes",
            get(api::gates::list_passes).post(api::gates::issue_passes),
        )
        .route("/api/v1/passes/{id}/revoke", post(api::gates::revoke_pass))
        .route("/api/v1/passes/{id}/qr.svg", get(api::gates::pass_qr))
        .route("/api/v1/scans", post(api::gates::create_scan))
        .route(
            "/api/v1/visitors",
            get(api::gates::list_visitors).post(api::gates::create_visitor),
        )
        .route(
            "/api/v1/posts",
            get(api::rotas::list_posts).post(api::rotas::create_post),
        )
        .route("/api/v1/posts/{id}/shifts", post(api::rotas::make_shifts))
        .route(
            "/api/v1/shifts",
            get(api::rotas::get_rota).post(api::rotas::make_area_shifts),
        )
        .route("/api/v1/shifts/gaps", get(api::rotas::get_gaps))
        .route("/api/v1/shifts/reminders", get(api::rotas::get_reminders))
        .route("/api/v1/shifts/{id}/cover", get(api::rotas::get_cover))
        .route(
            "/api/v1/shifts/{id}/offer",
            post(api::rotas::offer_shift).delete(api::rotas::keep_shift),
        )
        .route(
            "/api/v1/shifts/{id}/take-over",
            post(api::rotas::take_over_shift),
        )
        .route("/api/v1/shifts/{id}/take", post(api::rotas::take_shift))
        .route("/api/v1/shifts/{id}/assign", post(api::rotas::assign_shift))
        .route("/api/v1/shifts/{id}/drop", post(api::rotas::drop_shift))
        .route("/api/v1/shifts/{id}/check-in", post(api::rotas::check_in))
        .route("/api/v1/shifts/{id}/check-out", post(api::rotas::check_out))
        .route("/api/v1/hours", get(api::rotas::get_hours))
        .route("/api/v1/hours/totals", get(api::rotas::get_hours_totals))
        .route(
            "/api/v1/help-requests",
            get(api::help::list_help).post(api::help::create_help),
        )
        .route(
            "/api/v1/help-requests/{id}/steps",
            post(api::help::step_help),
        )
        .route("/api/v1/volunteers", get(api::volunteers::list_volunteers))
        .route(
            "/api/v1/volunteers/reserve",
            get(api::volunteers::list_reserve),
        )
        .route(
            "/api/v1/volunteers/{user_id}/deployments",
            post(api::volunteers::deploy),
        )
        .route(
            "/api/v1/volunteers/{user_id}/deployments/{area_id}",
            delete(api::volunteers::recall),
        )
        .route(
            "/api/v1/volunteers/applications",
            get(api::volunteers::list_applications).post(
                api::volunteers::apply
                    .layer(throttle(throttle::Bucket::PublicForm))
                    .layer(public()),
            ),
        )
        .route(
            "/api/v1/volunteers/applications/{id}/decision",
            post(api::volunteers::decide),
        );
    Router::new()
        .merge(api)
        .route("/api/openapi.json", get(openapi_json))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(pages::routes(&state))
        .layer(DefaultBodyLimit::max(FORM_BODY))
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
