//! Pages of door-to-door campaigns (the phone's building grid and visit form, coverage).

use sanshe_app::campaigns::{
    self, CampaignInput, CampaignView, Coverage, Door, VisitInput, VisitRecorded,
};
use sanshe_app::cursor::AreaPaging;
use sanshe_core::campaigns::CampaignStatus;
use sanshe_core::campaigns::STANDARD_QUESTIONS;

use super::*;

#[derive(Template)]
#[template(path = "campaigns.html")]
pub(super) struct CampaignsPage {
    nav: Nav,
    items: Vec<CampaignView>,
    /// How many campaigns there are over all pages.
    total: i64,
    pager: Pager,
    areas: Vec<AreaView>,
    standard: Vec<&'static str>,
    /// The community the list is narrowed to.
    picker: CommunityPicker,
    /// The workbook of the list as narrowed.
    export: String,
    errors: FormErrors,
}

/// Campaigns a page holds.
const CAMPAIGNS_PER_PAGE: i64 = 50;

async fn campaigns_view(caller: &PageCaller, errors: FormErrors, at: &AreaPaging) -> PageResult {
    let at = AreaPaging {
        limit: Some(CAMPAIGNS_PER_PAGE),
        ..at.clone()
    };
    let page = campaigns::list(caller.app(), &caller.actor, &at).await?;
    let filters = [("area", at.area.as_deref())];
    let after = at.after.as_deref();
    let pager = Pager::by_cursor("/campaigns", &filters, "after", after, page.next.as_deref());
    let export = link_to("/campaigns/export.xlsx", &filters);
    let picker = CommunityPicker::of(caller, Action::FrontLine, at.area.as_deref()).await?;
    let areas = scope_and_children(caller).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &CampaignsPage {
            nav: Nav::of(caller, "/campaigns"),
            items: page.items,
            total: page.total,
            pager,
            areas,
            standard: STANDARD_QUESTIONS.iter().map(|(k, _)| *k).collect(),
            picker,
            export,
            errors,
        },
        rejected,
    ))
}

pub(super) async fn campaigns_page(caller: PageCaller, Query(at): Query<AreaPaging>) -> PageResult {
    campaigns_view(&caller, FormErrors::default(), &at).await
}

pub(super) async fn create_campaign(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let input = CampaignInput {
        area_id: value(&form, "area_id"),
        name: value(&form, "name"),
        questions: values(&form, "questions"),
        custom_questions: value(&form, "custom_questions")
            .lines()
            .map(String::from)
            .collect(),
    };
    after_form(
        &caller,
        campaigns::create(caller.app(), &caller.actor, &input).await,
        async |c| Ok(Redirect::to(&format!("/campaigns/{}", c.id)).into_response()),
        async |errors| campaigns_view(&caller, errors, &AreaPaging::default()).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "campaign.html")]
pub(super) struct CampaignPage {
    nav: Nav,
    cov: Coverage,
    active: bool,
    /// Buildings handed to linked organizations' social workers.
    assignments: Vec<campaigns::AssignmentView>,
    /// Who buildings can be handed to: (id, name).
    door_workers: Vec<(String, String)>,
    errors: FormErrors,
}

async fn campaign_view(caller: &PageCaller, id: &str, errors: FormErrors) -> PageResult {
    let app = caller.app();
    let cov = campaigns::coverage(app, &caller.actor, id).await?;
    let assignments = campaigns::assignments(app, &caller.actor, id).await?;
    let door_workers = campaigns::door_workers(app, &caller.actor, id).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &CampaignPage {
            nav: Nav::of(caller, &format!("/campaigns/{id}")),
            active: cov.campaign.status == CampaignStatus::Active,
            cov,
            assignments,
            door_workers,
            errors,
        },
        rejected,
    ))
}

pub(super) async fn campaign_page(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    campaign_view(&caller, &id, FormErrors::default()).await
}

/// Hands a building to a linked organization's social worker, from the campaign page.
pub(super) async fn assign_building(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    // The building is chosen as "area id|楼栋" from the coverage lines.
    let chosen = value(&form, "building");
    let (area_id, building) = chosen.split_once('|').unwrap_or(("", ""));
    let input = campaigns::AssignmentInput {
        area_id: area_id.to_string(),
        building: building.to_string(),
        user_id: value(&form, "user_id"),
    };
    let done = campaigns::assign(caller.app(), &caller.actor, &id, &input).await;
    after_form(
        &caller,
        done,
        async |_| Ok(Redirect::to(&format!("/campaigns/{id}#assignments")).into_response()),
        async |errors| campaign_view(&caller, &id, errors).await,
    )
    .await
}

/// Takes a building back, from the campaign page.
pub(super) async fn unassign_building(
    caller: PageCaller,
    Path((id, assignment_id)): Path<(String, String)>,
) -> PageResult {
    campaigns::unassign(caller.app(), &caller.actor, &id, &assignment_id).await?;
    Ok(Redirect::to(&format!("/campaigns/{id}#assignments")).into_response())
}

pub(super) async fn export_coverage(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let cov = campaigns::coverage(caller.app(), &caller.actor, &id).await?;
    let tr = caller.tr;
    let header: Vec<String> = [
        "campaign-compound",
        "campaign-building",
        "campaign-households",
        "outcome-answered",
        "outcome-not_home",
        "outcome-refused",
        "outcome-moved_out",
        "campaign-unvisited",
        "campaign-percent",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows = cov
        .buildings
        .into_iter()
        .map(|b| {
            vec![
                b.compound,
                b.building,
                b.households.to_string(),
                b.answered.to_string(),
                b.not_home.to_string(),
                b.refused.to_string(),
                b.moved_out.to_string(),
                b.unvisited.to_string(),
                b.percent.to_string(),
            ]
        })
        .collect();
    sheet_download(
        &tr.t("campaign-coverage"),
        &header,
        rows,
        &format!("coverage-{id}.xlsx"),
    )
}

/// Every campaign in scope with its coverage, newest first, as a workbook: what a street or
/// district reports up of its door-to-door rounds, past the page's fifty.
pub(super) async fn export_campaigns(
    caller: PageCaller,
    Query(at): Query<AreaPaging>,
) -> PageResult {
    let tr = caller.tr;
    let header = [
        "campaign-name",
        "campaign-area",
        "campaign-started",
        "campaign-households",
        "campaign-reached",
        "campaign-percent",
        "alert-status",
    ]
    .map(|k| tr.t(k));
    let mut sheet = caller.sheet(&tr.t("nav-campaigns"), &header)?;
    let (app, actor) = (caller.app(), &caller.actor);
    sheet
        .push_pages(|after| {
            let at = AreaPaging::largest(at.area.clone(), after);
            async move {
                let page = campaigns::list(app, actor, &at).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|c| {
                        vec![
                            c.name,
                            c.area_name,
                            minute_of(&c.created_at),
                            c.households.to_string(),
                            c.reached.to_string(),
                            c.percent.to_string(),
                            tr.of("campaign-status-", c.status),
                        ]
                    })
                    .collect();
                Ok((rows, page.next))
            }
        })
        .await?;
    Ok(sheet.send("campaigns.xlsx").await?)
}

pub(super) async fn close_campaign(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let c = campaigns::get(caller.app(), &caller.actor, &id).await?;
    campaigns::set_closed(
        caller.app(),
        &caller.actor,
        &id,
        c.status == CampaignStatus::Active,
    )
    .await?;
    Ok(Redirect::to(&format!("/campaigns/{id}")).into_response())
}

/// One building's doors on the grid.
pub struct GridBuilding {
    /// Compound.
    pub compound: String,
    /// Building.
    pub building: String,
    /// Doors.
    pub doors: Vec<Door>,
}

#[derive(Template)]
#[template(path = "campaign_grid.html")]
pub(super) struct GridPage {
    nav: Nav,
    campaign: CampaignView,
    buildings: Vec<(String, String, i64, i64, bool)>,
    grid: Vec<GridBuilding>,
    /// A list across buildings instead of one building: its title's message key.
    listing: Option<&'static str>,
    /// How many doors the list or the building holds, over all pages.
    total: i64,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub(super) struct GridQuery {
    building: Option<String>,
    revisit: Option<String>,
    unvisited: Option<String>,
    after: Option<String>,
}

/// Doors one page of the grid shows (a building's worth; a list runs on to the next page).
const DOORS_PER_PAGE: i64 = 300;

pub(super) async fn campaign_grid(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<GridQuery>,
) -> PageResult {
    let cov = campaigns::coverage(caller.app(), &caller.actor, &id).await?;
    let listing = if q.revisit.is_some() {
        Some("campaign-revisits")
    } else if q.unvisited.is_some() {
        Some("campaign-unvisited-list")
    } else {
        None
    };
    let chosen = q.building.clone().unwrap_or_default();
    let filter = campaigns::DoorFilter {
        building: listing.is_none().then(|| chosen.clone()),
        revisit: Some(listing == Some("campaign-revisits")),
        unvisited: Some(listing == Some("campaign-unvisited-list")),
        after: q.after.clone(),
        limit: Some(DOORS_PER_PAGE),
    };
    let page = if listing.is_none() && chosen.is_empty() {
        sanshe_app::cursor::Page::empty()
    } else {
        campaigns::doors(caller.app(), &caller.actor, &id, &filter).await?
    };
    let pager = Pager::by_cursor(
        &format!("/campaigns/{id}/grid"),
        &[
            ("building", q.building.as_deref()),
            ("revisit", q.revisit.as_deref()),
            ("unvisited", q.unvisited.as_deref()),
        ],
        "after",
        q.after.as_deref(),
        page.next.as_deref(),
    );
    let mut grid: Vec<GridBuilding> = Vec::new();
    for d in page.items {
        match grid
            .iter_mut()
            .find(|g| g.compound == d.compound && g.building == d.building)
        {
            Some(g) => g.doors.push(d),
            None => grid.push(GridBuilding {
                compound: d.compound.clone(),
                building: d.building.clone(),
                doors: vec![d],
            }),
        }
    }
    Ok(render(&GridPage {
        nav: Nav::of(&caller, &format!("/campaigns/{id}/grid")),
        buildings: cov
            .buildings
            .iter()
            .map(|b| {
                (
                    b.compound.clone(),
                    b.building.clone(),
                    b.reached,
                    b.households,
                    b.building == chosen,
                )
            })
            .collect(),
        campaign: cov.campaign,
        grid,
        listing,
        total: page.total,
        pager,
    }))
}

#[derive(Template)]
#[template(path = "visit_form.html")]
pub(super) struct VisitPage {
    nav: Nav,
    campaign: CampaignView,
    household: HouseholdView,
    visit_id: String,
    errors: FormErrors,
    recorded: Option<VisitRecorded>,
    /// The door's latest visit, shown and its answers chosen again when the door is reopened.
    last: Option<campaigns::Door>,
}

impl VisitPage {
    /// Whether outcome `o` starts chosen: the last visit's, else the first.
    fn outcome_chosen(&self, o: &str, first: bool) -> bool {
        match self.last.as_ref().and_then(|d| d.outcome) {
            Some(last) => last.as_str() == o,
            None => first,
        }
    }

    /// Whether the last visit answered yes to question `key`.
    fn said_yes(&self, key: &str) -> bool {
        self.last
            .as_ref()
            .is_some_and(|d| d.answers.get(key).copied().unwrap_or(false))
    }
}

async fn visit_view(
    caller: &PageCaller,
    id: &str,
    household_id: &str,
    errors: FormErrors,
    recorded: Option<VisitRecorded>,
) -> PageResult {
    let campaign = campaigns::get(caller.app(), &caller.actor, id).await?;
    let (household, _) =
        sanshe_app::registry::household(caller.app(), &caller.actor, household_id).await?;
    let last = campaigns::door_of(caller.app(), &caller.actor, id, household_id)
        .await?
        .filter(|d| d.outcome.is_some());
    let rejected = !errors.is_empty();
    Ok(render_form(
        &VisitPage {
            nav: Nav::of(caller, &format!("/campaigns/{id}/visit/{household_id}")),
            campaign,
            household,
            // Made here so a double tap or a resend after a dropped connection records once.
            visit_id: sanshe_app::new_id(),
            errors,
            recorded,
            last,
        },
        rejected,
    ))
}

pub(super) async fn visit_form(
    caller: PageCaller,
    Path((id, household_id)): Path<(String, String)>,
) -> PageResult {
    visit_view(&caller, &id, &household_id, FormErrors::default(), None).await
}

/// A visit as a door's form sends it: the outcome, `q_<key>` = yes/no answers, the note, and the
/// id the form was made with (so a resend records once).
pub(super) fn visit_input(form: &[(String, String)], household_id: &str) -> VisitInput {
    VisitInput {
        id: Some(value(form, "visit_id")),
        household_id: household_id.to_string(),
        outcome: value(form, "outcome"),
        answers: form
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("q_")
                    .map(|key| (key.to_string(), v == "yes"))
            })
            .collect(),
        note: value(form, "note"),
    }
}

pub(super) async fn log_visit(
    caller: PageCaller,
    Path((id, household_id)): Path<(String, String)>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = visit_input(&form, &household_id);
    after_form(
        &caller,
        campaigns::visit(caller.app(), &caller.actor, &id, &input).await,
        async |r| visit_view(&caller, &id, &household_id, FormErrors::default(), Some(r)).await,
        async |errors| visit_view(&caller, &id, &household_id, errors, None).await,
    )
    .await
}
