//! Pages of passes: an area's buildings, one building's passes a page at a time with revoke and
//! reissue, and the print sheet of one building (a compound's thousand QR codes on one page
//! were 11 MB and too slow for a phone).

use sanshe_app::gates::{self, PassView};

use super::*;

/// Passes listed on one page of a building.
const PASSES_PER_PAGE: usize = 50;

/// One printed pass: the pass and its QR code.
pub struct PrintedPass {
    /// The pass.
    pub pass: PassView,
    /// Its QR code (SVG).
    pub qr: String,
}

#[derive(Deserialize, Default)]
pub(super) struct PassesQuery {
    building: Option<String>,
    page: Option<usize>,
    /// Print only this pass (the one just reissued).
    pass: Option<String>,
}

/// An area the caller may see and the passes of one building of it, by address.
async fn area_passes(
    caller: &PageCaller,
    id: &str,
    building: &str,
) -> Result<(AreaView, Vec<PassView>), PageFailure> {
    let area = sanshe_app::areas::visible_area(caller.app(), &caller.actor, id).await?;
    let passes = gates::building_passes(caller.app(), &caller.actor, id, building).await?;
    Ok((area.into(), passes))
}

#[derive(Template)]
#[template(path = "passes.html")]
pub(super) struct PassesPage {
    nav: Nav,
    area: AreaView,
    /// 楼栋, live passes, revoked passes.
    buildings: Vec<(String, i64, i64)>,
    building: Option<String>,
    items: Vec<PassView>,
    /// This page of the building's passes, for the forms to come back to.
    page: usize,
    pager: Pager,
}

/// The page of one building's passes.
fn building_link(area_id: &str, building: &str) -> String {
    format!(
        "/areas/{area_id}/passes?building={}",
        crate::auth::urlencode(building)
    )
}

impl PassesPage {
    fn building_link(&self, building: &str) -> String {
        building_link(&self.area.id, building)
    }
}

pub(super) async fn passes_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<PassesQuery>,
) -> PageResult {
    let buildings: Vec<(String, i64, i64)> =
        gates::pass_buildings(caller.app(), &caller.actor, &id)
            .await?
            .into_iter()
            .map(|b| (b.building, b.live, b.revoked))
            .collect();
    // One building alone needs no choosing.
    let building = q
        .building
        .filter(|b| buildings.iter().any(|(x, _, _)| x == b))
        .or_else(|| (buildings.len() == 1).then(|| buildings[0].0.clone()));
    let (area, of_building) = match &building {
        Some(b) => area_passes(&caller, &id, b).await?,
        None => {
            let area = sanshe_app::areas::visible_area(caller.app(), &caller.actor, &id).await?;
            (area.into(), Vec::new())
        }
    };
    let pages = of_building.len().div_ceil(PASSES_PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let items = of_building
        .into_iter()
        .skip((page - 1) * PASSES_PER_PAGE)
        .take(PASSES_PER_PAGE)
        .collect();
    let shown = building.as_deref().unwrap_or_default();
    let pager = Pager::numbered(page, pages, |n| {
        format!("{}&page={n}", building_link(&id, shown))
    });
    Ok(render(&PassesPage {
        nav: Nav::of(&caller, &format!("/areas/{id}/passes")),
        area,
        buildings,
        building,
        items,
        page,
        pager,
    }))
}

#[derive(Template)]
#[template(path = "passes_print.html")]
pub(super) struct PassesPrintPage {
    nav: Nav,
    area: AreaView,
    building: String,
    list: Vec<PrintedPass>,
}

pub(super) async fn passes_print(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<PassesQuery>,
) -> PageResult {
    let building = q.building.unwrap_or_default();
    let (area, passes) = match &q.pass {
        // One reissued pass alone, whatever building the link names.
        Some(one) => {
            let area = sanshe_app::areas::visible_area(caller.app(), &caller.actor, &id).await?;
            let pass = gates::pass(caller.app(), &caller.actor, one).await?;
            (area.into(), vec![pass])
        }
        None => area_passes(&caller, &id, &building).await?,
    };
    let list: Vec<PrintedPass> = passes
        .into_iter()
        .filter(|p| !p.revoked)
        .map(|p| PrintedPass {
            qr: crate::qr_svg(&gates::pass_token(caller.app(), &p.id)),
            pass: p,
        })
        .collect();
    let building = list
        .first()
        .map(|p| p.pass.building.clone())
        .unwrap_or(building);
    Ok(render(&PassesPrintPage {
        nav: Nav::of(&caller, &format!("/areas/{id}/passes")),
        area,
        building,
        list,
    }))
}

#[derive(Deserialize)]
pub(super) struct IssueForm {
    #[serde(default)]
    valid_to: String,
}

pub(super) async fn issue_passes(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<IssueForm>,
) -> PageResult {
    gates::issue_passes(
        caller.app(),
        &caller.actor,
        &gates::IssuePasses {
            area_id: Some(id.clone()),
            valid_to: f.valid_to,
            ..Default::default()
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/areas/{id}/passes")).into_response())
}

/// Where a revoke or reissue came from, to go back there.
#[derive(Deserialize)]
pub(super) struct PassActionForm {
    area: String,
    #[serde(default)]
    building: String,
    page: Option<usize>,
}

impl PassActionForm {
    fn back(&self) -> String {
        format!(
            "/areas/{}/passes?building={}&page={}",
            crate::auth::urlencode(&self.area),
            crate::auth::urlencode(&self.building),
            self.page.unwrap_or(1)
        )
    }
}

pub(super) async fn revoke_pass(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<PassActionForm>,
) -> PageResult {
    gates::revoke_pass(caller.app(), &caller.actor, &id).await?;
    Ok(Redirect::to(&f.back()).into_response())
}

/// Reissues, then opens the print sheet of the new pass alone.
pub(super) async fn reissue_pass(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<PassActionForm>,
) -> PageResult {
    let new = gates::reissue_pass(caller.app(), &caller.actor, &id).await?;
    Ok(Redirect::to(&format!(
        "/areas/{}/passes/print?pass={}",
        crate::auth::urlencode(&f.area),
        crate::auth::urlencode(&new.id)
    ))
    .into_response())
}
