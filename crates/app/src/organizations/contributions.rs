//! An organization's contribution per community over a period — the numbers the story
//! reports: people who served, shifts and hours, passes scanned at gates, errands delivered.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::*;

/// What an organization's people did in one community.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Contribution {
    /// The community (empty for places outside the organization's linkages).
    pub community_id: String,
    /// Its name.
    pub community_name: String,
    /// Members who served a shift there.
    pub people: i64,
    /// Shifts served.
    pub shifts: i64,
    /// Hours served.
    pub hours: i64,
    /// Scans recorded at its gates.
    pub scans: i64,
    /// Errands delivered.
    pub errands: i64,
}

/// The longest period one report covers.
const MAX_DAYS: i64 = 366;

/// The days up to today a report covers when no period is typed.
pub const CONTRIBUTION_DAYS: i64 = 30;

/// The organization's contribution per linked community from `from` to `to` (both included,
/// China time); whoever runs the organization.
pub async fn contributions(
    app: &App,
    actor: &Actor,
    organization_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Contribution>> {
    if to < from {
        return Err(AppError::field("to", "err-date-order"));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::field("to", "err-period-too-long"));
    }
    let mut conn = app.db.conn().await?;
    let o = store::get(&mut conn, organization_id).await?;
    actor.require(Action::ManageOrganization, target(&o))?;
    let (ids, names): (Vec<String>, Vec<String>) =
        sanshe_store::accounts::member_accounts(&mut *conn, &o.id)
            .await?
            .into_iter()
            .unzip();
    let window = (
        crate::utc_ms(from.and_time(chrono::NaiveTime::MIN)),
        crate::utc_ms((to + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN)),
    );
    let service =
        sanshe_store::rotas::service_of_people(&mut *conn, &ids, window.0, window.1).await?;
    let scans =
        sanshe_store::gates::scans_by_people(&mut *conn, &names, window.0, window.1).await?;
    let errands = sanshe_store::help::delivered_by(&mut *conn, &ids, window.0, window.1).await?;
    let linkages = store::linkages_of(&mut conn, &o.id).await?;

    let mut rows: Vec<Contribution> = linkages
        .iter()
        .map(|l| Contribution {
            community_id: l.community_id.clone(),
            community_name: l.community_name.clone(),
            ..Default::default()
        })
        .collect();
    rows.push(Contribution::default());
    let other = rows.len() - 1;
    let place = |path: &str| {
        linkages
            .iter()
            .position(|l| path.starts_with(&l.community_path))
            .unwrap_or(other)
    };
    let mut people: HashMap<usize, HashSet<&str>> = HashMap::new();
    for (path, user, shifts, minutes) in &service {
        let i = place(path);
        people.entry(i).or_default().insert(user.as_str());
        rows[i].shifts += shifts;
        rows[i].hours += minutes;
    }
    for (i, who) in people {
        rows[i].people = who.len() as i64;
    }
    for (path, n) in &scans {
        rows[place(path)].scans += n;
    }
    for (path, n) in &errands {
        rows[place(path)].errands += n;
    }
    for r in &mut rows {
        r.hours /= 60;
    }
    let last = rows.pop().filter(|r| r.shifts + r.scans + r.errands > 0);
    rows.extend(last);
    Ok(rows)
}
