//! Phone follow-up by a linked organization's social worker (三社联动): a community assigns
//! someone in home isolation to a social worker of an organization holding the follow-up duty
//! there; that social worker sees their people masked and enters their reports, for as long as
//! the episode is open, theirs, and the duty held. They get nothing else of the registry.

use sanshe_core::isolation::EpisodeStatus;
use sanshe_core::organizations::Duty;

use super::*;

/// The open episodes the actor follows up by phone as a linked organization's social worker,
/// masked (first character of the name, no address).
pub async fn follow_ups(app: &App, actor: &Actor) -> Result<Vec<EpisodeView>> {
    let Some(user_id) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let deployed = actor.deployment_paths();
    if deployed.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = app.db.conn().await?;
    let rows = store::episodes(
        &mut conn,
        &EpisodeQuery {
            roots: &deployed,
            within: None,
            status: Some(EpisodeStatus::Open),
            worker_id: Some(user_id),
            limit: 1000,
            ..Default::default()
        },
    )
    .await?;
    let today = app.today().to_string();
    // Episodes in one building share the answer: the duty is decided once per place.
    let mut decided: std::collections::HashMap<String, bool> = Default::default();
    let mut out = Vec::with_capacity(rows.len());
    for e in rows {
        let theirs = match decided.get(&e.area_path) {
            Some(theirs) => *theirs,
            None => {
                let theirs = follows_up(&mut conn, user_id, &e.area_path, &today).await?;
                decided.insert(e.area_path.clone(), theirs);
                theirs
            }
        };
        if theirs {
            out.push(masked(view(app, e)));
        }
    }
    Ok(out)
}

/// One episode the actor follows up by phone, masked.
pub async fn followed_up(app: &App, actor: &Actor, id: &str) -> Result<EpisodeView> {
    let mut conn = app.db.conn().await?;
    let e = followed_up_by(app, &mut conn, actor, id).await?;
    Ok(masked(view(app, e)))
}

/// The episode if the actor follows it up by phone now: open, assigned to them, and their
/// organization holding the follow-up duty where they are deployed. NotFound otherwise.
pub(super) async fn followed_up_by(
    app: &App,
    conn: &mut Conn,
    actor: &Actor,
    id: &str,
) -> Result<EpisodeRow> {
    let user_id = actor.user_id.as_deref().ok_or(AppError::NotFound)?;
    let e = store::episode(conn, id).await?;
    if e.status != EpisodeStatus::Open || e.worker_id.as_deref() != Some(user_id) {
        return Err(AppError::NotFound);
    }
    let today = app.today().to_string();
    if !follows_up(conn, user_id, &e.area_path, &today).await? {
        return Err(AppError::NotFound);
    }
    Ok(e)
}

async fn follows_up(conn: &mut Conn, user_id: &str, path: &str, day: &str) -> Result<bool> {
    Ok(
        crate::organizations::duty_workers(conn, path, Duty::FollowUp, day)
            .await?
            .iter()
            .any(|(id, _)| id == user_id),
    )
}

/// What a social worker outside the community's staff sees of an episode.
fn masked(mut v: EpisodeView) -> EpisodeView {
    v.name = mask_name(&v.name);
    v.address = String::new();
    v.release_note = None;
    v
}
