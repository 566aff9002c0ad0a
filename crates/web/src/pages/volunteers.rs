//! The public volunteer sign-up page (`/volunteer`): no account, a link or QR code leads here.

use super::*;

#[derive(Template)]
#[template(path = "volunteer_apply.html")]
pub(super) struct ApplyPage {
    nav: Nav,
    /// The districts to narrow the communities by: (id, name).
    districts: Vec<(String, String)>,
    /// The district chosen, if any.
    district: Option<String>,
    /// The communities offered, by street.
    communities: Vec<sanshe_app::areas::AreaGroup>,
    /// Registered organizations, offered as the applicant types.
    organizations: Vec<String>,
    skills: Vec<&'static str>,
    form: sanshe_app::volunteers::ApplicationInput,
    errors: FormErrors,
    /// After a successful application: the applicant's status link.
    done: Option<String>,
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
    district: Option<String>,
    form: sanshe_app::volunteers::ApplicationInput,
    errors: FormErrors,
    done: Option<String>,
) -> PageResult {
    let (districts, communities) =
        sanshe_app::volunteers::sign_up_places(&state.app, district.as_deref()).await?;
    let organizations = sanshe_app::volunteers::organization_names(&state.app).await?;
    let rejected = !errors.is_empty();
    let mut resp = render_form(
        &ApplyPage {
            nav: Nav::anonymous(tr, "/volunteer"),
            districts,
            district,
            communities,
            organizations,
            skills: sanshe_app::volunteers::SKILLS.to_vec(),
            form,
            errors,
            done,
        },
        rejected,
    );
    // The answer to an application carries the applicant's own link.
    no_store(&mut resp);
    Ok(resp)
}

/// Which district's communities the sign-up form offers.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SignUpQuery {
    district: String,
}

/// The public sign-up page (no account): a link or QR code leads here.
pub(super) async fn apply_page(
    State(state): State<AppState>,
    tr: Tr,
    Query(q): Query<SignUpQuery>,
) -> PageResult {
    let district = Some(q.district).filter(|d| !d.is_empty() && d.len() <= 64);
    apply_view(
        &state,
        tr,
        district,
        Default::default(),
        FormErrors::default(),
        None,
    )
    .await
}

pub(super) async fn submit_application(
    State(state): State<AppState>,
    tr: Tr,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = sanshe_app::volunteers::ApplicationInput {
        name: value(&form, "name"),
        document_number: value(&form, "document_number"),
        phone: value(&form, "phone"),
        area_id: value(&form, "area_id"),
        skills: values(&form, "skills"),
        availability: value(&form, "availability"),
        organization: value(&form, "organization"),
        volunteer_number: value(&form, "volunteer_number"),
        consent: value(&form, "consent") == "yes",
    };
    match sanshe_app::volunteers::apply(&state.app, &input).await {
        Ok(a) => {
            apply_view(
                &state,
                tr,
                None,
                Default::default(),
                FormErrors::default(),
                // The whole address: it is copied into a chat or a note, away from this site.
                a.status_link
                    .map(|l| format!("{}{l}", state.app.public_url.trim_end_matches('/'))),
            )
            .await
        }
        Err(e @ AppError::Invalid(_)) => {
            let errors = FormErrors::from(&e, tr);
            apply_view(&state, tr, None, input, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "vetting.html")]
pub(super) struct VettingPage {
    nav: Nav,
    pending: Vec<sanshe_app::volunteers::ApplicationView>,
    /// How many applications wait, over all pages.
    pending_total: i64,
    /// The filter of the open applications, and the links to their other pages.
    filter: sanshe_app::volunteers::ApplicationFilter,
    /// The workbook of every application the search finds, decided ones too.
    export: String,
    pager: Pager,
    skills: &'static [&'static str],
    /// A page of the reserve pool, the longest-waiting first.
    reserve: sanshe_app::cursor::Page<sanshe_app::volunteers::ApplicationView>,
    /// The links to the reserve pool's other pages.
    reserve_pager: Pager,
    /// The roster's first page.
    deployed: sanshe_app::volunteers::RosterPage,
    areas: Vec<(String, String)>,
    /// The account just made: (name, user name, first password), shown this once.
    made: Option<(String, String, String)>,
    message: Option<String>,
    /// Service totals of the caller's areas or organizations.
    totals: Option<sanshe_app::rotas::HoursTotals>,
    /// The public sign-up page's address and its QR code, to post or print.
    sign_up: (String, String),
}

impl VettingPage {
    /// Minutes as hours to one decimal.
    fn hours(&self, minutes: &i64) -> String {
        format!("{}.{}", minutes / 60, (minutes % 60) * 10 / 60)
    }
}

/// Open applications a page shows at once.
const APPLICATIONS_PER_PAGE: i64 = 50;

/// Volunteers of the reserve pool a page shows at once, each with a form to dispatch them.
const RESERVE_PER_PAGE: i64 = 20;

/// Where the page's reserve pool list starts (it pages apart from the applications).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ReserveAt {
    reserve_after: Option<String>,
}

async fn vetting_view(
    caller: &PageCaller,
    filter: sanshe_app::volunteers::ApplicationFilter,
    reserve_at: ReserveAt,
    made: Option<(String, String, String)>,
    message: Option<String>,
    rejected: bool,
) -> PageResult {
    let (app, actor) = (caller.app(), &caller.actor);
    let filter = sanshe_app::volunteers::ApplicationFilter {
        status: Some("open".into()),
        limit: Some(APPLICATIONS_PER_PAGE),
        ..filter
    };
    let pending = sanshe_app::volunteers::applications(app, actor, &filter).await?;
    let pager = Pager::by_cursor(
        "/volunteers",
        &[
            ("q", filter.q.as_deref()),
            ("skill", filter.skill.as_deref()),
        ],
        "after",
        filter.after.as_deref(),
        pending.next.as_deref(),
    );
    let reserve_filter = sanshe_app::volunteers::ReserveFilter {
        after: reserve_at.reserve_after.clone(),
        limit: Some(RESERVE_PER_PAGE),
        ..Default::default()
    };
    let reserve = sanshe_app::volunteers::reserve(app, actor, &reserve_filter).await?;
    let reserve_pager = Pager::by_cursor(
        "/volunteers",
        &[
            ("q", filter.q.as_deref()),
            ("skill", filter.skill.as_deref()),
            ("after", filter.after.as_deref()),
        ],
        "reserve_after",
        reserve_at.reserve_after.as_deref(),
        reserve.next.as_deref(),
    );
    let first = sanshe_app::volunteers::RosterFilter::default();
    let deployed = sanshe_app::volunteers::deployed(app, actor, &first).await?;
    let areas = sanshe_app::volunteers::deployable_areas(app, actor).await?;
    // Totals are for those who run rotas or organizations; others see none.
    let totals = sanshe_app::rotas::hours_totals(app, actor).await.ok();
    let link = format!("{}/volunteer", app.public_url.trim_end_matches('/'));
    let sign_up = (crate::qr_svg(&link), link);
    Ok(render_form(
        &VettingPage {
            nav: Nav::of(caller, "/volunteers"),
            pending: pending.items,
            pending_total: pending.total,
            export: link_to(
                "/volunteers/applications.xlsx",
                &[
                    ("q", filter.q.as_deref()),
                    ("skill", filter.skill.as_deref()),
                ],
            ),
            filter,
            pager,
            skills: &sanshe_app::volunteers::SKILLS,
            reserve,
            reserve_pager,
            deployed,
            areas,
            made,
            message,
            totals,
            sign_up,
        },
        rejected,
    ))
}

/// Applications to vet, the reserve pool to deploy from, and who is deployed.
pub(super) async fn vetting_page(
    caller: PageCaller,
    Query(filter): Query<sanshe_app::volunteers::ApplicationFilter>,
    Query(reserve_at): Query<ReserveAt>,
) -> PageResult {
    vetting_view(&caller, filter, reserve_at, None, None, false).await
}

/// A decision on an application, from the page.
pub(super) async fn decide_application(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = sanshe_app::volunteers::DecisionInput {
        decision: value(&form, "decision"),
        note: value(&form, "note"),
        deploy: Some(value(&form, "deploy") != "reserve"),
    };
    after_form(
        &caller,
        sanshe_app::volunteers::decide(caller.app(), &caller.actor, &id, &input).await,
        async |d| {
            let made = match (d.username, d.password) {
                (Some(u), Some(p)) => Some((d.application.name.clone(), u, p)),
                _ => None,
            };
            let message = caller.tr.t(&format!("vet-done-{}", d.application.status));
            let mut resp = vetting_view(
                &caller,
                Default::default(),
                Default::default(),
                made,
                Some(message),
                false,
            )
            .await?;
            // The first password is on this page only.
            no_store(&mut resp);
            Ok(resp)
        },
        async |errors| vetting_refused(&caller, &errors).await,
    )
    .await
}

/// The vetting page again with why a decision or deployment was refused.
async fn vetting_refused(caller: &PageCaller, errors: &FormErrors) -> PageResult {
    let message = errors.messages().join(" ");
    vetting_view(
        caller,
        Default::default(),
        Default::default(),
        None,
        Some(message),
        true,
    )
    .await
}

/// Deploys a volunteer from the reserve pool (or to one more community), from the page.
pub(super) async fn deploy_volunteer(
    caller: PageCaller,
    Path(user_id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    after_form(
        &caller,
        sanshe_app::volunteers::deploy(
            caller.app(),
            &caller.actor,
            &user_id,
            &value(&form, "area_id"),
        )
        .await,
        async |()| {
            let message = caller.tr.t("vet-done-deployed");
            vetting_view(
                &caller,
                Default::default(),
                Default::default(),
                None,
                Some(message),
                false,
            )
            .await
        },
        async |errors| vetting_refused(&caller, &errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "volunteer_status.html")]
struct StatusPage {
    tr: Tr,
    s: sanshe_app::volunteers::ApplicationStatus,
}

/// The applicant's own link: the outcome of their application, no account needed.
pub(super) async fn application_status_page(
    State(state): State<AppState>,
    tr: Tr,
    Path(token): Path<String>,
) -> PageResult {
    let s = sanshe_app::volunteers::application_status(&state.app, &token).await?;
    let mut resp = render(&StatusPage { tr, s });
    // The token is the key to the page: keep it out of caches.
    no_store(&mut resp);
    Ok(resp)
}

#[derive(Template)]
#[template(path = "volunteer_roster.html")]
pub(super) struct VolunteerRosterPage {
    nav: Nav,
    filter: sanshe_app::volunteers::RosterFilter,
    skills: &'static [&'static str],
    deployed: sanshe_app::volunteers::RosterPage,
    /// The workbook of the list as filtered.
    export: String,
    pager: Pager,
}

/// The whole roster of deployed volunteers, a page at a time, searched by name or skill.
pub(super) async fn volunteer_roster_page(
    caller: PageCaller,
    Query(filter): Query<sanshe_app::volunteers::RosterFilter>,
) -> PageResult {
    let deployed = sanshe_app::volunteers::deployed(caller.app(), &caller.actor, &filter).await?;
    let filters = [
        ("q", filter.q.as_deref()),
        ("skill", filter.skill.as_deref()),
    ];
    let pager = Pager::by_cursor(
        "/volunteers/roster",
        &filters,
        "after",
        filter.after.as_deref(),
        deployed.next.as_deref(),
    );
    let export = link_to("/volunteers/roster.xlsx", &filters);
    Ok(render(&VolunteerRosterPage {
        nav: Nav::of(&caller, "/volunteers"),
        filter,
        skills: &sanshe_app::volunteers::SKILLS,
        deployed,
        export,
        pager,
    }))
}

/// Every application the vetter sees, whatever became of it (the page lists the open ones):
/// who applied where, with what, when, and the decision with its note, as a workbook.
pub(super) async fn export_applications(
    caller: PageCaller,
    Query(filter): Query<sanshe_app::volunteers::ApplicationFilter>,
) -> PageResult {
    let tr = caller.tr;
    let header = [
        "name",
        "apply-id",
        "apply-phone",
        "volunteer-roster-community",
        "vet-skill",
        "apply-availability",
        "organization",
        "vet-volunteer-number",
        "vet-applied",
        "vet-status",
        "vet-decision-note",
    ]
    .map(|k| tr.t(k));
    let mut sheet = caller.sheet("applications", &header)?;
    let (app, actor, filter) = (caller.app(), &caller.actor, &filter);
    sheet
        .push_pages(|after| async move {
            let page_filter = sanshe_app::volunteers::ApplicationFilter {
                after,
                limit: Some(sanshe_app::volunteers::MAX_APPLICATIONS_PAGE),
                ..filter.clone()
            };
            let page = sanshe_app::volunteers::applications(app, actor, &page_filter).await?;
            let rows = page
                .items
                .into_iter()
                .map(|a| {
                    let skills: Vec<String> = a.skills.iter().map(|k| tr.of("skill-", k)).collect();
                    vec![
                        a.name,
                        a.document,
                        a.phone,
                        a.community,
                        skills.join("、"),
                        a.availability,
                        a.organization,
                        a.volunteer_number.unwrap_or_default(),
                        a.applied,
                        tr.of("vet-status-", a.status),
                        a.decision_note.unwrap_or_default(),
                    ]
                })
                .collect();
            Ok((rows, page.next))
        })
        .await?;
    Ok(sheet.send("applications.xlsx").await?)
}

/// The roster as .xlsx (with the filter), every page of it: for entering hours into the
/// national system by each volunteer's number.
pub(super) async fn export_volunteer_roster(
    caller: PageCaller,
    Query(filter): Query<sanshe_app::volunteers::RosterFilter>,
) -> PageResult {
    let tr = caller.tr;
    let header = [
        "name",
        "vet-skill",
        "volunteer-roster-community",
        "vet-hours",
        "vet-volunteer-number",
    ]
    .map(|k| tr.t(k));
    let mut sheet = caller.sheet("roster", &header)?;
    let (app, actor, filter) = (caller.app(), &caller.actor, &filter);
    sheet
        .push_pages(|after| async move {
            let page_filter = sanshe_app::volunteers::RosterFilter {
                after,
                limit: Some(sanshe_app::volunteers::MAX_ROSTER_PAGE),
                ..filter.clone()
            };
            let page = sanshe_app::volunteers::deployed(app, actor, &page_filter).await?;
            let rows = page
                .items
                .into_iter()
                .map(|v| {
                    let skills: Vec<String> = v.skills.iter().map(|k| tr.of("skill-", k)).collect();
                    vec![
                        v.name,
                        skills.join("、"),
                        v.area_name,
                        format!(
                            "{}.{:02}",
                            v.served_minutes / 60,
                            v.served_minutes % 60 * 100 / 60
                        ),
                        v.volunteer_number.unwrap_or_default(),
                    ]
                })
                .collect();
            Ok((rows, page.next))
        })
        .await?;
    Ok(sheet.send("volunteers.xlsx").await?)
}
