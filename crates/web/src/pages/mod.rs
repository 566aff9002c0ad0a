//! Server-rendered pages for the browser: each handler extracts, calls the same use case as the
//! API, and renders an askama template in the user's language.

// A failed page may be a rendered `Response`; it is built once per failed request, so its
// size on the error path does not matter and boxing it would only add noise.
#![allow(clippy::result_large_err)]

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use sanshe_app::AppError;
use sanshe_app::accounts::{GrantTarget, UserView};
use sanshe_app::areas::AreaView;
use sanshe_app::audit::AuditEntryView;
use sanshe_app::organizations::{LinkageView, OrganizationView};
use sanshe_app::registry::{
    FLAGS, HouseholdTarget, HouseholdView, ResidentSearch, ResidentView, Revealed,
};
use sanshe_core::accounts::{Action, Role, Target};
use sanshe_core::areas::AreaKind;
use sanshe_core::identity::DocumentKind;
use sanshe_core::organizations::OrganizationKind;
use sanshe_core::registry::{ResidentFlags, ResidentInput};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{PageCaller, urlencode};
use crate::error::classify;
use crate::i18n::Tr;

mod accounts;
mod alerts;
mod areas;
mod audit;
mod campaigns;
mod contacts;
mod door_to_door;
mod extract;
mod failure;
mod follow_ups;
mod gates;
mod help;
mod home;
mod imports;
mod isolation;
mod nav;
mod needs;
mod notices;
mod organizations;
mod passes;
mod registry;
mod rotas;
pub(crate) mod sent;
mod sign_in;
mod teams;
mod volunteers;

use self::accounts::*;
use self::alerts::*;
use self::areas::*;
use self::audit::*;
use self::campaigns::*;
use self::contacts::*;
use self::door_to_door::*;
use self::extract::{Form, FormPairs, Multipart, Query};
pub use self::failure::ErrorFrame;
use self::failure::PageFailure;
use self::follow_ups::*;
use self::gates::*;
use self::help::*;
use self::home::*;
use self::imports::*;
use self::isolation::*;
pub use self::nav::Nav;
use self::needs::*;
use self::notices::*;
use self::organizations::*;
use self::passes::*;
use self::registry::*;
use self::rotas::*;
use self::sign_in::*;
use self::teams::*;
use self::volunteers::*;

/// Field errors of a form, translated, and what the refused form sent, so it shows again what
/// was typed.
#[derive(Default)]
pub struct FormErrors {
    messages: Vec<(String, String)>,
    sent: Vec<(String, String)>,
}

impl FormErrors {
    fn from(e: &AppError, tr: Tr) -> FormErrors {
        match e {
            AppError::Invalid(f) => FormErrors {
                messages: f.0.iter().map(|x| (x.field.clone(), tr.field(x))).collect(),
                sent: Vec::new(),
            },
            _ => FormErrors::default(),
        }
    }

    /// The same, keeping what the form sent.
    fn keeping(self, sent: &[(String, String)]) -> FormErrors {
        FormErrors {
            sent: sent.to_vec(),
            ..self
        }
    }

    /// What the refused form sent as `field` (the first, for a repeated one).
    pub fn kept(&self, field: &str) -> Option<&str> {
        self.sent
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }

    /// What the refused form sent as `field`, or "" (a text area's content, a select's choice).
    pub fn sent(&self, field: &str) -> String {
        self.kept(field).unwrap_or_default().to_string()
    }

    /// Whether `option` is `field`'s choice (a radio, an option, a checkbox's "on"): on a refused
    /// form as it was sent (a checkbox it did not send is unticked), on a fresh one `default`.
    pub fn chose(&self, field: &str, option: &str, default: bool) -> bool {
        if self.sent.is_empty() {
            default
        } else {
            self.ticked(field, option)
        }
    }

    /// Whether the refused form sent `value` among `field`'s values (a ticked checkbox).
    pub fn ticked(&self, field: &str, value: &str) -> bool {
        self.sent.iter().any(|(f, v)| f == field && v == value)
    }

    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.messages
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether `field` was rejected.
    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    /// Every message, in order.
    pub fn messages(&self) -> Vec<&str> {
        self.messages.iter().map(|(_, m)| m.as_str()).collect()
    }

    /// Whether nothing was rejected.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

/// Form pairs, keeping repeated keys (checkbox groups).
pub(super) fn pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap_or_default()
}

/// An instant written in China time, RFC 3339, to the minute, as the pages' other stamps:
/// `2026-11-29 08:05`.
pub(super) fn minute_of(at: &str) -> String {
    at.get(..16).unwrap_or(at).replacen('T', " ", 1)
}

/// The first value of `key` in a form (empty if absent).
pub(super) fn value(pairs: &[(String, String)], key: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Every value of `key` in a form.
pub(super) fn values(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}

/// A form page: 422 when it comes back with rejected fields, so the refusal is visible to tools
/// and tests as well as to the eye.
fn render_form<T: Template>(t: &T, rejected: bool) -> Response {
    let mut resp = render(t);
    if rejected {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// Keeps a page out of caches: one whose address is a key (a resident's or applicant's link)
/// or that shows a secret once (a first password).
fn no_store(resp: &mut Response) {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
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

/// What an error page lists under its message: each refused field's reason.
fn error_details(tr: Tr, e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(f) => f.0.iter().map(|x| tr.field(x)).collect(),
        _ => Vec::new(),
    }
}

/// A friendly error page with the right status.
pub fn error_page(tr: Tr, e: &AppError) -> Response {
    let (status, key) = classify(e);
    if let AppError::Internal(msg) = e {
        tracing::error!(error = %msg, "internal error");
    }
    let mut resp = render(&ErrorPage {
        nav: Nav::anonymous(tr, "/"),
        message: tr.t(key),
        details: error_details(tr, e),
    });
    *resp.status_mut() = status;
    if let Some(seconds) = crate::error::retry_after(e) {
        resp.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    resp
}

/// A page handler's result: the page, or why not (`?` on a use case's error shows the error
/// page, through `failure::frame_errors`).
type PageResult = Result<Response, PageFailure>;

/// What a form's submission comes to: `done` with the use case's answer, the form again with
/// its errors beside their fields when the use case refused the input, or the error page.
/// A list asked for through a filter form: what it holds, or, when the filter was refused (a
/// mistyped day, a period backwards), nothing and the reasons to show beside the form's fields.
fn listed_or_refused<T: Default>(
    caller: &PageCaller,
    listed: sanshe_app::Result<T>,
) -> Result<(T, FormErrors), PageFailure> {
    match listed {
        Ok(list) => Ok((list, FormErrors::default())),
        Err(e @ AppError::Invalid(_)) => Ok((T::default(), FormErrors::from(&e, caller.tr))),
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn after_form<T>(
    caller: &PageCaller,
    outcome: sanshe_app::Result<T>,
    done: impl AsyncFnOnce(T) -> PageResult,
    again: impl AsyncFnOnce(FormErrors) -> PageResult,
) -> PageResult {
    match outcome {
        Ok(answer) => done(answer).await,
        Err(e @ AppError::Invalid(_)) => {
            again(FormErrors::from(&e, caller.tr).keeping(caller.sent())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Routes of the pages and assets: those anyone may open (sign-in, the residents' and
/// applicants' links, assets) and those of a signed-in browser, every one of which is behind the
/// CSRF layer (`crate::csrf`).
pub fn routes(state: &AppState) -> Router<AppState> {
    let csrf = axum::middleware::from_fn_with_state(state.clone(), crate::csrf::guard);
    let errors = axum::middleware::from_fn(failure::frame_errors);
    let keep_sent = axum::middleware::from_fn(sent::keep);
    public_routes(state)
        .merge(
            session_routes(state)
                .route_layer(keep_sent)
                .route_layer(csrf),
        )
        .route_layer(errors)
}

/// Pages anyone may open, each throttled and with the small body limit of public forms.
fn public_routes(state: &AppState) -> Router<AppState> {
    use crate::throttle::{Bucket, throttled};
    let public = || DefaultBodyLimit::max(crate::PUBLIC_BODY);
    let throttle =
        |bucket| axum::middleware::from_fn_with_state((state.clone(), bucket), throttled);
    Router::new()
        .route(
            "/login",
            get(login_form)
                .post(login.layer(throttle(Bucket::SignIn)))
                .layer(public()),
        )
        .route("/lang/{tag}", get(switch_language))
        .route("/assets/{file}", get(asset))
        // Browsers ask for it on every site whatever the page says; Chromium reads SVG here.
        .route(
            "/favicon.ico",
            get(|| asset(Path("favicon.svg".to_string()))),
        )
        .route(
            "/r/{token}",
            get(report_link_page.layer(throttle(Bucket::PublicPage)))
                .post(submit_report_link.layer(throttle(Bucket::PublicForm)))
                .layer(public()),
        )
        .route(
            "/r/{token}/help",
            post(submit_help_link.layer(throttle(Bucket::PublicForm))).layer(public()),
        )
        .route(
            "/h/{token}",
            get(receipt_page.layer(throttle(Bucket::PublicPage)))
                .post(confirm_receipt.layer(throttle(Bucket::PublicForm)))
                .layer(public()),
        )
        .route(
            "/volunteer",
            get(apply_page.layer(throttle(Bucket::PublicPage)))
                .post(submit_application.layer(throttle(Bucket::PublicForm)))
                .layer(public()),
        )
        .route(
            "/v/{token}",
            get(application_status_page.layer(throttle(Bucket::PublicPage))),
        )
}

/// The signed-in pages (without the CSRF layer, which `routes` puts over all of them).
fn session_routes(state: &AppState) -> Router<AppState> {
    session_table(state).router
}

/// Every path of the signed-in pages, for the test that posts a forged form to each.
pub fn session_paths(state: &AppState) -> Vec<&'static str> {
    session_table(state).paths
}

/// A router that remembers the paths given to it.
#[derive(Default)]
struct RouteTable {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl RouteTable {
    fn route(mut self, path: &'static str, handlers: MethodRouter<AppState>) -> RouteTable {
        self.paths.push(path);
        self.router = self.router.route(path, handlers);
        self
    }
}

fn session_table(state: &AppState) -> RouteTable {
    let upload = || DefaultBodyLimit::max(state.app.limits.upload_bytes);
    RouteTable::default()
        .route("/", get(home))
        .route("/logout", post(logout))
        .route("/areas/{id}", get(area))
        .route("/areas/{id}/children", post(add_area))
        .route("/areas/{id}/contact", post(set_area_contact))
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
        .route("/import", get(import_form).post(run_import).layer(upload()))
        .route("/import/template.xlsx", get(import_template))
        .route("/import/report.xlsx", post(import_report).layer(upload()))
        .route(
            "/organizations",
            get(organizations_page).post(register_organization),
        )
        .route("/organizations/{id}", get(organization_page))
        .route("/organizations/{id}/linkages", post(add_linkage))
        .route("/organizations/{id}/deployments", post(deploy_member))
        .route("/organizations/{id}/teams", post(create_team))
        .route(
            "/organizations/{id}/contributions.xlsx",
            get(export_contributions),
        )
        .route("/organizations/{id}/recalls", post(recall_member))
        .route("/organizations/{id}/members.xlsx", get(export_members))
        .route("/linkages/{id}/accept", post(accept_linkage))
        .route("/linkage-map", get(linkage_map_page))
        .route("/linkage-map/export.xlsx", get(export_linkage_map))
        .route("/notices", get(notices_page).post(send_notice))
        .route("/notices/{id}/read", post(read_notice))
        .route("/notices/{id}/unread", get(notice_unread_page))
        .route("/notices/{id}/unread.xlsx", get(export_notice_unread))
        .route("/needs", get(needs_page).post(post_need))
        .route("/needs/export.xlsx", get(export_needs))
        .route("/needs/{id}", get(need_page))
        .route("/needs/{id}/commitments", post(commit_to_need))
        .route(
            "/needs/{id}/commitments/{commitment_id}/confirm",
            post(confirm_commitment),
        )
        .route("/needs/{id}/close", post(close_need))
        .route("/organizations/{id}/edit", post(edit_organization))
        .route("/linkages/{id}/delete", get(confirm_unlink).post(unlink))
        .route("/users", get(users_page).post(create_user))
        .route("/users/import", post(onboard_users).layer(upload()))
        .route("/users/{id}/grants/{grant_id}/delete", post(revoke_grant))
        .route("/users/{id}/grants", post(add_grant))
        .route("/users/{id}/password-reset", post(reset_user_password))
        .route("/users/{id}/active/{change}", post(set_user_active))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/sign-out-everywhere", post(sign_out_everywhere))
        .route("/audit", get(audit_page))
        .route("/audit/export.xlsx", get(export_audit))
        .route("/users/export.xlsx", get(export_users))
        .route("/organizations/export.xlsx", get(export_organizations))
        .route("/areas/{id}/households/export", get(export_households))
        .route("/volunteers", get(vetting_page))
        .route("/volunteers/roster", get(volunteer_roster_page))
        .route("/volunteers/roster.xlsx", get(export_volunteer_roster))
        .route("/volunteers/applications.xlsx", get(export_applications))
        .route("/volunteers/applications/{id}", post(decide_application))
        .route("/volunteers/{user_id}/deploy", post(deploy_volunteer))
        .route("/isolations", get(isolations_page))
        .route("/isolations/export.xlsx", get(export_isolations))
        .route(
            "/isolations/new",
            get(new_isolation_form).post(create_isolation),
        )
        .route(
            "/isolations/{id}",
            get(isolation_page).post(isolation_action),
        )
        .route("/door-to-door", get(door_to_door_page))
        .route(
            "/door-to-door/{campaign_id}/{household_id}",
            post(log_door_visit),
        )
        .route("/follow-ups", get(follow_ups_page))
        .route("/follow-ups/{id}", post(submit_follow_up_report))
        .route("/boards/{id}", get(board_page))
        .route("/areas/{id}/roster", get(roster_page))
        .route("/areas/{id}/roster.xlsx", get(export_roster))
        .route("/campaigns/{id}/coverage.xlsx", get(export_coverage))
        .route("/households/{id}/notice", get(notice_page))
        .route("/campaigns", get(campaigns_page).post(create_campaign))
        .route("/campaigns/export.xlsx", get(export_campaigns))
        .route("/campaigns/{id}", get(campaign_page))
        .route("/campaigns/{id}/close", post(close_campaign))
        .route("/campaigns/{id}/assignments", post(assign_building))
        .route(
            "/campaigns/{id}/assignments/{assignment_id}/delete",
            post(unassign_building),
        )
        .route("/campaigns/{id}/grid", get(campaign_grid))
        .route(
            "/campaigns/{id}/visit/{household_id}",
            get(visit_form).post(log_visit),
        )
        .route("/arrivals", get(arrivals_page))
        .route("/arrivals/export.xlsx", get(export_arrivals))
        .route("/contacts", get(contacts_page))
        .route("/contacts/export.xlsx", get(export_contacts))
        .route(
            "/households/{id}/arrival",
            get(arrival_form).post(register_arrival),
        )
        .route(
            "/households/{id}/contact",
            get(contact_form).post(register_contact),
        )
        .route("/alerts", get(alerts_page))
        .route("/alerts/export.xlsx", get(export_alerts))
        .route("/alerts/acknowledge", post(take_alerts))
        .route("/alerts/{id}", get(alert_page).post(alert_action))
        .route("/webhooks", get(webhooks_page).post(add_webhook))
        .route("/webhooks/{id}", post(toggle_webhook))
        .route("/rota", get(rota_page))
        .route("/rota/export.xlsx", get(export_rota))
        .route("/hours/certificate", get(hours_certificate))
        .route("/hours/volunteer-number", post(set_volunteer_number))
        .route("/hours/ledger.xlsx", get(export_ledger))
        .route("/rota/shifts/{id}/{action}", post(shift_action))
        .route("/rota/shifts/{id}/cover", get(cover_page))
        .route("/rota/posts", post(create_post))
        .route("/rota/make", post(make_shifts))
        .route("/errands", get(errands_page).post(create_errand))
        .route("/errands/export.xlsx", get(export_errands))
        .route("/errands/{id}/{step}", post(errand_step))
        .route("/errands/{id}/call", get(errand_call))
        .route("/gates", get(gates_page).post(add_gate))
        .route("/gates/export.xlsx", get(export_gates))
        .route("/gates/{id}/policy", post(set_policy))
        .route("/gates/{id}/post", get(gate_post))
        .route("/gates/{id}/scan", post(gate_post_scan))
        .route("/gates/{id}/visitors", post(gate_post_visitor))
        .route("/traffic/{id}", get(traffic_page))
        .route("/traffic/{id}/export.xlsx", get(export_traffic))
        .route("/areas/{id}/passes", get(passes_page).post(issue_passes))
        .route("/areas/{id}/passes/print", get(passes_print))
        .route("/passes/{id}/revoke", post(revoke_pass))
        .route("/teams/{id}", get(team_page))
        .route("/teams/{id}/bookings", post(book_member))
        .route("/passes/{id}/reissue", post(reissue_pass))
}

async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "sanshe.css" => (
            include_str!("../../assets/sanshe.css"),
            "text/css; charset=utf-8",
        ),
        "confirm.js" => (
            include_str!("../../assets/confirm.js"),
            "text/javascript; charset=utf-8",
        ),
        "gate.js" => (
            include_str!("../../assets/gate.js"),
            "text/javascript; charset=utf-8",
        ),
        "favicon.svg" => (include_str!("../../assets/favicon.svg"), "image/svg+xml"),
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

/// `path` with the pairs given a value as its query, or `path` alone when none is.
fn link_to(path: &str, pairs: &[(&str, Option<&str>)]) -> String {
    match query_string(pairs) {
        q if q.is_empty() => path.to_string(),
        q => format!("{path}?{q}"),
    }
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

/// The links under a list read a page at a time (`macros.html`'s `pager`): back to the first
/// (or the previous) page once past it, where it is among the pages when the list knows how
/// many it has, and on to the next while there is one.
#[derive(Default)]
pub(crate) struct Pager {
    first: Option<String>,
    previous: Option<String>,
    position: Option<(usize, usize)>,
    next: Option<String>,
}

impl Pager {
    /// A list at `path` with its `filters`, paged by the cursor parameter `key`: `at` is this
    /// page's cursor (none on the first page), `next` the next page's (none on the last).
    fn by_cursor(
        path: &str,
        filters: &[(&str, Option<&str>)],
        key: &str,
        at: Option<&str>,
        next: Option<&str>,
    ) -> Pager {
        let link = |cursor: Option<&str>| {
            let mut pairs = filters.to_vec();
            pairs.push((key, cursor));
            link_to(path, &pairs)
        };
        Pager {
            first: at.is_some_and(|a| !a.is_empty()).then(|| link(None)),
            previous: None,
            position: None,
            next: next.map(|n| link(Some(n))),
        }
    }

    /// Page `page` of `pages` numbered pages, each at `link(n)`.
    fn numbered(page: usize, pages: usize, link: impl Fn(usize) -> String) -> Pager {
        Pager {
            first: None,
            previous: (page > 1).then(|| link(page - 1)),
            position: (pages > 1).then_some((page, pages)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// The communities a list may be narrowed to (`macros.html`'s `community_picker`), by street,
/// and the one chosen: offered to whoever sees two or more; a worker of one has nothing to pick.
pub(crate) struct CommunityPicker {
    groups: Vec<sanshe_app::areas::AreaGroup>,
    chosen: String,
}

impl CommunityPicker {
    /// The communities in the caller's scope for `action`, `chosen` (an area id) picked.
    async fn of(
        caller: &PageCaller,
        action: Action,
        chosen: Option<&str>,
    ) -> Result<CommunityPicker, PageFailure> {
        let scope = caller.actor.scope(action);
        let (_, groups) =
            sanshe_app::areas::communities_by_street(caller.app(), scope.roots(), None).await?;
        Ok(CommunityPicker {
            groups,
            chosen: chosen.unwrap_or_default().to_string(),
        })
    }

    fn offered(&self) -> bool {
        self.groups.iter().map(|g| g.areas.len()).sum::<usize>() > 1
    }
}

/// The roots of the caller's scope and their children: the areas a form offers for a campaign
/// or a chat robot (a coordinator picks a street or a community, a worker their community or a
/// compound).
async fn scope_and_children(caller: &PageCaller) -> Result<Vec<AreaView>, PageFailure> {
    let mut areas = Vec::new();
    for root in sanshe_app::areas::scope_roots(caller.app(), &caller.actor).await? {
        let page = sanshe_app::areas::area_page(caller.app(), &caller.actor, &root.id).await?;
        areas.push(root);
        areas.extend(page.children);
    }
    Ok(areas)
}

/// A short sheet whose rows a use case already returned in full (a day's hours, a campaign's
/// buildings, a community's roster) as a download built in memory; a list read page by page
/// goes through `caller.sheet` instead, which holds a page at a time.
fn sheet_download(
    name: &str,
    header: &[String],
    rows: Vec<Vec<String>>,
    filename: &str,
) -> PageResult {
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut w = sanshe_app::sheets::SheetWriter::new(name, &header)?;
    for r in rows {
        w.push(&r)?;
    }
    Ok(crate::respond::xlsx(w.finish()?, filename))
}

#[cfg(test)]
mod tests {
    use super::Pager;

    #[test]
    fn a_pager_keeps_the_filters_and_offers_the_first_page_only_past_it() {
        let filters = [("q", Some("王 五")), ("flag", None), ("sort", Some(""))];
        let first = Pager::by_cursor("/residents", &filters, "after", None, Some("k&1"));
        assert_eq!(first.first, None);
        assert_eq!(
            first.next.as_deref(),
            Some("/residents?q=%E7%8E%8B%20%E4%BA%94&after=k%261")
        );
        let last = Pager::by_cursor("/residents", &filters, "after", Some("k&1"), None);
        assert_eq!(
            last.first.as_deref(),
            Some("/residents?q=%E7%8E%8B%20%E4%BA%94")
        );
        assert_eq!(last.next, None);
        let bare = Pager::by_cursor("/areas/a1", &[], "after", Some("x"), Some("y"));
        assert_eq!(bare.first.as_deref(), Some("/areas/a1"));
        assert_eq!(bare.next.as_deref(), Some("/areas/a1?after=y"));
    }
}
