//! Rotas: duty posts with the hours they must be covered, their shifts, who holds them, check-in
//! and check-out, and the service-hours ledger (DESIGN.md M10, issue 5).
//!
//! A volunteer's area grant is their deployment: they see and take shifts of posts there.
//! Booking limits (no double booking, hours in any 24, rest) are `sanshe_core::rotas`'s and
//! are checked in the booking's transaction, after taking the person's row in `rota_people`, so
//! two bookings of one person at once cannot both pass them.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime};
use sanshe_core::accounts::{Action, Target};
use sanshe_core::alerts::AlertSubject;
use sanshe_core::rotas::{self as rule, BookingRefusal, Coverage, Span};
use sanshe_store::rotas::{self as store, BookingRow, PostRow, ShiftRow};
use sanshe_store::{Conn, areas as area_store, audit as audit_store, new_id};

use crate::accounts::Actor;
use crate::audit::{self, Audited};
use crate::{App, AppError, Result, local_time, utc_ms};

mod attendance;
mod board;
mod booking;
mod gaps;
mod hours;
mod making;
mod posts;
mod swaps;
mod watch;

pub use attendance::*;
pub use board::*;
pub use booking::*;
pub use gaps::*;
pub use hours::*;
pub use making::*;
pub use posts::*;
pub use swaps::*;
pub use watch::*;

fn span_of(starts_at: i64, ends_at: i64) -> Span {
    Span {
        start: local_time(starts_at),
        end: local_time(ends_at),
    }
}

/// A rota request checked: the area, the caller's scope for the action (which must reach into
/// the area), and the stretch of days as `[start, end)` in UTC ms.
type Stretch = (
    area_store::AreaRow,
    sanshe_core::accounts::AreaScope,
    i64,
    i64,
);

async fn stretch(
    conn: &mut Conn,
    actor: &Actor,
    action: Action,
    area_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<Stretch> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::field("days", "err-rota-days"));
    }
    let area = area_store::get(conn, area_id).await?;
    let scope = actor.scope(action);
    if !scope.overlaps(&area.path) {
        return Err(AppError::NotFound);
    }
    let start = utc_ms(from.and_time(NaiveTime::MIN));
    Ok((area, scope, start, start + i64::from(days) * 86_400_000))
}

/// The skills a person offered when they applied (none for accounts made otherwise).
async fn skills_of_person(conn: &mut Conn, actor: &Actor) -> Result<Vec<String>> {
    let Some(id) = actor.user_id.clone() else {
        return Ok(Vec::new());
    };
    Ok(
        sanshe_store::volunteers::skills_of(&mut *conn, std::slice::from_ref(&id))
            .await?
            .into_iter()
            .flat_map(|(_, s)| {
                s.split(',')
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>()
            })
            .collect(),
    )
}

/// Whether a post's duty fits someone with these skills.
fn fits(post: &PostRow, skills: &[String]) -> bool {
    post.skill.as_ref().is_none_or(|s| skills.contains(s))
}

fn refused(r: BookingRefusal) -> AppError {
    AppError::field("shift_id", r.message_id())
}

async fn visible_shift(
    conn: &mut Conn,
    actor: &Actor,
    action: Action,
    id: &str,
) -> Result<ShiftRow> {
    let s = store::shift(&mut *conn, id).await?;
    actor.require(action, Target::Area(&s.area_path))?;
    Ok(s)
}
