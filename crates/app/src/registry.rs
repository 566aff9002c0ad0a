//! The household and resident registry: add, edit, move, flag, search, reveal, merge.

use sanshe_core::accounts::{Action, Target};
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
use crate::{App, AppError, OnConflict, Result};

/// A resident as lists and pages show them: personal numbers masked.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResidentView {
    /// Id.
    pub id: String,
    /// Household.
    pub household_id: String,
    /// Name.
    pub name: String,
    /// `male` / `female`.
    pub sex: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// Age today.
    pub age: u32,
    /// Document kind.
    pub document_kind: String,
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
        sex: v.sex.as_str().to_string(),
        birth_date: v.birth_date.format("%Y-%m-%d").to_string(),
        document_kind: v.document.kind().as_str().to_string(),
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
            if !actor.may(Action::ViewRegistry, Target::Area(&h.area_path)) {
                return Err(AppError::field("household_id", "err-not-found"));
            }
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
            if !actor.may(Action::ViewRegistry, Target::Area(&area.path)) {
                return Err(AppError::field("area_id", "err-not-found"));
            }
            if !actor.may(Action::EditRegistry, Target::Area(&area.path)) {
                return Err(AppError::Forbidden);
            }
            let kind = sanshe_core::areas::AreaKind::parse(&area.kind)
                .map_err(|k| AppError::Internal(k.into()))?;
            if !kind.holds_households() {
                return Err(AppError::field("area_id", "err-area-no-households"));
            }
            let building =
                if building.trim().is_empty() && kind == sanshe_core::areas::AreaKind::Building {
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
    audit(&mut tx, actor, "resident.created", &record, "").await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, &record.id).await
}

async fn audit(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    action: &str,
    r: &ResidentRecord,
    detail: &str,
) -> Result<()> {
    audit_store::append(
        conn,
        &audit_store::NewAuditEntry {
            action,
            target_kind: "resident",
            target_id: &r.id,
            area_path: Some(&r.area_path),
            detail,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(())
}

async fn visible_record(
    actor: &Actor,
    conn: &mut sanshe_store::Conn,
    id: &str,
    action: Action,
) -> Result<ResidentListRow> {
    let row = store::resident(conn, id).await?;
    if !actor.may(Action::ViewRegistry, Target::Area(&row.record.area_path)) {
        return Err(AppError::NotFound);
    }
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
        sex: v.sex,
        birth_date: v.birth_date,
        document_kind: v.document_kind,
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
    audit(&mut tx, actor, "resident.updated", &record, "").await?;
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
    audit(
        &mut tx,
        actor,
        "resident.moved",
        &record,
        &format!("from household {from}"),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// The full personal numbers of a resident, revealed for a reason that goes into the audit log.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Revealed {
    /// Document number in clear.
    pub document_number: String,
    /// Phone in clear.
    pub phone: Option<String>,
}

/// Reveals a resident's document number and phone; needs a reason and the reveal permission.
pub async fn reveal(app: &App, actor: &Actor, id: &str, reason: &str) -> Result<Revealed> {
    let reason = sanshe_core::text::line("reason", reason, sanshe_core::text::LABEL_CHARS)?;
    let reason = reason.as_str();
    let mut conn = app.db.conn().await?;
    let row = visible_record(actor, &mut conn, id, Action::RevealPersonal).await?;
    if reason.chars().count() < 2 {
        return Err(AppError::field("reason", "err-reason-required"));
    }
    let r = row.record;
    let revealed = Revealed {
        document_number: app.vault.open(&r.document_cipher)?,
        phone: r
            .phone_cipher
            .as_deref()
            .map(|c| app.vault.open(c))
            .transpose()?,
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            action: "resident.revealed",
            target_kind: "resident",
            target_id: &r.id,
            area_path: Some(&r.area_path),
            detail: "document_number, phone",
            reason: Some(reason),
            ..actor.audit_entry()
        },
    )
    .await?;
    if let Some(user) = actor.user_id.as_deref() {
        let now = app.clock.now_ms();
        let recent = audit_store::count_by_actor_since(
            &mut tx,
            user,
            "resident.revealed",
            now - REVEAL_WINDOW_MS,
        )
        .await?;
        if recent >= MANY_REVEALS {
            // One alert per user and window, counted on; it goes to whoever covers the place,
            // the coordinator included, and to their chat group.
            let routes = crate::alerts::Routes::load(&mut *tx).await?;
            let window = (now / REVEAL_WINDOW_MS).to_string();
            let detail = format!("{} · {recent}", actor.display_name);
            crate::alerts::raise(
                &mut *tx,
                &routes,
                crate::alerts::Trouble {
                    kind: sanshe_core::alerts::AlertKind::ManyReveals,
                    area_path: &r.area_path,
                    subject_kind: "user",
                    subject_id: user,
                    event: &window,
                    detail: &detail,
                },
                now,
            )
            .await?;
        }
    }
    sanshe_store::commit(tx).await?;
    Ok(revealed)
}

/// Reveals by one user within `REVEAL_WINDOW_MS` that raise an alert: a worker checking a few
/// numbers at a desk stays under it; copying out a building's does not.
pub const MANY_REVEALS: i64 = 20;
/// The window over which reveals are counted.
pub const REVEAL_WINDOW_MS: i64 = 10 * 60 * 1000;

/// How to list residents.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ResidentSearch {
    /// Narrow to this area.
    #[serde(default)]
    pub area: Option<String>,
    /// Name prefix, ID number or phone.
    #[serde(default)]
    pub q: Option<String>,
    /// Only residents with this flag.
    #[serde(default)]
    pub flag: Option<String>,
    /// `name` (default) or `birth_date`.
    #[serde(default)]
    pub sort: Option<String>,
    /// Cursor from the previous page.
    #[serde(default)]
    pub after: Option<String>,
    /// Page size (1–500, default 50).
    #[serde(default)]
    pub limit: Option<i64>,
}

/// A page of residents.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResidentPage {
    /// The residents.
    pub items: Vec<ResidentView>,
    /// How many match in all.
    pub total: i64,
    /// Cursor for the next page, if there is one.
    pub next: Option<String>,
}

/// The flag names a list may filter by (each a column of `residents`).
pub const FLAGS: [&str; 5] = [
    "living_alone",
    "elderly_80",
    "disabled",
    "chronic_illness",
    "pregnant",
];

/// Builds the store query for a search within the actor's scope for `action`.
pub async fn build_query(
    app: &App,
    actor: &Actor,
    s: &ResidentSearch,
    action: Action,
) -> Result<ResidentQuery> {
    let scope = actor.scope(action);
    let mut q = ResidentQuery {
        roots: scope.roots().to_vec(),
        ..Default::default()
    };
    if let Some(area) = s.area.as_deref().filter(|a| !a.is_empty()) {
        let a = crate::areas::visible_area(app, actor, area).await?;
        q.within = Some(a.path);
    }
    if let Some(text) = s.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Ok(id) = MainlandId::parse(text, app.today()) {
            q.document_hash = Some(app.vault.lookup_hash(id.as_str()));
        } else if let Ok(p) = Phone::parse(text) {
            q.phone_hash = Some(app.vault.lookup_hash(p.as_str()));
        } else if text.chars().any(|c| c.is_ascii_digit()) {
            if let Ok(d) = IdentityDocument::parse(DocumentKind::Passport, text, app.today()) {
                q.document_hash = Some(app.vault.lookup_hash(d.number()));
            } else {
                return Err(AppError::field("q", "err-search-number"));
            }
        } else {
            q.name_prefix = Some(text.to_string());
        }
    }
    if let Some(f) = s.flag.as_deref().filter(|f| !f.is_empty()) {
        q.flag = Some(
            FLAGS
                .into_iter()
                .find(|k| *k == f)
                .ok_or_else(|| AppError::field("flag", "err-flag"))?,
        );
    }
    q.order = match s.sort.as_deref().unwrap_or("name") {
        "" | "name" => ResidentOrder::Name,
        "birth_date" => ResidentOrder::BirthDate,
        _ => return Err(AppError::field("sort", "err-sort")),
    };
    if let Some(c) = s.after.as_deref().filter(|c| !c.is_empty()) {
        q.after = Some(decode_cursor(c).ok_or_else(|| AppError::field("after", "err-cursor"))?);
    }
    Ok(q)
}

fn encode_cursor(key: &str, id: &str) -> String {
    hex::encode(format!("{key}\u{1f}{id}"))
}

fn decode_cursor(c: &str) -> Option<(String, String)> {
    let text = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (k, id) = text.split_once('\u{1f}')?;
    Some((k.to_string(), id.to_string()))
}

/// Searches residents within the actor's scope, a page at a time.
pub async fn search(app: &App, actor: &Actor, s: &ResidentSearch) -> Result<ResidentPage> {
    let q = build_query(app, actor, s, Action::ViewRegistry).await?;
    let limit = s.limit.unwrap_or(50).clamp(1, 500);
    let mut conn = app.db.conn().await?;
    let mut rows = store::search_residents(&mut conn, &q, limit + 1).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            let key = if q.order == ResidentOrder::BirthDate {
                &r.record.birth_date
            } else {
                &r.record.name
            };
            encode_cursor(key, &r.record.id)
        })
    } else {
        None
    };
    let total = store::count_residents(&mut conn, &q).await?;
    Ok(ResidentPage {
        items: rows.into_iter().map(|r| view(app, r)).collect(),
        total,
        next,
    })
}

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

fn household_view(h: store::HouseholdRow) -> HouseholdView {
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
    if !actor.may(Action::ViewRegistry, Target::Area(&h.area_path)) {
        return Err(AppError::NotFound);
    }
    let records = store::residents_of_household(&mut conn, &h.id).await?;
    let residents = records
        .into_iter()
        .map(|record| {
            view(
                app,
                ResidentListRow {
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

/// Households in an area (within scope), a page at a time.
pub async fn households(
    app: &App,
    actor: &Actor,
    area: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<(Vec<HouseholdView>, Option<String>)> {
    let scope = actor.scope(Action::ViewRegistry);
    let within = match area.filter(|a| !a.is_empty()) {
        Some(a) => Some(crate::areas::visible_area(app, actor, a).await?.path),
        None => None,
    };
    let limit = limit.clamp(1, 500);
    let mut conn = app.db.conn().await?;
    let mut rows = store::households(
        &mut conn,
        scope.roots(),
        within.as_deref(),
        after.filter(|a| !a.is_empty()),
        limit + 1,
    )
    .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|h| h.id.clone())
    } else {
        None
    };
    Ok((rows.into_iter().map(household_view).collect(), next))
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
    audit(
        &mut tx,
        actor,
        "resident.merged",
        &kept,
        &format!("merged {}", gone.id),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, keep).await
}

/// Header of a resident export.
pub const EXPORT_HEADER: [&str; 11] = [
    "姓名",
    "性别",
    "出生日期",
    "年龄",
    "证件类型",
    "证件号码",
    "手机号",
    "所在区域",
    "住址",
    "标记",
    "ID",
];

/// Exports the residents matching `s` to an .xlsx at `path` (masked unless a reason for full
/// numbers is given, which needs the permission and is audited); returns the rows written.
/// `progress` is told (rows done, rows in all) after each page. Rows are read a page at a time
/// and the sheet is written on a blocking thread in constant memory, so a city's export holds
/// a page of rows, not the file.
pub async fn export_to(
    app: &App,
    actor: &Actor,
    s: &ResidentSearch,
    unmasked_reason: Option<&str>,
    progress: &(dyn Fn(usize, usize) + Sync),
    path: &std::path::Path,
) -> Result<usize> {
    let action = if unmasked_reason.is_some() {
        Action::ExportUnmasked
    } else {
        Action::ViewRegistry
    };
    let mut q = build_query(app, actor, s, action).await?;
    if let Some(reason) = unmasked_reason {
        sanshe_core::text::line("reason", reason, sanshe_core::text::LABEL_CHARS)?;
        if reason.trim().chars().count() < 2 {
            return Err(AppError::field("reason", "err-reason-required"));
        }
        if q.roots.is_empty() {
            return Err(AppError::Forbidden);
        }
    }
    let (pages, writer) = sheet_writer_thread(path.to_path_buf());
    let mut conn = app.db.conn().await?;
    let total = store::count_residents(&mut conn, &q).await? as usize;
    let mut done = 0;
    q.order = ResidentOrder::Name;
    let written: Result<()> = async {
        loop {
            let rows = store::search_residents(&mut conn, &q, 5000).await?;
            let Some(last) = rows.last() else { break };
            q.after = Some((last.record.name.clone(), last.record.id.clone()));
            let mut page = Vec::with_capacity(rows.len());
            for row in rows {
                page.push(export_row(app, row, unmasked_reason.is_some())?);
            }
            done += page.len();
            if pages.send(page).is_err() {
                // The writer stopped: its error is the one to tell.
                break;
            }
            progress(done, total);
        }
        Ok(())
    }
    .await;
    drop(pages);
    let finished = writer
        .await
        .map_err(|e| AppError::Internal(format!("sheet writer: {e}")))?;
    written?;
    finished?;
    audit_store::append(
        &mut *conn,
        &audit_store::NewAuditEntry {
            action: if unmasked_reason.is_some() {
                "residents.exported_unmasked"
            } else {
                "residents.exported"
            },
            target_kind: "residents",
            target_id: q.within.as_deref().unwrap_or("scope"),
            area_path: q.within.as_deref(),
            detail: &format!("{done} rows"),
            reason: unmasked_reason,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(done)
}

/// A thread that writes pages of rows into the export's .xlsx at `path` as they come; it
/// finishes the file when the sender is dropped.
fn sheet_writer_thread(
    path: std::path::PathBuf,
) -> (
    std::sync::mpsc::SyncSender<Vec<Vec<String>>>,
    tokio::task::JoinHandle<Result<()>>,
) {
    // Two pages in flight at most: the reader waits for the writer rather than piling up rows.
    let (send, pages) = std::sync::mpsc::sync_channel::<Vec<Vec<String>>>(2);
    let writer = tokio::task::spawn_blocking(move || {
        let mut w = crate::sheets::SheetWriter::new("居民", &EXPORT_HEADER)?;
        for page in pages {
            for row in page {
                w.push(&row)?;
            }
        }
        w.finish_to(&path)
    });
    (send, writer)
}

/// One resident as an export row.
fn export_row(app: &App, row: ResidentListRow, unmasked: bool) -> Result<Vec<String>> {
    let (doc, phone) = if unmasked {
        (
            app.vault.open(&row.record.document_cipher)?,
            row.record
                .phone_cipher
                .as_deref()
                .map(|c| app.vault.open(c))
                .transpose()?
                .unwrap_or_default(),
        )
    } else {
        (
            row.record.document_masked.clone(),
            row.record.phone_masked.clone().unwrap_or_default(),
        )
    };
    let v = view(app, row);
    let flags: Vec<&str> = [
        (v.flags.living_alone, "独居"),
        (v.flags.elderly_80, "80岁以上"),
        (v.flags.disabled, "残疾"),
        (v.flags.chronic_illness, "慢性病"),
        (v.flags.pregnant, "孕妇"),
    ]
    .into_iter()
    .filter_map(|(on, label)| on.then_some(label))
    .collect();
    let sex = if v.sex == "male" { "男" } else { "女" };
    Ok(vec![
        v.name,
        sex.into(),
        v.birth_date,
        v.age.to_string(),
        v.document_kind,
        doc,
        phone,
        v.area_name,
        v.address,
        flags.join("、"),
        v.id,
    ])
}
