//! Opening an episode of home isolation or observation, and choosing the worker who follows it.

use sanshe_core::organizations::Duty;

use super::*;

/// What opening an episode needs.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OpenEpisode {
    /// The person (a registered resident).
    #[schema(max_length = 64)]
    pub resident_id: String,
    /// `home_isolation`, `home_medical_observation` or `centralized_observation`.
    pub kind: String,
    /// Last exposure or arrival, YYYY-MM-DD (default today).
    #[schema(format = Date)]
    pub exposure_date: Option<String>,
    /// YYYY-MM-DD (default 14 days after the exposure).
    #[schema(format = Date)]
    pub planned_end: Option<String>,
    /// Responsible worker (default: the least-loaded community worker of the place).
    pub worker_id: Option<String>,
    /// `link` (default) or `phone`.
    pub follow_up: Option<String>,
}

/// An opened episode and the resident's report link (shown once here; printable later).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EpisodeOpened {
    /// The episode.
    pub episode: EpisodeView,
    /// Path of the resident's report page, `/r/{token}`.
    pub report_link: String,
}

/// Where an episode came from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// Opened directly.
    Manual,
    /// From an arrival record.
    Arrival(&'a str),
    /// From a close-contact record.
    Contact(&'a str),
}

/// How far back an exposure may be dated when isolation opens.
pub const EXPOSURE_DAYS_BACK: i64 = 60;
/// Longest an episode may be planned for, from the exposure (14 days, extended at most a few
/// times).
pub const MAX_EPISODE_DAYS: i64 = 90;

/// Community workers whose area covers `path`: (user id, name).
pub(super) async fn workers_covering(conn: &mut Conn, path: &str) -> Result<Vec<(String, String)>> {
    let holders =
        account_store::area_role_holders(conn, sanshe_core::accounts::Role::CommunityWorker)
            .await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for (id, name, area_path) in holders {
        if path.starts_with(&area_path) && !out.iter().any(|(i, _)| *i == id) {
            out.push((id, name));
        }
    }
    Ok(out)
}

/// Picks the responsible worker: the one asked for (who must cover the place, or be a linked
/// organization's social worker following up there by phone) or the community worker with
/// the fewest open episodes, so a community's caseload spreads across its team.
pub(super) async fn choose_worker(
    conn: &mut Conn,
    path: &str,
    asked: Option<&str>,
    day: &str,
) -> Result<Option<String>> {
    let team = workers_covering(conn, path).await?;
    if let Some(w) = asked.filter(|w| !w.is_empty()) {
        let covers = team.iter().any(|(id, _)| id == w)
            || crate::organizations::duty_workers(conn, path, Duty::FollowUp, day)
                .await?
                .iter()
                .any(|(id, _)| id == w);
        return if covers {
            Ok(Some(w.to_string()))
        } else {
            Err(AppError::field("worker_id", "err-worker"))
        };
    }
    let ids: Vec<String> = team.into_iter().map(|(id, _)| id).collect();
    let load = store::open_load(conn, &ids).await?;
    Ok(load.into_iter().min_by_key(|(_, n)| *n).map(|(id, _)| id))
}

/// Opens an episode for a registered resident.
pub async fn open(app: &App, actor: &Actor, input: &OpenEpisode) -> Result<EpisodeOpened> {
    let mut tx = app.db.begin().await?;
    let (id, token) = open_in(app, actor, &mut tx, input, Source::Manual).await?;
    sanshe_store::commit(tx).await?;
    Ok(EpisodeOpened {
        episode: get(app, actor, &id).await?,
        report_link: format!("/r/{token}"),
    })
}
