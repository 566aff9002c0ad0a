//! Organizations and their linkages to communities (三社联动): registering an organization,
//! its linkages with the duties it takes on (`linkages`), its people and where they serve
//! (`members`), and what a member may do at a place right now because of those duties (`duty`).

use sanshe_core::FieldErrors;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::organizations::OrganizationKind;
use sanshe_store::areas as area_store;
use sanshe_store::organizations::{self as store, LinkageRow, OrganizationRow};
use std::collections::HashMap;

use crate::accounts::Actor;
use crate::audit::{self, Subject};
use crate::cursor::{NameSearch, Page};
use crate::{App, AppError, OnConflict, Result};

mod contributions;
mod duty;
mod linkages;
mod map;
mod members;
mod teams;

pub use contributions::*;
pub use duty::*;
pub use linkages::*;
pub use map::*;
pub use members::*;
pub use teams::*;

/// An organization as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OrganizationView {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: sanshe_core::organizations::OrganizationKind,
    /// Name.
    pub name: String,
    /// Home area.
    pub home_area_id: Option<String>,
    /// Contact.
    pub contact: String,
}

impl From<OrganizationRow> for OrganizationView {
    fn from(o: OrganizationRow) -> Self {
        OrganizationView {
            id: o.id,
            kind: o.kind,
            name: o.name,
            home_area_id: o.home_area_id,
            contact: o.contact,
        }
    }
}

pub(crate) fn target(o: &OrganizationRow) -> Target<'_> {
    Target::Organization {
        id: &o.id,
        home_path: o.home_path.as_deref(),
    }
}

/// The organization a form names in `organization_id` for the caller to act as, which they
/// must run; any other is "not found" beside that field.
pub(crate) async fn acting_for(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    organization_id: &str,
) -> Result<OrganizationRow> {
    let not_found = || AppError::field("organization_id", "err-not-found");
    let o = store::get(conn, organization_id)
        .await
        .map_err(|_| not_found())?;
    if !actor.may(Action::ManageOrganization, target(&o)) {
        return Err(not_found());
    }
    Ok(o)
}

/// A page of the organizations the actor may see, by name (`accounts::organizations_seen`):
/// those registered in their area scope, those they belong to or run, and those linked to a
/// community whose registry they see; `q` narrows to names starting with it.
pub async fn list(app: &App, actor: &Actor, f: &NameSearch) -> Result<Page<OrganizationView>> {
    let mut conn = app.db.conn().await?;
    Ok(visible_page(&mut conn, actor, f).await?.map(Into::into))
}

/// A page of `list` with each organization's linkages that the actor sees (one query for the
/// page's linkages, not one per organization): what the organizations workbook holds.
pub async fn list_with_linkages(
    app: &App,
    actor: &Actor,
    f: &NameSearch,
) -> Result<Page<(OrganizationView, Vec<LinkageView>)>> {
    let mut conn = app.db.conn().await?;
    let page = visible_page(&mut conn, actor, f).await?;
    let ids: Vec<String> = page.items.iter().map(|o| o.id.clone()).collect();
    let mut linkages: HashMap<String, Vec<LinkageRow>> = HashMap::new();
    for l in store::linkages_of_each(&mut conn, &ids).await? {
        linkages
            .entry(l.organization_id.clone())
            .or_default()
            .push(l);
    }
    Ok(page.map(|o| {
        let links = linkages.remove(&o.id).unwrap_or_default();
        let links = seen_linkages(actor, &o, links);
        (o.into(), links)
    }))
}

/// Every organization the actor may see, by name, as a form that picks one offers them.
pub async fn choices(app: &App, actor: &Actor) -> Result<Vec<OrganizationView>> {
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    let mut f = NameSearch::largest(None, None);
    loop {
        let page = visible_page(&mut conn, actor, &f).await?;
        out.extend(page.items.into_iter().map(OrganizationView::from));
        match page.next {
            Some(next) => f.after = Some(next),
            None => return Ok(out),
        }
    }
}

/// The organizations the actor holds a grant on (runs, or serves in as a member), by name.
pub async fn held(app: &App, actor: &Actor) -> Result<Vec<OrganizationView>> {
    let ids = sanshe_core::accounts::organizations_held(&actor.grants);
    let mut conn = app.db.conn().await?;
    let rows = store::by_ids(&mut conn, &ids).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The organization named `id_or_name` (its id or its exact name), if the actor may see it.
pub async fn find(app: &App, actor: &Actor, id_or_name: &str) -> Result<OrganizationView> {
    let by_name = {
        let mut conn = app.db.conn().await?;
        store::by_name(&mut conn, id_or_name).await?
    };
    let id = by_name.map_or_else(|| id_or_name.to_string(), |o| o.id);
    let (o, _, _) = get(app, actor, &id).await?;
    Ok(o)
}

async fn visible_page(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    f: &NameSearch,
) -> Result<Page<OrganizationRow>> {
    let seen = sanshe_core::accounts::organizations_seen(&actor.grants);
    let name_prefix = f.prefix()?;
    let q = store::OrganizationQuery {
        seen: &seen,
        name_prefix: name_prefix.as_deref(),
    };
    let after = crate::cursor::after(f.after.as_deref())?.map(|[name]| name);
    let limit = f.size();
    let mut items = store::visible(&mut *conn, &q, after.as_deref(), limit + 1).await?;
    let next = crate::cursor::cut(&mut items, limit, |o| crate::cursor::encode(&[&o.name]));
    let total = store::count_visible(&mut *conn, &q).await?;
    Ok(Page { items, total, next })
}

/// The linkages of `o` the actor sees: all of them to one who sees it as its own, those with
/// a community whose registry they see to anyone else.
fn seen_linkages(actor: &Actor, o: &OrganizationRow, links: Vec<LinkageRow>) -> Vec<LinkageView> {
    let scope = actor.scope(Action::ViewRegistry);
    let member = actor.may(Action::ViewOrganization, target(o));
    links
        .into_iter()
        .filter(|l| member || scope.contains(&l.community_path))
        .map(|l| linkage_view(actor, o, l))
        .collect()
}

/// One organization the actor may see, with its linkages (those in the actor's view).
pub async fn get(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(OrganizationView, Vec<LinkageView>, bool)> {
    let mut conn = app.db.conn().await?;
    let o = store::get(&mut conn, id).await?;
    let links = store::linkages_of(&mut conn, &o.id).await?;
    let scope = actor.scope(Action::ViewRegistry);
    let member = actor.may(Action::ViewOrganization, target(&o));
    if !member && !links.iter().any(|l| scope.contains(&l.community_path)) {
        return Err(AppError::NotFound);
    }
    let manage = actor.may(Action::ManageOrganization, target(&o));
    let links = seen_linkages(actor, &o, links);
    Ok((o.into(), links, manage))
}

/// An organization's kind, name and contact as a form or the API sends them, checked.
fn organization_fields(
    kind: &str,
    name: &str,
    contact: &str,
) -> Result<(OrganizationKind, String, String)> {
    let mut errors = FieldErrors::default();
    let kind = errors.take("kind", OrganizationKind::parse(kind));
    let name = errors
        .take_field(sanshe_core::text::required_line("name", name, 80))
        .unwrap_or_default();
    let contact = errors
        .take_field(sanshe_core::text::line(
            "contact",
            contact,
            sanshe_core::text::LABEL_CHARS,
        ))
        .unwrap_or_default();
    errors.into_result()?;
    let Some(kind) = kind else {
        return Err(AppError::field("kind", "err-required"));
    };
    Ok((kind, name, contact))
}

/// Registers an organization (a coordinator, in their area).
pub async fn register(
    app: &App,
    actor: &Actor,
    kind: &str,
    name: &str,
    home_area_id: Option<&str>,
    contact: &str,
) -> Result<OrganizationView> {
    let (kind, name, contact) = organization_fields(kind, name, contact)?;
    let name = name.as_str();
    let mut conn = app.db.conn().await?;
    let home = match home_area_id.filter(|h| !h.is_empty()) {
        Some(h) => {
            let a = area_store::get(&mut conn, h)
                .await
                .map_err(|_| AppError::field("home_area_id", "err-not-found"))?;
            actor.require_for(
                Action::ViewRegistry,
                Target::Area(&a.path),
                "home_area_id",
                "err-not-found",
            )?;
            Some(a)
        }
        None => None,
    };
    let allowed = match &home {
        Some(a) => actor.may(Action::RegisterOrganizations, Target::Area(&a.path)),
        None => actor.is_city_coordinator(),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let org = store::insert(
        &mut conn,
        kind,
        name,
        home.as_ref().map(|a| (a.id.as_str(), a.path.as_str())),
        &contact,
    )
    .await
    .on_conflict("name", "err-organization-exists")?;
    audit::record(
        &mut conn,
        actor,
        "organization.created",
        Subject {
            kind: "organization",
            id: &org.id,
            area_path: org.home_path.as_deref(),
        },
        &org.name,
    )
    .await?;
    Ok(org.into())
}

/// Changes an organization's kind, name and contact (whoever manages it).
pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    kind: &str,
    name: &str,
    contact: &str,
) -> Result<OrganizationView> {
    let (current, _, may_manage) = get(app, actor, id).await?;
    if !may_manage {
        return Err(AppError::Forbidden);
    }
    let (kind, name, contact) = organization_fields(kind, name, contact)?;
    let name = name.as_str();
    let mut conn = app.db.conn().await?;
    store::update(&mut conn, id, kind, name, &contact)
        .await
        .on_conflict("name", "err-organization-exists")?;
    let org = store::get(&mut conn, id).await?;
    audit::record(
        &mut conn,
        actor,
        "organization.updated",
        Subject {
            kind: "organization",
            id: &org.id,
            area_path: org.home_path.as_deref(),
        },
        &format!("{} → {}", current.name, org.name),
    )
    .await?;
    Ok(org.into())
}
