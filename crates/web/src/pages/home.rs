//! The home page: a welcome, the areas in scope with their residents, and notices sent to me.

use super::*;

/// A scope root with its resident count.
pub struct RootSummary {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Level.
    pub kind: String,
    /// Residents below it.
    pub residents: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
pub(super) struct HomePage {
    nav: Nav,
    welcome: String,
    roots: Vec<RootSummary>,
    grants: Vec<String>,
    /// Notices sent to the signed-in person.
    mine: Vec<sanshe_app::notices::NoticeView>,
}

pub(super) async fn home(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    let roots = sanshe_app::areas::scope_roots(&state.app, &caller.actor)
        .await
        .or_page(&caller)?;
    let mut summaries = Vec::new();
    for r in roots {
        let page = sanshe_app::registry::search(
            &state.app,
            &caller.actor,
            &ResidentSearch {
                area: Some(r.id.clone()),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await
        .or_page(&caller)?;
        summaries.push(RootSummary {
            id: r.id,
            name: r.name,
            kind: r.kind,
            residents: page.total,
        });
    }
    let tr = caller.tr;
    let grants = caller
        .actor
        .grants
        .iter()
        .filter(|g| !g.role.is_area_role())
        .map(|g| tr.of("role-", g.role.as_str()))
        .collect();
    let mine = sanshe_app::notices::mine(&state.app, &caller.actor)
        .await
        .or_page(&caller)?;
    Ok(render(&HomePage {
        nav: Nav::of(&caller, "/"),
        welcome: tr.named("home-welcome", &caller.actor.display_name),
        roots: summaries,
        grants,
        mine,
    }))
}
