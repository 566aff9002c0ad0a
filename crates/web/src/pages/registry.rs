//! Pages of the resident registry: lists, search, the resident form, reveal, merge, move, exports.

use super::*;

#[derive(Template)]
#[template(path = "residents.html")]
pub(super) struct ResidentsPage {
    nav: Nav,
    items: Vec<ResidentView>,
    total: i64,
    pager: Pager,
    area: Option<String>,
    area_name: Option<String>,
    q: String,
    q_error: Option<String>,
    sort: String,
    flags: Vec<(&'static str, bool)>,
    /// The workbook of the list as searched.
    export: String,
}

#[derive(Deserialize, Default)]
pub(super) struct ResidentListQuery {
    area: Option<String>,
    q: Option<String>,
    flag: Option<String>,
    sort: Option<String>,
    after: Option<String>,
}

pub(super) async fn residents(
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
    let (page, q_error) =
        match sanshe_app::registry::search(caller.app(), &caller.actor, &search).await {
            Ok(p) => (p, None),
            Err(AppError::Invalid(f)) => (
                sanshe_app::registry::ResidentPage::empty(),
                f.0.first().map(|x| caller.tr.field(x)),
            ),
            Err(e) => return Err(e.into()),
        };
    let area_name = match q.area.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => sanshe_app::areas::visible_area(caller.app(), &caller.actor, a)
            .await
            .ok()
            .map(|a| a.name),
        None => None,
    };
    let filters = [
        ("area", q.area.as_deref()),
        ("q", q.q.as_deref()),
        ("flag", q.flag.as_deref()),
        ("sort", q.sort.as_deref()),
    ];
    let pager = Pager::by_cursor(
        "/residents",
        &filters,
        "after",
        q.after.as_deref(),
        page.next.as_deref(),
    );
    // The workbook keeps the search; its order is the export's own.
    let export = link_to("/residents/export", &filters[..3]);
    Ok(render(&ResidentsPage {
        nav: Nav::of(&caller, &link_to("/residents", &filters)),
        items: page.items,
        total: page.total,
        pager,
        area: q.area.filter(|a| !a.is_empty()),
        area_name,
        q: q.q.unwrap_or_default(),
        q_error,
        sort: q.sort.unwrap_or_else(|| "name".into()),
        flags: FLAGS
            .iter()
            .map(|f| (*f, q.flag.as_deref() == Some(*f)))
            .collect(),
        export,
    }))
}

impl ResidentListQuery {
    /// What an export of the list takes from it: its place, search and flag, not its page.
    fn export_search(self) -> ResidentSearch {
        ResidentSearch {
            area: self.area,
            q: self.q,
            flag: self.flag,
            ..Default::default()
        }
    }
}

pub(super) async fn export_residents(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<ResidentListQuery>,
) -> PageResult {
    let search = q.export_search();
    Ok(
        crate::exports::residents_now(&state.exports, &state.app, &caller.actor, &search, None)
            .await?,
    )
}

#[derive(Template)]
#[template(path = "resident_form.html")]
pub(super) struct ResidentFormPage {
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
pub(super) struct NewResidentQuery {
    area: Option<String>,
    household: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ResidentForm {
    household_id: String,
    area_id: String,
    building: String,
    unit: String,
    room: String,
    name: String,
    sex: String,
    birth_date: String,
    document_kind: String,
    document_number: String,
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

pub(super) fn document_kinds(selected: &str) -> Vec<(&'static str, bool)> {
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

pub(super) async fn resident_form_page(
    caller: &PageCaller,
    form: ResidentForm,
    errors: FormErrors,
) -> PageResult {
    let tr = caller.tr;
    let (household_label, new_household, area_label, cancel) = if !form.household_id.is_empty() {
        let (h, _) =
            sanshe_app::registry::household(caller.app(), &caller.actor, &form.household_id)
                .await?;
        (
            Some(format!("{} {}", h.area_name, h.address)),
            false,
            String::new(),
            format!("/households/{}", h.id),
        )
    } else {
        let a = sanshe_app::areas::visible_area(caller.app(), &caller.actor, &form.area_id).await?;
        (None, true, a.name.clone(), format!("/areas/{}", a.id))
    };
    let mut input = form.input();
    if input.document_kind.is_empty() {
        input.document_kind = "mainland_id".into();
    }
    let rejected = !errors.is_empty();
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
    if rejected {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn new_resident_form(
    caller: PageCaller,
    Query(q): Query<NewResidentQuery>,
) -> PageResult {
    let form = ResidentForm {
        household_id: q.household.unwrap_or_default(),
        area_id: q.area.unwrap_or_default(),
        ..Default::default()
    };
    if form.household_id.is_empty() && form.area_id.is_empty() {
        return Err(AppError::field("area", "err-required").into());
    }
    resident_form_page(&caller, form, FormErrors::default()).await
}

pub(super) async fn create_resident(caller: PageCaller, Form(f): Form<ResidentForm>) -> PageResult {
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
    after_form(
        &caller,
        sanshe_app::registry::add_resident(caller.app(), &caller.actor, &target, &f.input()).await,
        async |r| Ok(Redirect::to(&format!("/residents/{}?saved=1", r.id)).into_response()),
        async |errors| resident_form_page(&caller, f, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "resident.html")]
pub(super) struct ResidentPage {
    nav: Nav,
    r: ResidentView,
    revealed: Option<Revealed>,
    reveal_error: Option<String>,
    can_edit: bool,
    can_reveal: bool,
    saved: bool,
    move_targets: Vec<sanshe_app::areas::AreaGroup>,
    /// Records of the same name and birth date, to merge into this one.
    merge_candidates: Vec<ResidentView>,
    episodes: Vec<sanshe_app::isolation::EpisodeView>,
}

#[derive(Deserialize)]
pub(super) struct SavedQuery {
    saved: Option<String>,
}

pub(super) async fn resident_page(
    caller: &PageCaller,
    id: &str,
    revealed: Option<Revealed>,
    reveal_error: Option<String>,
    saved: bool,
) -> PageResult {
    let r = sanshe_app::registry::get(caller.app(), &caller.actor, id).await?;
    let (h, _) =
        sanshe_app::registry::household(caller.app(), &caller.actor, &r.household_id).await?;
    let area = sanshe_app::areas::visible_area(caller.app(), &caller.actor, &h.area_id).await?;
    let target = Target::Area(&area.path);
    let can_edit = caller.actor.may(Action::EditRegistry, target);
    let can_reveal = caller.actor.may(Action::RevealPersonal, target);
    let merge_candidates = if can_edit {
        sanshe_app::registry::merge_candidates(caller.app(), &caller.actor, id).await?
    } else {
        Vec::new()
    };
    let move_targets = if can_edit {
        sanshe_app::areas::move_targets(caller.app(), &caller.actor, &area.path).await?
    } else {
        Vec::new()
    };
    let episodes = if caller.actor.scope(Action::FrontLine).is_empty() {
        Vec::new()
    } else {
        sanshe_app::isolation::of_resident(caller.app(), &caller.actor, id).await?
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
        merge_candidates,
        episodes,
    });
    if reveal_error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn resident(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    resident_page(&caller, &id, None, None, q.saved.is_some()).await
}

#[derive(Deserialize)]
pub(super) struct RevealForm {
    #[serde(default)]
    reason: String,
}

pub(super) async fn reveal_resident(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<RevealForm>,
) -> PageResult {
    after_form(
        &caller,
        sanshe_app::registry::reveal(caller.app(), &caller.actor, &id, &f.reason).await,
        async |v| resident_page(&caller, &id, Some(v), None, false).await,
        async |errors| {
            resident_page(
                &caller,
                &id,
                None,
                errors.get("reason").map(String::from),
                false,
            )
            .await
        },
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct MergeForm {
    #[serde(default)]
    remove: String,
}

pub(super) async fn merge_resident(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<MergeForm>,
) -> PageResult {
    sanshe_app::registry::merge(caller.app(), &caller.actor, &id, f.remove.trim()).await?;
    Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response())
}

pub(super) async fn edit_form_page(
    caller: &PageCaller,
    id: &str,
    input: ResidentInput,
    errors: FormErrors,
) -> PageResult {
    let r = sanshe_app::registry::get(caller.app(), &caller.actor, id).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &ResidentFormPage {
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
        },
        rejected,
    ))
}

pub(super) async fn edit_resident_form(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let input = sanshe_app::registry::edit_input(caller.app(), &caller.actor, &id).await?;
    edit_form_page(&caller, &id, input, FormErrors::default()).await
}

pub(super) async fn update_resident(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<ResidentForm>,
) -> PageResult {
    after_form(
        &caller,
        sanshe_app::registry::update_resident(caller.app(), &caller.actor, &id, &f.input()).await,
        async |_| Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response()),
        async |errors| edit_form_page(&caller, &id, f.input(), errors).await,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct MoveForm {
    area_id: String,
    building: String,
    unit: String,
    room: String,
}

pub(super) async fn move_resident(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<MoveForm>,
) -> PageResult {
    let target = HouseholdTarget::Address {
        area_id: f.area_id,
        building: f.building,
        unit: f.unit,
        room: f.room,
    };
    sanshe_app::registry::move_resident(caller.app(), &caller.actor, &id, &target).await?;
    Ok(Redirect::to(&format!("/residents/{id}?saved=1")).into_response())
}

pub(super) async fn start_resident_export(
    State(state): State<AppState>,
    caller: PageCaller,
    Query(q): Query<ResidentListQuery>,
) -> PageResult {
    let search = q.export_search();
    // Check the filter now, so a bad one is an error page rather than a failed job.
    sanshe_app::registry::build_query(&state.app, &caller.actor, &search, Action::ViewRegistry)
        .await?;
    let id = state
        .exports
        .start_residents(state.app.clone(), caller.actor.clone(), search)?;
    Ok(Redirect::to(&format!("/exports/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "export_job.html")]
pub(super) struct ExportJobPage {
    nav: Nav,
    id: String,
    done: usize,
    total: usize,
    finished: bool,
    error: Option<String>,
}

pub(super) async fn export_job_page(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    let job = state
        .exports
        .get(&id, &caller.actor)
        .ok_or(AppError::NotFound)?;
    let (finished, error) = match job.state.lock().ok().as_deref() {
        Some(crate::exports::JobState::Done) => (true, None),
        Some(crate::exports::JobState::Failed(e)) => (true, Some(caller.tr.t(classify(e).1))),
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

pub(super) async fn download_export(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    let job = state
        .exports
        .finished(&id, &caller.actor)
        .ok_or(AppError::NotFound)?;
    Ok(job.send().await?)
}
