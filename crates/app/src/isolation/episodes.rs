//! An episode's detail, the list, and what a worker changes: release, extension, assignment, follow-up, the report link.

use super::*;
use crate::audit::Audited;
use crate::period::Period;
use sanshe_core::accounts::RESIDENT;
use sanshe_core::isolation::EpisodeStatus;
use sanshe_store::isolation::OpenEpisodeChange;

/// A stored report as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReportView {
    /// Half-day slot, e.g. `2020-02-06-am`.
    pub slot: String,
    /// °C.
    pub temperature: String,
    /// Tenths of °C (for charts).
    pub tenths: i64,
    /// Whether it is a fever.
    pub fever: bool,
    /// Symptom spellings.
    pub symptoms: Vec<String>,
    /// RFC 3339.
    pub reported_at: String,
    /// `resident` or the worker's user name.
    pub entered_by: String,
    /// Whether the resident entered it, through their link.
    pub by_resident: bool,
    /// Who entered it, in words: the worker's name, empty for the resident.
    pub entered_by_name: String,
    /// When it came, `MM-DD HH:MM` China time.
    pub reported_local: String,
}

/// An episode with its reports and alerts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EpisodeDetail {
    /// The episode.
    pub episode: EpisodeView,
    /// Reports, oldest first.
    pub reports: Vec<ReportView>,
    /// Alerts about it, newest first.
    pub alerts: Vec<alerts::AlertView>,
    /// Whether a report link is live.
    pub link_live: bool,
}

/// An episode's page: the episode, its reports (for the chart) and its alerts.
pub async fn detail(app: &App, actor: &Actor, id: &str) -> Result<EpisodeDetail> {
    let mut conn = app.db.conn().await?;
    let e = visible(&mut conn, actor, id).await?;
    let reports = store::reports(&mut conn, id).await?;
    let link_live = e.status == EpisodeStatus::Open && e.link_cipher.is_some();
    let writers = reports.iter().map(|r| r.entered_by.as_str());
    let writers = writers.filter(|w| *w != RESIDENT);
    let names = sanshe_store::accounts::display_names_of_usernames(&mut *conn, writers).await?;
    drop(conn);
    Ok(EpisodeDetail {
        episode: view(app, e),
        reports: reports
            .into_iter()
            .map(|r| ReportView {
                fever: r.temperature >= app.rules.fever_tenths,
                temperature: format_tenths(r.temperature),
                tenths: r.temperature,
                symptoms: r
                    .symptoms
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                slot: r.slot,
                reported_at: rfc3339(r.reported_at),
                reported_local: local_time(r.reported_at).format("%m-%d %H:%M").to_string(),
                by_resident: r.entered_by == RESIDENT,
                entered_by_name: match r.entered_by.as_str() {
                    RESIDENT => String::new(),
                    u => names.get(u).cloned().unwrap_or_else(|| u.to_string()),
                },
                entered_by: r.entered_by,
            })
            .collect(),
        alerts: alerts::about(app, id).await?,
        link_live,
    })
}

/// The report link of an open episode, for printing the notice.
pub async fn report_link(app: &App, actor: &Actor, id: &str) -> Result<Option<String>> {
    let mut conn = app.db.conn().await?;
    let e = visible(&mut conn, actor, id).await?;
    match (e.status, e.link_cipher) {
        (EpisodeStatus::Open, Some(sealed)) => Ok(Some(format!("/r/{}", app.vault.open(&sealed)?))),
        _ => Ok(None),
    }
}

/// Filters of the episode list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct EpisodeFilter {
    /// Only below this area.
    pub area: Option<String>,
    /// `open` (default), `released` or `all`.
    pub status: Option<String>,
    /// `me` for the caller's follow-up list, or a worker's id.
    pub worker: Option<String>,
    /// Only this household's.
    pub household: Option<String>,
    /// Only those whose name begins with this (a name's first characters, 王 or 王建).
    pub q: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// A page of episodes, by address.
pub type EpisodesPage = crate::cursor::Page<EpisodeView>;

/// Episodes in scope, by address, a page at a time with the total: a district's people in home
/// isolation at the height of an outbreak run to thousands. The cursor holds how many rows the
/// pages before it held.
/// `released` keeps those released on its days (China time), the list a street sends up; it is
/// refused on `status` for the open, who have no release day.
pub async fn list(
    app: &App,
    actor: &Actor,
    f: &EpisodeFilter,
    released: &Period,
) -> Result<EpisodesPage> {
    let offset = position(f.after.as_deref())?;
    let (released_since, released_until) = released.open_ms()?;
    let limit = f.limit.unwrap_or(200).clamp(1, 1000);
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    let within = match f.area.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(
            area_store::get(&mut conn, a)
                .await
                .map_err(|_| AppError::NotFound)?
                .path,
        ),
        None => None,
    };
    let status = match f.status.as_deref().map(str::trim).unwrap_or("") {
        "" => Some(EpisodeStatus::Open),
        "all" => None,
        word => Some(EpisodeStatus::parse(word).map_err(|e| AppError::field("status", e))?),
    };
    // Only the released have a release day: days asked of the open would list nobody, silently.
    if status == Some(EpisodeStatus::Open) && !released.is_blank() {
        return Err(AppError::field("status", "err-period-released-only"));
    }
    let name_prefix = match f.q.as_deref() {
        Some(q) => sanshe_core::text::line("q", q, sanshe_core::text::NAME_CHARS)?,
        None => String::new(),
    };
    let worker = match f.worker.as_deref().filter(|w| !w.is_empty()) {
        Some("me") => Some(actor.user_id.clone().unwrap_or_default()),
        Some(w) => Some(w.to_string()),
        None => None,
    };
    let q = EpisodeQuery {
        roots: scope.roots(),
        within: within.as_deref(),
        status,
        worker_id: worker.as_deref(),
        resident_id: None,
        household_id: f.household.as_deref().filter(|h| !h.is_empty()),
        name_prefix: Some(name_prefix.as_str()).filter(|p| !p.is_empty()),
        released_since,
        released_until,
        offset,
        limit: limit + 1,
    };
    let mut rows = store::episodes(&mut conn, &q).await?;
    let next = crate::cursor::cut(&mut rows, limit, |_| {
        crate::cursor::encode(&[&(offset + limit).to_string()])
    });
    let total = store::count_episodes(&mut conn, &q).await?;
    let items = rows.into_iter().map(|e| view(app, e)).collect();
    Ok(EpisodesPage { items, total, next })
}

/// How many rows the pages before an episode cursor held (0 without one).
pub(super) fn position(after: Option<&str>) -> Result<i64> {
    match crate::cursor::after(after)? {
        Some([n]) => n
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AppError::field("after", "err-cursor")),
        None => Ok(0),
    }
}

/// Episodes of one resident (their page shows the history).
pub async fn of_resident(app: &App, actor: &Actor, resident_id: &str) -> Result<Vec<EpisodeView>> {
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    let rows = store::episodes(
        &mut conn,
        &EpisodeQuery {
            roots: scope.roots(),
            resident_id: Some(resident_id),
            limit: 100,
            ..Default::default()
        },
    )
    .await?;
    Ok(rows.into_iter().map(|e| view(app, e)).collect())
}

/// Ends an episode with a reason.
pub async fn release(
    app: &App,
    actor: &Actor,
    id: &str,
    reason: &str,
    note: &str,
) -> Result<EpisodeView> {
    let reason = ReleaseReason::parse(reason).map_err(|e| AppError::field("reason", e))?;
    let note = sanshe_core::contacts::note(note).map_err(|e| AppError::field("note", e))?;
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    let now = app.clock.now_ms();
    if !store::release(&mut tx, id, now, reason, &note).await? {
        return Err(AppError::field("status", "err-episode-closed"));
    }
    for kind in [AlertKind::Unassigned, AlertKind::EndDue] {
        alerts::settle(&mut tx, kind, id, "released", now).await?;
    }
    audit::record(
        &mut tx,
        actor,
        "isolation.released",
        e.subject(),
        reason.as_str(),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Moves the planned end (an extension, or an earlier end ordered by the health centre).
pub async fn extend(app: &App, actor: &Actor, id: &str, new_end: &str) -> Result<EpisodeView> {
    let end = sanshe_core::dates::parse("planned_end", new_end)?;
    sanshe_core::dates::within("planned_end", end, app.today(), 0, MAX_EPISODE_DAYS).or_else(
        |e| {
            // An earlier end ordered by the health centre may lie in the past, not years back.
            sanshe_core::dates::within("planned_end", end, app.today(), MAX_EPISODE_DAYS, 0)
                .map_err(|_| e)
        },
    )?;
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    if NaiveDate::parse_from_str(&e.exposure_date, "%Y-%m-%d").is_ok_and(|x| end < x) {
        return Err(AppError::field("planned_end", "err-end-before-start"));
    }
    let end_s = end.format("%Y-%m-%d").to_string();
    change_open(&mut tx, id, OpenEpisodeChange::PlannedEnd(&end_s)).await?;
    if end >= app.today() {
        alerts::settle(
            &mut tx,
            AlertKind::EndDue,
            id,
            "extended",
            app.clock.now_ms(),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "isolation.extended",
        e.subject(),
        &format!("{} -> {end_s}", e.planned_end),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Hands an episode to another worker of the place.
pub async fn assign(app: &App, actor: &Actor, id: &str, worker_id: &str) -> Result<EpisodeView> {
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    let today = app.today().to_string();
    let Some(worker) = choose_worker(&mut tx, &e.area_path, Some(worker_id), &today).await? else {
        return Err(AppError::field("worker_id", "err-worker"));
    };
    change_open(&mut tx, id, OpenEpisodeChange::Worker(&worker)).await?;
    alerts::settle(
        &mut tx,
        AlertKind::Unassigned,
        id,
        "assigned",
        app.clock.now_ms(),
    )
    .await?;
    audit::record(&mut tx, actor, "isolation.assigned", e.subject(), &worker).await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Switches between the resident's link and phone follow-up by the worker.
pub async fn set_follow_up(app: &App, actor: &Actor, id: &str, mode: &str) -> Result<EpisodeView> {
    let mode = FollowUpMode::chosen(mode).map_err(|e| AppError::field("follow_up", e))?;
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    change_open(&mut tx, id, OpenEpisodeChange::FollowUp(mode)).await?;
    audit::record(
        &mut tx,
        actor,
        "isolation.follow_up",
        e.subject(),
        mode.as_str(),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Issues a new report link (the old one stops working) or, with `revoke`, none.
pub async fn renew_link(
    app: &App,
    actor: &Actor,
    id: &str,
    revoke: bool,
) -> Result<Option<String>> {
    let mut tx = app.db.begin().await?;
    let e = visible(&mut tx, actor, id).await?;
    let link = (!revoke).then(|| new_link(app));
    let hashed = link.as_ref().map(|(_, h, s)| (h.as_str(), s.as_str()));
    change_open(&mut tx, id, OpenEpisodeChange::Link(hashed)).await?;
    audit::record(
        &mut tx,
        actor,
        if revoke {
            "isolation.link_revoked"
        } else {
            "isolation.link_renewed"
        },
        e.subject(),
        "",
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(link.map(|(t, _, _)| format!("/r/{t}")))
}

/// Applies a worker's change to an episode that must still be open.
async fn change_open(conn: &mut Conn, id: &str, change: OpenEpisodeChange<'_>) -> Result<()> {
    if store::change_open(conn, id, change).await? {
        Ok(())
    } else {
        Err(AppError::field("status", "err-episode-closed"))
    }
}
