//! Offering a shift and taking one over from its holder.

use super::*;
use crate::stamp;

/// The caller offers their place on a shift for a swap (换班), or with `offer` false takes the
/// offer back; until someone takes it over the place stays theirs.
pub async fn offer(app: &App, actor: &Actor, shift_id: &str, offer: bool) -> Result<()> {
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    if offer && shift.starts_at <= app.clock.now_ms() {
        return Err(refused(BookingRefusal::Started));
    }
    let at = offer.then(|| app.clock.now_ms());
    if !store::set_offered(&mut *tx, &shift.id, &own, at).await? {
        return Err(AppError::field("shift_id", "err-shift-not-yours"));
    }
    let action = if offer { "shift.offered" } else { "shift.kept" };
    audit::record(&mut tx, actor, action, shift.subject(), "").await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}

/// The caller takes over a place another volunteer offered for a swap: checked like a booking
/// (skill, limits), the place changes hands without ever being open, and the workers are told.
pub async fn take_over(app: &App, actor: &Actor, shift_id: &str, from: &str) -> Result<()> {
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let shift = visible_shift(&mut tx, actor, Action::TakeShifts, shift_id).await?;
    let post = store::post(&mut *tx, &shift.post_id).await?;
    if !fits(&post, &skills_of_person(&mut tx, actor).await?) {
        return Err(AppError::field("shift_id", "err-shift-skill"));
    }
    let offered = store::booking(&mut *tx, &shift.id, from).await?;
    if offered.is_none_or(|b| b.offered_at.is_none()) {
        return Err(AppError::field("shift_id", "err-shift-not-offered"));
    }
    may_hold(app, &mut tx, &shift, &own, false).await?;
    let now = app.clock.now_ms();
    // Checked again in the update: another may have taken it over since.
    if !store::hand_over(&mut *tx, &shift.id, from, &own, now).await? {
        return Err(AppError::field("shift_id", "err-shift-not-offered"));
    }
    audit::record(&mut tx, actor, "shift.taken_over", shift.subject(), from).await?;
    let routes = crate::alerts::Routes::load(&mut *tx).await?;
    crate::alerts::raise(
        &mut *tx,
        &routes,
        crate::alerts::Trouble {
            kind: sanshe_core::alerts::AlertKind::ShiftSwapped,
            area_path: &shift.area_path,
            subject_kind: AlertSubject::Shift,
            subject_id: &shift.id,
            event: &format!("{from}>{own}"),
            detail: &format!("{} {}", post.name, stamp(shift.starts_at)),
        },
        now,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(())
}
