//! Help requests (代买药品): errands for people who cannot go out, from the request to the
//! delivery (DESIGN.md M11, issue 5). The steps allowed are `sanshe_core::help`'s; each moves the
//! request only if it is still where the step starts, so two people acting at once cannot both
//! move it.

use crate::audit::Audited;
use crate::stamp;
use std::collections::{BTreeSet, HashMap, HashSet};

use sanshe_core::accounts::{Action, RESIDENT, Target};
use sanshe_core::help::{self, HelpStatus, HelpStep, Urgency};
use sanshe_core::registry::HouseholdAddress;
use sanshe_store::accounts::DeployedVolunteers;
use sanshe_store::help::{self as store, HelpRow};
use sanshe_store::{Conn, areas as area_store, audit as audit_store, new_id};

use crate::accounts::Actor;
use crate::audit::{self};
use crate::{App, AppError, Result, local_time, utc_ms};

/// A request as shown (the contact phone masked).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HelpView {
    /// Id.
    pub id: String,
    /// Address.
    pub address: String,
    /// For whom.
    pub for_whom: String,
    /// What is needed.
    pub needs: String,
    /// `urgent`, `today`, `soon`.
    pub urgency: sanshe_core::help::Urgency,
    /// For someone living alone or an isolated household: worked first.
    pub vulnerable: bool,
    /// Contact phone, masked.
    pub contact: Option<String>,
    /// `open`, `assigned`, `bought`, `delivered`, `cancelled`.
    pub status: sanshe_core::help::HelpStatus,
    /// The volunteer's user id.
    pub volunteer_id: Option<String>,
    /// The volunteer's name.
    pub volunteer: Option<String>,
    /// Asked, YYYY-MM-DD HH:MM China time.
    pub asked: String,
    /// Due, YYYY-MM-DD HH:MM China time.
    pub due: String,
    /// Not delivered and past due.
    pub overdue: bool,
    /// Delivered, YYYY-MM-DD HH:MM China time.
    pub delivered: Option<String>,
    /// Cost advanced by the volunteer, yuan with two decimals.
    pub cost: Option<String>,
    /// Why cancelled.
    pub cancel_reason: Option<String>,
    /// The resident confirmed receipt.
    pub confirmed: bool,
    /// Who recorded it: a user name, or `resident` for the resident's own link.
    pub asked_by: String,
    /// The resident's receipt link (`/h/{token}`), only in the answer that records the request:
    /// only its hash is kept.
    pub receipt_link: Option<String>,
}

fn view(h: HelpRow, names: &HashMap<String, String>, now: i64) -> HelpView {
    let done = !h.status.is_active();
    HelpView {
        volunteer: h.volunteer_id.as_ref().and_then(|v| names.get(v).cloned()),
        overdue: !done && now > h.due_at,
        asked: stamp(h.asked_at),
        due: stamp(h.due_at),
        delivered: h.delivered_at.map(stamp),
        cost: h.cost_fen.map(|f| format!("{}.{:02}", f / 100, f % 100)),
        id: h.id,
        address: h.address,
        for_whom: h.for_whom,
        needs: h.needs,
        urgency: h.urgency,
        vulnerable: h.vulnerable,
        contact: h.contact_masked,
        status: h.status,
        volunteer_id: h.volunteer_id,
        cancel_reason: h.cancel_reason,
        confirmed: h.confirmed_at.is_some(),
        asked_by: h.created_by,
        receipt_link: None,
    }
}

async fn names_of(conn: &mut Conn, rows: &[HelpRow]) -> Result<HashMap<String, String>> {
    let ids = rows.iter().filter_map(|r| r.volunteer_id.as_deref());
    Ok(sanshe_store::accounts::display_names(&mut *conn, ids).await?)
}

/// A new request.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct HelpInput {
    /// The household asking (its address is used); or give `area_id` and `address`.
    #[schema(max_length = 64)]
    pub household_id: Option<String>,
    /// The area, when the household is not registered.
    #[schema(max_length = 64)]
    pub area_id: Option<String>,
    /// The address, when the household is not registered.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub address: String,
    /// For whom.
    #[schema(min_length = 1, max_length = 50)]
    pub for_whom: String,
    /// What is needed, e.g. 降压药（硝苯地平）一盒.
    #[schema(min_length = 1, max_length = 500)]
    pub needs: String,
    /// `urgent`, `today`, `soon`.
    #[schema(pattern = "^(urgent|today|soon)$")]
    pub urgency: String,
    /// Contact phone.
    #[serde(default)]
    #[schema(max_length = 20)]
    pub contact: String,
}

/// Who records a request.
#[derive(Clone, Copy)]
enum Asker<'a> {
    /// A worker (any household or address of their areas) or a volunteer deployed there, such
    /// as a hotline counsellor taking a call (an address: volunteers do not see the registry).
    Someone(&'a Actor),
    /// A resident in home isolation, through their report link: for their own household.
    Resident(&'a str),
}

/// Records a request (a worker, or a volunteer deployed there for an address, e.g. from the
/// hotline).
pub async fn ask(app: &App, actor: &Actor, input: &HelpInput) -> Result<HelpView> {
    record(app, Asker::Someone(actor), input).await
}

/// A resident in home isolation asks through their report link, for their own household (it
/// is triaged first, as isolated).
pub async fn ask_by_link(app: &App, token: &str, input: &HelpInput) -> Result<HelpView> {
    record(app, Asker::Resident(token), input).await
}

/// Requests a household may have open through its report link at once: enough for medicine,
/// groceries and one more; the community calls back about anything beyond.
pub const MAX_OPEN_FROM_LINK: i64 = 3;

async fn record(app: &App, asker: Asker<'_>, input: &HelpInput) -> Result<HelpView> {
    use sanshe_core::text;
    let mut errors = sanshe_core::FieldErrors::default();
    let for_whom = errors
        .take_field(text::required_line(
            "for_whom",
            &input.for_whom,
            text::NAME_CHARS,
        ))
        .unwrap_or_default();
    let needs = errors
        .take_field(text::note("needs", &input.needs, 500))
        .unwrap_or_default();
    if needs.is_empty() && !errors.0.iter().any(|e| e.field == "needs") {
        errors.push("needs", "err-required");
    }
    let free_address = errors
        .take_field(text::line("address", &input.address, text::ADDRESS_CHARS))
        .unwrap_or_default();
    let urgency = errors.take("urgency", Urgency::parse(&input.urgency));
    let contact = if input.contact.trim().is_empty() {
        None
    } else {
        errors.take("contact", sanshe_core::phone::Phone::parse(&input.contact))
    };
    if input.household_id.is_none() && free_address.is_empty() && matches!(asker, Asker::Someone(_))
    {
        errors.push("address", "err-required");
    }
    errors.into_result()?;
    let urgency = urgency.unwrap_or(Urgency::Soon);
    let mut tx = app.db.begin().await?;
    let own_household = match asker {
        Asker::Resident(token) => {
            let household = crate::isolation::household_of_link(&mut tx, token).await?;
            // Counted and inserted in one transaction, with the household's turn taken first,
            // so two requests at once cannot both squeeze under the limit.
            sanshe_store::statements::Statements::lock_keys(
                &mut *tx,
                &[format!("help-from-link:{household}")],
            )
            .await?;
            if store::open_from_link(&mut *tx, &household).await? >= MAX_OPEN_FROM_LINK {
                return Err(AppError::limit(
                    "needs",
                    "err-help-too-many-open",
                    MAX_OPEN_FROM_LINK,
                ));
            }
            Some(household)
        }
        Asker::Someone(_) => None,
    };
    let (path, household_id, area_name, line) =
        match own_household.as_ref().or(input.household_id.as_ref()) {
            Some(id) => {
                let h = sanshe_store::registry::household(&mut tx, id)
                    .await
                    .map_err(|_| AppError::field("household_id", "err-not-found"))?;
                let line = HouseholdAddress {
                    building: h.building.clone(),
                    unit: h.unit.clone(),
                    room: h.room.clone(),
                }
                .label();
                (h.area_path, Some(h.id), h.area_name, line)
            }
            None => {
                let area_id = input.area_id.clone().unwrap_or_default();
                let a = area_store::get(&mut tx, &area_id)
                    .await
                    .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
                (a.path, None, a.name, free_address.clone())
            }
        };
    // The area is often the building, already named in the line: name the compound then, which
    // a volunteer needs to find the door.
    let place = if line.contains(&area_name) {
        sanshe_store::areas::ancestor_name(&mut tx, &path, sanshe_core::areas::AreaKind::Compound)
            .await?
            .unwrap_or_default()
    } else {
        area_name
    };
    let address = format!("{place} {line}").trim().to_string();
    if let Asker::Someone(actor) = asker {
        let allowed = actor.may(Action::FrontLine, Target::Area(&path))
            || (household_id.is_none() && actor.may(Action::TakeShifts, Target::Area(&path)));
        if !allowed {
            return Err(AppError::field(
                if household_id.is_some() {
                    "household_id"
                } else {
                    "area_id"
                },
                "err-not-found",
            ));
        }
    }
    let vulnerable = match &household_id {
        Some(h) => {
            let one = std::slice::from_ref(h);
            !sanshe_store::isolation::open_in_households(&mut *tx, one)
                .await?
                .is_empty()
                || !sanshe_store::registry::with_someone_alone(&mut *tx, one)
                    .await?
                    .is_empty()
        }
        None => false,
    };
    let now = app.clock.now_ms();
    let token = crate::accounts::random_token();
    let row = HelpRow {
        id: new_id(),
        area_path: path,
        household_id,
        address,
        for_whom,
        needs,
        urgency,
        vulnerable,
        contact_cipher: contact.as_ref().map(|p| app.vault.seal(p.as_str())),
        contact_masked: contact.as_ref().map(|p| p.masked()),
        status: HelpStatus::Open,
        volunteer_id: None,
        asked_at: now,
        due_at: utc_ms(urgency.due(local_time(now))),
        created_by: match asker {
            Asker::Someone(actor) => actor.username.clone(),
            Asker::Resident(_) => RESIDENT.into(),
        },
        link_hash: crate::accounts::token_hash(&token),
        bought_at: None,
        delivered_at: None,
        cancelled_at: None,
        cancel_reason: None,
        cost_fen: None,
        confirmed_at: None,
    };
    store::insert(&mut *tx, &row).await?;
    match asker {
        Asker::Someone(actor) => {
            audit::record(
                &mut tx,
                actor,
                "help.asked",
                row.subject(),
                row.urgency.as_str(),
            )
            .await?
        }
        Asker::Resident(_) => {
            audit_store::append(
                &mut *tx,
                &audit_store::NewAuditEntry {
                    actor_name: RESIDENT,
                    action: "help.asked",
                    target_kind: "help_request",
                    target_id: &row.id,
                    area_path: Some(&row.area_path),
                    detail: row.urgency.as_str(),
                    ..Default::default()
                },
            )
            .await?
        }
    }
    sanshe_store::commit(tx).await?;
    Ok(HelpView {
        receipt_link: Some(format!("/h/{token}")),
        ..view(row, &HashMap::new(), now)
    })
}

/// What the resident sees through the receipt link: the request and where it is, nothing of
/// the contact or the volunteer but the first character of the name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReceiptPage {
    /// What was asked.
    pub needs: String,
    /// Where the errand is.
    pub status: sanshe_core::help::HelpStatus,
    /// The volunteer's name, first character only.
    pub volunteer: Option<String>,
    /// Cost advanced, yuan.
    pub cost: Option<String>,
    /// Receipt confirmed.
    pub confirmed: bool,
}

async fn by_link(conn: &mut Conn, token: &str) -> Result<HelpRow> {
    Ok(store::by_link(&mut *conn, &crate::accounts::token_hash(token)).await?)
}

/// The request a receipt link opens.
pub async fn receipt_page(app: &App, token: &str) -> Result<ReceiptPage> {
    let mut conn = app.db.conn().await?;
    let row = by_link(&mut conn, token).await?;
    let names = names_of(&mut conn, std::slice::from_ref(&row)).await?;
    let v = view(row, &names, app.clock.now_ms());
    Ok(ReceiptPage {
        needs: v.needs,
        status: v.status,
        volunteer: v
            .volunteer
            .and_then(|n| n.chars().next())
            .map(|c| format!("{c}*")),
        cost: v.cost,
        confirmed: v.confirmed,
    })
}

/// The resident confirms receipt of a delivered request (again: nothing changes).
pub async fn confirm_receipt(app: &App, token: &str) -> Result<ReceiptPage> {
    let mut tx = app.db.begin().await?;
    let row = by_link(&mut tx, token).await?;
    if row.status != HelpStatus::Delivered {
        return Err(AppError::field("receipt", "err-help-not-delivered"));
    }
    store::confirm(&mut *tx, &row.id, app.clock.now_ms()).await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            action: "help.confirmed",
            target_kind: "help_request",
            target_id: &row.id,
            area_path: Some(&row.area_path),
            detail: "",
            actor_id: None,
            // The resident, through the link: no account.
            actor_name: RESIDENT,
            reason: None,
        },
    )
    .await?;
    sanshe_store::commit(tx).await?;
    receipt_page(app, token).await
}

/// Requests still being worked on that the caller may see, in triage order: for people living
/// alone and isolated households first, then by urgency, then the longest waiting. Workers see
/// their areas' requests; volunteers the open ones where they are deployed and their own.
pub async fn active(app: &App, actor: &Actor) -> Result<Vec<HelpView>> {
    Ok(active_listed(app, actor).await?.0)
}

/// `active`, and how many more are being worked on than one list holds.
async fn active_listed(app: &App, actor: &Actor) -> Result<(Vec<HelpView>, i64)> {
    let (whole, open_in) = (
        actor.scope(Action::FrontLine),
        actor.scope(Action::TakeShifts),
    );
    let scope = store::ActiveScope {
        whole: whole.roots(),
        open_in: open_in.roots(),
        own: actor.user_id.as_deref(),
    };
    let mut conn = app.db.conn().await?;
    let mut rows = store::active(&mut *conn, &scope).await?;
    let unlisted = match rows.len() as i64 {
        store::ACTIVE_LISTED => {
            store::count_active(&mut *conn, &scope).await? - store::ACTIVE_LISTED
        }
        _ => 0,
    };
    let names = names_of(&mut conn, &rows).await?;
    let now = app.clock.now_ms();
    rows.sort_by_key(|r| {
        let triage = help::triage_key(r.vulnerable, r.urgency, local_time(r.asked_at));
        (triage, std::cmp::Reverse(r.asked_at))
    });
    let views = rows.into_iter().map(|r| view(r, &names, now)).collect();
    Ok((views, unlisted))
}

/// One page of the errands list.
#[derive(Debug, Clone)]
pub struct ErrandsPage {
    /// This page's requests.
    pub items: Vec<HelpView>,
    /// The cursor of the next page of finished ones, when this page was full.
    pub next: Option<String>,
    /// How many requests still being worked on the list leaves out, the least pressing, when
    /// more are than `ACTIVE_LISTED`.
    pub unlisted: i64,
}

/// The requests the caller may see, a page at a time: those still being worked on in triage
/// order (on the first page only, the one without `before`), then at most `limit` (1–500)
/// delivered or cancelled ones recorded before the request `before`, latest first.
/// `active_only` lists the first part alone.
pub async fn list(
    app: &App,
    actor: &Actor,
    active_only: bool,
    before: Option<&str>,
    limit: i64,
) -> Result<ErrandsPage> {
    let before = before.filter(|b| !b.is_empty());
    let (mut items, unlisted) = match (active_only, before) {
        (false, Some(_)) => (Vec::new(), 0),
        _ => active_listed(app, actor).await?,
    };
    let mut next = None;
    if !active_only {
        let limit = limit.clamp(1, 500);
        let done = finished(app, actor, before, limit).await?;
        if done.len() as i64 == limit {
            next = done.last().map(|h| h.id.clone());
        }
        items.extend(done);
    }
    Ok(ErrandsPage {
        items,
        next,
        unlisted,
    })
}

/// A volunteer an errand can be given to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignable {
    /// Their user id.
    pub user_id: String,
    /// Their name.
    pub name: String,
}

/// Whom an open errand can be given to: the first `ASSIGNABLE_LISTED` by name, and how many
/// there are in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offered {
    /// The first by name, as Chinese readers order names.
    pub people: Vec<Assignable>,
    /// How many the errand can be given to, listed or not.
    pub total: i64,
}

/// The most volunteers an errand's assign list offers: a drop-down a worker can read, the
/// rest counted (and each free to claim the errand themselves).
pub const ASSIGNABLE_LISTED: usize = 200;

/// How many deployments are read at a time.
const DEPLOYMENTS_AT_ONCE: i64 = 1000;

/// For each of these errands that is open and the caller may assign, the volunteers it can be
/// given to: those deployed where the errand is (its community or above, the street above a
/// community worker included), each once, by name as Chinese readers order names. `step`
/// refuses anyone else and accepts every one of them, so a worker is offered exactly whom it
/// may give the errand to. Every deployment over the errands' places is read, a thousand at a
/// time, however many a district deploys; each place keeps its first `ASSIGNABLE_LISTED` by
/// name and counts the rest.
pub async fn assignable(
    app: &App,
    actor: &Actor,
    errands: &[HelpView],
) -> Result<HashMap<String, Offered>> {
    let worked = actor.scope(Action::FrontLine);
    let open: Vec<String> = errands
        .iter()
        .filter(|h| h.status == HelpStatus::Open)
        .map(|h| h.id.clone())
        .collect();
    if worked.is_empty() || open.is_empty() {
        return Ok(HashMap::new());
    }
    let mut conn = app.db.conn().await?;
    let paths: Vec<(String, String)> = store::paths_of(&mut *conn, &open)
        .await?
        .into_iter()
        .filter(|(_, p)| worked.contains(p))
        .collect();
    let places: BTreeSet<String> = paths.iter().map(|(_, p)| p.clone()).collect();
    let covering: BTreeSet<String> = places
        .iter()
        .flat_map(|p| sanshe_core::areas::lineage(p).map(String::from))
        .collect();
    let covering: Vec<String> = covering.into_iter().collect();
    let mut at_place: HashMap<&str, Offered> = HashMap::new();
    // Rows come by person, so one deployed at a place and above it is counted once.
    let (mut person, mut counted_at) = (String::new(), HashSet::new());
    let mut walk = DeployedVolunteers::at(&covering, DEPLOYMENTS_AT_ONCE);
    loop {
        let rows = walk.next(&mut *conn).await?;
        if rows.is_empty() {
            break;
        }
        for (user_id, name, deployed_at) in rows {
            if user_id != person {
                person.clone_from(&user_id);
                counted_at.clear();
            }
            // The errands' places at or below where they are deployed.
            let covered = places
                .range(deployed_at.clone()..)
                .take_while(|p| p.starts_with(&deployed_at));
            for place in covered {
                if !counted_at.insert(place.clone()) {
                    continue;
                }
                let offered = at_place.entry(place.as_str()).or_default();
                offered.total += 1;
                offered.people.push(Assignable {
                    user_id: user_id.clone(),
                    name: name.clone(),
                });
                if offered.people.len() >= 2 * ASSIGNABLE_LISTED {
                    by_name(&mut offered.people);
                }
            }
        }
    }
    for offered in at_place.values_mut() {
        by_name(&mut offered.people);
    }
    Ok(paths
        .iter()
        .filter_map(|(id, path)| Some((id.clone(), at_place.get(path.as_str())?.clone())))
        .collect())
}

/// Sorts people by name as Chinese readers order names and keeps the first `ASSIGNABLE_LISTED`.
fn by_name(people: &mut Vec<Assignable>) {
    people.sort_by_cached_key(|p| {
        (
            sanshe_core::registry::name_sort_key(&p.name),
            p.user_id.clone(),
        )
    });
    people.truncate(ASSIGNABLE_LISTED);
}

/// Delivered and cancelled requests, latest recorded first: at most `limit`, recorded before
/// `before`. Workers see their areas'; volunteers those they ran where they are deployed.
async fn finished(
    app: &App,
    actor: &Actor,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<HelpView>> {
    let mut conn = app.db.conn().await?;
    let worked = actor.scope(Action::FrontLine);
    let mut rows = store::finished(&mut *conn, worked.roots(), None, before, limit).await?;
    if let Some(me) = actor.user_id.as_deref() {
        let deployed = actor.scope(Action::TakeShifts);
        let ran = store::finished(&mut *conn, deployed.roots(), Some(me), before, limit).await?;
        let seen: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        rows.extend(ran.into_iter().filter(|r| !seen.contains(&r.id)));
        rows.sort_by(|a, b| b.id.cmp(&a.id));
        rows.truncate(limit as usize);
    }
    let names = names_of(&mut conn, &rows).await?;
    let now = app.clock.now_ms();
    Ok(rows.into_iter().map(|r| view(r, &names, now)).collect())
}

/// What someone does to a request.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    /// `assign`, `claim`, `release`, `buy`, `deliver`, `cancel`.
    pub step: String,
    /// For `assign`: the volunteer.
    pub user_id: Option<String>,
    /// For `buy`: the cost advanced, in yuan (e.g. 23.50).
    pub cost: Option<String>,
    /// For `cancel`: why.
    pub reason: Option<String>,
}

fn parse_cost(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let (yuan, fen) = raw.split_once('.').unwrap_or((raw, ""));
    if yuan.is_empty()
        || fen.len() > 2
        || !(yuan.chars().chain(fen.chars()).all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let yuan: i64 = yuan.parse().ok().filter(|y| *y <= 100_000)?;
    let fen: i64 = format!("{fen:0<2}").parse().ok()?;
    Some(yuan * 100 + fen)
}

/// Moves a request one step.
pub async fn step(app: &App, actor: &Actor, id: &str, input: &StepInput) -> Result<HelpView> {
    let mut tx = app.db.begin().await?;
    let before = store::get(&mut *tx, id).await?;
    let worker = actor.may(Action::FrontLine, Target::Area(&before.area_path));
    let deployed = actor.may(Action::TakeShifts, Target::Area(&before.area_path));
    let holder = before.volunteer_id.is_some() && before.volunteer_id == actor.user_id;
    if !worker && !deployed {
        return Err(AppError::NotFound);
    }
    let from = before.status;
    let (kind, allowed) = match input.step.as_str() {
        "assign" => (HelpStep::Assign, worker),
        "claim" => (HelpStep::Assign, deployed && from == HelpStatus::Open),
        "release" => (HelpStep::Release, worker || holder),
        "buy" => (HelpStep::Buy, worker || holder),
        "deliver" => (HelpStep::Deliver, worker || holder),
        "cancel" => (HelpStep::Cancel, worker),
        _ => return Err(AppError::field("step", "err-help-step")),
    };
    // Whether the step can be taken at all says more than who may take it.
    let to = help::next(from, kind).ok_or(AppError::field("step", "err-help-step"))?;
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let now = app.clock.now_ms();
    let mut after = HelpRow {
        status: to,
        ..before.clone()
    };
    match input.step.as_str() {
        "assign" => {
            let user_id = input
                .user_id
                .clone()
                .ok_or(AppError::field("user_id", "err-required"))?;
            let person = crate::accounts::actor_of(app, &user_id)
                .await
                .map_err(|_| AppError::field("user_id", "err-rota-not-deployed"))?;
            person.require_for(
                Action::TakeShifts,
                Target::Area(&before.area_path),
                "user_id",
                "err-rota-not-deployed",
            )?;
            after.volunteer_id = Some(user_id);
        }
        "claim" => after.volunteer_id = actor.user_id.clone(),
        "release" => after.volunteer_id = None,
        "buy" => {
            after.bought_at = Some(now);
            after.cost_fen = match input.cost.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(c) => Some(parse_cost(c).ok_or(AppError::field("cost", "err-help-cost"))?),
                None => None,
            };
        }
        "deliver" => after.delivered_at = Some(now),
        _ => {
            let reason = sanshe_core::text::required_line(
                "reason",
                input.reason.as_deref().unwrap_or(""),
                sanshe_core::text::LABEL_CHARS,
            )?;
            after.cancelled_at = Some(now);
            after.cancel_reason = Some(reason);
        }
    }
    if !store::advance(&mut *tx, id, before.status, &after).await? {
        // Someone else moved it first.
        return Err(AppError::field("step", "err-help-step"));
    }
    audit::record(
        &mut tx,
        actor,
        &format!("help.{}", input.step),
        after.subject(),
        "",
    )
    .await?;
    let names = names_of(&mut tx, std::slice::from_ref(&after)).await?;
    sanshe_store::commit(tx).await?;
    Ok(view(after, &names, now))
}

/// The contact's phone, whole, for the volunteer holding the errand to call — while they hold
/// it (assigned or bought); NotFound for anyone else and once it is delivered or called off.
/// Every time it is shown is in the audit log.
pub async fn phone_to_call(app: &App, actor: &Actor, id: &str) -> Result<String> {
    let mut tx = app.db.begin().await?;
    let h = store::get(&mut *tx, id).await?;
    let holds = h.volunteer_id.is_some() && h.volunteer_id == actor.user_id;
    if !holds || !matches!(h.status, HelpStatus::Assigned | HelpStatus::Bought) {
        return Err(AppError::NotFound);
    }
    let Some(cipher) = h.contact_cipher.as_deref() else {
        return Err(AppError::NotFound);
    };
    let phone = app.vault.open(cipher)?;
    audit::record(
        &mut tx,
        actor,
        "help.phone_shown",
        h.subject(),
        h.contact_masked.as_deref().unwrap_or(""),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(phone)
}

#[cfg(test)]
mod tests {
    use super::parse_cost;

    #[test]
    fn costs_are_yuan_with_at_most_two_decimals() {
        assert_eq!(parse_cost("23.5"), Some(2350));
        assert_eq!(parse_cost("23.05"), Some(2305));
        assert_eq!(parse_cost("8"), Some(800));
        assert_eq!(parse_cost("8.123"), None);
        assert_eq!(parse_cost("-3"), None);
        assert_eq!(parse_cost("abc"), None);
        assert_eq!(parse_cost(".5"), None);
    }
}
