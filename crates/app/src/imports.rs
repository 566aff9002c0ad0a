//! Importing residents from the sheets community offices keep, with a row-by-row report.
//!
//! Idempotent: a row whose person is already registered at the same address changes nothing,
//! so importing the same file twice accepts nothing the second time. A person registered at
//! another address is reported as a duplicate (to merge or move by hand), never overwritten.

use std::collections::HashMap;

use sanshe_core::accounts::{Action, Target};
use sanshe_core::areas::AreaKind;
use sanshe_core::registry::{HouseholdAddress, ResidentFlags, ResidentInput};
use sanshe_store::registry as store;
use sanshe_store::{areas as area_store, audit as audit_store, new_id};

use crate::accounts::Actor;
use crate::registry::seal_record;
use crate::sheets::{LOST_PRECISION, RowStream, SheetRow, SheetWriter};
use crate::{App, AppError, Result};

/// A field of the import sheet, with the headers that name it (Chinese and English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// 姓名
    Name,
    /// 性别
    Sex,
    /// 出生日期
    BirthDate,
    /// 证件类型
    DocumentKind,
    /// 身份证号 / 证件号码
    DocumentNumber,
    /// 手机号 / 联系电话
    Phone,
    /// 小区
    Compound,
    /// 楼栋
    Building,
    /// 单元
    Unit,
    /// 房号
    Room,
    /// 独居
    LivingAlone,
    /// 残疾
    Disabled,
    /// 慢性病
    ChronicIllness,
    /// 孕妇
    Pregnant,
}

const HEADERS: &[(Column, &[&str])] = &[
    (Column::Name, &["姓名", "name", "居民姓名"]),
    (Column::Sex, &["性别", "sex", "gender"]),
    (
        Column::BirthDate,
        &[
            "出生日期",
            "birth_date",
            "birthdate",
            "date of birth",
            "生日",
        ],
    ),
    (
        Column::DocumentKind,
        &["证件类型", "document_kind", "document type"],
    ),
    (
        Column::DocumentNumber,
        &[
            "身份证号",
            "身份证号码",
            "证件号码",
            "证件号",
            "id_number",
            "document_number",
            "id number",
            "id",
        ],
    ),
    (
        Column::Phone,
        &["手机号", "手机号码", "联系电话", "电话", "phone", "mobile"],
    ),
    (Column::Compound, &["小区", "compound"]),
    (Column::Building, &["楼栋", "楼号", "楼", "building"]),
    (Column::Unit, &["单元", "unit"]),
    (Column::Room, &["房号", "门牌号", "室", "room"]),
    (Column::LivingAlone, &["独居", "living_alone"]),
    (Column::Disabled, &["残疾", "disabled"]),
    (Column::ChronicIllness, &["慢性病", "chronic_illness"]),
    (Column::Pregnant, &["孕妇", "pregnant"]),
];

/// The header a template uses for each column (Chinese, as offices write them).
pub const TEMPLATE_HEADER: [&str; 14] = [
    "姓名",
    "性别",
    "出生日期",
    "证件类型",
    "身份证号",
    "手机号",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "独居",
    "残疾",
    "慢性病",
    "孕妇",
];

fn column_of(header: &str) -> Option<Column> {
    let h = header.trim().trim_start_matches('*').trim().to_lowercase();
    HEADERS
        .iter()
        .find(|(_, names)| names.iter().any(|n| *n == h))
        .map(|(c, _)| *c)
}

fn field_column(field: &str) -> Column {
    match field {
        "name" => Column::Name,
        "sex" => Column::Sex,
        "birth_date" => Column::BirthDate,
        "document_kind" => Column::DocumentKind,
        "phone" => Column::Phone,
        "building" => Column::Building,
        "unit" => Column::Unit,
        "room" => Column::Room,
        "pregnant" => Column::Pregnant,
        "compound" => Column::Compound,
        _ => Column::DocumentNumber,
    }
}

fn yes(v: &str) -> bool {
    matches!(
        v.trim().to_lowercase().as_str(),
        "是" | "y" | "yes" | "1" | "true" | "√" | "✓"
    )
}

/// One rejected row.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RejectedRow {
    /// Row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The header of the offending column, as written in the file.
    pub column: String,
    /// Fluent message id of the reason.
    #[schema(value_type = String)]
    pub reason: &'static str,
}

/// What an import did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Rows saved as new residents.
    pub accepted: usize,
    /// Rows whose person was already registered at that address (nothing changed).
    pub unchanged: usize,
    /// Rows refused, with the reason.
    pub rejected: Vec<RejectedRow>,
}

/// Rows committed per transaction: big enough to amortize the commit, small enough that progress moves.
const BATCH: usize = 500;

/// Refuses, before a byte of the file is read, a caller who may import residents nowhere.
pub fn may_import_residents(actor: &Actor) -> Result<()> {
    if actor.scope(Action::EditRegistry).is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Refuses, before a byte of the file is read, a caller who may create accounts nowhere.
pub fn may_import_users(actor: &Actor) -> Result<()> {
    if !sanshe_core::accounts::manages_users_somewhere(&actor.grants) {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

/// Imports residents into `community_id` from an .xlsx or .csv file. `progress` is told
/// (rows done, rows in all) after each batch. The whole sheet is checked against the limits
/// before the first row is saved; then rows stream in, a batch at a time.
pub async fn import_residents(
    app: &App,
    actor: &Actor,
    community_id: &str,
    bytes: Vec<u8>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportReport> {
    let community = crate::areas::visible_area(app, actor, community_id).await?;
    if !actor.may(Action::EditRegistry, Target::Area(&community.path)) {
        return Err(AppError::Forbidden);
    }
    if !community.kind.holds_households() {
        return Err(AppError::field("community", "err-area-no-households"));
    }
    let mut rows = RowStream::open(bytes, app.limits.sheet).await?;
    let Some(header) = rows.header(&|h| column_of(h).is_some()).await? else {
        return Err(AppError::field("file", "err-file-empty"));
    };
    let header = header.cells;
    let columns: Vec<Option<Column>> = header.iter().map(|h| column_of(h)).collect();
    let index: HashMap<Column, usize> = columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| (c, i)))
        .collect();
    for required in [Column::Name, Column::DocumentNumber, Column::Room] {
        if !index.contains_key(&required) {
            let mut e = sanshe_core::FieldErrors::default();
            e.push(
                "file",
                match required {
                    Column::Name => "err-missing-name-column",
                    Column::Room => "err-missing-room-column",
                    _ => "err-missing-id-column",
                },
            );
            return Err(AppError::Invalid(e));
        }
    }
    let sheet = Sheet { header, index };
    let mut run = ResidentImport {
        app,
        community,
        today: app.today(),
        report: ImportReport::default(),
        areas: HashMap::new(),
        households: HashMap::new(),
    };
    {
        // Addresses already registered below the target, so a re-import finds its households in memory.
        let mut conn = app.db.conn().await?;
        for (id, area_id, building, unit, room) in
            store::household_keys_within(&mut conn, &run.community.path).await?
        {
            run.households.insert((area_id, building, unit, room), id);
        }
    }
    let total = rows.total;
    let mut done = 0;
    loop {
        let batch = rows.take(BATCH).await?;
        if batch.is_empty() {
            break;
        }
        run.batch(&sheet, &batch).await?;
        done += batch.len();
        progress(done.min(total), total);
    }
    let mut report = run.report;
    report.rejected.sort_by_key(|r| r.row);
    let mut conn = app.db.conn().await?;
    audit_store::append(
        &mut *conn,
        &audit_store::NewAuditEntry {
            action: "residents.imported",
            target_kind: "area",
            target_id: &run.community.id,
            area_path: Some(&run.community.path),
            detail: &format!(
                "accepted={} unchanged={} rejected={}",
                report.accepted,
                report.unchanged,
                report.rejected.len()
            ),
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(report)
}

/// The header of a resident sheet and where each known column is.
struct Sheet {
    header: Vec<String>,
    index: HashMap<Column, usize>,
}

impl Sheet {
    /// The header of a column as the file writes it.
    fn header_name(&self, c: Column) -> String {
        self.index
            .get(&c)
            .map(|i| self.header[*i].clone())
            .unwrap_or_else(|| format!("{c:?}"))
    }
}

/// An import under way: what it has made so far, so later batches find it in memory.
struct ResidentImport<'a> {
    app: &'a App,
    community: sanshe_store::areas::AreaRow,
    today: chrono::NaiveDate,
    report: ImportReport,
    areas: HashMap<(String, String, String), sanshe_store::areas::AreaRow>,
    households: HashMap<(String, String, String, String), String>,
}

impl ResidentImport<'_> {
    /// Validates and saves one batch of rows in one transaction.
    async fn batch(&mut self, sheet: &Sheet, batch: &[SheetRow]) -> Result<()> {
        let app = self.app;
        let mut tx = app.db.begin().await?;
        let mut new_households = Vec::new();
        let mut records = Vec::new();
        for row in batch {
            let row_no = row.number;
            let cell = |c: Column| {
                sheet
                    .index
                    .get(&c)
                    .and_then(|i| row.cells.get(*i))
                    .map(String::as_str)
                    .unwrap_or("")
            };
            if row.is_blank() {
                continue;
            }
            if cell(Column::DocumentNumber) == LOST_PRECISION {
                self.report.rejected.push(RejectedRow {
                    row: row_no,
                    column: sheet.header_name(Column::DocumentNumber),
                    reason: "err-id-stored-as-number",
                });
                continue;
            }
            let input = ResidentInput {
                name: cell(Column::Name).into(),
                sex: cell(Column::Sex).into(),
                birth_date: cell(Column::BirthDate).into(),
                document_kind: cell(Column::DocumentKind).into(),
                document_number: cell(Column::DocumentNumber).into(),
                phone: cell(Column::Phone).into(),
                flags: ResidentFlags {
                    living_alone: yes(cell(Column::LivingAlone)),
                    elderly_80: false,
                    disabled: yes(cell(Column::Disabled)),
                    chronic_illness: yes(cell(Column::ChronicIllness)),
                    pregnant: yes(cell(Column::Pregnant)),
                },
            };
            // Every problem of a row is reported at once, so the office fixes the sheet in one pass.
            let valid = input.validate(self.today);
            let address = HouseholdAddress::parse(
                cell(Column::Building),
                cell(Column::Unit),
                cell(Column::Room),
            );
            let compound = sanshe_core::text::line(
                "compound",
                cell(Column::Compound),
                sanshe_core::text::NAME_CHARS,
            );
            let (valid, address, compound_name) = match (valid, address, compound) {
                (Ok(v), Ok(a), Ok(c)) => (v, a, c),
                (v, a, c) => {
                    for e in v
                        .err()
                        .into_iter()
                        .chain(a.err())
                        .flat_map(|e| e.0)
                        .chain(c.err())
                    {
                        self.report.rejected.push(RejectedRow {
                            row: row_no,
                            column: sheet.header_name(field_column(&e.field)),
                            reason: e.key,
                        });
                    }
                    continue;
                }
            };
            // Compounds and buildings named in the sheet become areas (found again on re-import).
            let key = (
                compound_name.clone(),
                address.building.clone(),
                String::new(),
            );
            let area = match self.areas.get(&key) {
                Some(a) => a.clone(),
                None => {
                    let mut parent = self.community.clone();
                    if !compound_name.is_empty() && self.community.kind == AreaKind::Community {
                        parent = find_or_add(&mut tx, &parent, AreaKind::Compound, &compound_name)
                            .await?;
                    }
                    if !address.building.is_empty() && parent.kind != AreaKind::Building {
                        parent =
                            find_or_add(&mut tx, &parent, AreaKind::Building, &address.building)
                                .await?;
                    }
                    self.areas.insert(key, parent.clone());
                    parent
                }
            };
            let household_key = (
                area.id.clone(),
                address.building.clone(),
                address.unit.clone(),
                address.room.clone(),
            );
            let household_id = match self.households.get(&household_key) {
                Some(id) => id.clone(),
                None => {
                    let id = new_id();
                    new_households.push(store::NewHousehold {
                        id: id.clone(),
                        area_id: area.id.clone(),
                        area_path: area.path.clone(),
                        building: address.building.clone(),
                        unit: address.unit.clone(),
                        room: address.room.clone(),
                    });
                    self.households.insert(household_key, id.clone());
                    id
                }
            };
            records.push((
                row_no,
                seal_record(app, new_id(), household_id, area.path.clone(), &valid),
            ));
        }
        // Multi-row statements: one round trip per 50 rows instead of several per row.
        store::insert_households(&mut tx, &new_households).await?;
        let plain: Vec<_> = records.iter().map(|(_, r)| r.clone()).collect();
        let mut inserted: std::collections::HashSet<String> =
            store::insert_residents_if_new(&mut tx, &plain)
                .await?
                .into_iter()
                .collect();
        let mut refused_households = Vec::new();
        for (row_no, record) in records {
            if inserted.remove(&record.document_hash) {
                self.report.accepted += 1;
                continue;
            }
            match store::resident_by_document(&mut tx, &record.document_hash).await? {
                Some(existing) if existing.household_id == record.household_id => {
                    self.report.unchanged += 1
                }
                _ => {
                    refused_households.push(record.household_id.clone());
                    self.report.rejected.push(RejectedRow {
                        row: row_no,
                        column: sheet.header_name(Column::DocumentNumber),
                        reason: "err-duplicate-elsewhere",
                    })
                }
            }
        }
        // A household made in this batch only for a refused row is taken back: a rejected row
        // leaves nothing behind.
        for id in refused_households {
            if new_households.iter().any(|h| h.id == id)
                && store::delete_household_if_empty(&mut tx, &id).await?
            {
                self.households.retain(|_, v| *v != id);
            }
        }
        sanshe_store::commit(tx).await?;
        Ok(())
    }
}

async fn find_or_add(
    conn: &mut sanshe_store::Conn,
    parent: &sanshe_store::areas::AreaRow,
    kind: AreaKind,
    name: &str,
) -> Result<sanshe_store::areas::AreaRow> {
    if let Some(a) = area_store::find_child(conn, &parent.id, kind, name).await? {
        return Ok(a);
    }
    Ok(area_store::insert(conn, Some(parent), kind, None, name).await?)
}

/// The import template: the header and one example row.
pub fn template() -> Result<Vec<u8>> {
    let mut w = SheetWriter::new("居民导入模板", &TEMPLATE_HEADER)?;
    w.push(&[
        "王淑兰",
        "女",
        "1949-12-31",
        "居民身份证",
        "11010519491231002X",
        "13812345678",
        "凌研里小区",
        "3号楼",
        "2单元",
        "502",
        "是",
        "",
        "是",
        "",
    ])?;
    w.finish()
}

/// The rejected rows as an .xlsx, with reasons already translated by `translate`.
pub fn report_sheet(
    report: &ImportReport,
    header: [&str; 3],
    translate: &dyn Fn(&str) -> String,
) -> Result<Vec<u8>> {
    let mut w = SheetWriter::new("rejected", &header)?;
    for r in &report.rejected {
        w.push(&[r.row.to_string(), r.column.clone(), translate(r.reason)])?;
    }
    w.finish()
}

/// A user created from an onboarding sheet, with the one-time password to hand over.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OnboardedUser {
    /// Row in the sheet.
    pub row: usize,
    /// Sign-in name.
    pub username: String,
    /// Initial password, shown once; the user should change it.
    pub password: String,
}

/// What a user onboarding did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct UserImportReport {
    /// Users created.
    pub created: Vec<OnboardedUser>,
    /// Rows refused.
    pub rejected: Vec<RejectedRow>,
}

fn role_of(raw: &str) -> &str {
    match raw.trim() {
        "协调员" | "民政局协调员" => "coordinator",
        "社区工作者" | "社工（社区）" => "community_worker",
        "机构管理员" | "组织管理员" => "org_admin",
        "志愿者" | "社工" | "志愿者/社工" => "volunteer",
        other => other,
    }
}

fn initial_password() -> String {
    // 12 characters from an alphabet without look-alikes (0/O, 1/l), easy to read out by phone.
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Accounts one onboarding sheet may create.
pub const MAX_ONBOARDED_USERS: usize = 2_000;

/// The columns of an onboarding sheet: user name, name, role, area, organization.
const USER_COLUMNS: [&[&str]; 5] = [
    &["用户名", "username"],
    &["姓名", "display_name", "name"],
    &["角色", "role"],
    &["区域", "area", "社区"],
    &["组织", "organization", "机构"],
];

fn user_column(header: &str) -> Option<usize> {
    let h = header.trim().to_lowercase();
    USER_COLUMNS
        .iter()
        .position(|names| names.contains(&h.as_str()))
}

/// Creates users in bulk from a sheet with columns 用户名, 姓名, 角色, 区域 (id, code or exact
/// name) or 组织 (exact name). Each gets a random initial password, returned once.
pub async fn import_users(app: &App, actor: &Actor, bytes: Vec<u8>) -> Result<UserImportReport> {
    may_import_users(actor)?;
    let limits = crate::sheets::SheetLimits {
        max_rows: MAX_ONBOARDED_USERS + crate::sheets::HEADER_SEARCH_ROWS,
        ..app.limits.sheet
    };
    let mut stream = RowStream::open(bytes, limits).await?;
    let Some(header) = stream.header(&|h| user_column(h).is_some()).await? else {
        return Err(AppError::field("file", "err-file-empty"));
    };
    let rows = stream.take(usize::MAX).await?;
    let header = header.cells;
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    let (Some(c_user), Some(c_name), Some(c_role)) = (
        find(USER_COLUMNS[0]),
        find(USER_COLUMNS[1]),
        find(USER_COLUMNS[2]),
    ) else {
        return Err(AppError::field("file", "err-missing-user-columns"));
    };
    let c_area = find(USER_COLUMNS[3]);
    let c_org = find(USER_COLUMNS[4]);
    // Each named organization is looked up once, however many rows name it.
    let mut organizations: HashMap<String, Option<String>> = Default::default();
    let mut report = UserImportReport::default();
    for row in &rows {
        let row_no = row.number;
        let cell = |c: Option<usize>| {
            c.and_then(|c| row.cells.get(c))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        if row.is_blank() {
            continue;
        }
        let target = if !cell(c_area).is_empty() {
            match crate::areas::resolve(app, actor, cell(c_area)).await {
                Ok(a) => crate::accounts::GrantTarget::Area(a.id),
                Err(_) => {
                    report.rejected.push(RejectedRow {
                        row: row_no,
                        column: header[c_area.unwrap_or(0)].clone(),
                        reason: "err-not-found",
                    });
                    continue;
                }
            }
        } else if let Some(id) =
            organization_named(app, actor, &mut organizations, cell(c_org)).await?
        {
            crate::accounts::GrantTarget::Organization(id)
        } else {
            let column = c_org
                .or(c_area)
                .map(|c| header[c].clone())
                .unwrap_or_else(|| "区域".into());
            report.rejected.push(RejectedRow {
                row: row_no,
                column,
                reason: if cell(c_org).is_empty() {
                    "err-required"
                } else {
                    "err-not-found"
                },
            });
            continue;
        };
        let password = initial_password();
        match crate::accounts::create_user(
            app,
            actor,
            cell(Some(c_user)),
            cell(Some(c_name)),
            &password,
            role_of(cell(Some(c_role))),
            target,
        )
        .await
        {
            // A password made here and handed out on a sheet: `create_user` has it changed at
            // the first sign-in.
            Ok(u) => report.created.push(OnboardedUser {
                row: row_no,
                username: u.username,
                password,
            }),
            Err(AppError::Invalid(errors)) => {
                for e in errors.0 {
                    let column = match e.field.as_str() {
                        "username" => header[c_user].clone(),
                        "display_name" => header[c_name].clone(),
                        "role" => header[c_role].clone(),
                        _ => c_area
                            .or(c_org)
                            .map(|c| header[c].clone())
                            .unwrap_or_default(),
                    };
                    report.rejected.push(RejectedRow {
                        row: row_no,
                        column,
                        reason: e.key,
                    });
                }
            }
            Err(AppError::Forbidden) => report.rejected.push(RejectedRow {
                row: row_no,
                column: header[c_role].clone(),
                reason: "err-not-allowed",
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

/// The id of the organization a row names (by name or id) if the actor may see it, looked up
/// once per name in `known`.
async fn organization_named(
    app: &App,
    actor: &Actor,
    known: &mut HashMap<String, Option<String>>,
    name: &str,
) -> Result<Option<String>> {
    if name.is_empty() {
        return Ok(None);
    }
    if let Some(id) = known.get(name) {
        return Ok(id.clone());
    }
    let id = match crate::organizations::find(app, actor, name).await {
        Ok(o) => Some(o.id),
        Err(AppError::NotFound) => None,
        Err(e) => return Err(e),
    };
    known.insert(name.to_string(), id.clone());
    Ok(id)
}
