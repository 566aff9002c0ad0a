//! Households: one with its residents, the list of an area, merging two into one.

use super::*;
use crate::audit::Audited;

/// A household with its residents.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HouseholdView {
    /// Id.
    pub id: String,
    /// Area id.
    pub area_id: String,
    /// Area name.
    pub area_name: String,
    /// 楼栋
    pub building: String,
    /// 单元
    pub unit: String,
    /// 房号
    pub room: String,
    /// Address label.
    pub address: String,
    /// Number of residents.
    pub resident_count: i64,
}

pub(super) fn household_view(h: store::HouseholdRow) -> HouseholdView {
    let address = HouseholdAddress {
        building: h.building.clone(),
        unit: h.unit.clone(),
        room: h.room.clone(),
    }
    .label();
    HouseholdView {
        id: h.id,
        area_id: h.area_id,
        area_name: h.area_name,
        building: h.building,
        unit: h.unit,
        room: h.room,
        address,
        resident_count: h.residents,
    }
}

/// One household and its residents.
pub async fn household(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(HouseholdView, Vec<ResidentView>)> {
    let mut conn = app.db.conn().await?;
    let h = store::household(&mut conn, id).await?;
    actor.require(Action::ViewRegistry, Target::Area(&h.area_path))?;
    let records = store::residents_of_household(&mut conn, &h.id).await?;
    let residents = records
        .into_iter()
        .map(|record| {
            view(
                app,
                ResidentListRow {
                    sort_key: sanshe_core::registry::name_sort_key(&record.name),
                    record,
                    area_name: h.area_name.clone(),
                    building: h.building.clone(),
                    unit: h.unit.clone(),
                    room: h.room.clone(),
                },
            )
        })
        .collect();
    Ok((household_view(h), residents))
}

/// Which households to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct HouseholdFilter {
    /// Within this area.
    pub area: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// A page of households.
pub type HouseholdsPage = crate::cursor::Page<HouseholdView>;

/// Households in an area (within scope), a page at a time with the total.
pub async fn households(app: &App, actor: &Actor, f: &HouseholdFilter) -> Result<HouseholdsPage> {
    let scope = actor.scope(Action::ViewRegistry);
    let within = match f.area.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(crate::areas::visible_area(app, actor, a).await?.path),
        None => None,
    };
    let after = crate::cursor::after::<3>(f.after.as_deref())?;
    let limit = f.limit.unwrap_or(50).clamp(1, 500);
    let mut conn = app.db.conn().await?;
    let roots = scope.roots();
    let mut rows = store::households(
        &mut conn,
        roots,
        within.as_deref(),
        after.as_ref(),
        limit + 1,
    )
    .await?;
    let next = crate::cursor::cut(&mut rows, limit, |h| {
        crate::cursor::encode(&h.position().each_ref().map(String::as_str))
    });
    let total = store::count_households(&mut conn, roots, within.as_deref()).await?;
    let items = rows.into_iter().map(household_view).collect();
    Ok(HouseholdsPage { items, total, next })
}

/// How many records `merge_candidates` offers at most.
pub const MERGE_CANDIDATES: usize = 20;

/// The other records the caller may merge into this one that are likely the same person: the
/// same name and the same date of birth under another document number (an ID card and a
/// passport, or a number mistyped after the birth date; the number itself is unique). Others
/// can still be merged by their id.
pub async fn merge_candidates(app: &App, actor: &Actor, id: &str) -> Result<Vec<ResidentView>> {
    let mut conn = app.db.conn().await?;
    let me = visible_record(actor, &mut conn, id, Action::EditRegistry)
        .await?
        .record;
    // In birth order from the day itself, so those born that day come first whatever the
    // name's count in a city.
    let q = ResidentQuery {
        roots: actor.scope(Action::EditRegistry).roots().to_vec(),
        name_prefix: Some(me.name.clone()),
        order: ResidentOrder::BirthDate,
        after: Some((me.birth_date.clone(), String::new())),
        ..Default::default()
    };
    let rows = store::search_residents(&mut conn, &q, 4 * MERGE_CANDIDATES as i64).await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            r.record.id != me.id && r.record.name == me.name && r.record.birth_date == me.birth_date
        })
        .take(MERGE_CANDIDATES)
        .map(|r| view(app, r))
        .collect())
}

/// Merges two records of one person: `keep` stays, gaining a phone and flags it lacked; `remove`
/// is deleted. Both must be editable by the actor.
pub async fn merge(app: &App, actor: &Actor, keep: &str, remove: &str) -> Result<ResidentView> {
    if keep == remove {
        return Err(AppError::field("remove", "err-merge-same"));
    }
    let mut tx = app.db.begin().await?;
    let mut kept = visible_record(actor, &mut tx, keep, Action::EditRegistry)
        .await?
        .record;
    let gone = visible_record(actor, &mut tx, remove, Action::EditRegistry)
        .await?
        .record;
    if kept.phone_cipher.is_none() {
        kept.phone_cipher = gone.phone_cipher.clone();
        kept.phone_hash = gone.phone_hash.clone();
        kept.phone_masked = gone.phone_masked.clone();
    }
    kept.living_alone |= gone.living_alone;
    kept.disabled |= gone.disabled;
    kept.chronic_illness |= gone.chronic_illness;
    kept.pregnant |= gone.pregnant;
    store::delete_resident(&mut tx, &gone.id).await?;
    store::update_resident(&mut tx, &kept).await?;
    audit::record(&mut tx, actor, "resident.merged", kept.subject(), &gone.id).await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, keep).await
}
