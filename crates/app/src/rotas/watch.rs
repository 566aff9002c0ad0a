//! The rota watch: reminders before a shift and no-show alerts after its start.

use super::*;
use crate::stamp;

/// What one round of the minute watch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Watch {
    /// Reminders recorded for shifts starting within the hour.
    pub reminded: usize,
    /// No-show alerts raised.
    pub no_shows: usize,
    /// Overdue help-request alerts raised.
    pub overdue: usize,
}

/// How long before a shift its holder is reminded.
pub const REMIND_BEFORE_MS: i64 = 60 * 60_000;

/// The minute watch over rotas and errands: reminds holders of shifts starting within the hour
/// (shown in the app until they check in), raises a no-show alert 15 minutes into a shift without
/// its check-in, and an alert for help requests past due. Each goes out once, even on several
/// nodes at once, and stays out after its alert is closed.
pub async fn watch(app: &App) -> Result<Watch> {
    let now = app.clock.now_ms();
    let mut done = Watch::default();
    let mut tx = app.db.begin().await?;
    let routes = crate::alerts::Routes::load(&mut *tx).await?;
    for b in store::unreminded(&mut *tx, now, now + REMIND_BEFORE_MS).await? {
        if store::mark_told(
            &mut *tx,
            &b.shift_id,
            &b.user_id,
            store::Told::Reminded,
            now,
        )
        .await?
        {
            done.reminded += 1;
            // The community's chat groups hear it too: the place and the kind, no name (a
            // round with many goes out as one digest).
            let messages: Vec<sanshe_store::notify::Queued> = routes
                .covering(&b.area_path)
                .map(|webhook| sanshe_store::notify::Queued {
                    webhook_id: webhook,
                    subject_id: &b.shift_id,
                    summary: "shift_reminder",
                    area_path: Some(&b.area_path),
                })
                .collect();
            sanshe_store::notify::enqueue(&mut *tx, &messages, now).await?;
        }
    }
    let late = now - i64::from(rule::NO_SHOW_AFTER_MINUTES) * 60_000;
    for b in store::unalerted_no_shows(&mut *tx, now - 86_400_000, late, now).await? {
        if !store::mark_told(&mut *tx, &b.shift_id, &b.user_id, store::Told::NoShow, now).await? {
            continue;
        }
        crate::alerts::raise(
            &mut *tx,
            &routes,
            crate::alerts::Trouble {
                kind: sanshe_core::alerts::AlertKind::NoShow,
                area_path: &b.area_path,
                subject_kind: AlertSubject::Shift,
                subject_id: &b.shift_id,
                event: &b.user_id,
                detail: &format!("{} {}", b.post_name, stamp(b.starts_at)),
            },
            now,
        )
        .await?;
        done.no_shows += 1;
    }
    // A thousand at a time until none is left: each is marked as it alerts, so the next read
    // starts past it.
    loop {
        let batch = sanshe_store::help::unalerted_overdue(&mut *tx, now).await?;
        let read = batch.len();
        for h in batch {
            if !sanshe_store::help::mark_overdue_alerted(&mut *tx, &h.id, now).await? {
                continue;
            }
            crate::alerts::raise(
                &mut *tx,
                &routes,
                crate::alerts::Trouble {
                    kind: sanshe_core::alerts::AlertKind::ErrandOverdue,
                    area_path: &h.area_path,
                    subject_kind: AlertSubject::HelpRequest,
                    subject_id: &h.id,
                    event: "overdue",
                    detail: &format!("{} {}", h.urgency.as_str(), stamp(h.due_at)),
                },
                now,
            )
            .await?;
            done.overdue += 1;
        }
        if read < sanshe_store::help::OVERDUE_BATCH {
            break;
        }
    }
    sanshe_store::commit(tx).await?;
    Ok(done)
}

/// A reminder shown to a volunteer: a shift of theirs starting soon, not yet checked in to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Reminder {
    /// Shift.
    pub shift_id: String,
    /// Post name.
    pub post: String,
    /// Start, YYYY-MM-DD HH:MM China time.
    pub starts: String,
    /// Minutes until the start (negative once it has started).
    pub minutes_to_start: i64,
}

/// The caller's reminders.
pub async fn reminders(app: &App, actor: &Actor) -> Result<Vec<Reminder>> {
    let Some(id) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let now = app.clock.now_ms();
    let mut conn = app.db.conn().await?;
    Ok(store::reminded_of(&mut *conn, id, now)
        .await?
        .into_iter()
        .map(|b| Reminder {
            shift_id: b.shift_id,
            post: b.post_name,
            starts: stamp(b.starts_at),
            minutes_to_start: (b.starts_at - now).div_euclid(60_000),
        })
        .collect())
}

/// One of the caller's coming shifts, for their home page.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ComingShift {
    /// Shift.
    pub shift_id: String,
    /// Post name.
    pub post: String,
    /// Start, YYYY-MM-DD HH:MM China time.
    pub starts: String,
    /// End, HH:MM China time.
    pub ends: String,
    /// Checked in already.
    pub checked_in: bool,
    /// Check-in is open now (30 minutes before the start until the end).
    pub check_in_open: bool,
}

/// The caller's next shifts (three at most), the one under way first.
pub async fn coming_shifts(app: &App, actor: &Actor) -> Result<Vec<ComingShift>> {
    let Some(id) = actor.user_id.as_deref() else {
        return Ok(Vec::new());
    };
    let now = app.clock.now_ms();
    let mut conn = app.db.conn().await?;
    Ok(store::upcoming_of(&mut *conn, id, now, 3)
        .await?
        .into_iter()
        .map(|(b, checked_in_at)| ComingShift {
            check_in_open: attendance::check_in_window(b.starts_at, b.ends_at, now),
            shift_id: b.shift_id,
            post: b.post_name,
            starts: stamp(b.starts_at),
            ends: local_time(b.ends_at).format("%H:%M").to_string(),
            checked_in: checked_in_at.is_some(),
        })
        .collect())
}
