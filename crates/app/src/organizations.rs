//! Organizations and their linkages to communities.

use sanshe_core::FieldErrors;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::organizations::OrganizationKind;
use sanshe_store::areas as area_store;
use sanshe_store::organizations::{self as store, LinkageRow, OrganizationRow};

use crate::accounts::Actor;
use crate::audit::{self, Subject};
use crate::{App, AppError, OnConflict, Result};

/// An organization as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OrganizationView {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
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

/// A linkage as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct LinkageView {
    /// Id.
    pub id: String,
    /// Organization.
    pub organization_id: String,
    /// Its name.
    pub organization_name: String,
    /// Community.
    pub community_id: String,
    /// Its name.
    pub community_name: String,
    /// What the organization provides.
    pub organization_provides: String,
    /// What the community provides.
    pub community_provides: String,
}

impl From<LinkageRow> for LinkageView {
    fn from(l: LinkageRow) -> Self {
        LinkageView {
            id: l.id,
            organization_id: l.organization_id,
            organization_name: l.organization_name,
            community_id: l.community_id,
            community_name: l.community_name,
            organization_provides: l.organization_provides,
            community_provides: l.community_provides,
        }
    }
}

fn target(o: &OrganizationRow) -> Target<'_> {
    Target::Organization {
        id: &o.id,
        home_path: o.home_path.as_deref(),
    }
}

/// Organizations the actor may see: those registered in their area scope, those they belong to,
/// and those linked to a community in their scope.
pub async fn list(app: &App, actor: &Actor) -> Result<Vec<OrganizationView>> {
    let mut conn = app.db.conn().await?;
    let scope = actor.scope(Action::ViewRegistry);
    // Two queries for the whole list, not one per organization.
    let linked: std::collections::HashSet<String> = store::linked_within(&mut conn, scope.roots())
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for o in store::list(&mut conn).await? {
        let visible = actor.may(Action::ViewOrganization, target(&o)) || linked.contains(&o.id);
        if visible {
            out.push(o.into());
        }
    }
    Ok(out)
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
    let links = links
        .into_iter()
        .filter(|l| member || scope.contains(&l.community_path))
        .map(Into::into)
        .collect();
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
        kind.as_str(),
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

/// Links an organization to a community with what each side provides. Allowed to whoever manages
/// the organization, provided the community is in their view, or to a coordinator of the community.
pub async fn link(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    community_id: &str,
    organization_provides: &str,
    community_provides: &str,
) -> Result<LinkageView> {
    let mut conn = app.db.conn().await?;
    let o = store::get(&mut conn, organization_id).await?;
    let community = area_store::get(&mut conn, community_id)
        .await
        .map_err(|_| AppError::field("community_id", "err-not-found"))?;
    if community.kind != "community" {
        return Err(AppError::field("community_id", "err-not-a-community"));
    }
    let coordinates_community =
        actor.may(Action::ManageOrganization, Target::Area(&community.path));
    if !coordinates_community && !actor.may(Action::ManageOrganization, target(&o)) {
        return Err(AppError::NotFound);
    }
    let mut errors = FieldErrors::default();
    let organization_provides = errors
        .take_field(sanshe_core::text::required_line(
            "organization_provides",
            organization_provides,
            500,
        ))
        .unwrap_or_default();
    let community_provides = errors
        .take_field(sanshe_core::text::line(
            "community_provides",
            community_provides,
            500,
        ))
        .unwrap_or_default();
    errors.into_result()?;
    let id = store::link(
        &mut conn,
        &o.id,
        (&community.id, &community.path),
        organization_provides.trim(),
        community_provides.trim(),
    )
    .await
    .on_conflict("community_id", "err-linkage-exists")?;
    audit::record(
        &mut conn,
        actor,
        "linkage.created",
        Subject::new("organization", &o.id, &community.path),
        &format!("{} ↔ {}", o.name, community.name),
    )
    .await?;
    Ok(store::linkage(&mut conn, &id).await?.into())
}

/// Removes a linkage (same permission as creating it).
pub async fn unlink(app: &App, actor: &Actor, linkage_id: &str) -> Result<()> {
    let mut conn = app.db.conn().await?;
    let l = store::linkage(&mut conn, linkage_id).await?;
    let o = store::get(&mut conn, &l.organization_id).await?;
    if !actor.may(Action::ManageOrganization, Target::Area(&l.community_path))
        && !actor.may(Action::ManageOrganization, target(&o))
    {
        return Err(AppError::NotFound);
    }
    store::unlink(&mut conn, linkage_id).await?;
    audit::record(
        &mut conn,
        actor,
        "linkage.removed",
        Subject::new("organization", &o.id, &l.community_path),
        &format!("{} ↔ {}", o.name, l.community_name),
    )
    .await?;
    Ok(())
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
    store::update(&mut conn, id, kind.as_str(), name, &contact)
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
