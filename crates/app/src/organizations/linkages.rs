//! Linkages: an organization takes on duties in a community. One side proposes, the other
//! accepts (proposed → active), either side ends it; every step is audited.

use sanshe_core::FieldErrors;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::areas::AreaKind;
use sanshe_core::dates;
use sanshe_core::organizations::{Duty, LinkageSide, LinkageStatus, may_accept, proposal_status};
use sanshe_store::organizations::{LinkageRow, NewLinkage};

use super::*;

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
    /// The duties the organization takes on there.
    pub duties: Vec<Duty>,
    /// Where it stands.
    pub status: LinkageStatus,
    /// The side that proposed it.
    pub proposed_by: LinkageSide,
    /// First day (YYYY-MM-DD), if set.
    pub starts_on: Option<String>,
    /// Last day, if set.
    pub ends_on: Option<String>,
    /// Contact people on both sides.
    pub contact: String,
    /// What the organization provides, in words.
    pub organization_provides: String,
    /// What the community provides, in words.
    pub community_provides: String,
    /// Whether the caller may accept it (they speak for the side that did not propose it).
    pub may_accept: bool,
    /// Whether the caller may end it (they speak for a side, and it has not ended).
    pub may_end: bool,
}

/// A linkage as `actor` sees it, with what they may do to it.
pub(super) fn linkage_view(actor: &Actor, o: &OrganizationRow, l: LinkageRow) -> LinkageView {
    let (for_organization, for_community) = sides(actor, o, &l.community_path);
    let (status, proposed_by) = (l.status, l.proposed_by);
    LinkageView {
        may_accept: may_accept(status, proposed_by, for_organization, for_community),
        may_end: status != LinkageStatus::Ended && (for_organization || for_community),
        duties: Duty::split(&l.duties),
        status,
        proposed_by,
        id: l.id,
        organization_id: l.organization_id,
        organization_name: l.organization_name,
        community_id: l.community_id,
        community_name: l.community_name,
        starts_on: l.starts_on,
        ends_on: l.ends_on,
        contact: l.contact,
        organization_provides: l.organization_provides,
        community_provides: l.community_provides,
    }
}

/// A proposed linkage as a form or the API sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct LinkageInput {
    /// The community.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub community_id: String,
    /// The duties taken on (at least one).
    #[serde(default)]
    #[schema(value_type = Vec<Duty>)]
    pub duties: Vec<String>,
    /// First day, YYYY-MM-DD (optional).
    pub starts_on: Option<String>,
    /// Last day, YYYY-MM-DD (optional).
    pub ends_on: Option<String>,
    /// Contact people on both sides.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub contact: String,
    /// What the organization provides, in words.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub organization_provides: String,
    /// What the community provides, in words.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub community_provides: String,
}

/// Which sides of a linkage between `o` and the community at `community_path` the actor
/// speaks for: the organization's managers, and the community's coordinators and workers.
fn sides(actor: &Actor, o: &OrganizationRow, community_path: &str) -> (bool, bool) {
    (
        actor.may(Action::ManageOrganization, target(o)),
        actor.may(Action::LinkOrganizations, Target::Area(community_path)),
    )
}

/// Proposes a linkage of an organization with a community. Whoever speaks for both sides (a
/// coordinator of the organization's own area) makes it active at once; otherwise it waits
/// for the other side.
pub async fn propose(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    input: &LinkageInput,
) -> Result<LinkageView> {
    let mut conn = app.db.conn().await?;
    let o = store::get(&mut conn, organization_id).await?;
    let community = area_store::get(&mut conn, &input.community_id)
        .await
        .map_err(|_| AppError::field("community_id", "err-not-found"))?;
    let (for_organization, for_community) = sides(actor, &o, &community.path);
    if !for_organization && !for_community {
        if actor.may(Action::ViewOrganization, target(&o)) {
            return Err(AppError::field("community_id", "err-not-found"));
        }
        return Err(AppError::NotFound);
    }
    // An organization's admin proposes to any community; one they cannot see is named by id.
    // A street (街道/镇) can be linked as a whole: the duties hold in each of its communities.
    if !matches!(community.kind, AreaKind::Community | AreaKind::Street) {
        return Err(AppError::field("community_id", "err-not-a-community"));
    }
    let mut errors = FieldErrors::default();
    let duties = errors.take("duties", Duty::parse_list(&input.duties));
    let mut day = |field, raw: &Option<String>| {
        let parsed = dates::parse_optional(field, raw.as_deref().unwrap_or(""));
        errors.take_field(parsed).flatten().map(|d| d.to_string())
    };
    let (starts_on, ends_on) = (
        day("starts_on", &input.starts_on),
        day("ends_on", &input.ends_on),
    );
    if let (Some(s), Some(e)) = (&starts_on, &ends_on)
        && e < s
    {
        errors.push("ends_on", "err-date-order");
    }
    let contact = errors
        .take_field(sanshe_core::text::line("contact", &input.contact, 200))
        .unwrap_or_default();
    let organization_provides = errors
        .take_field(sanshe_core::text::line(
            "organization_provides",
            &input.organization_provides,
            500,
        ))
        .unwrap_or_default();
    let community_provides = errors
        .take_field(sanshe_core::text::line(
            "community_provides",
            &input.community_provides,
            500,
        ))
        .unwrap_or_default();
    errors.into_result()?;
    let duties = duties.unwrap_or_default();
    let status = proposal_status(for_organization, for_community);
    let side = if for_organization {
        LinkageSide::Organization
    } else {
        LinkageSide::Community
    };
    let id = store::link(
        &mut conn,
        &NewLinkage {
            organization_id: &o.id,
            community: (&community.id, &community.path),
            organization_provides: organization_provides.trim(),
            community_provides: community_provides.trim(),
            duties: &Duty::join(&duties),
            status,
            proposed_by: side,
            starts_on: starts_on.as_deref(),
            ends_on: ends_on.as_deref(),
            contact: contact.trim(),
        },
    )
    .await
    .on_conflict("community_id", "err-linkage-exists")?;
    audit::record(
        &mut conn,
        actor,
        if status == LinkageStatus::Active {
            "linkage.created"
        } else {
            "linkage.proposed"
        },
        Subject::new("organization", &o.id, &community.path),
        &format!("{} ↔ {}: {}", o.name, community.name, Duty::join(&duties)),
    )
    .await?;
    app.linkage_map.touch([community.path.clone()]);
    Ok(linkage_view(
        actor,
        &o,
        store::linkage(&mut conn, &id).await?,
    ))
}

/// A linkage and its organization, if the actor speaks for one of its sides (else NotFound).
async fn spoken_for(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    linkage_id: &str,
) -> Result<(LinkageRow, OrganizationRow, (bool, bool))> {
    let l = store::linkage(conn, linkage_id).await?;
    let o = store::get(conn, &l.organization_id).await?;
    let sides = sides(actor, &o, &l.community_path);
    if !sides.0 && !sides.1 {
        return Err(AppError::NotFound);
    }
    Ok((l, o, sides))
}

/// A linkage the actor speaks for one side of, as asked before ending it (NotFound otherwise,
/// as `end` answers).
pub async fn linkage(app: &App, actor: &Actor, linkage_id: &str) -> Result<LinkageView> {
    let mut conn = app.db.conn().await?;
    let (l, o, _) = spoken_for(&mut conn, actor, linkage_id).await?;
    Ok(linkage_view(actor, &o, l))
}

/// The other side accepts a proposed linkage: its duties take effect.
pub async fn accept(app: &App, actor: &Actor, linkage_id: &str) -> Result<LinkageView> {
    let mut conn = app.db.conn().await?;
    let (l, o, (for_organization, for_community)) =
        spoken_for(&mut conn, actor, linkage_id).await?;
    if !may_accept(l.status, l.proposed_by, for_organization, for_community) {
        return Err(AppError::field("status", "err-linkage-not-acceptable"));
    }
    if !store::set_status(
        &mut conn,
        &l.id,
        LinkageStatus::Proposed,
        LinkageStatus::Active,
    )
    .await?
    {
        return Err(AppError::field("status", "err-linkage-not-acceptable"));
    }
    changed(app, actor, &mut conn, "linkage.accepted", &l, &o).await
}

/// Either side ends a linkage (or withdraws a proposal): its duties stop at once.
pub async fn end(app: &App, actor: &Actor, linkage_id: &str) -> Result<LinkageView> {
    let mut conn = app.db.conn().await?;
    let (l, o, _) = spoken_for(&mut conn, actor, linkage_id).await?;
    if l.status == LinkageStatus::Ended
        || !store::set_status(&mut conn, &l.id, l.status, LinkageStatus::Ended).await?
    {
        return Err(AppError::field("status", "err-linkage-ended"));
    }
    changed(app, actor, &mut conn, "linkage.ended", &l, &o).await
}

/// After a linkage's status changed: the audit entry, the map told, the linkage as it is now.
async fn changed(
    app: &App,
    actor: &Actor,
    conn: &mut sanshe_store::Conn,
    action: &'static str,
    l: &LinkageRow,
    o: &OrganizationRow,
) -> Result<LinkageView> {
    audit::record(
        conn,
        actor,
        action,
        Subject::new("organization", &o.id, &l.community_path),
        &format!("{} ↔ {}", o.name, l.community_name),
    )
    .await?;
    app.linkage_map.touch([l.community_path.clone()]);
    Ok(linkage_view(actor, o, store::linkage(conn, &l.id).await?))
}

/// The linkages of an organization the actor may see: all of them for its own people and
/// managers, those with a community in view for others.
pub async fn linkages(app: &App, actor: &Actor, organization_id: &str) -> Result<Vec<LinkageView>> {
    Ok(get(app, actor, organization_id).await?.1)
}
