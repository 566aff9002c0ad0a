//! Taking, assigning and dropping places on shifts, within the booking limits.

use super::*;
use crate::stamp;

/// Books `user_id` on a shift (its limits checked) in the caller's transaction.
pub(super) async fn book(
    app: &App,
    tx: &mut Conn,
    shift: &ShiftRow,
    user_id: &str,
    booked_by: &str,
    cover: bool,
) -> Result<()> {
    may_hold(app, tx, shift, user_id, cover).await?;
    if !store::claim_place(&mut *tx, &shift.id).await? {
        return Err(refused(BookingRefusal::Full));
    }
    store::insert_booking(&mut *tx, shift, user_id, booked_by, app.clock.now_ms()).await?;
    Ok(())
}

/// Whether `user_id` may hold a shift: not started (unless a worker puts in cover while it is
/// under way), not on it already, within the limits. Takes the person's row first, so two
/// bookings of one person at once are checked one after the other.
pub(super) async fn may_hold(
    app: &App,
    tx: &mut Conn,
    shift: &ShiftRow,
    user_id: &str,
    cover: bool,
) -> Result<()> {
    let now = app.clock.now_ms();
    // A worker may put someone on a shift under way (cover for a no-show) until it ends.
    if shift.starts_at <= now && !(cover && shift.ends_at > now) {
        return Err(refused(BookingRefusal::Started));
    }
    let from = shift.starts_at.max(now);
    store::hold_person(&mut *tx, user_id).await?;
    if store::booking(&mut *tx, &shift.id, user_id)
        .await?
        .is_some()
    {
        return Err(refused(BookingRefusal::DoubleBooked));
    }
    let limits = app.rules.booking;
    // Everything within a day and a rest of the shift can matter to its limits.
    let reach = 86_400_000 + limits.min_rest_minutes * 60_000;
    let held: Vec<Span> = store::bookings_of(
        &mut *tx,
        user_id,
        shift.starts_at - reach,
        shift.ends_at + reach,
    )
    .await?
    .iter()
    .map(|b| span_of(b.starts_at, b.ends_at))
    .collect();
    rule::may_book(&held, span_of(from, shift.ends_at), &limits).map_err(refused)
}

/// The caller takes an open shift of a post where they are deployed.
pub async fn take(app: &App, actor: &Actor, shift_id: &str) -> Result<()> {
    let user_id = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    let post = store::post(&mut *tx, &shift.post_id).await?;
    if !fits(&post, &skills_of_person(&mut tx, actor).await?) {
        return Err(AppError::field("shift_id", "err-shift-skill"));
    }
    book(app, &mut tx, &shift, &user_id, &actor.username, false).await?;
    audit::record(&mut tx, actor, "shift.taken", shift.subject(), "").await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// A worker books someone deployed there on a shift.
pub async fn assign(app: &App, actor: &Actor, shift_id: &str, user_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::ManageRotas, shift_id).await?;
    let person = crate::accounts::actor_of(app, user_id)
        .await
        .map_err(|_| AppError::field("user_id", "err-rota-not-deployed"))?;
    person.require_for(
        Action::TakeShifts,
        Target::Area(&shift.area_path),
        "user_id",
        "err-rota-not-deployed",
    )?;
    book(app, &mut tx, &shift, user_id, &actor.username, true).await?;
    audit::record(&mut tx, actor, "shift.assigned", shift.subject(), user_id).await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// Frees a place on a shift: the caller's own, or, for a worker, anyone's. A shift already
/// checked in to cannot be dropped.
pub async fn drop_shift(
    app: &App,
    actor: &Actor,
    shift_id: &str,
    user_id: Option<&str>,
) -> Result<()> {
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let whose = user_id.unwrap_or(&own).to_string();
    let action = if whose == own {
        Action::TakeShifts
    } else {
        Action::ManageRotas
    };
    let shift = visible_shift(&mut tx, actor, action, shift_id).await?;
    if !store::delete_booking(&mut *tx, &shift.id, &whose).await? {
        return Err(AppError::field("shift_id", "err-shift-not-yours"));
    }
    store::release_place(&mut *tx, &shift.id).await?;
    audit::record(&mut tx, actor, "shift.dropped", shift.subject(), &whose).await?;
    // The worker hears of a place a volunteer opened (not of their own changes).
    if whose == own {
        let now = app.clock.now_ms();
        let routes = crate::alerts::Routes::load(&mut *tx).await?;
        crate::alerts::raise(
            &mut *tx,
            &routes,
            crate::alerts::Trouble {
                kind: sanshe_core::alerts::AlertKind::ShiftDropped,
                area_path: &shift.area_path,
                subject_kind: AlertSubject::Shift,
                subject_id: &shift.id,
                event: &format!("{whose}@{now}"),
                detail: &stamp(shift.starts_at),
            },
            now,
        )
        .await?;
    }
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// Books `user_id` into every shift of a post starting in [from, to) that has a place free and
/// that the booking limits let them hold (an organization committing people to a need); the
/// places booked. A shift the limits refuse is passed over, not an error.
pub(crate) async fn book_into_post(
    app: &App,
    tx: &mut Conn,
    post_id: &str,
    (from, to): (i64, i64),
    user_id: &str,
    booked_by: &str,
) -> Result<i64> {
    let shifts = store::open_shifts_of_post(&mut *tx, post_id, from, to).await?;
    let mut booked = 0;
    for shift in &shifts {
        match book(app, tx, shift, user_id, booked_by, false).await {
            Ok(()) => booked += 1,
            Err(AppError::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(booked)
}

/// Books an organization's member on a shift for their team leader: the member must be
/// deployed where the shift is and have the post's skill, within the booking limits. NotFound
/// for a shift the member could not see.
pub(crate) async fn book_member(
    app: &App,
    shift_id: &str,
    user_id: &str,
    booked_by: &Actor,
) -> Result<ShiftRow> {
    let member = crate::accounts::actor_of(app, user_id).await?;
    let mut tx = app.db.begin().await?;
    let shift = store::shift(&mut *tx, shift_id)
        .await
        .map_err(|_| AppError::field("shift_id", "err-shift-not-found"))?;
    member.require_for(
        Action::TakeShifts,
        Target::Area(&shift.area_path),
        "user_id",
        "err-rota-not-deployed",
    )?;
    let post = store::post(&mut *tx, &shift.post_id).await?;
    if !fits(&post, &skills_of_person(&mut tx, &member).await?) {
        return Err(AppError::field("shift_id", "err-shift-skill"));
    }
    book(app, &mut tx, &shift, user_id, &booked_by.username, false).await?;
    audit::record(
        &mut tx,
        booked_by,
        "shift.assigned",
        shift.subject(),
        user_id,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(shift)
}
