//! The home page: what to do now, per role. A worker sees reports due and missed, open alerts,
//! doors to revisit and today's uncovered posts, and whoever speaks for communities the ones
//! that need an organization or a duty covered and the needs still open; a vetter the
//! applications waiting; a volunteer their next shift with its check-in,
//! the errands they hold, their community and organization; an organization's admin its people
//! and the open needs; everyone the notices sent to them.

use sanshe_core::accounts::{self, Action};
use sanshe_core::areas::AreaKind;

use super::*;

/// A scope root with its resident count.
pub struct RootSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Level.
    pub kind: AreaKind,
    /// Residents below it.
    pub residents: i64,
}

/// One number to act on, leading to where it is acted on.
pub struct Task {
    /// Message key of its label.
    pub label: &'static str,
    /// How many.
    pub count: i64,
    /// Where to go.
    pub link: String,
    /// `alarm` when it should not wait, `warn` when it is due, or empty.
    pub tone: &'static str,
}

impl Task {
    fn new(label: &'static str, count: i64, link: String, tone: &'static str) -> Task {
        Task {
            label,
            count,
            link,
            tone: if count > 0 { tone } else { "" },
        }
    }
}

/// An organization the admin runs, with its people counted.
pub struct OrganizationSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its members.
    pub people: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
pub(super) struct HomePage {
    nav: Nav,
    welcome: String,
    /// The registry's roots, for those who keep it.
    roots: Vec<RootSummary>,
    /// A worker's, coordinator's or vetter's numbers to act on.
    tasks: Vec<Task>,
    /// A volunteer's coming shifts.
    shifts: Vec<sanshe_app::rotas::ComingShift>,
    /// Errands the volunteer holds.
    errands: Vec<sanshe_app::help::HelpView>,
    /// Where the volunteer serves.
    serves_in: Vec<String>,
    /// Teams the volunteer leads: (id, name).
    teams: Vec<(String, String)>,
    /// Organizations of the volunteer or the admin.
    organizations: Vec<OrganizationSummary>,
    is_volunteer: bool,
    is_org_admin: bool,
    /// Open needs an admin may answer.
    open_needs: i64,
    /// The newest notices sent to the signed-in person.
    mine: Vec<sanshe_app::notices::NoticeView>,
    /// How many were sent to them.
    mine_total: i64,
    /// On to the rest, on the notices page.
    mine_pager: Pager,
}

/// The newest notices the home page shows; the rest are a page on.
const HOME_NOTICES: i64 = 10;

async fn root_summaries(caller: &PageCaller) -> Result<Vec<RootSummary>, PageFailure> {
    let roots = sanshe_app::areas::scope_roots(caller.app(), &caller.actor).await?;
    let mut summaries = Vec::new();
    for r in roots {
        let below = ResidentSearch {
            area: Some(r.id.clone()),
            ..Default::default()
        };
        let residents = sanshe_app::registry::count(caller.app(), &caller.actor, &below).await?;
        summaries.push(RootSummary {
            id: r.id,
            name: r.name,
            kind: r.kind,
            residents,
        });
    }
    Ok(summaries)
}

/// A worker's numbers: reports due and missed, fevers, unassigned people, open alerts, doors
/// to revisit and posts short today, summed over the places they keep; a city's or district's
/// coordinator's: the people under observation, open alerts and doors to revisit.
async fn worker_tasks(
    caller: &PageCaller,
    roots: &[RootSummary],
) -> Result<Vec<Task>, PageFailure> {
    let (app, actor) = (caller.app(), &caller.actor);
    let mut tasks = Vec::new();
    // A city's or district's board is the coordinator's own page; the home page stays quick.
    let local: Vec<&RootSummary> = roots
        .iter()
        .filter(|r| !matches!(r.kind, AreaKind::City | AreaKind::District))
        .collect();
    let (mut due, mut missed, mut fever, mut unassigned) = (0, 0, 0, 0);
    for r in &local {
        let board = sanshe_app::isolation::board(app, actor, &r.id).await?;
        due += board.total.due;
        missed += board.total.missed;
        fever += board.total.fever;
        unassigned += board.total.unassigned;
    }
    let board = local
        .first()
        .map(|r| format!("/boards/{}", r.id))
        .unwrap_or_else(|| "/isolations".into());
    if !local.is_empty() {
        tasks.push(Task::new("home-due", due, board.clone(), "warn"));
        tasks.push(Task::new("home-missed", missed, board.clone(), "alarm"));
        tasks.push(Task::new("home-fever", fever, board.clone(), "alarm"));
        tasks.push(Task::new("home-unassigned", unassigned, board, "warn"));
    }
    // A city's or district's coordinator gets the one number their board starts from, counted
    // in one query, and the list it leads to.
    if local.len() < roots.len() {
        let open = sanshe_app::isolation::EpisodeFilter {
            limit: Some(1),
            ..Default::default()
        };
        let period = sanshe_app::period::Period::default();
        let observed = sanshe_app::isolation::list(app, actor, &open, &period).await?;
        let link = "/isolations?tab=open".to_string();
        tasks.push(Task::new(
            "home-under-observation",
            observed.total,
            link,
            "",
        ));
    }
    let alerts = sanshe_app::alerts::open_count(app, actor).await?;
    tasks.push(Task::new("home-alerts", alerts, "/alerts".into(), "alarm"));
    let mut revisit = 0;
    let mut revisit_link = "/campaigns".to_string();
    // The newest page of campaigns: those still under way are among them.
    let newest = sanshe_app::cursor::AreaPaging::default();
    for c in sanshe_app::campaigns::list(app, actor, &newest)
        .await?
        .items
        .into_iter()
        .filter(|c| c.status != sanshe_core::campaigns::CampaignStatus::Closed)
    {
        let doors = sanshe_app::campaigns::revisit_count(app, actor, &c.id).await?;
        if doors > 0 && revisit == 0 {
            revisit_link = format!("/campaigns/{}", c.id);
        }
        revisit += doors;
    }
    tasks.push(Task::new("home-revisit", revisit, revisit_link, "warn"));
    let mut short = 0;
    for r in &local {
        let gaps = sanshe_app::rotas::gaps(app, actor, &r.id, app.today(), 1).await?;
        short += gaps.posts.iter().map(|p| p.short).sum::<i64>();
    }
    if !local.is_empty() {
        let today = "/rota?days=1&short=true".to_string();
        tasks.push(Task::new("home-short", short, today, "warn"));
    }
    if !actor.scope(Action::LinkOrganizations).is_empty() {
        tasks.extend(linkage_tasks(caller).await?);
    }
    Ok(tasks)
}

/// For whoever speaks for communities in their linkages: the communities no organization
/// supports or whose duty nobody covers, and the needs not yet closed.
async fn linkage_tasks(caller: &PageCaller) -> Result<Vec<Task>, PageFailure> {
    let (app, actor) = (caller.app(), &caller.actor);
    let marked = sanshe_app::organizations::MapFilter {
        marked: Some(true),
        limit: Some(1),
        ..Default::default()
    };
    let (page, _) = sanshe_app::organizations::linkage_map_page(app, actor, &marked).await?;
    let needs = sanshe_app::needs::open_count(app, actor).await?;
    Ok(vec![
        Task::new(
            "home-marked-communities",
            page.total,
            "/linkage-map?marked=true".into(),
            "warn",
        ),
        Task::new("home-open-needs", needs, "/needs?open=true".into(), "warn"),
    ])
}

/// Applications waiting for a decision, for whoever vets them.
async fn vetting_task(caller: &PageCaller) -> Result<Task, PageFailure> {
    let waiting = sanshe_app::volunteers::waiting_count(caller.app(), &caller.actor).await?;
    Ok(Task::new(
        "home-applications",
        waiting,
        "/volunteers".into(),
        "warn",
    ))
}

pub(super) async fn home(caller: PageCaller) -> PageResult {
    let (app, actor) = (caller.app(), &caller.actor);
    let keeps_registry = !actor.scope(Action::ViewRegistry).is_empty();
    let is_volunteer = accounts::serves_by_shifts(&actor.grants);
    let is_org_admin = accounts::runs_an_organization(&actor.grants);
    let roots = if keeps_registry {
        root_summaries(&caller).await?
    } else {
        Vec::new()
    };
    let mut tasks = if keeps_registry {
        worker_tasks(&caller, &roots).await?
    } else {
        Vec::new()
    };
    if accounts::vets_somewhere(&actor.grants) {
        tasks.push(vetting_task(&caller).await?);
    }
    let (mut shifts, mut errands, mut serves_in, mut teams) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if is_volunteer {
        shifts = sanshe_app::rotas::coming_shifts(app, actor).await?;
        errands = sanshe_app::help::active(app, actor)
            .await?
            .into_iter()
            .filter(|h| h.volunteer_id.is_some() && h.volunteer_id == actor.user_id)
            .collect();
        serves_in = sanshe_app::rotas::home_areas(app, actor)
            .await?
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        teams = sanshe_app::organizations::teams_i_lead(app, actor).await?;
    }
    let mut organizations = Vec::new();
    let mut open_needs = 0;
    if is_volunteer || is_org_admin {
        for o in sanshe_app::organizations::held(app, actor).await? {
            let people = if is_org_admin {
                sanshe_app::organizations::member_count(app, actor, &o.id)
                    .await
                    .unwrap_or(0)
            } else {
                0
            };
            organizations.push(OrganizationSummary {
                id: o.id,
                name: o.name,
                people,
            });
        }
    }
    if is_org_admin {
        open_needs = sanshe_app::needs::open_count(app, actor).await?;
    }
    let newest = sanshe_app::notices::NoticeFilter {
        limit: Some(HOME_NOTICES),
        ..Default::default()
    };
    let mine = sanshe_app::notices::mine(app, actor, &newest).await?;
    let mine_pager = Pager::by_cursor("/notices", &[], "after", None, mine.next.as_deref());
    Ok(render(&HomePage {
        nav: Nav::of(&caller, "/"),
        welcome: caller.tr.named("home-welcome", &actor.display_name),
        roots,
        tasks,
        shifts,
        errands,
        serves_in,
        teams,
        organizations,
        is_volunteer,
        is_org_admin,
        open_needs,
        mine: mine.items,
        mine_total: mine.total,
        mine_pager,
    }))
}
