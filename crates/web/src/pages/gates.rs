//! Pages of the gates: the list with policies, the gate post a volunteer runs on a phone (it
//! keeps working offline, see `assets/gate.js`), and traffic statistics.

use sanshe_app::gates::{self, GateView, ScanInput, Traffic};
use sanshe_core::gates::GatePolicy;

use super::*;

#[derive(Template)]
#[template(path = "gates.html")]
pub(super) struct GatesPage {
    nav: Nav,
    /// A page of them, by compound and name.
    items: Vec<GateView>,
    /// How many the caller may staff.
    total: i64,
    pager: Pager,
    /// The compounds a gate can be added to, by community.
    compounds: Vec<sanshe_app::areas::AreaGroup>,
    /// The community the list is narrowed to.
    picker: CommunityPicker,
    /// The workbook of the list as filtered.
    export: String,
    errors: FormErrors,
}

/// Gates on one page of the list.
const GATES_PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(super) struct GatesQuery {
    area: Option<String>,
    after: Option<String>,
}

async fn gates_view(caller: &PageCaller, q: &GatesQuery, errors: FormErrors) -> PageResult {
    let filter = sanshe_app::cursor::AreaPaging {
        area: q.area.clone(),
        after: q.after.clone(),
        limit: Some(GATES_PER_PAGE),
    };
    let page = gates::gates_page(caller.app(), &caller.actor, &filter).await?;
    let filters = [("area", q.area.as_deref())];
    let after = q.after.as_deref();
    let pager = Pager::by_cursor("/gates", &filters, "after", after, page.next.as_deref());
    let export = link_to("/gates/export.xlsx", &filters);
    let picker = CommunityPicker::of(caller, Action::GateDuty, q.area.as_deref()).await?;
    let scope = caller.actor.scope(Action::ManageGates);
    let compounds = sanshe_app::areas::compounds_by_community(caller.app(), scope.roots()).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &GatesPage {
            nav: Nav::of(caller, "/gates"),
            items: page.items,
            total: page.total,
            pager,
            compounds,
            picker,
            export,
            errors,
        },
        rejected,
    ))
}

pub(super) async fn gates_page(caller: PageCaller, Query(q): Query<GatesQuery>) -> PageResult {
    gates_view(&caller, &q, FormErrors::default()).await
}

/// Every gate the list holds (narrowed as on the page), as .xlsx: where each stands and the
/// rule it keeps, what a street or district sends up of its closed management.
pub(super) async fn export_gates(caller: PageCaller, Query(q): Query<GatesQuery>) -> PageResult {
    let tr = caller.tr;
    let header = ["community", "campaign-compound", "gate-name", "gate-policy"].map(|k| tr.t(k));
    let mut sheet = caller.sheet(&tr.t("nav-gates"), &header)?;
    let (app, actor) = (caller.app(), &caller.actor);
    let area = q.area.clone();
    sheet
        .push_pages(|after| {
            let filter = sanshe_app::cursor::AreaPaging::largest(area.clone(), after);
            async move {
                let page = gates::gates_page(app, actor, &filter).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|g| {
                        let policy = tr.gate_policy(&g.policy);
                        vec![g.community_name, g.compound_name, g.name, policy]
                    })
                    .collect();
                Ok((rows, page.next))
            }
        })
        .await?;
    Ok(sheet.send("gates.xlsx").await?)
}

#[derive(Deserialize)]
pub(super) struct GateForm {
    #[serde(default)]
    compound_id: String,
    #[serde(default)]
    name: String,
}

pub(super) async fn add_gate(caller: PageCaller, Form(f): Form<GateForm>) -> PageResult {
    after_form(
        &caller,
        gates::add_gate(caller.app(), &caller.actor, &f.compound_id, &f.name).await,
        async |_| Ok(Redirect::to("/gates").into_response()),
        async |errors| gates_view(&caller, &GatesQuery::default(), errors).await,
    )
    .await
}

/// The policy form as typed: numbers as text, read beside their field (a phone keyboard lets
/// a 两 or a 6点 through).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PolicyForm {
    exits_per_period: String,
    period_days: String,
    out_from_hour: String,
    out_until_hour: String,
}

impl PolicyForm {
    fn policy(&self) -> Result<GatePolicy, AppError> {
        fn number<T: std::str::FromStr>(
            raw: &str,
            field: &str,
            key: &'static str,
        ) -> Result<T, AppError> {
            raw.trim().parse().map_err(|_| AppError::field(field, key))
        }
        Ok(GatePolicy {
            exits_per_period: number(
                &self.exits_per_period,
                "exits_per_period",
                "err-policy-exits",
            )?,
            period_days: number(&self.period_days, "period_days", "err-policy-period")?,
            out_from_hour: number(&self.out_from_hour, "out_from_hour", "err-policy-hours")?,
            out_until_hour: number(&self.out_until_hour, "out_until_hour", "err-policy-hours")?,
        })
    }
}

pub(super) async fn set_policy(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<PolicyForm>,
) -> PageResult {
    let gate = gates::gate(caller.app(), &caller.actor, &id).await?;
    let done = match f.policy() {
        Ok(policy) => {
            gates::set_policy(caller.app(), &caller.actor, &gate.compound_id, policy).await
        }
        Err(e) => Err(e),
    };
    after_form(
        &caller,
        done,
        async |_| Ok(Redirect::to("/gates").into_response()),
        async |errors| gates_view(&caller, &GatesQuery::default(), errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "gate_post.html")]
pub(super) struct GatePostPage {
    nav: Nav,
    gate: GateView,
    reasons: Vec<(&'static str, String)>,
    fever_tenths: i64,
    /// "Outings left this period" with `{n}` for the script to fill in.
    outings_left: String,
    errors: FormErrors,
    /// Said once a visitor is registered.
    message: Option<String>,
}

async fn gate_post_view(
    caller: &PageCaller,
    id: &str,
    errors: FormErrors,
    message: Option<String>,
) -> PageResult {
    let gate = gates::gate(caller.app(), &caller.actor, id).await?;
    let reasons = sanshe_core::gates::Refusal::ALL
        .iter()
        .map(|r| (r.as_str(), caller.tr.of("refusal-", r.as_str())))
        .collect();
    let rejected = !errors.is_empty();
    Ok(render_form(
        &GatePostPage {
            nav: Nav::of(caller, &format!("/gates/{id}/post")),
            gate,
            reasons,
            fever_tenths: caller.app().rules.fever_tenths,
            outings_left: caller.tr.with("gate-outings-left", "count", "{n}"),
            errors,
            message,
        },
        rejected,
    ))
}

#[derive(Deserialize, Default)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

pub(super) async fn gate_post(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let message = q
        .done
        .filter(|d| d == "visitor")
        .map(|_| caller.tr.t("visitor-registered"));
    gate_post_view(&caller, &id, FormErrors::default(), message).await
}

/// A visitor or delivery registered from the gate post page.
pub(super) async fn gate_post_visitor(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let temperature = value(&form, "temperature");
    let input = gates::VisitorInput {
        gate_id: id.clone(),
        kind: Some(value(&form, "kind")).filter(|k| !k.is_empty()),
        name: value(&form, "name"),
        phone: value(&form, "phone"),
        reason: value(&form, "reason"),
        host: value(&form, "host"),
        temperature: (!temperature.trim().is_empty())
            .then_some(serde_json::Value::String(temperature)),
        entered: value(&form, "entered") == "on",
    };
    after_form(
        &caller,
        gates::register_visitor(caller.app(), &caller.actor, &input).await,
        async |_| {
            Ok(
                Redirect::to(&format!("/gates/{}/post?done=visitor", urlencode(&id)))
                    .into_response(),
            )
        },
        async |errors| gate_post_view(&caller, &id, errors, None).await,
    )
    .await
}

/// A scan from the gate post page: the session cookie signs it in, the CSRF token comes in a
/// header (the page's script sends JSON; the CSRF layer checks it), and the answer is the API's.
pub(super) async fn gate_post_scan(
    State(state): State<AppState>,
    caller: PageCaller,
    crate::extract::JsonBody(input): crate::extract::JsonBody<ScanInput>,
) -> Response {
    match state.scans.scan(&state.app, &caller.actor, input).await {
        Ok(out) => crate::respond::Created(out).into_response(),
        Err(error) => crate::error::ApiError::from(error).into_response(),
    }
}

#[derive(Template)]
#[template(path = "gate_traffic.html")]
pub(super) struct TrafficPage {
    nav: Nav,
    title: String,
    at: String,
    t: Traffic,
    chart: String,
}

#[derive(Deserialize, Default)]
pub(super) struct DateQuery {
    date: Option<String>,
}

/// Bars of entries and exits per hour as an inline SVG.
fn traffic_chart(t: &Traffic) -> String {
    let max = t
        .hours
        .iter()
        .map(|h| h.entries.max(h.exits).max(h.refused))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (w, h, pad) = (720.0_f64, 200.0_f64, 20.0_f64);
    let slot = (w - 2.0 * pad) / 24.0;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"traffic\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for line in &t.hours {
        let x = pad + slot * line.hour as f64;
        for (i, (value, colour)) in [
            (line.entries, "#1e7d32"),
            (line.exits, "#0b5cad"),
            (line.refused, "#c0392b"),
        ]
        .iter()
        .enumerate()
        {
            let bh = (*value as f64 / max) * (h - 2.0 * pad);
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
                x + i as f64 * slot / 3.2,
                h - pad - bh,
                slot / 3.4,
                bh
            ));
        }
        if line.hour % 3 == 0 {
            svg.push_str(&format!(
                "<text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6b7b\">{}</text>",
                h - 4.0,
                line.hour
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

pub(super) async fn traffic_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> PageResult {
    let t = gates::traffic(caller.app(), &caller.actor, &id, q.date.as_deref()).await?;
    let title = match gates::gate(caller.app(), &caller.actor, &id).await {
        Ok(g) => format!("{} {}", g.compound_name, g.name),
        Err(_) => sanshe_app::areas::visible_area(caller.app(), &caller.actor, &id)
            .await
            .map(|a| a.name)?,
    };
    Ok(render(&TrafficPage {
        nav: Nav::of(&caller, &format!("/traffic/{id}")),
        title,
        at: id,
        chart: traffic_chart(&t),
        t,
    }))
}

pub(super) async fn export_traffic(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<DateQuery>,
) -> PageResult {
    let t = gates::traffic(caller.app(), &caller.actor, &id, q.date.as_deref()).await?;
    let tr = caller.tr;
    let header: Vec<String> = [
        "gate-hour",
        "gate-entries",
        "gate-exits-count",
        "gate-refused-count",
        "gate-visitors",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows = t
        .hours
        .iter()
        .map(|h| {
            vec![
                format!("{:02}:00", h.hour),
                h.entries.to_string(),
                h.exits.to_string(),
                h.refused.to_string(),
                h.visitors.to_string(),
            ]
        })
        .collect();
    sheet_download(
        &tr.t("gate-traffic"),
        &header,
        rows,
        &format!("traffic-{}.xlsx", t.date),
    )
}
