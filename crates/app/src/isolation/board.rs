//! The isolation board: counts, the day's roster of reports due, and a scan of who is late.

use super::*;
use sanshe_core::isolation::EpisodeStatus;
use std::collections::HashMap;

/// Today's counts for one part of the board.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct BoardCounts {
    /// The area (a compound of a community, a community of a street).
    pub area_id: String,
    /// Its name.
    pub name: String,
    /// Open episodes.
    pub open: i64,
    /// Reports due so far today.
    pub due: i64,
    /// Reports received today.
    pub received: i64,
    /// Reports missed today (due slot ended plus grace, nothing received).
    pub missed: i64,
    /// People with a fever reading today.
    pub fever: i64,
    /// Episodes without a responsible worker.
    pub unassigned: i64,
}

impl BoardCounts {
    fn add(&mut self, o: &BoardCounts) {
        self.open += o.open;
        self.due += o.due;
        self.received += o.received;
        self.missed += o.missed;
        self.fever += o.fever;
        self.unassigned += o.unassigned;
    }
}

/// The board of an area for today.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Board {
    /// The area.
    pub area: AreaView,
    /// Today, YYYY-MM-DD.
    pub date: String,
    /// One line per child area with open episodes.
    pub parts: Vec<BoardCounts>,
    /// The whole area.
    pub total: BoardCounts,
}

/// Today's board for an area: due, received, missed and fever, per child area.
pub async fn board(app: &App, actor: &Actor, area_id: &str) -> Result<Board> {
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    if !scope.overlaps(&area.path) {
        return Err(AppError::NotFound);
    }
    let now = app.clock.now_ms();
    let today = app.today();
    let am = Slot {
        date: today,
        half: Half::Morning,
    };
    let pm = Slot {
        date: today,
        half: Half::Afternoon,
    };
    let rows = store::board(&mut conn, scope.roots(), &area.path, &am.key(), &pm.key()).await?;
    let children = area_store::children(&mut conn, Some(&area.id)).await?;
    drop(conn);
    let grace = app.rules.missed_grace_minutes * 60_000;
    let mut parts: Vec<BoardCounts> = Vec::new();
    let mut total = BoardCounts {
        area_id: area.id.clone(),
        name: area.name.clone(),
        ..Default::default()
    };
    for r in rows {
        let child = children.iter().find(|c| r.area_path.starts_with(&c.path));
        let (cid, cname) = child.map_or((area.id.as_str(), area.name.as_str()), |c| {
            (c.id.as_str(), c.name.as_str())
        });
        let mut c = BoardCounts {
            open: 1,
            unassigned: i64::from(r.worker_id.is_none()),
            ..Default::default()
        };
        let mut fever = false;
        for (slot, reading) in [(am, r.morning), (pm, r.afternoon)] {
            let (start, end) = (utc_ms(slot.start()), utc_ms(slot.end()));
            if now < start || r.started_at >= end {
                continue;
            }
            c.due += 1;
            match reading {
                Some(t) => {
                    c.received += 1;
                    fever |= t >= app.rules.fever_tenths;
                }
                None if now >= end + grace => c.missed += 1,
                None => {}
            }
        }
        c.fever = i64::from(fever);
        total.add(&c);
        match parts.iter_mut().find(|p| p.area_id == cid) {
            Some(p) => p.add(&c),
            None => {
                c.area_id = cid.to_string();
                c.name = cname.to_string();
                parts.push(c);
            }
        }
    }
    // As people count: 一区, 二区, 三区 … 十区; 2号楼 before 10号楼.
    parts.sort_by_cached_key(|p| sanshe_core::areas::natural_key(&p.name));
    Ok(Board {
        area: area.into(),
        date: today.format("%Y-%m-%d").to_string(),
        parts,
        total,
    })
}

/// One line of the day's printable roster.
#[derive(Debug, Clone)]
pub struct RosterLine {
    /// The episode.
    pub episode: EpisodeView,
    /// Morning reading.
    pub morning: Option<String>,
    /// Afternoon reading.
    pub afternoon: Option<String>,
}

/// A page of the day's roster.
#[derive(Debug, Clone)]
pub struct Roster {
    /// The area.
    pub area: AreaView,
    /// The line number of the page's first line (1 on the first page), for a printed list
    /// numbered across its pages.
    pub first: i64,
    /// A page of lines, by address, with the total.
    pub lines: crate::cursor::Page<RosterLine>,
}

/// The day's isolation roster of an area, a page at a time: open episodes by address with
/// today's two readings. `after` is the previous page's `next`.
pub async fn roster(
    app: &App,
    actor: &Actor,
    area_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Roster> {
    let scope = actor.scope(Action::FrontLine);
    let area = {
        let mut conn = app.db.conn().await?;
        area_store::get(&mut conn, area_id).await?
    };
    if !scope.contains(&area.path) {
        return Err(AppError::NotFound);
    }
    let first = position(after)? + 1;
    let page = list(
        app,
        actor,
        &EpisodeFilter {
            area: Some(area.id.clone()),
            status: Some(EpisodeStatus::Open.as_str().into()),
            after: after.map(String::from),
            limit: Some(limit),
            ..Default::default()
        },
        &crate::period::Period::default(),
    )
    .await?;
    let today = app.today();
    let [am, pm] = [Half::Morning, Half::Afternoon].map(|half| Slot { date: today, half }.key());
    let ids: Vec<String> = page.items.iter().map(|e| e.id.clone()).collect();
    let mut conn = app.db.conn().await?;
    let mut readings: HashMap<(String, String), i64> = HashMap::new();
    for r in store::readings_in(&mut conn, &ids, [&am, &pm]).await? {
        readings.insert((r.episode_id, r.slot), r.temperature);
    }
    let mut reading = |id: &str, slot: &str| {
        readings
            .remove(&(id.to_string(), slot.to_string()))
            .map(format_tenths)
    };
    let lines = page.map(|episode| RosterLine {
        morning: reading(&episode.id, &am),
        afternoon: reading(&episode.id, &pm),
        episode,
    });
    Ok(Roster {
        area: area.into(),
        first,
        lines,
    })
}

/// Workers who may be made responsible for episodes at a place: (id, name).
pub async fn workers_for(
    app: &App,
    actor: &Actor,
    episode_id: &str,
) -> Result<Vec<(String, String)>> {
    let mut conn = app.db.conn().await?;
    let e = visible(&mut conn, actor, episode_id).await?;
    workers_covering(&mut conn, &e.area_path).await
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSummary {
    /// Slots scanned for missed reports.
    pub slots: Vec<String>,
    /// Missed reports found.
    pub missed: usize,
    /// Alerts raised or counted (missed, past planned end, unassigned).
    pub alerts: usize,
}

/// Finds missed reports (each slot once, when its grace has passed), episodes past their
/// planned end, and episodes without a worker, and raises their alerts. Safe to run often and
/// on several nodes: a slot is claimed in the database before it is scanned.
pub async fn scan(app: &App) -> Result<ScanSummary> {
    let now = app.clock.now_ms();
    let grace = Duration::minutes(app.rules.missed_grace_minutes);
    let mut slot = Slot::containing(app.clock.now_local());
    // The newest slot whose grace has passed, then up to two days back (the node may have
    // been down); older misses are not worth an alert any more.
    let mut slots = Vec::new();
    for _ in 0..6 {
        slot = slot.previous();
        if utc_ms(slot.end() + grace) <= now {
            slots.push(slot);
        }
        if slots.len() == 4 {
            break;
        }
    }
    slots.reverse();
    let mut summary = ScanSummary::default();
    for s in slots {
        let key = s.key();
        let mut tx = app.db.begin().await?;
        if !store::claim_scan(&mut tx, &key, now).await? {
            continue;
        }
        let routes = Routes::load(&mut *tx).await?;
        let missing = store::missing_reports(&mut tx, &key, utc_ms(s.end())).await?;
        summary.alerts += alerts::raise_many(
            &mut tx,
            &routes,
            Batch {
                kind: AlertKind::MissedReport,
                subject_kind: AlertSubject::Episode,
                event: &key,
                detail: &key,
            },
            &missing,
            now,
        )
        .await?;
        store::finish_scan(&mut tx, &key, missing.len() as i64).await?;
        sanshe_store::commit(tx).await?;
        summary.missed += missing.len();
        summary.slots.push(key);
    }
    let today = app.today().format("%Y-%m-%d").to_string();
    let mut tx = app.db.begin().await?;
    let routes = Routes::load(&mut *tx).await?;
    // Past their end: the event is the planned end, so an extension that passes again counts.
    let mut by_end: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for (id, path, end) in store::past_planned_end(&mut tx, &today).await? {
        by_end.entry(end).or_default().push((id, path));
    }
    for (end, subjects) in &by_end {
        let batch = Batch {
            kind: AlertKind::EndDue,
            subject_kind: AlertSubject::Episode,
            event: end,
            detail: end,
        };
        summary.alerts += alerts::raise_many(&mut tx, &routes, batch, subjects, now).await?;
    }
    let unassigned = store::without_worker(&mut tx).await?;
    summary.alerts += alerts::raise_many(
        &mut tx,
        &routes,
        Batch {
            kind: AlertKind::Unassigned,
            subject_kind: AlertSubject::Episode,
            event: "unassigned",
            detail: "",
        },
        &unassigned,
        now,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(summary)
}
