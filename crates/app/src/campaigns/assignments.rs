//! Door-to-door by a linked organization's social workers (三社联动): a community hands a
//! campaign's buildings to social workers of an organization holding the door-to-door duty
//! there; each sees the doors of their buildings (addresses, no names) and logs visits there,
//! while the campaign runs and the duty holds.

use crate::audit::Audited;
use sanshe_core::campaigns::CampaignStatus;
use sanshe_core::organizations::Duty;
use sanshe_store::campaigns::AssignmentRow;

use super::*;

/// A building of a campaign handed to a person.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    /// Id.
    pub id: String,
    /// The campaign.
    pub campaign_id: String,
    /// Its name.
    pub campaign_name: String,
    /// The households' area (a compound, or a building area).
    pub area_id: String,
    /// Its name.
    pub area_name: String,
    /// 楼栋 ("" where the area is itself the building).
    pub building: String,
    /// Who visits.
    pub user_id: String,
    /// Their name.
    pub user_name: String,
}

fn assignment_view(a: AssignmentRow) -> AssignmentView {
    AssignmentView {
        id: a.id,
        campaign_id: a.campaign_id,
        campaign_name: a.campaign_name,
        area_id: a.area_id,
        area_name: a.area_name,
        building: a.building,
        user_id: a.user_id,
        user_name: a.user_name,
    }
}

/// A building to hand to a social worker.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct AssignmentInput {
    /// The households' area: a compound (with `building`) or a building area.
    #[schema(max_length = 64)]
    pub area_id: String,
    /// 楼栋 as the households carry it ("" for a building area).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub building: String,
    /// A social worker of an organization holding the door-to-door duty here, deployed here.
    #[schema(max_length = 64)]
    pub user_id: String,
}

/// Hands a building of a running campaign to a linked organization's social worker.
pub async fn assign(
    app: &App,
    actor: &Actor,
    campaign_id: &str,
    input: &AssignmentInput,
) -> Result<AssignmentView> {
    let building =
        sanshe_core::text::line("building", &input.building, sanshe_core::text::LABEL_CHARS)?;
    let mut tx = app.db.begin().await?;
    let c = visible(&mut tx, actor, campaign_id).await?;
    if c.status != CampaignStatus::Active {
        return Err(AppError::field("campaign", "err-campaign-closed"));
    }
    let area = area_store::get(&mut tx, &input.area_id)
        .await
        .ok()
        .filter(|a| a.path.starts_with(&c.area_path))
        .ok_or_else(|| AppError::field("area_id", "err-area-not-found"))?;
    let places = [(area.path.clone(), Some(building.clone()))];
    let q = store::DoorQuery {
        campaign_id,
        places: &places,
        wanted: store::DoorsWanted::All,
        household_id: None,
    };
    if store::count_doors(&mut *tx, &q).await? == 0 {
        return Err(AppError::field("building", "err-building-no-households"));
    }
    let today = app.today().to_string();
    let workers =
        crate::organizations::duty_workers(&mut tx, &area.path, Duty::DoorToDoor, &today).await?;
    if !workers.iter().any(|(id, _)| *id == input.user_id) {
        return Err(AppError::field("user_id", "err-worker"));
    }
    store::assign(
        &mut *tx,
        campaign_id,
        (&area.id, &area.path, &building),
        &input.user_id,
        actor.user_id.as_deref().unwrap_or(&actor.username),
        app.clock.now_ms(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "campaign.assigned",
        Subject::new("campaign", campaign_id, &area.path),
        &format!("{} {building} → {}", area.name, input.user_id),
    )
    .await?;
    let made = store::assignments(&mut *tx, campaign_id)
        .await?
        .into_iter()
        .find(|a| a.area_id == area.id && a.building == building && a.user_id == input.user_id)
        .ok_or(AppError::NotFound)?;
    sanshe_store::commit(tx).await?;
    Ok(assignment_view(made))
}

/// Takes a building back from the person it was handed to.
pub async fn unassign(app: &App, actor: &Actor, campaign_id: &str, id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let c = visible(&mut tx, actor, campaign_id).await?;
    if !store::unassign(&mut *tx, campaign_id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::record(&mut tx, actor, "campaign.unassigned", c.subject(), id).await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// The buildings of a campaign handed out.
pub async fn assignments(
    app: &App,
    actor: &Actor,
    campaign_id: &str,
) -> Result<Vec<AssignmentView>> {
    let mut conn = app.db.conn().await?;
    visible(&mut conn, actor, campaign_id).await?;
    Ok(store::assignments(&mut *conn, campaign_id)
        .await?
        .into_iter()
        .map(assignment_view)
        .collect())
}

/// Who a campaign's buildings can be handed to: social workers of the organizations holding
/// the door-to-door duty with its community, deployed there.
pub async fn door_workers(
    app: &App,
    actor: &Actor,
    campaign_id: &str,
) -> Result<Vec<(String, String)>> {
    let mut conn = app.db.conn().await?;
    let c = visible(&mut conn, actor, campaign_id).await?;
    let today = app.today().to_string();
    crate::organizations::duty_workers(&mut conn, &c.area_path, Duty::DoorToDoor, &today).await
}

/// The buildings handed to the actor in running campaigns, where their organization still
/// holds the door-to-door duty.
pub async fn my_buildings(app: &App, actor: &Actor) -> Result<Vec<AssignmentView>> {
    let Some(user_id) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let mut conn = app.db.conn().await?;
    let mut out = Vec::new();
    for a in store::assignments_of(&mut *conn, user_id).await? {
        if holds_duty(app, &mut conn, user_id, &a.area_path).await? {
            out.push(assignment_view(a));
        }
    }
    Ok(out)
}

/// The actor's buildings of one campaign (all, or those with this 楼栋), where the duty holds;
/// empty for anyone the campaign's buildings were not handed to.
pub(super) async fn buildings_of(
    app: &App,
    conn: &mut Conn,
    actor: &Actor,
    campaign_id: &str,
    building: Option<&str>,
) -> Result<Vec<AssignmentRow>> {
    let Some(user_id) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for a in store::assignments_of(&mut *conn, user_id).await? {
        let wanted = a.campaign_id == campaign_id && building.is_none_or(|b| b == a.building);
        if wanted && holds_duty(app, conn, user_id, &a.area_path).await? {
            out.push(a);
        }
    }
    Ok(out)
}

async fn holds_duty(app: &App, conn: &mut Conn, user_id: &str, path: &str) -> Result<bool> {
    let today = app.today().to_string();
    Ok(
        crate::organizations::duty_workers(conn, path, Duty::DoorToDoor, &today)
            .await?
            .iter()
            .any(|(id, _)| id == user_id),
    )
}

/// One building handed to the actor, as their phone shows it: the campaign's questions and the
/// building's doors with their latest outcome.
#[derive(Debug, Clone)]
pub struct DoorSheet {
    /// The assignment.
    pub assignment: AssignmentView,
    /// The campaign's questions, asked at every door.
    pub questions: Vec<Question>,
    /// The doors, no names.
    pub doors: Vec<Door>,
}

/// The actor's buildings with their doors, for the door-to-door page.
pub async fn door_sheets(app: &App, actor: &Actor) -> Result<Vec<DoorSheet>> {
    let mut sheets = Vec::new();
    for a in my_buildings(app, actor).await? {
        let mut conn = app.db.conn().await?;
        let c = store::campaign(&mut conn, &a.campaign_id).await?;
        let area_path = area_store::get(&mut conn, &a.area_id).await?.path;
        let doors = building_doors(&mut conn, &a.campaign_id, &area_path, &a.building)
            .await?
            .into_iter()
            .map(|d| Door { note: None, ..d })
            .collect();
        sheets.push(DoorSheet {
            questions: view(c).questions,
            doors,
            assignment: a,
        });
    }
    Ok(sheets)
}
