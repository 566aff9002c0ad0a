//! The rota page: a stretch of days of the posts below an area, gaps in red, and for the
//! signed-in volunteer the buttons to take, drop, check in and check out — on a phone.

use chrono::NaiveDate;
use sanshe_app::period::Period;
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
    /// The signed-in person's shifts starting within the hour, not yet checked in to.
    reminders: Vec<rotas::Reminder>,
    /// Whether the signed-in person runs this area's rota (sees who could cover a no-show).
    manages: bool,
    /// The gates a new gate post may name (those the person runs).
    gates: Vec<sanshe_app::gates::GateView>,
    /// The ledger's workbook form: this month so far, as the national system is filled in.
    ledger_period: Period,
    /// None: a wrong period is told by the workbook's answer.
    ledger_errors: FormErrors,
    /// Only the shifts missing someone are shown (the home page's tile leads here).
    short: bool,
    /// The workbook of what is shown.
    export: String,
}

impl RotaPage {
    /// Someone else's place on a shift offered for a swap, which the signed-in volunteer may
    /// take over.
    fn offered_to_me<'a>(&self, s: &'a rotas::ShiftView) -> Option<&'a rotas::Holder> {
        if self.mine(s).is_some() || s.started {
            return None;
        }
        s.holders.iter().find(|h| h.offered)
    }

    /// Whether a shift has someone who did not come (and so a cover to find).
    fn needs_cover(&self, s: &rotas::ShiftView) -> bool {
        self.manages && s.holders.iter().any(|h| h.no_show)
    }

    /// Whether a worker may put someone on this shift from the rota: a place is free and it
    /// has not started (a started one with a no-show goes through "find cover").
    fn can_fill(&self, s: &rotas::ShiftView) -> bool {
        self.manages && s.gap_minutes > 0 && !s.started && !self.needs_cover(s)
    }

    /// What an empty rota says: no posts, or none missing anyone when only those are shown.
    fn nothing_listed(&self) -> &'static str {
        if self.short {
            "rota-no-short"
        } else {
            "empty-list"
        }
    }

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
    /// `true`: only the shifts missing someone.
    short: Option<bool>,
}

/// The stretch a rota query asks for: the area (the first the caller serves in, unless one
/// is named), the first day (today) and how many days (a week, at most `MAX_DAYS`).
fn stretch(
    caller: &PageCaller,
    q: &RotaQuery,
    areas: &[(String, String)],
) -> (String, NaiveDate, u32) {
    let area = q
        .area
        .clone()
        .or_else(|| areas.first().map(|a| a.0.clone()))
        .unwrap_or_default();
    let from = q.from.unwrap_or_else(|| caller.app().today());
    let days = q.days.unwrap_or(7).clamp(1, rotas::MAX_DAYS);
    (area, from, days)
}

/// What the rota of an area shows.
enum Shown {
    /// A community's and below: its shifts.
    Shifts(Rota),
    /// A street's or more: its posts' coverage (their shifts would be tens of thousands of lines).
    PerPost(Gaps),
}

/// The rota of an area for a stretch, its shifts only those missing someone when `short`.
async fn shown(
    caller: &PageCaller,
    area: &str,
    from: NaiveDate,
    days: u32,
    short: bool,
) -> Result<Shown, AppError> {
    let gaps = rotas::gaps(caller.app(), &caller.actor, area, from, days).await?;
    if matches!(gaps.area_kind.as_str(), "city" | "district" | "street") {
        return Ok(Shown::PerPost(gaps));
    }
    let mut rota = rotas::rota(caller.app(), &caller.actor, area, from, days).await?;
    if short {
        only_short(&mut rota);
    }
    Ok(Shown::Shifts(rota))
}

async fn rota_view(caller: &PageCaller, q: &RotaQuery, message: Option<String>) -> PageResult {
    let areas = rotas::home_areas(caller.app(), &caller.actor).await?;
    let (area, from, days) = stretch(caller, q, &areas);
    let short = q.short == Some(true);
    let (rota, summary) = if area.is_empty() {
        (None, None)
    } else {
        match shown(caller, &area, from, days, short).await? {
            Shown::Shifts(rota) => (Some(rota), None),
            Shown::PerPost(gaps) => (None, Some(gaps)),
        }
    };
    let (from_day, days_text) = (from.to_string(), days.to_string());
    let export = link_to(
        "/rota/export.xlsx",
        &[
            ("area", Some(area.as_str())),
            ("from", Some(from_day.as_str())),
            ("days", Some(days_text.as_str())),
            ("short", short.then_some("true")),
        ],
    );
    let message = message.or_else(|| {
        q.done
            .as_deref()
            .map(|d| caller.tr.t(&format!("rota-done-{d}")))
    });
    let reminders = rotas::reminders(caller.app(), &caller.actor).await?;
    let manages = !area.is_empty() && rotas::manages(caller.app(), &caller.actor, &area).await?;
    let gates = if manages {
        sanshe_app::gates::gates_for_posts(caller.app(), &caller.actor, &area).await?
    } else {
        Vec::new()
    };
    let today = caller.app().today();
    let ledger_period = Period {
        from: chrono::Datelike::with_day(&today, 1).map(|d| d.to_string()),
        to: None,
    };
    Ok(render_form(
        &RotaPage {
            gates,
            ledger_period,
            ledger_errors: FormErrors::default(),
            nav: Nav::of(caller, "/rota"),
            areas,
            area,
            from: from.to_string(),
            days,
            rota,
            summary,
            me: caller.actor.user_id.clone().unwrap_or_default(),
            message,
            reminders,
            manages,
            short,
            export,
        },
        false,
    ))
}

/// The rota as shown, as .xlsx: a community's shifts with who holds them (the duty list put up
/// at the post or sent up the line), or a street's and above coverage per post.
pub(super) async fn export_rota(caller: PageCaller, Query(q): Query<RotaQuery>) -> PageResult {
    let tr = caller.tr;
    let areas = rotas::home_areas(caller.app(), &caller.actor).await?;
    let (area, from, days) = stretch(&caller, &q, &areas);
    if area.is_empty() {
        return Err(AppError::NotFound.into());
    }
    let title = tr.t("nav-rota");
    let filename = format!("rota-{}-{days}d.xlsx", from.format("%Y%m%d"));
    let header = |keys: &[&str]| keys.iter().map(|k| tr.t(k)).collect::<Vec<_>>();
    match shown(&caller, &area, from, days, q.short == Some(true)).await? {
        Shown::Shifts(rota) => {
            let rows = rota
                .posts
                .iter()
                .flat_map(|p| p.shifts.iter().map(move |s| shift_row(tr, &p.post.name, s)))
                .collect();
            let header = header(&[
                "rota-post",
                "rota-starts",
                "rota-ends",
                "rota-people-needed",
                "rota-holders",
                "rota-missing",
            ]);
            sheet_download(&title, &header, rows, &filename)
        }
        Shown::PerPost(gaps) => {
            let rows = gaps
                .posts
                .iter()
                .map(|p| {
                    vec![
                        p.post.name.clone(),
                        tr.of("post-kind-", p.post.kind),
                        format!("{}/{}", p.short, p.shifts),
                        (p.gap_minutes / 60).to_string(),
                    ]
                })
                .collect();
            let header = header(&[
                "rota-post",
                "rota-post-kind",
                "rota-short-shifts",
                "rota-gap-hours",
            ]);
            sheet_download(&title, &header, rows, &filename)
        }
    }
}

/// A shift's line of the rota's workbook: who holds it, marked as the page marks them, and how
/// many are still missing (a no-show is missing).
fn shift_row(tr: Tr, post: &str, s: &rotas::ShiftView) -> Vec<String> {
    let holders: Vec<String> = s
        .holders
        .iter()
        .map(|h| {
            let mut name = h.name.clone();
            if h.no_show {
                name.push_str(&format!("（{}）", tr.t("rota-no-show")));
            } else if h.offered {
                name.push_str(&format!("（{}）", tr.t("rota-offered")));
            }
            name
        })
        .collect();
    let present = s.holders.iter().filter(|h| !h.no_show).count() as i64;
    vec![
        post.to_string(),
        s.starts.clone(),
        s.ends.clone(),
        s.people.to_string(),
        holders.join("、"),
        (s.people - present).max(0).to_string(),
    ]
}

/// Leaves the shifts missing someone (a place free, or a no-show to cover), and the posts
/// that have one: a worker filling the gaps reads those, not a week of full shifts.
fn only_short(rota: &mut Rota) {
    for p in &mut rota.posts {
        p.shifts
            .retain(|s| s.gap_minutes > 0 || s.holders.iter().any(|h| h.no_show));
    }
    rota.posts.retain(|p| !p.shifts.is_empty());
}

pub(super) async fn rota_page(caller: PageCaller, Query(q): Query<RotaQuery>) -> PageResult {
    rota_view(&caller, &q, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ShiftForm {
    area: String,
    from: String,
    /// Whom a worker assigns or takes off.
    user_id: String,
    /// `true` when the rota was showing only the shifts missing someone.
    short: String,
}

/// Take, drop, check in or out; a worker assigns someone or takes a no-show off; back to the
/// rota (or the cover page) with what happened.
pub(super) async fn shift_action(
    caller: PageCaller,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ShiftForm>,
) -> PageResult {
    let (app, actor) = (caller.app(), &caller.actor);
    let done = match action.as_str() {
        "take" => rotas::take(app, actor, &id).await,
        "drop" => rotas::drop_shift(app, actor, &id, None).await,
        "check-in" => rotas::check_in(app, actor, &id).await,
        "check-out" => rotas::check_out(app, actor, &id).await.map(|_| ()),
        "assign" => rotas::assign(app, actor, &id, &f.user_id).await,
        "offer" => rotas::offer(app, actor, &id, true).await,
        "keep" => rotas::offer(app, actor, &id, false).await,
        "take-over" => rotas::take_over(app, actor, &id, &f.user_id).await,
        "remove" => rotas::drop_shift(app, actor, &id, Some(&f.user_id)).await,
        _ => Err(AppError::NotFound),
    };
    // Checked in on a gate post, the phone goes straight to that gate's post.
    if done.is_ok()
        && action == "check-in"
        && let Some(gate) = rotas::gate_of_shift(app, actor, &id).await?
    {
        return Ok(Redirect::to(&format!("/gates/{}/post", urlencode(&gate))).into_response());
    }
    match done {
        // Taking a no-show off leads on to choosing who covers.
        Ok(()) if action == "remove" => Ok(Redirect::to(&format!(
            "/rota/shifts/{}/cover?area={}&from={}&done={action}",
            urlencode(&id),
            urlencode(&f.area),
            urlencode(&f.from)
        ))
        .into_response()),
        Ok(()) => Ok(Redirect::to(&format!(
            "/rota?area={}&from={}&done={action}{}",
            urlencode(&f.area),
            urlencode(&f.from),
            if f.short == "true" { "&short=true" } else { "" }
        ))
        .into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let q = RotaQuery {
                area: Some(f.area.clone()),
                from: f.from.parse().ok(),
                days: None,
                done: None,
                short: Some(f.short == "true"),
            };
            let message = FormErrors::from(&e, caller.tr).messages().join(" ");
            let mut resp = rota_view(&caller, &q, Some(message)).await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// A worker adds a duty post below the rota's area, from the rota page.
pub(super) async fn create_post(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let number = |k: &str| value(&form, k).trim().parse::<u32>().unwrap_or(0);
    let skill = value(&form, "skill");
    let input = rotas::PostInput {
        area_id: value(&form, "area"),
        name: value(&form, "name"),
        kind: value(&form, "kind"),
        cover_from: value(&form, "cover_from"),
        cover_hours: number("cover_hours"),
        shift_hours: number("shift_hours"),
        people: number("people"),
        skill: (!skill.is_empty()).then_some(skill),
        gate_id: Some(value(&form, "gate_id")).filter(|g| !g.is_empty()),
    };
    let done = rotas::add_post(caller.app(), &caller.actor, &input)
        .await
        .map(|_| ());
    after_rota_form(&caller, &form, done, "post").await
}

/// A worker makes the shifts of every post below the rota's area for the days shown.
pub(super) async fn make_shifts(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let done = match value(&form, "from").parse::<NaiveDate>() {
        Ok(from) => rotas::make_area_shifts(
            caller.app(),
            &caller.actor,
            &value(&form, "area"),
            from,
            value(&form, "days").trim().parse().unwrap_or(0),
        )
        .await
        .map(|_| ()),
        Err(_) => Err(AppError::field("from", "err-date")),
    };
    after_rota_form(&caller, &form, done, "made").await
}

async fn after_rota_form(
    caller: &PageCaller,
    form: &[(String, String)],
    done: Result<(), AppError>,
    what: &str,
) -> PageResult {
    let (area, from) = (value(form, "area"), value(form, "from"));
    after_form(
        caller,
        done,
        async |()| {
            Ok(Redirect::to(&format!(
                "/rota?area={}&from={}&days={}&done={what}",
                urlencode(&area),
                urlencode(&from),
                urlencode(&value(form, "days"))
            ))
            .into_response())
        },
        async |errors| {
            let q = RotaQuery {
                area: Some(area.clone()),
                from: from.parse().ok(),
                days: value(form, "days").parse().ok(),
                done: None,
                short: None,
            };
            let message = errors.messages().join(" ");
            let mut resp = rota_view(caller, &q, Some(message)).await?;
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "rota_cover.html")]
pub(super) struct CoverPage {
    nav: Nav,
    shift: rotas::ShiftView,
    post: String,
    /// The least loaded who could cover.
    candidates: Vec<rotas::CoverCandidate>,
    /// How many could cover in all.
    candidate_total: i64,
    area: String,
    from: String,
    message: Option<String>,
}

/// A worker's page for a shift under way with a no-show: take them off, and who could cover.
pub(super) async fn cover_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<RotaQuery>,
) -> PageResult {
    let (app, actor) = (caller.app(), &caller.actor);
    let (post, shift) = rotas::shift_view(app, actor, &id).await?;
    let candidates = rotas::cover_candidates(app, actor, &id).await?;
    Ok(render_form(
        &CoverPage {
            nav: Nav::of(&caller, "/rota"),
            shift,
            post,
            candidates: candidates.items,
            candidate_total: candidates.total,
            area: q.area.clone().unwrap_or_default(),
            from: q.from.map(|d| d.to_string()).unwrap_or_default(),
            message: q
                .done
                .as_deref()
                .map(|d| caller.tr.t(&format!("rota-done-{d}"))),
        },
        false,
    ))
}

#[derive(Template)]
#[template(path = "hours_certificate.html")]
pub(super) struct HoursCertificate {
    nav: Nav,
    c: rotas::Certificate,
    saved: bool,
    errors: FormErrors,
}

impl HoursCertificate {
    /// Minutes as hours to one decimal, as the record states them.
    fn hours(&self, minutes: &i64) -> String {
        format!("{}.{}", minutes / 60, (minutes % 60) * 10 / 60)
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CertificateQuery {
    saved: Option<String>,
}

/// The signed-in volunteer's record of service hours, to print and have signed and sealed.
pub(super) async fn hours_certificate(
    caller: PageCaller,
    Query(q): Query<CertificateQuery>,
) -> PageResult {
    certificate_view(&caller, q.saved.is_some(), FormErrors::default()).await
}

async fn certificate_view(caller: &PageCaller, saved: bool, errors: FormErrors) -> PageResult {
    let c = rotas::certificate(caller.app(), &caller.actor).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &HoursCertificate {
            nav: Nav::of(caller, "/hours/certificate"),
            c,
            saved,
            errors,
        },
        rejected,
    ))
}

#[derive(Deserialize)]
pub(super) struct VolunteerNumberForm {
    number: String,
}

/// The volunteer gives their number in the national volunteer service system, which the
/// record then names them by.
pub(super) async fn set_volunteer_number(
    caller: PageCaller,
    Form(f): Form<VolunteerNumberForm>,
) -> PageResult {
    let done = sanshe_app::volunteers::set_own_number(caller.app(), &caller.actor, &f.number).await;
    after_form(
        &caller,
        done,
        async |_| Ok(Redirect::to("/hours/certificate?saved=1").into_response()),
        async |errors| certificate_view(&caller, false, errors).await,
    )
    .await
}

/// The service-hours ledger of the worker's areas as a sheet, every line with the volunteer's
/// number in the national volunteer service system, to enter the hours there (records kept
/// elsewhere must be, under the 2020 measures), checked in within the period asked for (a
/// month, as the national system is filled in); read a page at a time.
pub(super) async fn export_ledger(caller: PageCaller, Query(period): Query<Period>) -> PageResult {
    let (app, actor, tr) = (caller.app(), &caller.actor, caller.tr);
    // A mistyped day is refused before a workbook is started.
    period.open()?;
    let period = &period;
    let header = [
        "hours-volunteer",
        "hours-volunteer-number",
        "hours-date",
        "hours-place",
        "hours-service",
        "hours-time",
        "hours-minutes",
        "hours-confirmed-by",
    ]
    .map(|k| tr.t(k));
    let mut sheet = caller.sheet("hours", &header)?;
    sheet
        .push_pages(|before| async move {
            let limit = rotas::MAX_LEDGER_PAGE;
            let (lines, next) =
                rotas::ledger_page(app, actor, true, period, before.as_deref(), limit).await?;
            let rows = lines
                .into_iter()
                .map(|l| {
                    vec![
                        l.name,
                        l.volunteer_number.unwrap_or_default(),
                        l.date,
                        l.place,
                        l.post,
                        format!("{}–{}", l.from, l.until),
                        l.minutes.to_string(),
                        l.confirmed_by,
                    ]
                })
                .collect();
            Ok((rows, next))
        })
        .await?;
    Ok(sheet.send("service-hours.xlsx").await?)
}
