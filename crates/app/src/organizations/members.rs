//! An organization's people: who they are (social worker or volunteer), where they are
//! deployed, their shifts ahead and hours served; deploying and recalling them within the
//! organization's active linkages.

use sanshe_core::organizations::MemberKind;
use std::collections::HashMap;

use sanshe_core::accounts::Role;
use sanshe_core::organizations::LinkageStatus;
use sanshe_store::accounts as account_store;

use super::*;
use crate::cursor::NameSearch;

/// A community a member serves in.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DeploymentView {
    /// The area.
    pub area_id: String,
    /// Its name.
    pub area_name: String,
}

/// A member as their organization's admin sees them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MemberView {
    /// The user.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// `social_worker` or `volunteer`.
    pub kind: sanshe_core::organizations::MemberKind,
    /// Where they are deployed.
    pub deployments: Vec<DeploymentView>,
    /// Shifts booked from now on.
    pub shifts_ahead: i64,
    /// Minutes of service recorded.
    pub served_minutes: i64,
}

/// The organization, if the actor runs it (an organization's admin, or a coordinator of its
/// home area); NotFound otherwise, so nobody learns of another organization's people.
pub(crate) async fn run_by(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    organization_id: &str,
) -> Result<OrganizationRow> {
    let o = store::get(conn, organization_id).await?;
    actor.require(Action::ManageOrganization, target(&o))?;
    Ok(o)
}

/// How many people the organization has, for its admin's home page.
pub async fn member_count(app: &App, actor: &Actor, organization_id: &str) -> Result<i64> {
    let mut conn = app.db.conn().await?;
    let o = run_by(&mut conn, actor, organization_id).await?;
    let everyone = account_store::MemberQuery {
        organization_id: o.id,
        ..Default::default()
    };
    Ok(account_store::count_members(&mut *conn, &everyone).await?)
}

/// A page of an organization's members, by name.
pub type MembersPage = crate::cursor::Page<MemberView>;

/// A member as a form that picks people lists them: who, and as what.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MemberName {
    /// The user.
    pub user_id: String,
    /// Their name.
    pub name: String,
    /// `social_worker` or `volunteer`.
    pub kind: sanshe_core::organizations::MemberKind,
}

/// A page of the organization's members by name with the total, as stored.
async fn member_rows(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    organization_id: &str,
    f: &NameSearch,
) -> Result<crate::cursor::Page<account_store::MemberRow>> {
    let o = run_by(conn, actor, organization_id).await?;
    let after = crate::cursor::after(f.after.as_deref())?.map(|[name, user]| (name, user));
    let name_prefix = f.prefix()?;
    let q = account_store::MemberQuery {
        organization_id: o.id,
        name_prefix,
        after,
    };
    let limit = f.size();
    let mut items = account_store::members_page(&mut *conn, &q, limit + 1).await?;
    let next = crate::cursor::cut(&mut items, limit, |p| {
        crate::cursor::encode(&[&p.display_name, &p.user_id])
    });
    let total = account_store::count_members(&mut *conn, &q).await?;
    Ok(crate::cursor::Page { items, total, next })
}

/// The organization's members by name and kind only, a page at a time with the total, for a
/// form that picks people (a need's answer); `members` also reads where each serves.
pub async fn member_names(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    f: &NameSearch,
) -> Result<crate::cursor::Page<MemberName>> {
    let mut conn = app.db.conn().await?;
    let page = member_rows(&mut conn, actor, organization_id, f).await?;
    Ok(page.map(|p| MemberName {
        user_id: p.user_id,
        name: p.display_name,
        kind: p.member_kind,
    }))
}

/// The organization's members with where they serve, for its admin: a page at a time by name,
/// with the total, so a city-wide association's people are neither cut off nor read whole.
pub async fn members(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    f: &NameSearch,
) -> Result<MembersPage> {
    let mut conn = app.db.conn().await?;
    let crate::cursor::Page {
        items: people,
        total,
        next,
    } = member_rows(&mut conn, actor, organization_id, f).await?;
    let ids: Vec<String> = people.iter().map(|p| p.user_id.clone()).collect();
    let mut deployments: HashMap<String, Vec<DeploymentView>> = HashMap::new();
    for d in account_store::deployments_of(&mut *conn, &ids).await? {
        deployments
            .entry(d.user_id)
            .or_default()
            .push(DeploymentView {
                area_id: d.area_id,
                area_name: d.area_name,
            });
    }
    let served: HashMap<String, i64> = sanshe_store::rotas::served_totals(&mut *conn, &ids)
        .await?
        .into_iter()
        .collect();
    let now = app.clock.now_ms();
    let mut ahead: HashMap<String, i64> = HashMap::new();
    for b in sanshe_store::rotas::bookings_of_people(&mut *conn, &ids, now, i64::MAX).await? {
        *ahead.entry(b.user_id).or_default() += 1;
    }
    let items = people
        .into_iter()
        .map(|p| MemberView {
            deployments: deployments.remove(&p.user_id).unwrap_or_default(),
            shifts_ahead: ahead.get(&p.user_id).copied().unwrap_or(0),
            served_minutes: served.get(&p.user_id).copied().unwrap_or(0),
            user_id: p.user_id,
            name: p.display_name,
            kind: p.member_kind,
        })
        .collect();
    Ok(MembersPage { items, total, next })
}

/// A member, checked to belong to the organization.
async fn member(
    conn: &mut sanshe_store::Conn,
    organization_id: &str,
    user_id: &str,
) -> Result<account_store::MemberRow> {
    account_store::members_among(&mut *conn, organization_id, &[user_id.to_string()])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Deploys a member to a community (or a place below it) where the organization holds an
/// active linkage: they then take shifts there and act within its duties.
pub async fn deploy_member(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    user_id: &str,
    area_id: &str,
) -> Result<DeploymentView> {
    let mut conn = app.db.conn().await?;
    let o = run_by(&mut conn, actor, organization_id).await?;
    let m = member(&mut conn, &o.id, user_id).await?;
    let area = area_store::get(&mut conn, area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    let linked = store::linkages_of(&mut conn, &o.id)
        .await?
        .into_iter()
        .any(|l| l.status == LinkageStatus::Active && area.path.starts_with(&l.community_path));
    if !linked {
        return Err(AppError::field("area_id", "err-deploy-not-linked"));
    }
    let deployed = account_store::deployments_of(&mut *conn, std::slice::from_ref(&m.user_id))
        .await?
        .into_iter()
        .any(|d| d.area_id == area.id);
    if deployed {
        return Err(AppError::field("area_id", "err-volunteer-deployed"));
    }
    account_store::insert_grant(&mut conn, &m.user_id, Role::Volunteer, Some(&area.id), None)
        .await?;
    audit::record(
        &mut conn,
        actor,
        "member.deployed",
        Subject::new("user", &m.user_id, &area.path),
        &format!("{} → {} ({})", m.display_name, area.name, o.name),
    )
    .await?;
    app.sessions.clear();
    app.linkage_map.touch([area.path.clone()]);
    Ok(DeploymentView {
        area_id: area.id,
        area_name: area.name,
    })
}

/// Recalls a member from an area; refused while they hold shifts there that have not ended.
pub async fn recall_member(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    user_id: &str,
    area_id: &str,
) -> Result<()> {
    let mut conn = app.db.conn().await?;
    let o = run_by(&mut conn, actor, organization_id).await?;
    let m = member(&mut conn, &o.id, user_id).await?;
    let Some(d) = account_store::deployments_of(&mut *conn, std::slice::from_ref(&m.user_id))
        .await?
        .into_iter()
        .find(|d| d.area_id == area_id)
    else {
        return Err(AppError::NotFound);
    };
    let now = app.clock.now_ms();
    let ahead = sanshe_store::rotas::bookings_of(&mut *conn, &m.user_id, now, i64::MAX).await?;
    let shifts = sanshe_store::rotas::shifts_by_id(
        &mut *conn,
        &ahead.iter().map(|b| b.shift_id.clone()).collect::<Vec<_>>(),
    )
    .await?;
    if shifts.iter().any(|s| s.area_path.starts_with(&d.area_path)) {
        return Err(AppError::field("area_id", "err-volunteer-has-shifts"));
    }
    account_store::delete_grant(&mut conn, &m.user_id, &d.grant_id).await?;
    audit::record(
        &mut conn,
        actor,
        "member.recalled",
        Subject::new("user", &m.user_id, &d.area_path),
        &format!("{} ← {} ({})", m.display_name, d.area_name, o.name),
    )
    .await?;
    app.sessions.clear();
    app.linkage_map.touch([d.area_path.clone()]);
    Ok(())
}

/// Sets whether a member is a social worker or a volunteer.
pub async fn set_member_kind(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    user_id: &str,
    kind: &str,
) -> Result<()> {
    let kind = MemberKind::parse(kind).map_err(|e| AppError::field("kind", e))?;
    let mut conn = app.db.conn().await?;
    let o = run_by(&mut conn, actor, organization_id).await?;
    let m = member(&mut conn, &o.id, user_id).await?;
    account_store::set_member_kind(&mut conn, &o.id, &m.user_id, kind).await?;
    audit::record(
        &mut conn,
        actor,
        "member.kind_set",
        Subject::new("user", &m.user_id, o.home_path.as_deref().unwrap_or("")),
        kind.as_str(),
    )
    .await?;
    Ok(())
}
