//! Door-to-door campaigns (走访排查): start one over an area, log each household's visit in a
//! few taps, see coverage by building and compound, the revisit list and each worker's day.

use crate::audit::Audited;
use sanshe_core::campaigns::CampaignStatus;
use std::collections::BTreeMap;

use sanshe_core::accounts::{Action, Target};
use sanshe_core::alerts::{AlertKind, AlertSubject};
use sanshe_core::areas::natural_key;
use sanshe_core::campaigns::{FollowUp, Question, VisitOutcome, questions};
use sanshe_core::registry::HouseholdAddress;
use sanshe_store::campaigns::{self as store, CampaignRow, DoorRow, NewVisit};
use sanshe_store::{Conn, areas as area_store, new_id};

use crate::accounts::Actor;
use crate::alerts::{self, Routes, Trouble, rfc3339};
use crate::audit::{self, Subject};
use crate::{App, AppError, Result, local_time};

mod assignments;

pub use assignments::*;

/// A campaign to start.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct CampaignInput {
    /// The area to cover (a community, a compound, a building).
    #[schema(max_length = 64)]
    pub area_id: String,
    /// Name, e.g. 凌研里社区入户排查（第一轮）.
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    /// Standard questions by key: `fever_or_cough`, `arrived_from_elsewhere`,
    /// `elderly_alone_needs_help`, `contact_with_case`.
    #[serde(default)]
    #[schema(max_items = 8)]
    pub questions: Vec<String>,
    /// Further yes/no questions, as asked.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub custom_questions: Vec<String>,
}

/// A campaign with its coverage so far.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CampaignView {
    /// Id.
    pub id: String,
    /// The area covered.
    pub area_id: String,
    /// Its name.
    pub area_name: String,
    /// Name.
    pub name: String,
    /// The questions asked at each door.
    #[schema(value_type = Vec<Object>)]
    pub questions: Vec<Question>,
    /// `active` / `closed`.
    pub status: sanshe_core::campaigns::CampaignStatus,
    /// RFC 3339.
    pub created_at: String,
    /// Households in the area.
    pub households: i64,
    /// Households reached.
    pub reached: i64,
    /// Reached, in percent.
    pub percent: i64,
}

fn view(c: CampaignRow) -> CampaignView {
    CampaignView {
        questions: serde_json::from_str(&c.questions).unwrap_or_default(),
        percent: if c.households > 0 {
            c.reached * 100 / c.households
        } else {
            0
        },
        id: c.id,
        area_id: c.area_id,
        area_name: c.area_name,
        name: c.name,
        status: c.status,
        created_at: rfc3339(c.created_at),
        households: c.households,
        reached: c.reached,
    }
}

/// Starts a campaign.
pub async fn create(app: &App, actor: &Actor, input: &CampaignInput) -> Result<CampaignView> {
    let mut errors = sanshe_core::FieldErrors::default();
    let name = errors
        .take_field(sanshe_core::text::required_line("name", &input.name, 80))
        .unwrap_or_default();
    let name = name.as_str();
    let qs = errors.take(
        "questions",
        questions(&input.questions, &input.custom_questions),
    );
    errors.into_result()?;
    let qs = qs.unwrap_or_default();
    let mut tx = app.db.begin().await?;
    let area = area_store::get(&mut tx, &input.area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    actor.require_for(
        Action::FrontLine,
        Target::Area(&area.path),
        "area_id",
        "err-area-not-found",
    )?;
    let id = new_id();
    let questions_json =
        serde_json::to_string(&qs).map_err(|e| AppError::Internal(e.to_string()))?;
    let campaign = store::NewCampaign {
        id: id.clone(),
        area_id: area.id.clone(),
        area_path: area.path.clone(),
        name: name.to_string(),
        questions: questions_json,
        status: CampaignStatus::Active,
        created_by: actor.user_id.clone(),
        created_at: app.clock.now_ms(),
    };
    store::insert(&mut tx, &campaign).await?;
    audit::record(
        &mut tx,
        actor,
        "campaign.created",
        Subject::new("campaign", &id, &area.path),
        name,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, &id).await
}

async fn visible(conn: &mut Conn, actor: &Actor, id: &str) -> Result<CampaignRow> {
    let c = store::campaign(conn, id).await?;
    actor.require(Action::FrontLine, Target::Area(&c.area_path))?;
    Ok(c)
}

/// One campaign.
pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<CampaignView> {
    let mut conn = app.db.conn().await?;
    Ok(view(visible(&mut conn, actor, id).await?))
}

/// A page of campaigns, newest first.
pub type CampaignsPage = crate::cursor::Page<CampaignView>;

/// Campaigns in scope, newest first, a page at a time with the total: a district's run past
/// any one page over a winter.
pub async fn list(
    app: &App,
    actor: &Actor,
    f: &crate::cursor::AreaPaging,
) -> Result<CampaignsPage> {
    let before = crate::cursor::decode_timed(f.after.as_deref())?;
    let before = before.as_ref().map(|(at, id)| (*at, id.as_str()));
    let limit = f.size();
    let mut conn = app.db.conn().await?;
    let roots =
        crate::areas::list_roots(&mut conn, actor, Action::FrontLine, f.area.as_deref()).await?;
    let mut rows = store::campaigns(&mut conn, &roots, before, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |c| {
        crate::cursor::encode_timed(c.created_at, &c.id)
    });
    let total = store::count_campaigns(&mut conn, &roots).await?;
    Ok(CampaignsPage {
        items: rows.into_iter().map(view).collect(),
        total,
        next,
    })
}

/// Closes a campaign (no more visits) or opens it again.
pub async fn set_closed(app: &App, actor: &Actor, id: &str, closed: bool) -> Result<CampaignView> {
    let mut tx = app.db.begin().await?;
    let c = visible(&mut tx, actor, id).await?;
    let now = app.clock.now_ms();
    store::set_status(
        &mut tx,
        id,
        if closed {
            CampaignStatus::Closed
        } else {
            CampaignStatus::Active
        },
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        if closed {
            "campaign.closed"
        } else {
            "campaign.reopened"
        },
        c.subject(),
        "",
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// One door's visit as logged on the phone.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct VisitInput {
    /// An id made on the phone, so a retry after a dropped connection records once.
    pub id: Option<String>,
    /// The household.
    #[schema(max_length = 64)]
    pub household_id: String,
    /// `answered`, `not_home`, `refused`, `moved_out`.
    pub outcome: String,
    /// Question key → yes/no (only for `answered`).
    #[serde(default)]
    pub answers: BTreeMap<String, bool>,
    /// Note.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// A follow-up a visit's answers call for.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FollowUpOffer {
    /// What the answer calls for.
    pub kind: FollowUp,
    /// The question that called for it.
    pub question: String,
    /// Where the follow-up is done: the alert raised, or the form to fill.
    pub link: String,
}

/// A recorded visit and what it led to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VisitRecorded {
    /// The visit's id.
    pub id: String,
    /// False when this id was already recorded (a retry).
    pub new: bool,
    /// Follow-ups: alerts raised for fever or need, the arrival form for a recent arrival.
    pub follow_ups: Vec<FollowUpOffer>,
}

fn visit_id(raw: Option<&str>) -> Result<String> {
    match raw.map(|r| r.trim().replace('-', "").to_ascii_lowercase()) {
        None => Ok(new_id()),
        Some(r) if r.is_empty() => Ok(new_id()),
        Some(r) if r.len() == 32 && r.chars().all(|c| c.is_ascii_hexdigit()) => Ok(r),
        Some(_) => Err(AppError::field("id", "err-visit-id")),
    }
}

/// Logs a visit to a household.
pub async fn visit(
    app: &App,
    actor: &Actor,
    campaign_id: &str,
    input: &VisitInput,
) -> Result<VisitRecorded> {
    let outcome = VisitOutcome::parse(&input.outcome).map_err(|e| AppError::field("outcome", e))?;
    let note = sanshe_core::contacts::note(&input.note).map_err(|e| AppError::field("note", e))?;
    let id = visit_id(input.id.as_deref())?;
    let mut tx = app.db.begin().await?;
    let c = store::campaign(&mut tx, campaign_id).await?;
    // The community's staff visit anywhere in the campaign; a linked organization's social
    // worker only in the buildings handed to them.
    let staff = actor.may(Action::FrontLine, Target::Area(&c.area_path));
    let handed = if staff {
        Vec::new()
    } else {
        assignments::buildings_of(app, &mut tx, actor, campaign_id, None).await?
    };
    if !staff && handed.is_empty() {
        return Err(AppError::NotFound);
    }
    if c.status != CampaignStatus::Active {
        return Err(AppError::field("campaign", "err-campaign-closed"));
    }
    let household = sanshe_store::registry::household(&mut tx, &input.household_id)
        .await
        .map_err(|_| AppError::field("household_id", "err-household-not-found"))?;
    if !household.area_path.starts_with(&c.area_path) {
        return Err(AppError::field(
            "household_id",
            "err-household-not-in-campaign",
        ));
    }
    let in_hand = |a: &sanshe_store::campaigns::AssignmentRow| {
        a.area_id == household.area_id && a.building == household.building
    };
    if !staff && !handed.iter().any(in_hand) {
        return Err(AppError::field("household_id", "err-household-not-found"));
    }
    let qs: Vec<Question> = serde_json::from_str(&c.questions).unwrap_or_default();
    let mut answers = BTreeMap::new();
    if outcome == VisitOutcome::Answered {
        for (k, v) in &input.answers {
            if !qs.iter().any(|q| &q.key == k) {
                return Err(AppError::field("answers", "err-question"));
            }
            answers.insert(k.clone(), *v);
        }
    }
    let now = app.clock.now_ms();
    let answers_json =
        serde_json::to_string(&answers).map_err(|e| AppError::Internal(e.to_string()))?;
    let day = local_time(now).date().format("%Y-%m-%d").to_string();
    let new = store::insert_visit(
        &mut tx,
        &NewVisit {
            id: &id,
            campaign_id,
            household_id: &household.id,
            area_path: &household.area_path,
            outcome,
            answers: &answers_json,
            note: &note,
            worker_id: actor.user_id.as_deref(),
            worker_name: &actor.display_name,
            visited_at: now,
            visit_day: &day,
        },
    )
    .await?;
    let mut follow_ups = Vec::new();
    if new {
        let routes = Routes::load(&mut *tx).await?;
        // The alert carries when the door was visited and what the worker noted there (it
        // stays in the alert centre; chat robots are not sent visit alerts' details).
        let mut detail = format!("{} · {}", c.name, local_time(now).format("%m-%d %H:%M"));
        if !note.is_empty() {
            detail.push_str(" · ");
            detail.push_str(&note);
        }
        for q in qs.iter().filter(|q| answers.get(&q.key) == Some(&true)) {
            let kind = match q.follow_up {
                FollowUp::None => continue,
                FollowUp::Arrival => {
                    follow_ups.push(FollowUpOffer {
                        kind: FollowUp::Arrival,
                        question: q.key.clone(),
                        link: format!("/households/{}/arrival", household.id),
                    });
                    continue;
                }
                FollowUp::Fever => AlertKind::VisitFever,
                FollowUp::NeedsHelp => AlertKind::NeedsHelp,
            };
            let raised = alerts::raise(
                &mut *tx,
                &routes,
                Trouble {
                    kind,
                    area_path: &household.area_path,
                    subject_kind: AlertSubject::Household,
                    subject_id: &household.id,
                    event: &id,
                    detail: &detail,
                },
                now,
            )
            .await?;
            if let Some(alert) = raised {
                follow_ups.push(FollowUpOffer {
                    kind: q.follow_up,
                    question: q.key.clone(),
                    link: format!("/alerts/{alert}"),
                });
            }
        }
    }
    sanshe_store::commit(tx).await?;
    Ok(VisitRecorded {
        id,
        new,
        follow_ups,
    })
}

/// A household on the grid.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Door {
    /// Household id.
    pub household_id: String,
    /// Compound or community.
    pub compound: String,
    /// 楼栋
    pub building: String,
    /// 单元 房号
    pub door: String,
    /// Latest outcome, or none if not visited.
    pub outcome: Option<sanshe_core::campaigns::VisitOutcome>,
    /// Visits so far.
    pub visits: i64,
    /// Latest note.
    pub note: Option<String>,
    /// RFC 3339 of the latest visit.
    pub visited_at: Option<String>,
    /// The latest visit's answers by question key.
    pub answers: BTreeMap<String, bool>,
}

fn door(d: DoorRow) -> Door {
    Door {
        door: HouseholdAddress {
            building: String::new(),
            unit: d.unit,
            room: d.room,
        }
        .label(),
        household_id: d.household_id,
        compound: d.area_name,
        building: d.building,
        outcome: d.outcome,
        visits: d.visits,
        note: d.note.filter(|n| !n.is_empty()),
        visited_at: d.visited_at.map(rfc3339),
        answers: d
            .answers
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default(),
    }
}

/// Which doors of a campaign to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct DoorFilter {
    /// Only this building (楼栋 as written in the addresses).
    pub building: Option<String>,
    /// `true` for the revisit list: doors where nobody was home, or they refused, at the
    /// last visit.
    pub revisit: Option<bool>,
    /// `true` for the doors nobody has knocked on yet.
    pub unvisited: Option<bool>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–1,000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The most doors one page holds (a building's worth, or more).
pub const MAX_DOORS_PAGE: i64 = 1000;

/// A campaign's doors with their latest visit, by compound, building, unit and room, a page
/// at a time with the total: every door of its area (or of one building), the revisit list,
/// or the doors never knocked on; a linked organization's social worker sees those of the
/// buildings handed to them, without the community's notes.
pub async fn doors(
    app: &App,
    actor: &Actor,
    campaign_id: &str,
    f: &DoorFilter,
) -> Result<crate::cursor::Page<Door>> {
    let wanted = match (f.revisit.unwrap_or(false), f.unvisited.unwrap_or(false)) {
        (false, false) => store::DoorsWanted::All,
        (true, false) => store::DoorsWanted::Revisit,
        (false, true) => store::DoorsWanted::Unvisited,
        (true, true) => {
            return Err(AppError::field(
                "unvisited",
                "err-doors-revisit-or-unvisited",
            ));
        }
    };
    let building = f
        .building
        .as_deref()
        .map(|b| sanshe_core::text::line("building", b, sanshe_core::text::LABEL_CHARS))
        .transpose()?;
    let after = crate::cursor::after::<3>(f.after.as_deref())?;
    let limit = f.limit.unwrap_or(200).clamp(1, MAX_DOORS_PAGE);
    let mut conn = app.db.conn().await?;
    let (places, from_outside) =
        door_places(app, &mut conn, actor, campaign_id, building.as_deref()).await?;
    let q = store::DoorQuery {
        campaign_id,
        places: &places,
        wanted,
        household_id: None,
    };
    let mut rows = store::doors(&mut conn, &q, after.as_ref(), limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |d| {
        crate::cursor::encode(&d.position().each_ref().map(String::as_str))
    });
    let total = store::count_doors(&mut *conn, &q).await?;
    Ok(crate::cursor::Page {
        items: rows
            .into_iter()
            .map(|d| seen_door(d, from_outside))
            .collect(),
        total,
        next,
    })
}

/// One door of a campaign with its latest visit, if the caller sees it.
pub async fn door_of(
    app: &App,
    actor: &Actor,
    campaign_id: &str,
    household_id: &str,
) -> Result<Option<Door>> {
    let mut conn = app.db.conn().await?;
    let (places, from_outside) = door_places(app, &mut conn, actor, campaign_id, None).await?;
    let q = store::DoorQuery {
        campaign_id,
        places: &places,
        wanted: store::DoorsWanted::All,
        household_id: Some(household_id),
    };
    let found = store::doors(&mut conn, &q, None, 1).await?;
    Ok(found.into_iter().next().map(|d| seen_door(d, from_outside)))
}

/// How many doors the revisit list of `doors` holds, counted without reading them.
pub async fn revisit_count(app: &App, actor: &Actor, campaign_id: &str) -> Result<i64> {
    let mut conn = app.db.conn().await?;
    let (places, _) = door_places(app, &mut conn, actor, campaign_id, None).await?;
    let q = store::DoorQuery {
        campaign_id,
        places: &places,
        wanted: store::DoorsWanted::Revisit,
        household_id: None,
    };
    Ok(store::count_doors(&mut *conn, &q).await?)
}

/// Every door of one building of a campaign, read a page at a time (a building's households,
/// however many the registry holds).
pub(crate) async fn building_doors(
    conn: &mut Conn,
    campaign_id: &str,
    area_path: &str,
    building: &str,
) -> Result<Vec<Door>> {
    let places = [(area_path.to_string(), Some(building.to_string()))];
    let q = store::DoorQuery {
        campaign_id,
        places: &places,
        wanted: store::DoorsWanted::All,
        household_id: None,
    };
    let mut doors = Vec::new();
    let mut after: Option<[String; 3]> = None;
    loop {
        let rows = store::doors(&mut *conn, &q, after.as_ref(), MAX_DOORS_PAGE).await?;
        let full = rows.len() as i64 == MAX_DOORS_PAGE;
        after = rows.last().map(store::DoorRow::position);
        doors.extend(rows.into_iter().map(door));
        if !full {
            return Ok(doors);
        }
    }
}

/// A door as its caller sees it: notes are the community's words about a household, not for
/// a visitor from outside.
fn seen_door(d: DoorRow, from_outside: bool) -> Door {
    let d = door(d);
    if from_outside {
        Door { note: None, ..d }
    } else {
        d
    }
}

/// Where a caller sees a campaign's doors — the whole area (or one building of it), or the
/// buildings handed to them — and whether they come from outside the community (a linked
/// organization's social worker).
async fn door_places(
    app: &App,
    conn: &mut Conn,
    actor: &Actor,
    campaign_id: &str,
    building: Option<&str>,
) -> Result<(Vec<(String, Option<String>)>, bool)> {
    let c = store::campaign(&mut *conn, campaign_id).await?;
    let building = building.filter(|b| !b.is_empty());
    if actor.may(Action::FrontLine, Target::Area(&c.area_path)) {
        return Ok((vec![(c.area_path, building.map(String::from))], false));
    }
    // A social worker sees the doors of the buildings handed to them, and no others.
    let handed = assignments::buildings_of(app, conn, actor, campaign_id, building).await?;
    if handed.is_empty() {
        return Err(AppError::NotFound);
    }
    let places = handed
        .into_iter()
        .map(|a| (a.area_path, Some(a.building)))
        .collect();
    Ok((places, true))
}

/// Coverage of one building or compound.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct CoverageLine {
    /// The households' area of a building line (a compound, or a building area), to hand the
    /// building to someone by.
    pub area_id: String,
    /// Compound (or community).
    pub compound: String,
    /// Building (empty on a compound's line).
    pub building: String,
    /// Households.
    pub households: i64,
    /// Reached: answered, refused or found moved out (a door that opened).
    pub reached: i64,
    /// Answered the questions. With `not_home`, `refused`, `moved_out` and `unvisited`, each
    /// door is counted once: the five add up to `households`.
    pub answered: i64,
    /// Nobody home at the last visit.
    pub not_home: i64,
    /// Refused.
    pub refused: i64,
    /// Moved out.
    pub moved_out: i64,
    /// Never visited.
    pub unvisited: i64,
    /// Reached, in percent.
    pub percent: i64,
}

impl CoverageLine {
    /// Counts `doors` households whose latest outcome is `outcome`.
    fn count(&mut self, outcome: Option<VisitOutcome>, doors: i64) {
        self.households += doors;
        match outcome {
            None => self.unvisited += doors,
            Some(VisitOutcome::NotHome) => self.not_home += doors,
            // Someone came to the door: the household is reached, whatever they said.
            Some(VisitOutcome::Answered) => {
                self.reached += doors;
                self.answered += doors;
            }
            Some(VisitOutcome::Refused) => {
                self.reached += doors;
                self.refused += doors;
            }
            Some(VisitOutcome::MovedOut) => {
                self.reached += doors;
                self.moved_out += doors;
            }
        }
        self.percent = self.reached * 100 / self.households;
    }
}

/// Visits of one worker on one day.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WorkerDay {
    /// YYYY-MM-DD.
    pub day: String,
    /// Worker.
    pub worker: String,
    /// Visits.
    pub visits: i64,
    /// Households reached.
    pub reached: i64,
}

/// Coverage of a campaign by building and by compound, and each worker's count per day.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// The campaign.
    pub campaign: CampaignView,
    /// One line per building.
    pub buildings: Vec<CoverageLine>,
    /// One line per compound.
    pub compounds: Vec<CoverageLine>,
    /// Per worker per day, latest day first.
    pub workers: Vec<WorkerDay>,
}

/// A campaign's coverage.
pub async fn coverage(app: &App, actor: &Actor, campaign_id: &str) -> Result<Coverage> {
    let mut conn = app.db.conn().await?;
    let c = visible(&mut conn, actor, campaign_id).await?;
    let counts = store::door_counts(&mut conn, campaign_id, &c.area_path).await?;
    let workers = store::daily_counts(&mut conn, campaign_id).await?;
    drop(conn);
    let mut buildings: BTreeMap<(String, String), CoverageLine> = BTreeMap::new();
    let mut compounds: BTreeMap<String, CoverageLine> = BTreeMap::new();
    for d in counts {
        buildings
            .entry((d.area_name.clone(), d.building.clone()))
            .or_insert_with(|| CoverageLine {
                area_id: d.area_id.clone(),
                compound: d.area_name.clone(),
                building: d.building.clone(),
                ..Default::default()
            })
            .count(d.outcome, d.doors);
        compounds
            .entry(d.area_name.clone())
            .or_insert_with(|| CoverageLine {
                compound: d.area_name,
                ..Default::default()
            })
            .count(d.outcome, d.doors);
    }
    let mut buildings: Vec<CoverageLine> = buildings.into_values().collect();
    let mut compounds: Vec<CoverageLine> = compounds.into_values().collect();
    buildings.sort_by_cached_key(|b| (natural_key(&b.compound), natural_key(&b.building)));
    compounds.sort_by_cached_key(|b| natural_key(&b.compound));
    Ok(Coverage {
        campaign: view(c),
        buildings,
        compounds,
        workers: workers
            .into_iter()
            .map(|(day, worker, visits, reached)| WorkerDay {
                day,
                worker,
                visits,
                reached,
            })
            .collect(),
    })
}
