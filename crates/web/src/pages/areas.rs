//! Pages of the area tree: browsing areas and households, adding areas.

use super::*;

#[derive(Template)]
#[template(path = "area.html")]
pub(super) struct AreaPage {
    nav: Nav,
    area: AreaView,
    lineage: Vec<AreaView>,
    children: Vec<AreaView>,
    households: Vec<HouseholdView>,
    /// How many households the area holds over all pages.
    household_count: i64,
    pager: Pager,
    resident_count: i64,
    can_edit: bool,
    can_add_child: bool,
    holds_households: bool,
    child_kind: Option<&'static str>,
    official: Vec<sanshe_app::divisions::Division>,
    /// The phone to call about it (its own or the nearest above).
    contact: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct AfterQuery {
    after: Option<String>,
}

pub(super) async fn area(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<AfterQuery>,
) -> PageResult {
    let page = sanshe_app::areas::area_page(caller.app(), &caller.actor, &id).await?;
    let row = sanshe_app::areas::visible_area(caller.app(), &caller.actor, &id).await?;
    let kind = row.kind;
    let households = if kind >= AreaKind::Community {
        let f = sanshe_app::registry::HouseholdFilter {
            area: Some(id.clone()),
            after: q.after.clone(),
            limit: None,
        };
        sanshe_app::registry::households(caller.app(), &caller.actor, &f).await?
    } else {
        sanshe_app::cursor::Page::empty()
    };
    let next = households.next.as_deref();
    let count = sanshe_app::registry::search(
        caller.app(),
        &caller.actor,
        &ResidentSearch {
            area: Some(id.clone()),
            limit: Some(1),
            ..Default::default()
        },
    )
    .await?
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
        sanshe_app::areas::unused_official_children(caller.app(), &caller.actor, &id).await?
    } else {
        Vec::new()
    };
    let here = format!("/areas/{id}");
    let contact = sanshe_app::areas::contact_phone(caller.app(), &id).await?;
    Ok(render(&AreaPage {
        contact,
        nav: Nav::of(&caller, &here),
        area: page.area,
        lineage: page.lineage,
        children: page.children,
        household_count: households.total,
        pager: Pager::by_cursor(&here, &[], "after", q.after.as_deref(), next),
        households: households.items,
        resident_count: count,
        can_edit,
        can_add_child,
        holds_households: kind.holds_households(),
        child_kind: child_kind.map(|k| k.as_str()),
        official,
    }))
}

#[derive(Deserialize)]
pub(super) struct NewAreaForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn add_area(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<NewAreaForm>,
) -> PageResult {
    let a = sanshe_app::areas::add_area(caller.app(), &caller.actor, &id, &f.name, &f.code).await?;
    Ok(Redirect::to(&format!("/areas/{}", a.id)).into_response())
}

#[derive(Deserialize)]
pub(super) struct ContactForm {
    #[serde(default)]
    phone: String,
}

pub(super) async fn set_area_contact(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<ContactForm>,
) -> PageResult {
    sanshe_app::areas::set_contact(
        caller.app(),
        &caller.actor,
        &id,
        &sanshe_app::areas::AreaContact { phone: f.phone },
    )
    .await?;
    Ok(Redirect::to(&format!("/areas/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "household.html")]
pub(super) struct HouseholdPage {
    nav: Nav,
    h: HouseholdView,
    residents: Vec<ResidentView>,
    can_edit: bool,
    /// The areas above the household the caller may see, down to its own (compound, building).
    crumbs: Vec<AreaView>,
}

pub(super) async fn household(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let (h, residents) = sanshe_app::registry::household(caller.app(), &caller.actor, &id).await?;
    let area = sanshe_app::areas::visible_area(caller.app(), &caller.actor, &h.area_id).await?;
    let can_edit = caller
        .actor
        .may(Action::EditRegistry, Target::Area(&area.path));
    let above = sanshe_app::areas::area_page(caller.app(), &caller.actor, &h.area_id).await?;
    let mut crumbs = above.lineage;
    crumbs.push(above.area);
    Ok(render(&HouseholdPage {
        nav: Nav::of(&caller, &format!("/households/{id}")),
        h,
        residents,
        can_edit,
        crumbs,
    }))
}

/// Starts the sheet of an area's households in the background (a street or a city runs to
/// millions) and shows its progress.
pub(super) async fn export_households(
    State(state): State<AppState>,
    caller: PageCaller,
    Path(id): Path<String>,
) -> PageResult {
    // An area out of reach is a not-found page now, not a failed job later.
    sanshe_app::areas::visible_area(&state.app, &caller.actor, &id).await?;
    let tr = caller.tr;
    let header = ["area-name", "building", "unit", "room", "residents"].map(|k| tr.t(k));
    let job = state.exports.start_households(
        state.app.clone(),
        caller.actor.clone(),
        id,
        header.to_vec(),
    )?;
    Ok(Redirect::to(&format!("/exports/{job}")).into_response())
}
