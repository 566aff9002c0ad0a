//! Checking in and out of a shift: the minutes served.

use super::*;

/// Whether check-in is open: from 30 minutes before the shift until its end.
pub(super) fn check_in_open(shift: &ShiftRow, now: i64) -> bool {
    check_in_window(shift.starts_at, shift.ends_at, now)
}

/// Whether `now` falls from 30 minutes before `starts_at` until `ends_at`.
pub(super) fn check_in_window(starts_at: i64, ends_at: i64, now: i64) -> bool {
    now >= starts_at - 30 * 60_000 && now < ends_at
}

/// The caller checks in, from 30 minutes before the shift until its end.
pub async fn check_in(app: &App, actor: &Actor, shift_id: &str) -> Result<()> {
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    let now = app.clock.now_ms();
    if !check_in_open(&shift, now) {
        return Err(AppError::field("shift_id", "err-shift-not-now"));
    }
    if store::booking(&mut *tx, &shift.id, &user_id)
        .await?
        .is_none()
    {
        return Err(AppError::field("shift_id", "err-shift-not-yours"));
    }
    if !store::check_in(&mut *tx, &shift.id, &user_id, now).await? {
        return Err(AppError::field("shift_id", "err-shift-checked-in"));
    }
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// The gate a shift's post staffs, if it names one (for a shift the caller sees).
pub async fn gate_of_shift(app: &App, actor: &Actor, shift_id: &str) -> Result<Option<String>> {
    let mut conn = app.db.conn().await?;
    let shift = visible_shift(&mut conn, actor, Action::TakeShifts, shift_id).await?;
    Ok(store::post(&mut *conn, &shift.post_id).await?.gate_id)
}

/// The caller checks out; returns the minutes of service it counts for.
pub async fn check_out(app: &App, actor: &Actor, shift_id: &str) -> Result<i64> {
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    let booking = store::booking(&mut *tx, &shift.id, &user_id)
        .await?
        .ok_or(AppError::field("shift_id", "err-shift-not-yours"))?;
    let (Some(checked_in), None) = (booking.checked_in_at, booking.checked_out_at) else {
        return Err(AppError::field("shift_id", "err-shift-not-checked-in"));
    };
    let now = app.clock.now_ms();
    let minutes = rule::served_minutes(
        &span_of(shift.starts_at, shift.ends_at),
        local_time(checked_in),
        local_time(now),
    );
    if !store::check_out(&mut *tx, &shift.id, &user_id, now, minutes).await? {
        return Err(AppError::field("shift_id", "err-shift-not-checked-in"));
    }
    sanshe_store::commit(tx).await?;
    app.linkage_map.touch([shift.area_path.clone()]);
    Ok(minutes)
}
