//! Pages of notices (动员): what was sent to me, and for senders the form and what they sent
//! with its reach and read count, and who has not read it yet.

use sanshe_app::cursor::Paging;
use sanshe_app::notices::{self, NoticeFilter, NoticeInput, NoticeView, UnreadView};

use super::*;

#[derive(Template)]
#[template(path = "notices.html")]
pub(super) struct NoticesPage {
    nav: Nav,
    /// A page of those sent to the caller, newest first.
    mine: Vec<NoticeView>,
    /// How many were sent to the caller.
    mine_total: i64,
    mine_pager: Pager,
    /// A page of those the caller's organizations and areas sent, newest first.
    sent: Vec<NoticeView>,
    /// How many they sent.
    sent_total: i64,
    sent_pager: Pager,
    /// As whom the caller may send: ("organization:<id>" or "area:<id>", name).
    senders: Vec<(String, String)>,
    communities: Vec<sanshe_app::areas::AreaGroup>,
    skills: Vec<&'static str>,
    /// The teams of the organizations the caller runs: (id, "organization · team").
    teams: Vec<(String, String)>,
    errors: FormErrors,
}

/// Which page of each list: those sent to the caller (`after`) and those they sent
/// (`sent_after`).
#[derive(Deserialize, Default)]
pub(super) struct NoticesQuery {
    after: Option<String>,
    sent_after: Option<String>,
}

async fn notices_view(caller: &PageCaller, errors: FormErrors, at: &NoticesQuery) -> PageResult {
    let (app, actor) = (caller.app(), &caller.actor);
    let (after, sent_after) = (at.after.as_deref(), at.sent_after.as_deref());
    let page_at = |after: Option<&str>| NoticeFilter {
        after: after.map(String::from),
        ..Default::default()
    };
    let mine = notices::mine(app, actor, &page_at(after)).await?;
    let mine_pager = Pager::by_cursor(
        "/notices",
        &[("sent_after", sent_after)],
        "after",
        after,
        mine.next.as_deref(),
    );
    let sent = notices::sent(app, actor, &page_at(sent_after)).await?;
    let sent_pager = Pager::by_cursor(
        "/notices",
        &[("after", after)],
        "sent_after",
        sent_after,
        sent.next.as_deref(),
    );
    let (mut senders, mut teams) = (Vec::new(), Vec::new());
    for org in sanshe_core::accounts::organizations_run(&actor.grants) {
        let (o, _, _) = sanshe_app::organizations::get(app, actor, &org).await?;
        for team in sanshe_app::organizations::teams(app, actor, &o.id).await? {
            teams.push((team.id, format!("{} · {}", o.name, team.name)));
        }
        senders.push((format!("organization:{}", o.id), o.name));
    }
    if !actor.scope(Action::LinkOrganizations).is_empty() {
        for root in sanshe_app::areas::scope_roots(app, actor).await? {
            senders.push((format!("area:{}", root.id), root.name));
        }
    }
    let communities = if senders.is_empty() {
        Vec::new()
    } else {
        sanshe_app::areas::communities_by_street(app, &[String::new()], None)
            .await?
            .1
    };
    let rejected = !errors.is_empty();
    Ok(render_form(
        &NoticesPage {
            nav: Nav::of(caller, "/notices"),
            mine: mine.items,
            mine_total: mine.total,
            mine_pager,
            sent: sent.items,
            sent_total: sent.total,
            sent_pager,
            senders,
            communities,
            skills: sanshe_app::volunteers::SKILLS.to_vec(),
            teams,
            errors,
        },
        rejected,
    ))
}

pub(super) async fn notices_page(caller: PageCaller, Query(q): Query<NoticesQuery>) -> PageResult {
    notices_view(&caller, FormErrors::default(), &q).await
}

pub(super) async fn send_notice(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let sender = value(&form, "sender");
    let optional = |k: &str| Some(value(&form, k)).filter(|v| !v.is_empty());
    let input = NoticeInput {
        organization_id: sender.strip_prefix("organization:").map(String::from),
        area_id: sender.strip_prefix("area:").map(String::from),
        community_id: optional("community_id"),
        skill: optional("skill"),
        team_id: optional("team_id"),
        title: value(&form, "title"),
        body: value(&form, "body"),
        to_chat: value(&form, "to_chat") == "on",
    };
    after_form(
        &caller,
        notices::send(caller.app(), &caller.actor, &input).await,
        async |_| Ok(Redirect::to("/notices").into_response()),
        async |errors| notices_view(&caller, errors, &NoticesQuery::default()).await,
    )
    .await
}

/// Marks a notice read, from the home page or the notices page; back where it was read.
pub(super) async fn read_notice(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    notices::mark_read(caller.app(), &caller.actor, &id).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Template)]
#[template(path = "notice_unread.html")]
pub(super) struct NoticeUnreadPage {
    nav: Nav,
    notice: NoticeView,
    /// A page of those who have not read it, by user name.
    items: Vec<UnreadView>,
    /// How many have not.
    total: i64,
    pager: Pager,
}

/// Who of those a sent notice is for has not read it yet, a page at a time, to follow up.
pub(super) async fn notice_unread_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(f): Query<Paging>,
) -> PageResult {
    let (notice, page) = notices::unread(caller.app(), &caller.actor, &id, &f).await?;
    let pager = Pager::by_cursor(
        &format!("/notices/{id}/unread"),
        &[],
        "after",
        f.after.as_deref(),
        page.next.as_deref(),
    );
    Ok(render(&NoticeUnreadPage {
        nav: Nav::of(&caller, "/notices"),
        notice,
        items: page.items,
        total: page.total,
        pager,
    }))
}

/// Everyone who has not read a sent notice yet, as .xlsx, every page of them.
pub(super) async fn export_notice_unread(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let tr = caller.tr;
    let (app, actor, id) = (caller.app(), &caller.actor, id.as_str());
    // Refused before a workbook is started, to whoever did not send it.
    let first = Paging {
        after: None,
        limit: Some(1),
    };
    notices::unread(app, actor, id, &first).await?;
    let mut sheet = caller.sheet(&tr.t("notice-unread"), &[tr.t("name"), tr.t("username")])?;
    sheet
        .push_pages(|after| async move {
            let (_, page) = notices::unread(app, actor, id, &Paging::largest(after)).await?;
            let rows = page
                .items
                .into_iter()
                .map(|u| vec![u.name, u.username])
                .collect();
            Ok((rows, page.next))
        })
        .await?;
    let date = app.today().format("%Y%m%d");
    Ok(sheet.send(&format!("notice-unread-{date}.xlsx")).await?)
}
