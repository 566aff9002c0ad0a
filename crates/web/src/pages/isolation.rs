//! Pages of home isolation: the resident's report page behind a link, episode lists and pages
//! with their temperature chart, the community board, the day's roster and household notices.

use sanshe_app::isolation::{self, EpisodeFilter, EpisodeView, OpenEpisode, ReportInput};
use sanshe_app::period::Period;
use sanshe_core::isolation::Symptom;

use super::*;

fn symptoms() -> Vec<(&'static str, bool)> {
    Symptom::ALL
        .iter()
        .map(|s| (s.as_str(), s.is_severe()))
        .collect()
}

#[derive(Template)]
#[template(path = "report_link.html")]
pub(super) struct LinkPageView {
    tr: Tr,
    token: String,
    page: isolation::LinkPage,
    symptoms: Vec<(&'static str, bool)>,
    error: Option<String>,
    saved: Option<isolation::ReportOutcome>,
}

fn link_response(
    tr: Tr,
    token: &str,
    page: isolation::LinkPage,
    error: Option<String>,
    saved: Option<isolation::ReportOutcome>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut resp = render(&LinkPageView {
        tr,
        token: token.to_string(),
        page,
        symptoms: symptoms(),
        error,
        saved,
    });
    *resp.status_mut() = status;
    // The token is the key to the page: keep it out of caches and referrers.
    no_store(&mut resp);
    resp
}

pub(super) async fn report_link_page(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
) -> PageResult {
    let page = isolation::link_page(&state.app, &token).await?;
    Ok(link_response(tr, &token, page, None, None))
}

/// A health report as sent from the resident's page or a worker's form (the time is now).
pub(super) fn report_input(form: &[(String, String)]) -> ReportInput {
    ReportInput {
        temperature: value(form, "temperature"),
        symptoms: values(form, "symptoms"),
        reported_at: None,
    }
}

pub(super) async fn submit_report_link(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let result = isolation::report_by_link(&state.app, &token, &report_input(&form)).await;
    let page = isolation::link_page(&state.app, &token).await?;
    match result {
        Ok(out) => Ok(link_response(tr, &token, page, None, Some(out))),
        Err(AppError::Invalid(f)) => Ok(link_response(tr, &token, page, Some(tr.fields(&f)), None)),
        Err(e) => Err(e.into()),
    }
}

/// A resident in home isolation asks for an errand (代买) from their report page; on success
/// they go to the request's own receipt page, which follows it to delivery.
pub(super) async fn submit_help_link(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = sanshe_app::help::HelpInput {
        household_id: None,
        area_id: None,
        address: String::new(),
        for_whom: value(&form, "for_whom"),
        needs: value(&form, "needs"),
        urgency: value(&form, "urgency"),
        contact: value(&form, "contact"),
    };
    match sanshe_app::help::ask_by_link(&state.app, &token, &input).await {
        Ok(h) => Ok(Redirect::to(h.receipt_link.as_deref().unwrap_or("/")).into_response()),
        Err(AppError::Invalid(f)) => {
            let page = isolation::link_page(&state.app, &token).await?;
            Ok(link_response(tr, &token, page, Some(tr.fields(&f)), None))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "isolations.html")]
pub(super) struct IsolationsPage {
    nav: Nav,
    /// A page of them, by address.
    items: Vec<EpisodeView>,
    /// How many the tab holds.
    total: i64,
    pager: Pager,
    tab: String,
    roots: Vec<AreaView>,
    /// The place the list is narrowed to, if any.
    area: Option<String>,
    /// The community to narrow it to, for whoever sees two or more.
    picker: CommunityPicker,
    /// The beginning of a name searched for, or empty.
    q: String,
    /// The released tab's days.
    period: Period,
    /// The tab's workbook, narrowed as the list is.
    export: String,
    /// A mistyped day, beside its field.
    errors: FormErrors,
}

/// The isolation list's tabs, with the message keys of their names.
const TABS: [(&str, &str); 3] = [
    ("mine", "isolation-mine"),
    ("open", "isolation-all"),
    ("released", "isolation-released-list"),
];

#[derive(Deserialize, Default)]
pub(super) struct IsolationsQuery {
    tab: Option<String>,
    area: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

pub(super) async fn isolations_page(
    caller: PageCaller,
    Query(q): Query<IsolationsQuery>,
    Query(period): Query<Period>,
) -> PageResult {
    let filter_of = |tab: &str| EpisodeFilter {
        area: q.area.clone(),
        status: Some(
            if tab == "released" {
                "released"
            } else {
                "open"
            }
            .into(),
        ),
        worker: (tab == "mine").then(|| "me".to_string()),
        q: q.q.clone(),
        after: q.after.clone(),
        limit: Some(200),
        ..Default::default()
    };
    let mut tab = q.tab.clone().unwrap_or_else(|| "mine".into());
    // Only the released tab is asked for by days.
    let period = if tab == "released" {
        period
    } else {
        Period::default()
    };
    let mut listed = isolation::list(caller.app(), &caller.actor, &filter_of(&tab), &period).await;
    // Someone following nobody up (a coordinator, a worker on another duty) opens on everyone
    // under observation rather than on an empty list of their own.
    if q.tab.is_none() && matches!(&listed, Ok(page) if page.total == 0) {
        tab = "open".into();
        listed = isolation::list(caller.app(), &caller.actor, &filter_of(&tab), &period).await;
    }
    let (page, errors) = listed_or_refused(&caller, listed)?;
    let mut filters = vec![
        ("tab", Some(tab.as_str())),
        ("area", q.area.as_deref()),
        ("q", q.q.as_deref()),
    ];
    filters.extend(period.pairs());
    let pager = Pager::by_cursor(
        "/isolations",
        &filters,
        "after",
        q.after.as_deref(),
        page.next.as_deref(),
    );
    let export = link_to("/isolations/export.xlsx", &filters);
    let roots = sanshe_app::areas::scope_roots(caller.app(), &caller.actor).await?;
    let picker = CommunityPicker::of(&caller, Action::FrontLine, q.area.as_deref()).await?;
    Ok(render(&IsolationsPage {
        nav: Nav::of(&caller, "/isolations"),
        items: page.items,
        total: page.total,
        pager,
        tab,
        roots,
        area: q.area.filter(|a| !a.is_empty()),
        picker,
        q: q.q.clone().unwrap_or_default(),
        period,
        export,
        errors,
    }))
}

/// The first columns of every sheet of episodes: who, where, which kind, from when.
const EPISODE_COLUMNS: [&str; 4] = ["name", "address", "isolation-kind", "isolation-exposure"];

/// An episode's cells under `EPISODE_COLUMNS`.
fn episode_cells(tr: Tr, e: &EpisodeView) -> Vec<String> {
    vec![
        e.name.clone(),
        format!("{} {}", e.area_name, e.address),
        tr.of("episode-kind-", e.kind),
        e.exposure_date.clone(),
    ]
}

/// The day of an instant written in China time, RFC 3339: its first ten characters.
fn day_of(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// A tab of the isolation list as .xlsx, every page of it, narrowed as the list is: the
/// released of the days asked for (the list a community sends up to its street and health
/// centre), or those under observation, everyone's or one's own, with their latest reading.
pub(super) async fn export_isolations(
    caller: PageCaller,
    Query(q): Query<IsolationsQuery>,
    Query(period): Query<Period>,
) -> PageResult {
    let tr = caller.tr;
    let tab = q.tab.as_deref().unwrap_or("mine");
    let Some(&(tab, title)) = TABS.iter().find(|(key, _)| *key == tab) else {
        return Err(AppError::field("tab", "err-query").into());
    };
    let released = tab == "released";
    let more: &[&str] = if released {
        &[
            "isolation-released-at",
            "isolation-release-reason",
            "isolation-worker",
        ]
    } else {
        &[
            "isolation-planned-end",
            "isolation-day-number",
            "isolation-last",
            "isolation-last-at",
            "isolation-worker",
            "isolation-follow-up",
        ]
    };
    let header: Vec<String> = EPISODE_COLUMNS
        .iter()
        .chain(more)
        .map(|k| tr.t(k))
        .collect();
    // A mistyped day is refused before a workbook is started; only the released have days.
    let period = if released { period } else { Period::default() };
    period.open()?;
    let mut sheet = caller.sheet(&tr.t(title), &header)?;
    let (app, actor, area, period) = (caller.app(), &caller.actor, &q.area, &period);
    let name = &q.q;
    sheet
        .push_pages(|after| async move {
            let filter = EpisodeFilter {
                area: area.clone(),
                q: name.clone(),
                status: Some(if released { "released" } else { "open" }.into()),
                worker: (tab == "mine").then(|| "me".to_string()),
                after,
                limit: Some(1000),
                ..Default::default()
            };
            let page = isolation::list(app, actor, &filter, period).await?;
            let rows = page
                .items
                .into_iter()
                .map(|e| {
                    let mut row = episode_cells(tr, &e);
                    if released {
                        row.extend([
                            e.released_at.as_deref().map(day_of).unwrap_or("").into(),
                            e.release_reason
                                .map(|r| tr.of("release-reason-", r))
                                .unwrap_or_default(),
                            e.worker_name.unwrap_or_default(),
                        ]);
                    } else {
                        row.extend([
                            e.planned_end.clone(),
                            e.day.to_string(),
                            e.last_temperature.clone().unwrap_or_default(),
                            e.last_reported_at
                                .as_deref()
                                .map(minute_of)
                                .unwrap_or_default(),
                            e.worker_name.clone().unwrap_or_default(),
                            tr.of("follow-up-mode-", e.follow_up),
                        ]);
                    }
                    row
                })
                .collect();
            Ok((rows, page.next))
        })
        .await?;
    let date = app.today().format("%Y%m%d");
    Ok(sheet.send(&format!("isolations-{tab}-{date}.xlsx")).await?)
}

#[derive(Template)]
#[template(path = "isolation.html")]
pub(super) struct IsolationPage {
    nav: Nav,
    d: isolation::EpisodeDetail,
    chart: String,
    symptoms: Vec<(&'static str, bool)>,
    workers: Vec<(String, String)>,
    link: Option<String>,
    errors: FormErrors,
    flash: Option<String>,
}

/// A temperature chart as an inline SVG: one point per report, the fever line dashed.
fn chart(reports: &[isolation::ReportView], fever_tenths: i64) -> String {
    if reports.is_empty() {
        return String::new();
    }
    let (w, h, pad) = (640.0_f64, 220.0_f64, 30.0_f64);
    let (lo, hi) = (350.0_f64, 410.0_f64);
    let y = |t: f64| h - pad - (t.clamp(lo, hi) - lo) / (hi - lo) * (h - 2.0 * pad);
    let step = if reports.len() > 1 {
        (w - 2.0 * pad) / (reports.len() - 1) as f64
    } else {
        0.0
    };
    let points: Vec<(f64, f64, bool)> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (pad + step * i as f64, y(r.tenths as f64), r.fever))
        .collect();
    let line: Vec<String> = points
        .iter()
        .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
        .collect();
    let fever_y = y(fever_tenths as f64);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"temperature\" xmlns=\"http://www.w3.org/2000/svg\">\
         <line x1=\"{pad}\" x2=\"{}\" y1=\"{fever_y:.1}\" y2=\"{fever_y:.1}\" stroke=\"#c0392b\" stroke-dasharray=\"6 4\"/>\
         <text x=\"{}\" y=\"{:.1}\" font-size=\"12\" fill=\"#c0392b\" text-anchor=\"end\">{}</text>\
         <polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"2\" points=\"{}\"/>",
        w - pad,
        w - pad,
        fever_y - 4.0,
        sanshe_core::isolation::format_tenths(fever_tenths),
        line.join(" ")
    );
    for (x, y, fever) in &points {
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{}\"/>",
            if *fever { "#c0392b" } else { "#0b5cad" }
        ));
    }
    for (t, label) in [(360.0, "36"), (380.0, "38"), (400.0, "40")] {
        svg.push_str(&format!(
            "<text x=\"2\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6b7b\">{label}</text>",
            y(t) + 4.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

pub(super) async fn isolation_view(
    caller: &PageCaller,
    id: &str,
    errors: FormErrors,
    flash: Option<String>,
) -> PageResult {
    let d = isolation::detail(caller.app(), &caller.actor, id).await?;
    let workers = isolation::workers_for(caller.app(), &caller.actor, id).await?;
    let link = isolation::report_link(caller.app(), &caller.actor, id)
        .await?
        .map(|l| format!("{}{l}", caller.app().public_url.trim_end_matches('/')));
    let rejected = !errors.is_empty();
    Ok(render_form(
        &IsolationPage {
            nav: Nav::of(caller, &format!("/isolations/{id}")),
            chart: chart(&d.reports, caller.app().rules.fever_tenths),
            d,
            symptoms: symptoms(),
            workers,
            link,
            errors,
            flash,
        },
        rejected,
    ))
}

pub(super) async fn isolation_page(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    isolation_view(&caller, &id, FormErrors::default(), None).await
}

/// One form per action on an episode, told apart by `action`.
pub(super) async fn isolation_action(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let app = caller.app();
    let actor = &caller.actor;
    let action = value(&form, "action");
    let done: sanshe_app::Result<&str> = match action.as_str() {
        "report" => isolation::report_by_worker(app, actor, &id, &report_input(&form))
            .await
            .map(|_| "report-saved"),
        "release" => isolation::release(
            app,
            actor,
            &id,
            &value(&form, "reason"),
            &value(&form, "note"),
        )
        .await
        .map(|_| "saved"),
        "extend" => isolation::extend(app, actor, &id, &value(&form, "planned_end"))
            .await
            .map(|_| "saved"),
        "assign" => isolation::assign(app, actor, &id, &value(&form, "worker_id"))
            .await
            .map(|_| "saved"),
        "follow_up" => isolation::set_follow_up(app, actor, &id, &value(&form, "follow_up"))
            .await
            .map(|_| "saved"),
        "renew_link" => isolation::renew_link(app, actor, &id, false)
            .await
            .map(|_| "saved"),
        "revoke_link" => isolation::renew_link(app, actor, &id, true)
            .await
            .map(|_| "saved"),
        _ => Err(AppError::field("action", "err-required")),
    };
    after_form(
        &caller,
        done.map(String::from),
        async |key: String| {
            isolation_view(&caller, &id, FormErrors::default(), Some(caller.tr.t(&key))).await
        },
        async |errors| isolation_view(&caller, &id, errors, None).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "isolation_new.html")]
pub(super) struct IsolationNewPage {
    nav: Nav,
    resident: ResidentView,
    today: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub(super) struct ResidentQuery {
    resident: String,
}

async fn isolation_new_view(
    caller: &PageCaller,
    resident_id: &str,
    errors: FormErrors,
) -> PageResult {
    let resident = sanshe_app::registry::get(caller.app(), &caller.actor, resident_id).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &IsolationNewPage {
            nav: Nav::of(caller, "/isolations/new"),
            resident,
            today: caller.app().today().format("%Y-%m-%d").to_string(),
            errors,
        },
        rejected,
    ))
}

pub(super) async fn new_isolation_form(
    caller: PageCaller,
    Query(q): Query<ResidentQuery>,
) -> PageResult {
    isolation_new_view(&caller, &q.resident, FormErrors::default()).await
}

pub(super) async fn create_isolation(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let input = OpenEpisode {
        resident_id: value(&form, "resident_id"),
        kind: value(&form, "kind"),
        exposure_date: Some(value(&form, "exposure_date")),
        planned_end: Some(value(&form, "planned_end")),
        worker_id: None,
        follow_up: Some(value(&form, "follow_up")),
    };
    after_form(
        &caller,
        isolation::open(caller.app(), &caller.actor, &input).await,
        async |o| Ok(Redirect::to(&format!("/isolations/{}", o.episode.id)).into_response()),
        async |errors| isolation_new_view(&caller, &input.resident_id, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "board.html")]
pub(super) struct BoardPage {
    nav: Nav,
    b: isolation::Board,
}

pub(super) async fn board_page(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let b = isolation::board(caller.app(), &caller.actor, &id).await?;
    Ok(render(&BoardPage {
        nav: Nav::of(&caller, &format!("/boards/{id}")),
        b,
    }))
}

#[derive(Template)]
#[template(path = "roster.html")]
pub(super) struct RosterPage {
    nav: Nav,
    date: String,
    r: isolation::Roster,
    pager: Pager,
}

/// The printed roster's page: long enough for a community's list on one page.
const ROSTER_PAGE: i64 = 500;

#[derive(Deserialize, Default)]
pub(super) struct RosterQuery {
    after: Option<String>,
}

/// The day's roster of an area, a page at a time, with its total.
pub(super) async fn roster_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<RosterQuery>,
) -> PageResult {
    let r = isolation::roster(
        caller.app(),
        &caller.actor,
        &id,
        q.after.as_deref(),
        ROSTER_PAGE,
    )
    .await?;
    let path = format!("/areas/{id}/roster");
    let pager = Pager::by_cursor(
        &path,
        &[],
        "after",
        q.after.as_deref(),
        r.lines.next.as_deref(),
    );
    Ok(render(&RosterPage {
        nav: Nav::of(&caller, &path),
        date: caller.app().today().format("%Y-%m-%d").to_string(),
        r,
        pager,
    }))
}

/// The whole day's roster of an area as .xlsx, every page of it.
pub(super) async fn export_roster(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let tr = caller.tr;
    let header: Vec<String> = EPISODE_COLUMNS
        .iter()
        .chain(&[
            "isolation-planned-end",
            "link-morning",
            "link-afternoon",
            "isolation-worker",
            "isolation-follow-up",
        ])
        .map(|k| tr.t(k))
        .collect();
    let mut sheet = caller.sheet(&tr.t("roster"), &header)?;
    let (app, actor, id) = (caller.app(), &caller.actor, id.as_str());
    sheet
        .push_pages(|after| async move {
            let r = isolation::roster(app, actor, id, after.as_deref(), 1000).await?;
            let rows = r
                .lines
                .items
                .into_iter()
                .map(|l| {
                    let e = l.episode;
                    let mut row = episode_cells(tr, &e);
                    row.extend([
                        e.planned_end,
                        l.morning.unwrap_or_default(),
                        l.afternoon.unwrap_or_default(),
                        e.worker_name.unwrap_or_default(),
                        tr.of("follow-up-mode-", e.follow_up),
                    ]);
                    row
                })
                .collect();
            Ok((rows, r.lines.next))
        })
        .await?;
    let date = app.today().format("%Y%m%d");
    Ok(sheet.send(&format!("roster-{id}-{date}.xlsx")).await?)
}

/// One person's part of a household notice.
pub struct NoticePart {
    /// The episode.
    pub episode: EpisodeView,
    /// The report address.
    pub link: String,
    /// Its QR code.
    pub qr: String,
    /// Whom to call about it and at which number.
    pub contact: String,
}

#[derive(Template)]
#[template(path = "notice.html")]
pub(super) struct NoticePage {
    nav: Nav,
    household: HouseholdView,
    parts: Vec<NoticePart>,
}

pub(super) async fn notice_page(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let (household, _) = sanshe_app::registry::household(caller.app(), &caller.actor, &id).await?;
    let episodes = isolation::list(
        caller.app(),
        &caller.actor,
        &EpisodeFilter {
            household: Some(id.clone()),
            limit: Some(50),
            ..Default::default()
        },
        &Period::default(),
    )
    .await?;
    let base = caller.app().public_url.trim_end_matches('/').to_string();
    let phone = sanshe_app::areas::contact_phone(caller.app(), &household.area_id)
        .await?
        .unwrap_or_else(|| "—".into());
    let mut parts = Vec::new();
    for e in episodes.items {
        let worker = e
            .worker_name
            .clone()
            .unwrap_or_else(|| caller.tr.t("notice-worker-none"));
        let contact = caller.tr.with_args(
            "notice-contact",
            &[("worker", worker), ("phone", phone.clone())],
        );
        if let Some(path) = isolation::report_link(caller.app(), &caller.actor, &e.id).await? {
            let link = format!("{base}{path}");
            parts.push(NoticePart {
                contact,
                qr: crate::qr_svg(&link),
                link,
                episode: e,
            });
        }
    }
    Ok(render(&NoticePage {
        nav: Nav::of(&caller, &format!("/households/{id}/notice")),
        household,
        parts,
    }))
}
