//! Organization pages: the list, one organization, its linkages.

use sanshe_app::cursor::NameSearch;
use sanshe_app::organizations::{self, CONTRIBUTION_DAYS, LinkageInput, MapCommunity, MemberView};
use sanshe_app::period::Period;
use sanshe_core::organizations::{Duty, LinkageStatus};

use super::*;

#[derive(Template)]
#[template(path = "organizations.html")]
pub(super) struct OrganizationsPage {
    nav: Nav,
    /// A page of them by name, each with the linkages the caller sees.
    items: Vec<(
        OrganizationView,
        Vec<sanshe_app::organizations::LinkageView>,
    )>,
    /// How many the search finds.
    total: i64,
    /// The name searched for.
    q: String,
    pager: Pager,
    /// The workbook of the organizations as searched.
    export: String,
    can_register: bool,
    /// Where an organization can be registered.
    places: sanshe_app::areas::PlaceChoices,
    errors: FormErrors,
}

pub(super) async fn organizations_view(
    caller: &PageCaller,
    search: &NameSearch,
    errors: FormErrors,
) -> PageResult {
    let mut page = organizations::list_with_linkages(caller.app(), &caller.actor, search).await?;
    // The list says where each organization works now; the ended are on its own page.
    for (_, links) in &mut page.items {
        links.retain(|l| l.status != LinkageStatus::Ended);
    }
    let q = search.q.as_deref();
    let pager = Pager::by_cursor(
        "/organizations",
        &[("q", q)],
        "after",
        search.after.as_deref(),
        page.next.as_deref(),
    );
    let can_register = !caller.actor.scope(Action::RegisterOrganizations).is_empty();
    let places = if can_register {
        sanshe_app::areas::place_choices(caller.app(), &caller.actor).await?
    } else {
        Default::default()
    };
    let rejected = !errors.is_empty();
    Ok(render_form(
        &OrganizationsPage {
            nav: Nav::of(caller, "/organizations"),
            items: page.items,
            total: page.total,
            q: q.unwrap_or_default().to_string(),
            pager,
            export: link_to("/organizations/export.xlsx", &[("q", q)]),
            can_register,
            places,
            errors,
        },
        rejected,
    ))
}

pub(super) async fn organizations_page(
    caller: PageCaller,
    Query(search): Query<NameSearch>,
) -> PageResult {
    organizations_view(&caller, &search, FormErrors::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct OrganizationForm {
    kind: String,
    name: String,
    home_area_id: String,
    contact: String,
}

pub(super) async fn register_organization(
    caller: PageCaller,
    Form(f): Form<OrganizationForm>,
) -> PageResult {
    after_form(
        &caller,
        sanshe_app::organizations::register(
            caller.app(),
            &caller.actor,
            &f.kind,
            &f.name,
            Some(&f.home_area_id),
            &f.contact,
        )
        .await,
        async |o| Ok(Redirect::to(&format!("/organizations/{}", o.id)).into_response()),
        async |errors| organizations_view(&caller, &NameSearch::default(), errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "organization.html")]
pub(super) struct OrganizationPage {
    nav: Nav,
    o: OrganizationView,
    linkages: Vec<LinkageView>,
    can_manage: bool,
    communities: Vec<sanshe_app::areas::AreaGroup>,
    errors: FormErrors,
    kinds: Vec<(&'static str, bool)>,
    /// Each duty with whether the form had it ticked.
    duties: Vec<(&'static str, bool)>,
    /// A page of its people by name, for whoever runs it.
    members: Vec<MemberView>,
    /// How many people the name search finds.
    member_total: i64,
    /// The pages of its people.
    member_pager: Pager,
    /// The workbook of the members as searched.
    member_export: String,
    /// The contributions workbook's days, blank for the last thirty.
    contribution_period: Period,
    /// The name searched for.
    member_search: String,
    /// Where its people may be deployed: (area id, name) of its active linkages.
    deploy_to: Vec<(String, String)>,
    /// What its people did in the last 30 days, per community (for whoever runs it).
    contributions: Vec<sanshe_app::organizations::Contribution>,
    /// Its teams (for whoever runs it).
    teams: Vec<sanshe_app::organizations::TeamView>,
}

pub(super) async fn organization_view(
    caller: &PageCaller,
    id: &str,
    errors: FormErrors,
    people: &NameSearch,
) -> PageResult {
    let (o, linkages, can_manage) =
        sanshe_app::organizations::get(caller.app(), &caller.actor, id).await?;
    // Editing is for whoever manages the organization; linking also for a coordinator, to the
    // communities of their own subtree (the rule: `may_link_somewhere`).
    let can_link = can_manage
        || sanshe_core::accounts::may_link_somewhere(
            &caller.actor.grants,
            sanshe_core::accounts::Target::Organization {
                id: &o.id,
                home_path: None,
            },
        );
    let communities = if can_link {
        sanshe_app::areas::communities_for_linking(caller.app(), &caller.actor).await?
    } else {
        Vec::new()
    };
    let rejected = !errors.is_empty();
    let kinds = OrganizationKind::ALL
        .iter()
        .map(|k| (k.as_str(), *k == o.kind))
        .collect();
    let duties = Duty::ALL
        .iter()
        .map(|d| (d.as_str(), errors.ticked("duties", d.as_str())))
        .collect();
    let member_export = link_to(
        &format!("/organizations/{}/members.xlsx", o.id),
        &[("q", people.q.as_deref())],
    );
    let (members, member_total, member_pager) = if can_manage {
        let page = organizations::members(caller.app(), &caller.actor, &o.id, people).await?;
        let pager = Pager::by_cursor(
            &format!("/organizations/{}", o.id),
            &[("q", people.q.as_deref())],
            "after",
            people.after.as_deref(),
            page.next.as_deref(),
        );
        (page.items, page.total, pager)
    } else {
        (Vec::new(), 0, Pager::default())
    };
    let contributions = if can_manage {
        let today = caller.app().today();
        let (from, to) = Period::default().or_last(today, CONTRIBUTION_DAYS)?;
        sanshe_app::organizations::contributions(caller.app(), &caller.actor, &o.id, from, to)
            .await?
    } else {
        Vec::new()
    };
    let teams = if can_manage {
        sanshe_app::organizations::teams(caller.app(), &caller.actor, &o.id).await?
    } else {
        Vec::new()
    };
    let deploy_to = linkages
        .iter()
        .filter(|l| l.status == LinkageStatus::Active)
        .map(|l| (l.community_id.clone(), l.community_name.clone()))
        .collect();
    Ok(render_form(
        &OrganizationPage {
            nav: Nav::of(caller, &format!("/organizations/{id}")),
            kinds,
            o,
            linkages,
            can_manage,
            communities,
            errors,
            duties,
            members,
            member_total,
            member_pager,
            member_export,
            contribution_period: Period::default(),
            member_search: people.q.clone().unwrap_or_default(),
            deploy_to,
            contributions,
            teams,
        },
        rejected,
    ))
}

pub(super) async fn organization_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(people): Query<NameSearch>,
) -> PageResult {
    organization_view(&caller, &id, FormErrors::default(), &people).await
}

pub(super) async fn add_linkage(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let optional = |key: &str| Some(value(&form, key)).filter(|v| !v.is_empty());
    let input = LinkageInput {
        community_id: value(&form, "community_id"),
        duties: values(&form, "duties"),
        starts_on: optional("starts_on"),
        ends_on: optional("ends_on"),
        contact: value(&form, "contact"),
        organization_provides: value(&form, "organization_provides"),
        community_provides: value(&form, "community_provides"),
    };
    after_form(
        &caller,
        sanshe_app::organizations::propose(caller.app(), &caller.actor, &id, &input).await,
        async |_| Ok(Redirect::to(&format!("/organizations/{id}")).into_response()),
        async |errors| organization_view(&caller, &id, errors, &NameSearch::default()).await,
    )
    .await
}

pub(super) async fn accept_linkage(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let l = sanshe_app::organizations::accept(caller.app(), &caller.actor, &id).await?;
    Ok(Redirect::to(&format!("/organizations/{}", l.organization_id)).into_response())
}

#[derive(Deserialize)]
pub(super) struct DeployForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    area_id: String,
}

pub(super) async fn deploy_member(
    caller: PageCaller,
    id: Path<String>,
    form: Form<DeployForm>,
) -> PageResult {
    deployment(caller, id, form, true).await
}

pub(super) async fn recall_member(
    caller: PageCaller,
    id: Path<String>,
    form: Form<DeployForm>,
) -> PageResult {
    deployment(caller, id, form, false).await
}

/// Sends a member to work in a linked community (`deploy`) or calls them back, then shows the
/// organization's members again (or the form with its refusal).
async fn deployment(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<DeployForm>,
    deploy: bool,
) -> PageResult {
    let (app, actor) = (caller.app(), &caller.actor);
    let (user, area) = (f.user_id.as_str(), f.area_id.as_str());
    let done = if deploy {
        organizations::deploy_member(app, actor, &id, user, area)
            .await
            .map(|_| ())
    } else {
        organizations::recall_member(app, actor, &id, user, area).await
    };
    after_form(
        &caller,
        done,
        async |()| Ok(Redirect::to(&format!("/organizations/{id}#members")).into_response()),
        async |errors| organization_view(&caller, &id, errors, &NameSearch::default()).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub(super) struct ConfirmPage {
    nav: Nav,
    question: String,
    subject: String,
    action: String,
    confirm_label: String,
    cancel: String,
}

/// Asks before ending a linkage, of whoever may end it (404 for anyone else, as the post).
pub(super) async fn confirm_unlink(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let l = organizations::linkage(caller.app(), &caller.actor, &id).await?;
    Ok(render(&ConfirmPage {
        nav: Nav::of(&caller, &format!("/linkages/{id}/delete")),
        question: caller.tr.t("confirm-unlink"),
        subject: format!("{} ↔ {}", l.organization_name, l.community_name),
        action: format!("/linkages/{id}/delete"),
        confirm_label: caller.tr.t("linkage-end"),
        cancel: format!("/organizations/{}", l.organization_id),
    }))
}

pub(super) async fn unlink(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let l = sanshe_app::organizations::end(caller.app(), &caller.actor, &id).await?;
    Ok(Redirect::to(&format!("/organizations/{}", l.organization_id)).into_response())
}

/// The organizations as the page searched them, as .xlsx, a row for each linkage the caller
/// sees (one for an organization with none), read a page at a time.
pub(super) async fn export_organizations(
    caller: PageCaller,
    Query(search): Query<NameSearch>,
) -> PageResult {
    let tr = caller.tr;
    let header = [
        "organization",
        "organization-kind",
        "contact",
        "community",
        "linkage-org-provides",
        "linkage-community-provides",
    ]
    .map(|k| tr.t(k));
    // A bad search is refused before a workbook is started.
    let first = NameSearch {
        limit: Some(1),
        ..search.clone()
    };
    organizations::list(caller.app(), &caller.actor, &first).await?;
    let mut sheet = caller.sheet(&tr.t("organizations"), &header)?;
    let (app, actor, q) = (caller.app(), &caller.actor, &search.q);
    sheet
        .push_pages(|after| async move {
            let f = NameSearch::largest(q.clone(), after);
            let page = organizations::list_with_linkages(app, actor, &f).await?;
            let mut rows = Vec::new();
            for (o, links) in page.items {
                let of = |community, provides, provided| {
                    vec![
                        o.name.clone(),
                        tr.of("org-", o.kind),
                        o.contact.clone(),
                        community,
                        provides,
                        provided,
                    ]
                };
                if links.is_empty() {
                    rows.push(of(String::new(), String::new(), String::new()));
                }
                for l in links {
                    rows.push(of(
                        l.community_name,
                        l.organization_provides,
                        l.community_provides,
                    ));
                }
            }
            Ok((rows, page.next))
        })
        .await?;
    Ok(sheet.send("organizations.xlsx").await?)
}

pub(super) async fn edit_organization(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<OrganizationForm>,
) -> PageResult {
    after_form(
        &caller,
        sanshe_app::organizations::update(
            caller.app(),
            &caller.actor,
            &id,
            &f.kind,
            &f.name,
            &f.contact,
        )
        .await,
        async |_| Ok(Redirect::to(&format!("/organizations/{id}")).into_response()),
        async |errors| organization_view(&caller, &id, errors, &NameSearch::default()).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "linkage_map.html")]
pub(super) struct LinkageMapPage {
    nav: Nav,
    /// A page of the communities, in the map's order.
    items: Vec<MapCommunity>,
    counts: organizations::MapCounts,
    only_marked: bool,
    pager: Pager,
}

#[derive(Deserialize, Default)]
pub(super) struct MapQuery {
    marked: Option<bool>,
    after: Option<String>,
}

/// Communities one page of the map lists (a city has thousands; the marked come first).
const MAP_PAGE_ROWS: i64 = 300;

pub(super) async fn linkage_map_page(caller: PageCaller, Query(q): Query<MapQuery>) -> PageResult {
    let only_marked = q.marked.unwrap_or(false);
    let filter = organizations::MapFilter {
        marked: Some(only_marked),
        after: q.after.clone(),
        limit: Some(MAP_PAGE_ROWS),
    };
    let (page, counts) =
        organizations::linkage_map_page(caller.app(), &caller.actor, &filter).await?;
    let pager = Pager::by_cursor(
        "/linkage-map",
        &[("marked", only_marked.then_some("true"))],
        "after",
        q.after.as_deref(),
        page.next.as_deref(),
    );
    Ok(render(&LinkageMapPage {
        nav: Nav::of(&caller, "/linkage-map"),
        items: page.items,
        counts,
        only_marked,
        pager,
    }))
}

/// The whole linkage map as the page filters it, as .xlsx, every community (the page lists
/// 300 at a time): which organizations serve each, with what duties and how many people, the
/// hours served, and what needs the coordinator's attention.
pub(super) async fn export_linkage_map(
    caller: PageCaller,
    Query(q): Query<MapQuery>,
) -> PageResult {
    let all = sanshe_app::organizations::linkage_map(caller.app(), &caller.actor).await?;
    let tr = caller.tr;
    let (proposed, yes, no) = (tr.t("linkage-status-proposed"), tr.t("yes"), tr.t("no"));
    let duties = |ds: &[Duty]| {
        let words: Vec<String> = ds.iter().map(|d| tr.of("duty-", d.as_str())).collect();
        words.join("、")
    };
    let only_marked = q.marked.unwrap_or(false);
    let rows = all
        .into_iter()
        .filter(|c| !only_marked || c.marked())
        .map(|c| {
            let organizations: Vec<String> = c
                .organizations
                .iter()
                .map(|o| {
                    let mut line = format!("{} · {} · {}", o.name, duties(&o.duties), o.people);
                    if o.status == LinkageStatus::Proposed {
                        line.push_str(&format!(" · {proposed}"));
                    }
                    line
                })
                .collect();
            vec![
                c.name.clone(),
                organizations.join("；"),
                c.people.to_string(),
                c.hours_7d.to_string(),
                c.hours_30d.to_string(),
                if c.unsupported {
                    yes.clone()
                } else {
                    no.clone()
                },
                duties(&c.duties_uncovered),
            ]
        })
        .collect();
    let header = [
        "community",
        "map-organizations",
        "map-people",
        "map-hours-7d",
        "map-hours-30d",
        "map-unsupported",
        "map-uncovered",
    ]
    .map(|k| tr.t(k));
    let date = caller.app().today().format("%Y%m%d");
    sheet_download(
        &tr.t("linkage-map"),
        &header,
        rows,
        &format!("linkage-map-{date}.xlsx"),
    )
}

/// An organization's contributions per community in a period, as a workbook.
pub(super) async fn export_contributions(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<Period>,
) -> PageResult {
    let (from, to) = q.or_last(caller.app().today(), CONTRIBUTION_DAYS)?;
    let rows = sanshe_app::organizations::contributions(caller.app(), &caller.actor, &id, from, to)
        .await?;
    let tr = caller.tr;
    let other = tr.t("contribution-other");
    let rows = rows
        .into_iter()
        .map(|c| {
            vec![
                if c.community_id.is_empty() {
                    other.clone()
                } else {
                    c.community_name
                },
                c.people.to_string(),
                c.shifts.to_string(),
                c.hours.to_string(),
                c.scans.to_string(),
                c.errands.to_string(),
            ]
        })
        .collect();
    let header = [
        "community",
        "contribution-people",
        "contribution-shifts",
        "contribution-hours",
        "contribution-scans",
        "contribution-errands",
    ]
    .map(|k| tr.t(k));
    sheet_download(
        "contributions",
        &header,
        rows,
        &format!("contributions-{from}-{to}.xlsx"),
    )
}

/// An organization's members as searched, as .xlsx, every page of them: who they are, where
/// they serve, their shifts ahead and hours; for whoever runs the organization.
pub(super) async fn export_members(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(people): Query<NameSearch>,
) -> PageResult {
    let tr = caller.tr;
    let header = [
        "name",
        "member-kind",
        "member-deployed",
        "member-shifts-ahead",
        "member-hours",
    ]
    .map(|k| tr.t(k));
    // Refused before a workbook is started, to whoever does not run the organization.
    organizations::member_count(caller.app(), &caller.actor, &id).await?;
    let mut sheet = caller.sheet(&tr.t("members"), &header)?;
    let (app, actor, id, q) = (caller.app(), &caller.actor, id.as_str(), &people.q);
    sheet
        .push_pages(|after| async move {
            let f = NameSearch::largest(q.clone(), after);
            let page = organizations::members(app, actor, id, &f).await?;
            let rows = page
                .items
                .into_iter()
                .map(|m| {
                    let places: Vec<String> =
                        m.deployments.into_iter().map(|d| d.area_name).collect();
                    vec![
                        m.name,
                        tr.of("member-kind-", m.kind),
                        places.join("、"),
                        m.shifts_ahead.to_string(),
                        format!("{:.1}", m.served_minutes as f64 / 60.0),
                    ]
                })
                .collect();
            Ok((rows, page.next))
        })
        .await?;
    Ok(sheet.send(&format!("members-{id}.xlsx")).await?)
}
