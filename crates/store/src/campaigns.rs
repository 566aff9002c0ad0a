//! The `campaigns`, `campaign_visits` and `campaign_assignments` tables.

use sanshe_core::campaigns::{CampaignStatus, VisitOutcome};
use sqlx::AnyConnection;

use crate::statements::{Cell, Count, Statements};

use crate::{Result, scope_filter};

crate::query_row! {
    /// A campaign as stored.
    #[derive(Debug, Clone)]
    pub struct CampaignRow {
        /// Id.
        pub id: String,
        /// The area it covers.
        pub area_id: String,
        /// That area's name.
        pub area_name: String,
        /// That area's path.
        pub area_path: String,
        /// Name, e.g. 凌研里社区第一轮入户排查.
        pub name: String,
        /// Questions, JSON.
        pub questions: String,
        /// Active or closed.
        pub status: CampaignStatus,
        /// UTC ms.
        pub created_at: i64,
        /// Households in the area.
        pub households: i64,
        /// Households reached (any outcome but "not home").
        pub reached: i64,
    }
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.area_id, a.name AS area_name, c.area_path, c.name, c.questions, c.status, c.created_at, \
     (SELECT COUNT(*) FROM households h WHERE h.area_path >= c.area_path AND h.area_path < c.area_path || 'g') AS households, \
     (SELECT COUNT(DISTINCT v.household_id) FROM campaign_visits v WHERE v.campaign_id = c.id AND v.outcome <> 'not_home') AS reached \
     FROM campaigns c JOIN areas a ON a.id = c.area_id";

crate::row! {
    /// A campaign as stored.
    #[derive(Debug, Clone)]
    pub struct NewCampaign {
        /// Id.
        pub id: String,
        /// The area it covers.
        pub area_id: String,
        /// That area's path.
        pub area_path: String,
        /// Name.
        pub name: String,
        /// The questions, as JSON.
        pub questions: String,
        /// Active or closed.
        pub status: CampaignStatus,
        /// Who started it (None for the command line).
        pub created_by: Option<String>,
        /// UTC ms.
        pub created_at: i64,
    }
}

/// Stores a campaign.
pub async fn insert(conn: &mut AnyConnection, c: &NewCampaign) -> Result<()> {
    conn.insert("campaigns", c).await
}

/// One campaign (callers check the path).
pub async fn campaign(conn: &mut AnyConnection, id: &str) -> Result<CampaignRow> {
    conn.fetch_one::<CampaignRow>(
        &format!("{CAMPAIGN_SELECT} WHERE c.id = $1"),
        &[Cell::from(id)],
    )
    .await
}

/// Campaigns in scope, newest first: at most `limit` made before `before` (the last of the
/// previous page: when it was made, its id).
pub async fn campaigns(
    conn: &mut AnyConnection,
    roots: &[String],
    before: Option<(i64, &str)>,
    limit: i64,
) -> Result<Vec<CampaignRow>> {
    let (filter, binds) = scope_filter("c.area_path", roots, 1);
    let mut args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let older = crate::sql::older_than_by("c.created_at", "c.id", before, &mut args);
    args.push(Cell::from(limit));
    let sql = format!(
        "{CAMPAIGN_SELECT} WHERE {filter}{older} ORDER BY c.created_at DESC, c.id DESC LIMIT ${}",
        args.len()
    );
    conn.fetch_all::<CampaignRow>(&sql, &args).await
}

/// How many campaigns `campaigns` lists over all its pages.
pub async fn count_campaigns(conn: &mut AnyConnection, roots: &[String]) -> Result<i64> {
    let (filter, binds) = scope_filter("c.area_path", roots, 1);
    let args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    let sql = format!("SELECT COUNT(*) AS n FROM campaigns c WHERE {filter}");
    Ok(conn.fetch_one::<Count>(&sql, &args).await?.0)
}

/// Closes or reopens a campaign.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: CampaignStatus,
    at: i64,
) -> Result<()> {
    conn.run(
        "UPDATE campaigns SET status = $2, closed_at = $3 WHERE id = $1",
        &[Cell::from(id), Cell::from(status), Cell::from(at)],
    )
    .await
}

/// A visit to store.
#[derive(Debug, Clone)]
pub struct NewVisit<'a> {
    /// Id.
    pub id: &'a str,
    /// Campaign.
    pub campaign_id: &'a str,
    /// Household.
    pub household_id: &'a str,
    /// Its area path.
    pub area_path: &'a str,
    /// What happened at the door.
    pub outcome: VisitOutcome,
    /// Answers, JSON object of key → bool.
    pub answers: &'a str,
    /// Note.
    pub note: &'a str,
    /// Worker.
    pub worker_id: Option<&'a str>,
    /// Worker's name (kept for the daily counts).
    pub worker_name: &'a str,
    /// UTC ms.
    pub visited_at: i64,
    /// China-time date, YYYY-MM-DD.
    pub visit_day: &'a str,
}

/// Stores a visit; a repeated id (a retry from the phone) is ignored. Returns whether it was new.
pub async fn insert_visit(conn: &mut AnyConnection, v: &NewVisit<'_>) -> Result<bool> {
    let done = conn.changed("INSERT INTO campaign_visits (id, campaign_id, household_id, area_path, outcome, answers, note, worker_id, worker_name, visited_at, visit_day) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING", &[Cell::from(v.id), Cell::from(v.campaign_id), Cell::from(v.household_id), Cell::from(v.area_path), Cell::from(v.outcome), Cell::from(v.answers), Cell::from(v.note), Cell::from(v.worker_id), Cell::from(v.worker_name), Cell::from(v.visited_at), Cell::from(v.visit_day)])
        .await?;
    Ok(done == 1)
}

crate::query_row! {
    /// A household of a campaign's area with its latest visit.
    #[derive(Debug, Clone)]
    pub struct DoorRow {
        /// Household id.
        pub household_id: String,
        /// The household's area.
        pub area_id: String,
        /// Compound (or community) name.
        pub area_name: String,
        /// 楼栋
        pub building: String,
        /// 单元
        pub unit: String,
        /// 房号
        pub room: String,
        /// Latest outcome, if visited.
        pub outcome: Option<VisitOutcome>,
        /// Latest answers.
        pub answers: Option<String>,
        /// Latest note.
        pub note: Option<String>,
        /// UTC ms of the latest visit.
        pub visited_at: Option<i64>,
        /// Visits so far.
        pub visits: i64,
        /// The compound's place in the list's order (`natural_sort_key` of its name).
        pub area_key: String,
        /// The address's place in the list's order.
        pub address_key: String,
    }
}

impl DoorRow {
    /// Where the door stands in its list, as `doors` reads on after it.
    pub fn position(&self) -> [String; 3] {
        [
            self.area_key.clone(),
            self.address_key.clone(),
            self.household_id.clone(),
        ]
    }
}

/// Which doors of a campaign a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorsWanted {
    /// Every door.
    All,
    /// Those whose latest visit calls for another (nobody home, refused).
    Revisit,
    /// Those nobody has knocked on yet.
    Unvisited,
}

/// The doors of a campaign a list asks for: the households of `places` (each an area path and,
/// where given, one building of it), those `wanted`, or the one household `household_id`.
#[derive(Debug, Clone, Copy)]
pub struct DoorQuery<'a> {
    /// The campaign.
    pub campaign_id: &'a str,
    /// Where the caller sees its doors: (area path, one building or all of them).
    pub places: &'a [(String, Option<String>)],
    /// Which of them.
    pub wanted: DoorsWanted,
    /// Only this household.
    pub household_id: Option<&'a str>,
}

/// The compound a door is listed under: a building area's parent, else the area itself.
const DOOR_AREA_NAME: &str = "CASE WHEN a.kind = 'building' THEN p.name ELSE a.name END";

/// The latest visit of household `h` in the campaign bound as `$1`.
const LATEST_VISIT: &str = "LEFT JOIN campaign_visits v ON v.id = (SELECT l.id FROM campaign_visits l \
     WHERE l.campaign_id = $1 AND l.household_id = h.id ORDER BY l.visited_at DESC, l.id DESC LIMIT 1)";

/// The sort of a door list, by address as people count it, which its keyset follows.
const DOOR_ORDER: [&str; 3] = [crate::areas::COMPOUND_KEY, "h.address_key", "h.id"];

/// A page of the doors `q` asks for with their latest visit, by compound, building, unit and
/// room, after the door at `after` (`DoorRow::position`).
pub async fn doors(
    conn: &mut AnyConnection,
    q: &DoorQuery<'_>,
    after: Option<&[String; 3]>,
    limit: i64,
) -> Result<Vec<DoorRow>> {
    let mut args = Vec::new();
    let mut filter = door_filter(q, &mut args);
    if let Some(after) = after {
        args.extend(after.iter().map(Cell::from));
        filter.push_str(&crate::sql::beyond(&DOOR_ORDER, args.len() - 2, false));
    }
    args.push(limit.into());
    let sql = format!(
        "SELECT h.id AS household_id, h.area_id, {DOOR_AREA_NAME} AS area_name, h.building, h.unit, h.room, \
         {} AS area_key, h.address_key, v.outcome, v.answers, v.note, v.visited_at, \
         (SELECT COUNT(*) FROM campaign_visits c WHERE c.campaign_id = $1 AND c.household_id = h.id) AS visits \
         FROM households h JOIN areas a ON a.id = h.area_id LEFT JOIN areas p ON p.id = a.parent_id {LATEST_VISIT} \
         WHERE {filter} ORDER BY {} LIMIT ${}",
        crate::areas::COMPOUND_KEY,
        DOOR_ORDER.join(", "),
        args.len()
    );
    conn.fetch_all(&sql, &args).await
}

/// How many doors `q` asks for, counted in the database (the home page shows how many to
/// visit again without reading a community's every door).
pub async fn count_doors(conn: &mut impl Statements, q: &DoorQuery<'_>) -> Result<i64> {
    let mut args = Vec::new();
    let filter = door_filter(q, &mut args);
    let sql = format!("SELECT COUNT(*) AS n FROM households h {LATEST_VISIT} WHERE {filter}");
    Ok(conn.fetch_one::<Count>(&sql, &args).await?.0)
}

/// The conditions of a door list but its page, the campaign as `$1`; their values appended
/// to `args`.
fn door_filter(q: &DoorQuery<'_>, args: &mut Vec<Cell>) -> String {
    args.push(q.campaign_id.into());
    let mut places = Vec::new();
    for (path, building) in q.places {
        let mut place = crate::starting_with("h.area_path", path, args);
        if let Some(b) = building {
            args.push(b.into());
            place.push_str(&format!(" AND h.building = ${}", args.len()));
        }
        places.push(format!("({place})"));
    }
    let mut filter = if places.is_empty() {
        String::from("1 = 0")
    } else {
        format!("({})", places.join(" OR "))
    };
    match q.wanted {
        DoorsWanted::All => {}
        DoorsWanted::Revisit => {
            let outcomes: Vec<VisitOutcome> = VisitOutcome::ALL
                .into_iter()
                .filter(|o| o.calls_for_revisit())
                .collect();
            filter.push_str(" AND ");
            filter.push_str(&crate::one_of("v.outcome", &outcomes, args));
        }
        DoorsWanted::Unvisited => filter.push_str(" AND v.id IS NULL"),
    }
    if let Some(h) = q.household_id {
        args.push(h.into());
        filter.push_str(&format!(" AND h.id = ${}", args.len()));
    }
    filter
}

/// A campaign's doors below `within` counted by compound, building and latest outcome (none:
/// never visited): what its coverage is made of, summed in the database.
pub async fn door_counts(
    conn: &mut AnyConnection,
    campaign_id: &str,
    within: &str,
) -> Result<Vec<DoorCount>> {
    let mut args: Vec<Cell> = vec![campaign_id.into()];
    let place = crate::starting_with("h.area_path", within, &mut args);
    let sql = format!(
        "SELECT MIN(h.area_id) AS area_id, {DOOR_AREA_NAME} AS area_name, h.building, v.outcome, COUNT(*) AS doors \
         FROM households h JOIN areas a ON a.id = h.area_id LEFT JOIN areas p ON p.id = a.parent_id {LATEST_VISIT} \
         WHERE {place} GROUP BY {DOOR_AREA_NAME}, h.building, v.outcome"
    );
    conn.fetch_all(&sql, &args).await
}

crate::query_row! {
    /// How many of a campaign's doors in one building have one latest outcome.
    #[derive(Debug, Clone)]
    pub struct DoorCount {
        /// The households' area (a compound, or a building area) of one of those doors.
        pub area_id: String,
        /// Compound (or community) name.
        pub area_name: String,
        /// 楼栋
        pub building: String,
        /// The latest outcome; none for doors never visited.
        pub outcome: Option<VisitOutcome>,
        /// How many doors.
        pub doors: i64,
    }
}

/// Visits per worker per day: (day, worker name, visits, households reached).
pub async fn daily_counts(
    conn: &mut AnyConnection,
    campaign_id: &str,
) -> Result<Vec<(String, String, i64, i64)>> {
    let rows = conn.rows("SELECT visit_day, worker_name, COUNT(*) AS visits, SUM(CASE WHEN outcome <> 'not_home' THEN 1 ELSE 0 END) AS reached \
         FROM campaign_visits WHERE campaign_id = $1 GROUP BY visit_day, worker_name ORDER BY visit_day DESC, visits DESC", &[Cell::from(campaign_id)])
        .await?;
    rows.iter()
        .map(|r| r.columns(["visit_day", "worker_name", "visits", "reached"]))
        .collect()
}

crate::query_row! {
    /// A building of a campaign handed to a person (the `campaign_assignments` table).
    #[derive(Debug, Clone)]
    pub struct AssignmentRow {
        /// Id.
        pub id: String,
        /// The campaign.
        pub campaign_id: String,
        /// Its name.
        pub campaign_name: String,
        /// The households' area.
        pub area_id: String,
        /// Its name (a building area shows its compound's).
        pub area_name: String,
        /// Its path.
        pub area_path: String,
        /// 楼栋 ("" where the area is itself the building).
        pub building: String,
        /// Who visits.
        pub user_id: String,
        /// Their name.
        pub user_name: String,
    }
}

const ASSIGNMENT_SELECT: &str = "SELECT s.id, s.campaign_id, c.name AS campaign_name, s.area_id, \
     CASE WHEN a.kind = 'building' THEN p.name || ' ' || a.name ELSE a.name END AS area_name, s.area_path, s.building, \
     s.user_id, u.display_name AS user_name \
     FROM campaign_assignments s JOIN campaigns c ON c.id = s.campaign_id JOIN areas a ON a.id = s.area_id \
     LEFT JOIN areas p ON p.id = a.parent_id JOIN users u ON u.id = s.user_id";

/// Hands a building of a campaign to a person; false when it already is theirs.
pub async fn assign(
    conn: &mut impl Statements,
    campaign_id: &str,
    (area_id, area_path, building): (&str, &str, &str),
    user_id: &str,
    by: &str,
    at: i64,
) -> Result<bool> {
    let done = conn
        .changed(
            "INSERT INTO campaign_assignments (id, campaign_id, area_id, area_path, building, user_id, assigned_by, assigned_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (campaign_id, area_id, building, user_id) DO NOTHING",
            &[
                crate::new_id().into(),
                campaign_id.into(),
                area_id.into(),
                area_path.into(),
                building.into(),
                user_id.into(),
                by.into(),
                at.into(),
            ],
        )
        .await?;
    Ok(done == 1)
}

/// Takes an assignment back; false when there was none.
pub async fn unassign(conn: &mut impl Statements, campaign_id: &str, id: &str) -> Result<bool> {
    let done = conn
        .changed(
            "DELETE FROM campaign_assignments WHERE id = $1 AND campaign_id = $2",
            &[id.into(), campaign_id.into()],
        )
        .await?;
    Ok(done == 1)
}

/// The buildings of a campaign handed out, by area and building.
pub async fn assignments(
    conn: &mut impl Statements,
    campaign_id: &str,
) -> Result<Vec<AssignmentRow>> {
    conn.fetch_all(
        &format!("{ASSIGNMENT_SELECT} WHERE s.campaign_id = $1 ORDER BY {compound}, a.sort_key, s.building, u.display_name", compound = crate::areas::COMPOUND_KEY),
        &[campaign_id.into()],
    )
    .await
    .map(buildings_counted)
}

/// The buildings handed to one person in active campaigns, by campaign and building.
pub async fn assignments_of(
    conn: &mut impl Statements,
    user_id: &str,
) -> Result<Vec<AssignmentRow>> {
    conn.fetch_all(
        &format!("{ASSIGNMENT_SELECT} WHERE s.user_id = $1 AND c.status = 'active' ORDER BY c.created_at DESC, {compound}, a.sort_key, s.building", compound = crate::areas::COMPOUND_KEY),
        &[user_id.into()],
    )
    .await
    .map(buildings_counted)
}

/// Within each campaign's area, the buildings as people count them (2号楼 before 10号楼): a
/// building here is a typed label with no key stored, and an area holds a few dozen at most.
fn buildings_counted(mut rows: Vec<AssignmentRow>) -> Vec<AssignmentRow> {
    for same_area in
        rows.chunk_by_mut(|a, b| (&a.campaign_id, &a.area_id) == (&b.campaign_id, &b.area_id))
    {
        same_area.sort_by_cached_key(|s| sanshe_core::areas::natural_sort_key(&[&s.building]));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handed(campaign: &str, area: &str, building: &str, user: &str) -> AssignmentRow {
        AssignmentRow {
            id: format!("{area}{building}{user}"),
            campaign_id: campaign.into(),
            campaign_name: String::new(),
            area_id: area.into(),
            area_name: String::new(),
            area_path: String::new(),
            building: building.into(),
            user_id: user.into(),
            user_name: user.into(),
        }
    }

    #[test]
    fn buildings_are_counted_within_their_area_and_the_areas_keep_their_order() {
        // As the database gives them: areas in order, buildings by text, people by name.
        let rows = vec![
            handed("c", "二区", "10号楼", "李"),
            handed("c", "二区", "2号楼", "王"),
            handed("c", "二区", "2号楼", "张"),
            handed("c", "三区", "1号楼", "李"),
            handed("d", "二区", "11号楼", "李"),
            handed("d", "二区", "9号楼", "李"),
        ];
        let counted: Vec<String> = buildings_counted(rows)
            .iter()
            .map(|s| {
                format!(
                    "{} {} {} {}",
                    s.campaign_id, s.area_id, s.building, s.user_name
                )
            })
            .collect();
        assert_eq!(
            counted,
            [
                "c 二区 2号楼 王",
                "c 二区 2号楼 张",
                "c 二区 10号楼 李",
                "c 三区 1号楼 李",
                "d 二区 9号楼 李",
                "d 二区 11号楼 李"
            ]
        );
    }
}
