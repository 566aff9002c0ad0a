//! A gate's traffic per hour: in, out, refused, fevers.

use super::*;

/// Today's and the given day's traffic of an area or a gate.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Traffic {
    /// YYYY-MM-DD.
    pub date: String,
    /// 24 hours: entries, exits, refused, visitors per hour (China time).
    pub hours: Vec<HourLine>,
    /// Day totals.
    pub total: HourLine,
    /// Exits minus entries so far that day (never below 0): people out now, as far as the gates know.
    pub out_now: i64,
    /// Refusals by reason that day.
    pub refusals: Vec<(String, i64)>,
}

/// One hour of traffic.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct HourLine {
    /// 0–23 (China time).
    pub hour: u32,
    /// Allowed entries.
    pub entries: i64,
    /// Allowed exits.
    pub exits: i64,
    /// Refusals.
    pub refused: i64,
    /// Visitors and deliveries registered.
    pub visitors: i64,
}

/// Traffic of a day below an area (a compound, community or street) or at one gate.
pub async fn traffic(
    app: &App,
    actor: &Actor,
    area_or_gate: &str,
    date: Option<&str>,
) -> Result<Traffic> {
    let (day, within, gate_only) = gate_day(app, actor, area_or_gate, date).await?;
    let mut conn = app.db.conn().await?;
    let from = utc_ms(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let rows = store::hours(&mut conn, &within, &day.format("%Y-%m-%d").to_string()).await?;
    let mut hours: Vec<HourLine> = (0..24)
        .map(|h| HourLine {
            hour: h,
            ..Default::default()
        })
        .collect();
    for (gate, start, entries, exits, refused, visitors) in rows {
        if gate_only.as_ref().is_some_and(|g| *g != gate) {
            continue;
        }
        let h = ((start - from) / 3_600_000).clamp(0, 23) as usize;
        hours[h].entries += entries;
        hours[h].exits += exits;
        hours[h].refused += refused;
        hours[h].visitors += visitors;
    }
    let mut total = HourLine::default();
    for h in &hours {
        total.entries += h.entries;
        total.exits += h.exits;
        total.refused += h.refused;
        total.visitors += h.visitors;
    }
    let refusals = store::refusals(
        &mut conn,
        &within,
        gate_only.as_deref(),
        &day.format("%Y-%m-%d").to_string(),
    )
    .await?;
    Ok(Traffic {
        date: day.format("%Y-%m-%d").to_string(),
        out_now: (total.exits - total.entries).max(0),
        hours,
        total,
        refusals,
    })
}

/// A fever met at a gate, as the alert about a household lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FeverAtGate {
    /// When, YYYY-MM-DD HH:MM China time.
    pub at: String,
    /// The gate.
    pub gate: String,
    /// °C.
    pub temperature: String,
}

/// The fevers a household met at its compound's gates in the last two weeks, newest first.
pub async fn fevers_of_household(
    app: &App,
    actor: &Actor,
    household_id: &str,
) -> Result<Vec<FeverAtGate>> {
    let mut conn = app.db.conn().await?;
    let household = sanshe_store::registry::household(&mut conn, household_id).await?;
    actor.require(Action::FrontLine, Target::Area(&household.area_path))?;
    let since = app.clock.now_ms() - 14 * 86_400_000;
    Ok(store::fever_readings(&mut *conn, household_id, since)
        .await?
        .into_iter()
        .map(|(at, gate, tenths)| FeverAtGate {
            at: crate::stamp(at),
            gate,
            temperature: tenths
                .map(sanshe_core::isolation::format_tenths)
                .unwrap_or_default(),
        })
        .collect())
}
