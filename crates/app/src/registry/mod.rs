//! The household and resident registry: add, edit, move, flag, search, reveal, merge.

use crate::audit::Audited;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::alerts::AlertSubject;
use sanshe_core::identity::{DocumentKind, IdentityDocument, MainlandId};
use sanshe_core::phone::Phone;
use sanshe_core::registry::{
    HouseholdAddress, ResidentFlags, ResidentInput, ValidResident, age_on,
};
use sanshe_store::registry::{
    self as store, ResidentListRow, ResidentOrder, ResidentQuery, ResidentRecord,
};
use sanshe_store::{areas as area_store, audit as audit_store, new_id};

use crate::accounts::Actor;
use crate::audit::{self};
use crate::{App, AppError, OnConflict, Result};

mod export;
mod households;
mod reveal;
mod search;

pub use export::*;
pub use households::*;
pub use reveal::*;
pub use search::*;

/// A resident as lists and pages show them: personal numbers masked.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResidentView {
    /// Id.
    pub id: String,
    /// Household.
    pub household_id: String,
    /// Name.
    pub name: String,
    /// As registered.
    pub sex: sanshe_core::identity::Sex,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// Age today.
    pub age: u32,
    /// Document kind.
    pub document_kind: sanshe_core::identity::DocumentKind,
    /// Masked document number.
    pub document_number: String,
    /// Masked phone.
    pub phone: Option<String>,
    /// Flags.
    pub flags: ResidentFlags,
    /// Community/compound/building name.
    pub area_name: String,
    /// Address within the area.
    pub address: String,
}

fn view(app: &App, row: ResidentListRow) -> ResidentView {
    let r = row.record;
    let age = chrono::NaiveDate::parse_from_str(&r.birth_date, "%Y-%m-%d")
        .map(|b| age_on(b, app.today()))
        .unwrap_or(0);
    let address = HouseholdAddress {
        building: row.building,
        unit: row.unit,
        room: row.room,
    }
    .label();
    ResidentView {
        id: r.id,
        household_id: r.household_id,
        name: r.name,
        sex: r.sex,
        birth_date: r.birth_date,
        age,
        document_kind: r.document_kind,
        document_number: r.document_masked,
        phone: r.phone_masked,
        flags: ResidentFlags {
            living_alone: r.living_alone,
            elderly_80: r.elderly_80,
            disabled: r.disabled,
            chronic_illness: r.chronic_illness,
            pregnant: r.pregnant,
        },
        area_name: row.area_name,
        address,
    }
}

/// Builds the stored record of a valid resident: numbers sealed, hashed, masked.
pub fn seal_record(
    app: &App,
    id: String,
    household_id: String,
    area_path: String,
    v: &ValidResident,
) -> ResidentRecord {
    let vault = &app.vault;
    ResidentRecord {
        id,
        household_id,
        area_path,
        name: v.name.as_str().to_string(),
        sex: v.sex,
        birth_date: v.birth_date.format("%Y-%m-%d").to_string(),
        document_kind: v.document.kind(),
        document_cipher: vault.seal(v.document.number()),
        document_hash: vault.lookup_hash(v.document.number()),
        document_masked: v.document.masked(),
        phone_cipher: v.phone.as_ref().map(|p| vault.seal(p.as_str())),
        phone_hash: v.phone.as_ref().map(|p| vault.lookup_hash(p.as_str())),
        phone_masked: v.phone.as_ref().map(Phone::masked),
        living_alone: v.flags.living_alone,
        elderly_80: v.flags.elderly_80,
        disabled: v.flags.disabled,
        chronic_illness: v.flags.chronic_illness,
        pregnant: v.flags.pregnant,
    }
}

/// Where a resident lives: an existing household, or a new address in an area.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum HouseholdTarget {
    /// An existing household.
    Existing {
        /// Its id.
        household_id: String,
    },
    /// An address in an area (the household is created if missing).
    Address {
        /// The area (community, compound or building).
        area_id: String,
        /// 楼栋
        #[serde(default)]
        building: String,
        /// 单元
        #[serde(default)]
        unit: String,
        /// 房号
        #[serde(default)]
        room: String,
    },
}

/// Resolves a household target to (household id, area path), checking edit permission.
async fn resolve_household(
    actor: &Actor,
    conn: &mut sanshe_store::Conn,
    target: &HouseholdTarget,
) -> Result<(String, String)> {
    match target {
        HouseholdTarget::Existing { household_id } => {
            let h = store::household(conn, household_id)
                .await
                .map_err(|_| AppError::field("household_id", "err-not-found"))?;
            actor.require_for(
                Action::ViewRegistry,
                Target::Area(&h.area_path),
                "household_id",
                "err-not-found",
            )?;
            if !actor.may(Action::EditRegistry, Target::Area(&h.area_path)) {
                return Err(AppError::Forbidden);
            }
            Ok((h.id, h.area_path))
        }
        HouseholdTarget::Address {
            area_id,
            building,
            unit,
            room,
        } => {
            let area = area_store::get(conn, area_id)
                .await
                .map_err(|_| AppError::field("area_id", "err-not-found"))?;
            actor.require_for(
                Action::ViewRegistry,
                Target::Area(&area.path),
                "area_id",
                "err-not-found",
            )?;
            if !actor.may(Action::EditRegistry, Target::Area(&area.path)) {
                return Err(AppError::Forbidden);
            }
            if !area.kind.holds_households() {
                return Err(AppError::field("area_id", "err-area-no-households"));
            }
            let building = if building.trim().is_empty()
                && area.kind == sanshe_core::areas::AreaKind::Building
            {
                area.name.as_str()
            } else {
                building.as_str()
            };
            let addr = HouseholdAddress::parse(building, unit, room)?;
            let id = store::ensure_household(
                conn,
                &area.id,
                &area.path,
                &addr.building,
                &addr.unit,
                &addr.room,
            )
            .await?;
            Ok((id, area.path))
        }
    }
}

/// Registers a resident in a household.
pub async fn add_resident(
    app: &App,
    actor: &Actor,
    target: &HouseholdTarget,
    input: &ResidentInput,
) -> Result<ResidentView> {
    let valid = input.validate(app.today())?;
    let mut tx = app.db.begin().await?;
    let (household_id, area_path) = resolve_household(actor, &mut tx, target).await?;
    let record = seal_record(app, new_id(), household_id, area_path, &valid);
    store::insert_resident(&mut tx, &record)
        .await
        .on_conflict("document_number", "err-duplicate-document")?;
    audit::record(&mut tx, actor, "resident.created", record.subject(), "").await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, &record.id).await
}

async fn visible_record(
    actor: &Actor,
    conn: &mut sanshe_store::Conn,
    id: &str,
    action: Action,
) -> Result<ResidentListRow> {
    let row = store::resident(conn, id).await?;
    actor.require(Action::ViewRegistry, Target::Area(&row.record.area_path))?;
    if !actor.may(action, Target::Area(&row.record.area_path)) {
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

/// One resident, masked.
pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<ResidentView> {
    let mut conn = app.db.conn().await?;
    let row = visible_record(actor, &mut conn, id, Action::ViewRegistry).await?;
    Ok(view(app, row))
}

/// The values a form needs to edit a resident: everything in clear except the numbers, which
/// stay masked until revealed (an edit that leaves them masked keeps them).
pub async fn edit_input(app: &App, actor: &Actor, id: &str) -> Result<ResidentInput> {
    let v = get(app, actor, id).await?;
    Ok(ResidentInput {
        name: v.name,
        sex: v.sex.as_str().into(),
        birth_date: v.birth_date,
        document_kind: v.document_kind.as_str().into(),
        document_number: v.document_number,
        phone: v.phone.unwrap_or_default(),
        flags: v.flags,
    })
}

/// Changes a resident's fields. A document number or phone sent back still masked (as the edit
/// form shows them) keeps the stored value.
pub async fn update_resident(
    app: &App,
    actor: &Actor,
    id: &str,
    input: &ResidentInput,
) -> Result<ResidentView> {
    let mut tx = app.db.begin().await?;
    let current = visible_record(actor, &mut tx, id, Action::EditRegistry)
        .await?
        .record;
    let mut input = input.clone();
    if input.document_number.contains('*') {
        input.document_number = app.vault.open(&current.document_cipher)?;
    }
    if input.phone.contains('*') {
        input.phone = current
            .phone_cipher
            .as_deref()
            .map(|c| app.vault.open(c))
            .transpose()?
            .unwrap_or_default();
    }
    let valid = input.validate(app.today())?;
    let record = seal_record(
        app,
        current.id.clone(),
        current.household_id.clone(),
        current.area_path.clone(),
        &valid,
    );
    store::update_resident(&mut tx, &record)
        .await
        .on_conflict("document_number", "err-duplicate-document")?;
    audit::record(&mut tx, actor, "resident.updated", record.subject(), "").await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Sets the vulnerability flags only (the one-tap "mark" on the household page).
pub async fn set_flags(
    app: &App,
    actor: &Actor,
    id: &str,
    flags: ResidentFlags,
) -> Result<ResidentView> {
    let mut input = edit_input(app, actor, id).await?;
    input.flags = flags;
    update_resident(app, actor, id, &input).await
}

/// Moves a resident to another household (both ends must be editable by the actor).
pub async fn move_resident(
    app: &App,
    actor: &Actor,
    id: &str,
    target: &HouseholdTarget,
) -> Result<ResidentView> {
    let mut tx = app.db.begin().await?;
    let mut record = visible_record(actor, &mut tx, id, Action::EditRegistry)
        .await?
        .record;
    let (household_id, area_path) = resolve_household(actor, &mut tx, target).await?;
    let from = record.household_id.clone();
    record.household_id = household_id;
    record.area_path = area_path;
    store::update_resident(&mut tx, &record).await?;
    audit::record(
        &mut tx,
        actor,
        "resident.moved",
        record.subject(),
        &format!("from={from}"),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Residents' names masked (`李*`), by id, for records that name whom they are about.
pub(crate) async fn masked_names(
    conn: &mut sanshe_store::Conn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    Ok(sanshe_store::registry::names_of(&mut *conn, ids)
        .await?
        .into_iter()
        .map(|(id, name)| (id, crate::isolation::mask_name(&name)))
        .collect())
}
