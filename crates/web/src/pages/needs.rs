//! Pages of needs and commitments (需求对接): the list with the form a community posts a need
//! with, and one need with the organizations' answers, the answer form for an organization's
//! admin and the community's confirm and close.

use sanshe_app::cursor::NameSearch;
use sanshe_app::needs::{self, CommitmentInput, CommitmentView, NeedFilter, NeedInput, NeedView};
use sanshe_app::organizations::MemberName;
use sanshe_app::rotas::PostView;

use super::*;

#[derive(Template)]
#[template(path = "needs.html")]
pub(super) struct NeedsPage {
    nav: Nav,
    /// A page of them, newest first.
    items: Vec<NeedView>,
    /// How many there are.
    total: i64,
    pager: Pager,
    /// Whether the closed are left out (the tab the home page's tile leads to).
    open: bool,
    /// The community the list is narrowed to.
    picker: CommunityPicker,
    /// The workbook of the list as shown.
    export: String,
    /// Where the caller may post needs, by street; empty for an organization's admin.
    communities: Vec<sanshe_app::areas::AreaGroup>,
    /// The posts a people need may name, by the place each guards.
    posts: Vec<(String, Vec<PostView>)>,
    errors: FormErrors,
}

async fn needs_view(caller: &PageCaller, errors: FormErrors, q: &NeedsQuery) -> PageResult {
    let open = q.open == Some(true);
    let after = q.after.as_deref();
    let filter = NeedFilter {
        open: Some(open),
        area: q.area.clone(),
        after: q.after.clone(),
        ..Default::default()
    };
    let page = needs::needs(caller.app(), &caller.actor, &filter).await?;
    let picker = CommunityPicker::of(caller, Action::LinkOrganizations, q.area.as_deref()).await?;
    let filters = [
        ("open", open.then_some("true")),
        ("area", q.area.as_deref()),
    ];
    let pager = Pager::by_cursor("/needs", &filters, "after", after, page.next.as_deref());
    let export = link_to("/needs/export.xlsx", &filters);
    let scope = caller.actor.scope(Action::LinkOrganizations);
    let (communities, posts) = if !scope.is_empty() {
        let communities =
            sanshe_app::areas::communities_by_street(caller.app(), scope.roots(), None)
                .await?
                .1;
        let posts = sanshe_app::rotas::posts_by_place(caller.app(), &caller.actor).await?;
        (communities, posts)
    } else {
        (Vec::new(), Vec::new())
    };
    let rejected = !errors.is_empty();
    Ok(render_form(
        &NeedsPage {
            nav: Nav::of(caller, "/needs"),
            items: page.items,
            total: page.total,
            pager,
            open,
            picker,
            export,
            communities,
            posts,
            errors,
        },
        rejected,
    ))
}

/// Which page of needs.
#[derive(Deserialize, Default)]
pub(super) struct NeedsQuery {
    /// `true`: the closed left out.
    #[serde(default)]
    open: Option<bool>,
    area: Option<String>,
    after: Option<String>,
}

pub(super) async fn needs_page(caller: PageCaller, Query(q): Query<NeedsQuery>) -> PageResult {
    needs_view(&caller, FormErrors::default(), &q).await
}

pub(super) async fn post_need(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let optional = |k: &str| Some(value(&form, k)).filter(|v| !v.is_empty());
    let input = NeedInput {
        area_id: value(&form, "area_id"),
        kind: value(&form, "kind"),
        title: value(&form, "title"),
        detail: value(&form, "detail"),
        post_id: optional("post_id"),
        service: optional("service"),
        wanted: value(&form, "wanted").trim().parse().unwrap_or(0),
        from: value(&form, "from"),
        to: value(&form, "to"),
        urgency: value(&form, "urgency"),
        audience: value(&form, "audience"),
        // Typed as hours; anything not a number is refused by the rule, not taken as the default.
        alert_after_hours: optional("alert_after_hours").map(|h| h.trim().parse().unwrap_or(0)),
    };
    after_form(
        &caller,
        needs::post_need(caller.app(), &caller.actor, &input).await,
        async |n| Ok(Redirect::to(&format!("/needs/{}", n.id)).into_response()),
        async |errors| needs_view(&caller, errors, &NeedsQuery::default()).await,
    )
    .await
}

/// An organization the caller runs, with its members (to send people from).
pub(super) struct Answering {
    id: String,
    name: String,
    /// Its people the form offers, for a need of people: the first `PEOPLE_OFFERED` of those
    /// the search finds.
    members: Vec<MemberName>,
    /// How many people the search finds.
    member_total: i64,
    /// That number, and how many of them the form lists, in words.
    people_found: String,
    /// Its teams: (id, name, how many).
    teams: Vec<(String, String, usize)>,
}

#[derive(Template)]
#[template(path = "need.html")]
pub(super) struct NeedPage {
    nav: Nav,
    n: NeedView,
    commitments: Vec<CommitmentView>,
    answering: Vec<Answering>,
    /// The name searched for among the answering organization's people.
    people_search: String,
    errors: FormErrors,
}

/// The most of an organization's people a need's answer form offers at once.
const PEOPLE_OFFERED: i64 = 500;

async fn need_view(
    caller: &PageCaller,
    id: &str,
    errors: FormErrors,
    people: Option<String>,
) -> PageResult {
    let people = NameSearch {
        q: people,
        limit: Some(PEOPLE_OFFERED),
        ..Default::default()
    };
    let (n, commitments) = needs::need(caller.app(), &caller.actor, id).await?;
    let mut answering = Vec::new();
    if n.status != sanshe_core::needs::NeedStatus::Closed {
        for org in sanshe_core::accounts::organizations_run(&caller.actor.grants) {
            let (o, _, _) =
                sanshe_app::organizations::get(caller.app(), &caller.actor, &org).await?;
            let members = if n.kind == sanshe_core::needs::NeedKind::People {
                let (app, actor) = (caller.app(), &caller.actor);
                sanshe_app::organizations::member_names(app, actor, &org, &people).await?
            } else {
                sanshe_app::cursor::Page::empty()
            };
            let teams = sanshe_app::organizations::teams(caller.app(), &caller.actor, &org)
                .await?
                .into_iter()
                .map(|t| (t.id, t.name, t.members.len()))
                .collect();
            answering.push(Answering {
                id: o.id,
                name: o.name,
                members: members.items,
                member_total: members.total,
                people_found: caller.tr.with_args(
                    "need-people-found",
                    &[
                        ("count", members.total.to_string()),
                        ("shown", PEOPLE_OFFERED.to_string()),
                    ],
                ),
                teams,
            });
        }
    }
    let rejected = !errors.is_empty();
    Ok(render_form(
        &NeedPage {
            nav: Nav::of(caller, &format!("/needs/{id}")),
            n,
            commitments,
            answering,
            people_search: people.q.unwrap_or_default(),
            errors,
        },
        rejected,
    ))
}

/// The name an organization's admin looks for among its people on a need's page.
#[derive(Deserialize)]
pub(super) struct PeopleSearch {
    q: Option<String>,
}

pub(super) async fn need_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(search): Query<PeopleSearch>,
) -> PageResult {
    need_view(&caller, &id, FormErrors::default(), search.q).await
}

pub(super) async fn commit_to_need(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = CommitmentInput {
        organization_id: value(&form, "organization_id"),
        user_ids: values(&form, "user_ids"),
        team_id: Some(value(&form, "team_id")).filter(|t| !t.is_empty()),
        note: value(&form, "note"),
    };
    after_form(
        &caller,
        needs::commit(caller.app(), &caller.actor, &id, &input).await,
        async |_| Ok(Redirect::to(&format!("/needs/{}", urlencode(&id))).into_response()),
        async |errors| need_view(&caller, &id, errors, None).await,
    )
    .await
}

pub(super) async fn confirm_commitment(
    caller: PageCaller,
    Path((id, commitment_id)): Path<(String, String)>,
) -> PageResult {
    after_form(
        &caller,
        needs::confirm(caller.app(), &caller.actor, &id, &commitment_id).await,
        async |()| Ok(Redirect::to(&format!("/needs/{}", urlencode(&id))).into_response()),
        async |errors| need_view(&caller, &id, errors, None).await,
    )
    .await
}

pub(super) async fn close_need(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    after_form(
        &caller,
        needs::close(caller.app(), &caller.actor, &id).await,
        async |()| Ok(Redirect::to(&format!("/needs/{}", urlencode(&id))).into_response()),
        async |errors| need_view(&caller, &id, errors, None).await,
    )
    .await
}

/// Every need the caller sees (the closed left out with `open=true`, as on the page), newest
/// first, as .xlsx: what was asked of whom and how much of it is met, for the day's report.
pub(super) async fn export_needs(caller: PageCaller, Query(q): Query<NeedsQuery>) -> PageResult {
    let tr = caller.tr;
    let header = [
        "community",
        "need-kind",
        "need-title",
        "need-detail",
        "need-wanted",
        "need-committed",
        "need-from",
        "need-to",
        "need-urgency",
        "need-audience",
        "need-status",
    ]
    .map(|k| tr.t(k));
    // An organization's admin also reads what it has committed itself, after the status.
    let runs = sanshe_core::accounts::runs_an_organization(&caller.actor.grants);
    let mut header = header.to_vec();
    if runs {
        header.push(tr.t("need-ours"));
    }
    let mut sheet = caller.sheet(&tr.t("needs"), &header)?;
    let (app, actor) = (caller.app(), &caller.actor);
    sheet
        .push_pages(|after| {
            let f = NeedFilter {
                open: q.open,
                area: q.area.clone(),
                after,
                limit: Some(needs::MAX_NEEDS_PAGE),
            };
            async move {
                let page = needs::needs(app, actor, &f).await?;
                let rows = page
                    .items
                    .into_iter()
                    .map(|n| {
                        let kind = match &n.service {
                            Some(duty) => {
                                format!(
                                    "{} · {}",
                                    tr.of("need-kind-", n.kind),
                                    tr.of("duty-", duty)
                                )
                            }
                            None => tr.of("need-kind-", n.kind),
                        };
                        let mut row = vec![
                            n.area_name,
                            kind,
                            n.title,
                            n.detail,
                            n.wanted.to_string(),
                            n.committed.to_string(),
                            n.from,
                            n.to,
                            tr.of("need-urgency-", n.urgency),
                            tr.of("need-audience-", n.audience),
                            tr.of("need-status-", n.status),
                        ];
                        if runs {
                            row.push(n.ours.to_string());
                        }
                        row
                    })
                    .collect();
                Ok((rows, page.next))
            }
        })
        .await?;
    let date = app.today().format("%Y%m%d");
    Ok(sheet.send(&format!("needs-{date}.xlsx")).await?)
}
