//! Passes (出入证): issuing them per household or person, the signed QR token, revoking.

use super::*;
use crate::audit::Audited;
use sanshe_core::areas::AreaKind;

/// A pass as listed and printed.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PassView {
    /// Id.
    pub id: String,
    /// Short code to type at the gate.
    pub code: String,
    /// Household.
    pub household_id: String,
    /// 楼栋 单元 房号.
    pub address: String,
    /// 楼栋 (for printing a sheet per building).
    pub building: String,
    /// Holder of a personal pass.
    pub holder: Option<String>,
    /// YYYY-MM-DD.
    pub valid_from: String,
    /// YYYY-MM-DD.
    pub valid_to: String,
    /// Whether it was revoked.
    pub revoked: bool,
}

pub(super) fn pass_view(p: PassRow) -> PassView {
    PassView {
        address: HouseholdAddress {
            building: p.building.clone(),
            unit: p.unit,
            room: p.room,
        }
        .label(),
        building: p.building,
        id: p.id,
        code: p.code,
        household_id: p.household_id,
        holder: p.resident_name,
        valid_from: p.valid_from,
        valid_to: p.valid_to,
        revoked: p.revoked_at.is_some(),
    }
}

/// The signed token a pass's QR code carries: `P1.{id}.{mac}`, the MAC keyed with the vault's
/// hashing key, so a code cannot be made or altered without the server.
pub fn pass_token(app: &App, pass_id: &str) -> String {
    let mac = app.vault.lookup_hash(&format!("gate-pass:{pass_id}"));
    format!("P1.{pass_id}.{}", &mac[..32])
}

/// The pass id of a token whose signature holds.
pub fn verify_token(app: &App, token: &str) -> Option<String> {
    let mut parts = token.trim().split('.');
    let (Some("P1"), Some(id), Some(mac), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let expected = pass_token(app, id);
    let given = format!("P1.{id}.{mac}");
    // Compare without stopping at the first difference.
    let same = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| id.to_string())
}

pub(super) fn new_code() -> String {
    let letters: Vec<char> = CODE_ALPHABET.chars().collect();
    let mut rng = rand::thread_rng();
    (0..8)
        .map(|_| letters[rng.gen_range(0..letters.len())])
        .collect()
}

/// Passes to issue: one household, one person, or every household of an area without a live pass.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct IssuePasses {
    /// One household.
    pub household_id: Option<String>,
    /// A personal pass for this resident (of that household).
    pub resident_id: Option<String>,
    /// Or every household of this area (compound, building) that has no live pass.
    pub area_id: Option<String>,
    /// YYYY-MM-DD (default today).
    #[schema(format = Date)]
    pub valid_from: Option<String>,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub valid_to: String,
}

/// Longest validity of a pass, in days.
pub const PASS_MAX_DAYS: i64 = 366;
/// How far back a pass's validity may start (passes issued for the week already under way).
pub const PASS_DAYS_BACK: i64 = 31;

/// Issues passes.
pub async fn issue_passes(app: &App, actor: &Actor, input: &IssuePasses) -> Result<Vec<PassView>> {
    use sanshe_core::dates;
    let today = app.today();
    let from = match input.valid_from.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => dates::within(
            "valid_from",
            dates::parse("valid_from", d)?,
            today,
            PASS_DAYS_BACK,
            PASS_MAX_DAYS,
        )?,
        None => today,
    };
    let to = dates::parse("valid_to", &input.valid_to)?;
    if to < from || to < today {
        return Err(AppError::field("valid_to", "err-end-before-start"));
    }
    // A pass lasts a year at most: closed management is reviewed long before that.
    dates::span("valid_to", from, to, PASS_MAX_DAYS)?;
    let mut conn = app.db.conn().await?;
    let mut households: Vec<(String, String, Option<String>)> = Vec::new();
    match (
        input.household_id.as_deref().filter(|h| !h.is_empty()),
        input.area_id.as_deref().filter(|a| !a.is_empty()),
    ) {
        (Some(h), _) => {
            let row = sanshe_store::registry::household(&mut conn, h)
                .await
                .map_err(|_| AppError::field("household_id", "err-household-not-found"))?;
            if let Some(r) = input.resident_id.as_deref().filter(|r| !r.is_empty()) {
                let res = sanshe_store::registry::resident(&mut conn, r)
                    .await
                    .map_err(|_| AppError::field("resident_id", "err-resident-not-found"))?;
                if res.record.household_id != row.id {
                    return Err(AppError::field("resident_id", "err-resident-not-found"));
                }
            }
            households.push((
                row.id,
                row.area_id,
                input.resident_id.clone().filter(|r| !r.is_empty()),
            ));
        }
        (None, Some(a)) => {
            let area = area_store::get(&mut conn, a)
                .await
                .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
            actor.require_for(
                Action::ManageGates,
                Target::Area(&area.path),
                "area_id",
                "err-area-not-found",
            )?;
            let scope = actor.scope(Action::ManageGates);
            let from_day = from.format("%Y-%m-%d").to_string();
            let mut after: Option<[String; 3]> = None;
            loop {
                let page = sanshe_store::registry::households(
                    &mut conn,
                    scope.roots(),
                    Some(&area.path),
                    after.as_ref(),
                    500,
                )
                .await?;
                let last = page
                    .last()
                    .map(sanshe_store::registry::HouseholdRow::position);
                let ids: Vec<String> = page.iter().map(|h| h.id.clone()).collect();
                let live: HashSet<String> =
                    store::households_with_live_pass(&mut conn, &ids, &from_day)
                        .await?
                        .into_iter()
                        .collect();
                for h in page {
                    if !live.contains(&h.id) {
                        households.push((h.id, h.area_id, None));
                    }
                }
                match last {
                    Some(l) => after = Some(l),
                    None => break,
                }
            }
        }
        (None, None) => return Err(AppError::field("household_id", "err-required")),
    }
    let from_s = from.format("%Y-%m-%d").to_string();
    let to_s = to.format("%Y-%m-%d").to_string();
    let mut compounds: HashMap<String, area_store::AreaRow> = HashMap::new();
    let mut ids = Vec::new();
    let mut tx = app.db.begin().await?;
    for (household, area_id, resident) in &households {
        let compound = match compounds.get(area_id) {
            Some(c) => c.clone(),
            None => {
                let c = compound_of(&mut tx, area_id).await?;
                compounds.insert(area_id.clone(), c.clone());
                c
            }
        };
        actor.require_for(
            Action::ManageGates,
            Target::Area(&compound.path),
            "household_id",
            "err-household-not-found",
        )?;
        let id = new_id();
        // Codes are random; on the rare collision draw again.
        let mut inserted = false;
        for _ in 0..5 {
            let code = new_code();
            let pass = NewPass {
                id: &id,
                code: &code,
                compound_id: &compound.id,
                area_path: &compound.path,
                household_id: household,
                resident_id: resident.as_deref(),
                valid_from: &from_s,
                valid_to: &to_s,
            };
            match store::insert_pass(&mut tx, &pass, app.clock.now_ms()).await {
                Ok(()) => {
                    inserted = true;
                    break;
                }
                Err(sanshe_store::StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        if !inserted {
            return Err(AppError::Internal("no free pass code after 5 draws".into()));
        }
        ids.push(id);
    }
    if let Some(first) = ids.first() {
        let path = compounds
            .values()
            .next()
            .map(|c| c.path.clone())
            .unwrap_or_default();
        audit::record(
            &mut tx,
            actor,
            "pass.issued",
            Subject::new("pass", first, &path),
            &format!("passes={} from={from_s} to={to_s}", ids.len()),
        )
        .await?;
    }
    sanshe_store::commit(tx).await?;
    let mut conn = app.db.conn().await?;
    let rows = store::passes_by(&mut *conn, &ids, &[]).await?;
    Ok(rows.into_iter().map(pass_view).collect())
}

/// Where an area's passes are read: within the caller's gate scope, from the compound (passes
/// hang there) and, for a building, only that building's.
struct PassPlace {
    roots: Vec<String>,
    within: String,
    building: Option<String>,
}

impl PassPlace {
    /// The place of `area_id`'s passes, if the caller may see them.
    async fn of(conn: &mut Conn, actor: &Actor, area_id: &str) -> Result<PassPlace> {
        let scope = actor.scope(Action::ManageGates);
        let area = area_store::get(conn, area_id)
            .await
            .map_err(|_| AppError::NotFound)?;
        if !scope.overlaps(&area.path) {
            return Err(AppError::NotFound);
        }
        let roots = scope.roots().to_vec();
        let (within, building) = if area.kind == AreaKind::Building {
            (compound_of(conn, &area.id).await?.path, Some(area.name))
        } else {
            (area.path, None)
        };
        Ok(PassPlace {
            roots,
            within,
            building,
        })
    }

    /// Its passes, those of the building `asked` too unless the area is a building itself.
    fn query<'a>(&'a self, asked: Option<&'a str>) -> store::PassQuery<'a> {
        store::PassQuery {
            roots: &self.roots,
            within: &self.within,
            building: self.building.as_deref().or(asked),
        }
    }
}

/// The most passes of one building read for its page and its print sheet.
const MAX_BUILDING_PASSES: i64 = 20_000;

/// The passes of one building of an area (or of the building the area is), in the order
/// people count: 2号楼 before 10号楼, for its page and its print sheet.
pub async fn building_passes(
    app: &App,
    actor: &Actor,
    area_id: &str,
    building: &str,
) -> Result<Vec<PassView>> {
    let mut conn = app.db.conn().await?;
    let place = PassPlace::of(&mut conn, actor, area_id).await?;
    let q = place.query(Some(building));
    let rows = store::passes(&mut conn, &q, None, MAX_BUILDING_PASSES).await?;
    Ok(rows.into_iter().map(pass_view).collect())
}

/// Which passes the API lists.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct PassFilter {
    /// A compound, building or community.
    pub area: String,
    /// Only this building's (楼栋) passes.
    pub building: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–1,000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// A page of passes, by address.
pub type PassesPage = crate::cursor::Page<PassView>;

/// The passes of an area by address (building, unit, room), a page at a time with the total,
/// those of one building when the filter names one: a community's run to tens of thousands.
pub async fn passes(app: &App, actor: &Actor, f: &PassFilter) -> Result<PassesPage> {
    let after = crate::cursor::after::<2>(f.after.as_deref())?;
    let limit = f.limit.unwrap_or(200).clamp(1, 1000);
    let asked = f
        .building
        .as_deref()
        .map(|b| sanshe_core::text::line("building", b, sanshe_core::text::LABEL_CHARS))
        .transpose()?;
    let mut conn = app.db.conn().await?;
    let place = PassPlace::of(&mut conn, actor, &f.area).await?;
    let q = place.query(asked.as_deref().filter(|b| !b.is_empty()));
    let mut rows = store::passes(&mut conn, &q, after.as_ref(), limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |p| {
        crate::cursor::encode(&p.position().each_ref().map(String::as_str))
    });
    let total = store::count_passes(&mut conn, &q).await?;
    Ok(PassesPage {
        items: rows.into_iter().map(pass_view).collect(),
        total,
        next,
    })
}

/// The buildings an area's passes are printed by, in natural order, with their live and
/// revoked passes counted.
pub async fn pass_buildings(
    app: &App,
    actor: &Actor,
    area_id: &str,
) -> Result<Vec<store::PassBuilding>> {
    let mut conn = app.db.conn().await?;
    let place = PassPlace::of(&mut conn, actor, area_id).await?;
    let mut buildings = store::pass_buildings(&mut conn, &place.query(None)).await?;
    buildings.sort_by_cached_key(|b| sanshe_core::areas::natural_key(&b.building));
    Ok(buildings)
}

pub(super) async fn visible_pass(conn: &mut Conn, actor: &Actor, id: &str) -> Result<PassRow> {
    let p = store::pass(conn, id).await?;
    actor.require(Action::ManageGates, Target::Area(&p.area_path))?;
    Ok(p)
}

/// One pass the caller manages, as shown.
pub async fn pass(app: &App, actor: &Actor, id: &str) -> Result<PassView> {
    let mut conn = app.db.conn().await?;
    Ok(pass_view(visible_pass(&mut conn, actor, id).await?))
}

/// The signed token of a pass, for its QR code.
pub async fn token_of(app: &App, actor: &Actor, id: &str) -> Result<String> {
    let mut conn = app.db.conn().await?;
    let p = visible_pass(&mut conn, actor, id).await?;
    Ok(pass_token(app, &p.id))
}

/// Revokes a pass (lost, moved out, misused).
pub async fn revoke_pass(app: &App, actor: &Actor, id: &str) -> Result<PassView> {
    let mut tx = app.db.begin().await?;
    let p = visible_pass(&mut tx, actor, id).await?;
    if !store::revoke_pass(&mut tx, id, app.clock.now_ms()).await? {
        return Err(AppError::field("status", "err-pass-revoked"));
    }
    audit::record(&mut tx, actor, "pass.revoked", p.subject(), &p.code).await?;
    let row = store::pass(&mut tx, id).await?;
    sanshe_store::commit(tx).await?;
    Ok(pass_view(row))
}

/// Reissues a lost or damaged live pass: the old one is revoked and a new code for the same
/// household (or holder) and the same end date replaces it, in one transaction, so the old
/// code is refused from this moment.
pub async fn reissue_pass(app: &App, actor: &Actor, id: &str) -> Result<PassView> {
    let now = app.clock.now_ms();
    let today = app.today().format("%Y-%m-%d").to_string();
    let mut tx = app.db.begin().await?;
    let old = visible_pass(&mut tx, actor, id).await?;
    if old.valid_to < today {
        return Err(AppError::field("valid_to", "err-pass-expired"));
    }
    // Only the request that revokes the live pass issues the new one: two workers (or two nodes)
    // reissuing the same lost pass at once make one new pass, not two.
    if !store::revoke_pass(&mut tx, id, now).await? {
        return Err(AppError::field("status", "err-pass-revoked"));
    }
    let new = new_id();
    let valid_from = old.valid_from.clone().max(today);
    let mut issued: Option<String> = None;
    for _ in 0..5 {
        let code = new_code();
        let pass = NewPass {
            id: &new,
            code: &code,
            compound_id: &old.compound_id,
            area_path: &old.area_path,
            household_id: &old.household_id,
            resident_id: old.resident_id.as_deref(),
            valid_from: &valid_from,
            valid_to: &old.valid_to,
        };
        match store::insert_pass(&mut tx, &pass, now).await {
            Ok(()) => {
                issued = Some(code);
                break;
            }
            Err(sanshe_store::StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    let Some(code) = issued else {
        return Err(AppError::Internal("no free pass code after 5 draws".into()));
    };
    audit::record(
        &mut tx,
        actor,
        "pass.reissued",
        Subject::new("pass", &new, &old.area_path),
        &format!("{} → {code}", old.code),
    )
    .await?;
    let row = store::pass(&mut tx, &new).await?;
    sanshe_store::commit(tx).await?;
    Ok(pass_view(row))
}
