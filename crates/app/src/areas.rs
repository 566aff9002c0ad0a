//! The area tree as the actor may see it.

use crate::audit::Audited;
use sanshe_core::FieldErrors;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::areas::{AreaKind, AreaName, DivisionCode, natural_sort_key};
use sanshe_store::areas::{self as store, AreaRow};

use crate::accounts::Actor;
use crate::audit::{self};
use crate::{App, AppError, Result};

/// An area as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AreaView {
    /// Id.
    pub id: String,
    /// Parent id.
    pub parent_id: Option<String>,
    /// Level.
    pub kind: sanshe_core::areas::AreaKind,
    /// Division code.
    pub code: Option<String>,
    /// Name.
    pub name: String,
}

impl From<AreaRow> for AreaView {
    fn from(a: AreaRow) -> Self {
        AreaView {
            id: a.id,
            parent_id: a.parent_id,
            kind: a.kind,
            code: a.code,
            name: a.name,
        }
    }
}

/// An area the actor may see, or `NotFound`.
pub async fn visible_area(app: &App, actor: &Actor, id: &str) -> Result<AreaRow> {
    let mut conn = app.db.conn().await?;
    let area = store::get(&mut conn, id).await?;
    if !actor.may(Action::ViewRegistry, Target::Area(&area.path))
        && !actor.may(Action::ManageAreas, Target::Area(&area.path))
    {
        return Err(AppError::NotFound);
    }
    Ok(area)
}

/// The roots a list in the actor's scope for `action` reads: the scope's own, or the subtree of
/// the area `narrowed_to` (an id) names when one is given and lies in the scope (NotFound
/// otherwise): a coordinator looking at one community.
pub async fn list_roots(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    action: Action,
    narrowed_to: Option<&str>,
) -> Result<Vec<String>> {
    match narrowed_to.filter(|a| !a.is_empty()) {
        Some(id) => {
            let area = store::get(conn, id).await?;
            if !actor.may(action, Target::Area(&area.path)) {
                return Err(AppError::NotFound);
            }
            Ok(vec![area.path])
        }
        None => Ok(actor.scope(action).roots().to_vec()),
    }
}

/// The top of the actor's tree: the roots of their scope.
pub async fn scope_roots(app: &App, actor: &Actor) -> Result<Vec<AreaView>> {
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for root in actor.scope(Action::ViewRegistry).roots() {
        // Ids are 32 characters: the last segment of the path is the root's id.
        let id = &root[root.len().saturating_sub(32)..];
        out.push(store::get(&mut conn, id).await?.into());
    }
    Ok(out)
}

/// An area with its lineage (breadcrumb, cut at the actor's scope) and children.
pub struct AreaPage {
    /// The area.
    pub area: AreaView,
    /// Its ancestors the actor may see, from the top.
    pub lineage: Vec<AreaView>,
    /// Its children.
    pub children: Vec<AreaView>,
}

/// One area, for browsing the tree.
pub async fn area_page(app: &App, actor: &Actor, id: &str) -> Result<AreaPage> {
    let area = visible_area(app, actor, id).await?;
    let mut conn = app.db.conn().await?;
    let lineage = store::lineage(&mut conn, &area)
        .await?
        .into_iter()
        .filter(|a| a.id != area.id && actor.may(Action::ViewRegistry, Target::Area(&a.path)))
        .map(Into::into)
        .collect();
    let mut children: Vec<AreaView> = store::children(&mut conn, Some(&area.id))
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    // Official divisions in code order, the rest (compounds, buildings) as people count them.
    children.sort_by_cached_key(|c| {
        (
            c.code.clone().unwrap_or_default(),
            sanshe_core::areas::natural_key(&c.name),
        )
    });
    Ok(AreaPage {
        area: area.into(),
        lineage,
        children,
    })
}

/// Areas in scope, optionally of a kind and matching a name prefix (autocomplete, pickers).
pub async fn search(
    app: &App,
    actor: &Actor,
    kind: Option<&str>,
    q: Option<&str>,
    limit: i64,
) -> Result<Vec<AreaView>> {
    let kind = kind
        .filter(|k| !k.is_empty())
        .map(AreaKind::parse)
        .transpose()
        .map_err(|k| AppError::field("kind", k))?;
    let scope = actor.scope(Action::ViewRegistry);
    let mut conn = app.db.conn().await?;
    let rows = store::search(
        &mut conn,
        scope.roots(),
        kind,
        q.map(str::trim).filter(|q| !q.is_empty()),
        limit.clamp(1, 500),
    )
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Adds an area below `parent_id`; its level is the parent's child level.
pub async fn add_area(
    app: &App,
    actor: &Actor,
    parent_id: &str,
    name: &str,
    code: &str,
) -> Result<AreaView> {
    let parent = visible_area(app, actor, parent_id).await?;
    let parent_kind = parent.kind;
    let Some(kind) = parent_kind.child() else {
        return Err(AppError::field("parent", "err-area-no-children"));
    };
    if !sanshe_core::accounts::may_add_area(&actor.grants, kind, &parent.path) {
        return Err(AppError::Forbidden);
    }
    // Picking an official division fills in its official name.
    let official = crate::divisions::get(code.trim());
    let name = if name.trim().is_empty() {
        official.map(|d| d.name).unwrap_or("")
    } else {
        name
    };
    let mut errors = FieldErrors::default();
    let name = errors.take("name", AreaName::parse(name));
    let code = if code.trim().is_empty() {
        None
    } else {
        errors.take("code", DivisionCode::parse(code))
    };
    errors.into_result()?;
    let Some(name) = name else {
        return Err(AppError::field("name", "err-required"));
    };
    let mut conn = app.db.conn().await?;
    if store::find_child(&mut conn, &parent.id, kind, name.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::field("name", "err-area-exists"));
    }
    let area = store::insert(
        &mut conn,
        Some(&parent),
        kind,
        code.as_ref().map(|c| c.as_str()),
        name.as_str(),
    )
    .await?;
    audit::record(
        &mut conn,
        actor,
        "area.created",
        area.subject(),
        &format!("{} {}", kind.as_str(), area.name),
    )
    .await?;
    Ok(area.into())
}

/// Communities an organization may be linked to, grouped by street: those in the actor's scope,
/// or every community for someone who runs an organization (area names are not personal data).
pub async fn communities_for_linking(app: &App, actor: &Actor) -> Result<Vec<AreaGroup>> {
    let roots = if sanshe_core::accounts::runs_an_organization(&actor.grants) {
        vec![String::new()]
    } else {
        actor.scope(Action::ViewRegistry).roots().to_vec()
    };
    Ok(communities_by_street(app, &roots, None).await?.1)
}

/// Areas of one place, as a list to choose from shows them (the communities of a street, the
/// compounds of a community).
#[derive(Debug, Clone)]
pub struct AreaGroup {
    /// Where they are: "南开区 · 体育中心街道".
    pub place: String,
    /// (id, name), by name.
    pub areas: Vec<(String, String)>,
}

/// Every area of `kind` below `roots`, grouped by the names of the two levels above it (a
/// community by district and street, a compound by street and community), those whose path
/// `keep` accepts: what a form offers to choose from (a city has thousands of communities and
/// more compounds; one flat list of them is unusable on a phone). Area names are not personal.
async fn grouped(
    conn: &mut sanshe_store::Conn,
    roots: &[String],
    kind: AreaKind,
    keep: impl Fn(&str) -> bool,
) -> Result<Vec<AreaGroup>> {
    let level = AreaKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    // The two levels above, as path lengths; their names are read for the areas found only.
    let step = sanshe_core::areas::PATH_STEP;
    let above: Vec<usize> = [level.saturating_sub(2), level.saturating_sub(1)]
        .into_iter()
        .filter(|l| *l > 0 && *l < level)
        .map(|l| (l + 1) * step)
        .collect();
    let found: Vec<AreaRow> = store::every(conn, roots, kind)
        .await?
        .into_iter()
        .filter(|a| keep(&a.path))
        .collect();
    let wanted: Vec<String> = found
        .iter()
        .flat_map(|a| above.iter().filter_map(|n| a.path.get(..*n)))
        .map(String::from)
        .collect();
    let named = store::names_by_path(conn, wanted.iter().map(String::as_str)).await?;
    let mut placed = Vec::new();
    for a in found {
        let place = above
            .iter()
            .filter_map(|n| a.path.get(..*n).and_then(|p| named.get(p)))
            .cloned()
            .collect::<Vec<_>>()
            .join(" · ");
        placed.push((place, a.name, a.id));
    }
    placed.sort_by_cached_key(|(place, name, id)| (natural_sort_key(&[place, name]), id.clone()));
    let mut groups: Vec<AreaGroup> = Vec::new();
    for (place, name, id) in placed {
        match groups.last_mut() {
            Some(g) if g.place == place => g.areas.push((id, name)),
            _ => groups.push(AreaGroup {
                place,
                areas: vec![(id, name)],
            }),
        }
    }
    Ok(groups)
}

/// The districts of the city and the communities below `roots` grouped by street, those of one
/// district when `district` names one: what a form offers to choose a community from.
pub async fn communities_by_street(
    app: &App,
    roots: &[String],
    district: Option<&str>,
) -> Result<(Vec<(String, String)>, Vec<AreaGroup>)> {
    let mut conn = app.db.conn().await?;
    let mut districts: Vec<(String, String)> = Vec::new();
    let mut chosen_path = None;
    for d in store::every(&mut conn, &[String::new()], AreaKind::District).await? {
        if district == Some(d.id.as_str()) {
            chosen_path = Some(d.path.clone());
        }
        districts.push((d.id, d.name));
    }
    districts.sort_by_cached_key(|(id, name)| (natural_sort_key(&[name]), id.clone()));
    if district.is_some() && chosen_path.is_none() {
        return Ok((districts, Vec::new()));
    }
    let within = |path: &str| chosen_path.as_deref().is_none_or(|d| path.starts_with(d));
    let groups = grouped(&mut conn, roots, AreaKind::Community, within).await?;
    Ok((districts, groups))
}

/// Every compound below `roots` grouped by community: what the form that adds a gate offers.
pub async fn compounds_by_community(app: &App, roots: &[String]) -> Result<Vec<AreaGroup>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = app.db.conn().await?;
    grouped(&mut conn, roots, AreaKind::Compound, |_| true).await
}

/// Where the actor may move a resident living at `from` (an area path) to: the compounds of
/// that street by community, then every community they edit the registry of, by street.
pub async fn move_targets(app: &App, actor: &Actor, from: &str) -> Result<Vec<AreaGroup>> {
    let roots = actor.scope(Action::EditRegistry).roots().to_vec();
    let step = sanshe_core::areas::PATH_STEP;
    let street = from.get(..3 * step).unwrap_or(from);
    // The street's part of the scope: the street itself, or the places of it in scope.
    let near: Vec<String> = roots
        .iter()
        .filter_map(|r| {
            if street.starts_with(r.as_str()) {
                Some(street.to_string())
            } else {
                r.starts_with(street).then(|| r.clone())
            }
        })
        .collect();
    let mut groups = compounds_by_community(app, &near).await?;
    if !roots.is_empty() {
        groups.extend(communities_by_street(app, &roots, None).await?.1);
    }
    Ok(groups)
}

/// Where the actor may import residents to: every community they edit the registry of, by
/// street, or, for someone whose places are compounds, those compounds by community.
pub async fn import_targets(app: &App, actor: &Actor) -> Result<Vec<AreaGroup>> {
    let roots = actor.scope(Action::EditRegistry).roots().to_vec();
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let communities = communities_by_street(app, &roots, None).await?.1;
    if !communities.is_empty() {
        return Ok(communities);
    }
    compounds_by_community(app, &roots).await
}

/// The places a grant or an organization's home can be given from the actor's scope: the city,
/// its districts and streets, then every community grouped by street (a city has thousands).
#[derive(Debug, Clone, Default)]
pub struct PlaceChoices {
    /// City, districts and streets, by path: (id, "南开区 · 体育中心街道").
    pub above: Vec<(String, String)>,
    /// The communities, a group to a street.
    pub communities: Vec<AreaGroup>,
}

/// Every place above the compounds in the actor's scope, for the forms that grant a role over
/// one or register an organization at one; none is cut off, however large the city.
pub async fn place_choices(app: &App, actor: &Actor) -> Result<PlaceChoices> {
    let roots = actor.scope(Action::ViewRegistry).roots().to_vec();
    if roots.is_empty() {
        return Ok(PlaceChoices::default());
    }
    let mut above: Vec<AreaRow> = Vec::new();
    {
        let mut conn = app.db.conn().await?;
        for kind in [AreaKind::City, AreaKind::District, AreaKind::Street] {
            above.extend(store::every(&mut conn, &roots, kind).await?);
        }
    }
    above.sort_by(|a, b| a.path.cmp(&b.path));
    let names: std::collections::HashMap<String, String> = above
        .iter()
        .map(|a| (a.path.clone(), a.name.clone()))
        .collect();
    let step = sanshe_core::areas::PATH_STEP;
    let above = above
        .iter()
        .map(|a| {
            // A street is named with its district: many cities repeat street names.
            let label = match a.kind {
                AreaKind::Street => a
                    .path
                    .get(..2 * step)
                    .and_then(|d| names.get(d))
                    .map_or(a.name.clone(), |d| format!("{d} · {}", a.name)),
                _ => a.name.clone(),
            };
            (a.id.clone(), label)
        })
        .collect();
    let communities = communities_by_street(app, &roots, None).await?.1;
    Ok(PlaceChoices { above, communities })
}

/// Finds an area in the actor's scope by id, division code or exact name (as typed on the
/// command line); an ambiguous name is refused.
pub async fn resolve(app: &App, actor: &Actor, text: &str) -> Result<AreaRow> {
    let text = text.trim();
    if let Ok(a) = visible_area(app, actor, text).await {
        return Ok(a);
    }
    let mut conn = app.db.conn().await?;
    if let Some(a) = store::by_code(&mut conn, text).await?
        && actor.may(Action::ViewRegistry, Target::Area(&a.path))
    {
        return Ok(a);
    }
    let scope = actor.scope(Action::ViewRegistry);
    let matches: Vec<AreaRow> = store::search(&mut conn, scope.roots(), None, Some(text), 50)
        .await?
        .into_iter()
        .filter(|a| a.name == text)
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().ok_or(AppError::NotFound)?),
        0 => Err(AppError::field("area", "err-not-found")),
        _ => Err(AppError::field("area", "err-area-ambiguous")),
    }
}

/// Official divisions below an area that are not in the tree yet (for the "add" picker).
pub async fn unused_official_children(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<Vec<crate::divisions::Division>> {
    let page = area_page(app, actor, id).await?;
    let Some(code) = page.area.code.as_deref() else {
        return Ok(Vec::new());
    };
    let used: Vec<&str> = page
        .children
        .iter()
        .filter_map(|c| c.code.as_deref())
        .collect();
    Ok(crate::divisions::children(code)
        .into_iter()
        .filter(|d| !used.contains(&d.code))
        .collect())
}

/// The phone people call about an area, as its workers set it.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct AreaContact {
    /// A mobile or a landline (`022-23456789`).
    #[schema(max_length = 20)]
    pub phone: String,
}

/// Sets an area's contact phone; those who keep its registry may.
pub async fn set_contact(
    app: &App,
    actor: &Actor,
    id: &str,
    input: &AreaContact,
) -> Result<String> {
    let area = visible_area(app, actor, id).await?;
    actor.require(Action::EditRegistry, Target::Area(&area.path))?;
    let phone =
        sanshe_core::phone::Phone::parse(&input.phone).map_err(|e| AppError::field("phone", e))?;
    let mut tx = app.db.begin().await?;
    store::set_contact(&mut tx, &area.id, phone.as_str(), app.clock.now_ms()).await?;
    audit::record(
        &mut tx,
        actor,
        "area.contact_set",
        area.subject(),
        &area.name,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(phone.as_str().to_string())
}

/// The phone to call about an area: its own, else the nearest of the areas above it that has
/// one (a building has none; its compound or community does).
pub async fn contact_phone(app: &App, area_id: &str) -> Result<Option<String>> {
    let mut conn = app.db.conn().await?;
    let area = store::get(&mut conn, area_id).await?;
    let lineage = store::lineage(&mut conn, &area).await?;
    let ids: Vec<String> = lineage.iter().map(|a| a.id.clone()).collect();
    let phones = store::contacts_of(&mut conn, &ids).await?;
    Ok(ids
        .iter()
        .rev()
        .find_map(|id| phones.iter().find(|(a, _)| a == id).map(|(_, p)| p.clone())))
}
