//! Front-line benchmark (issue "Front-line control" › Speed):
//!
//! ```sh
//! cargo run --release -p sanshe-bench -- frontline
//! cargo run --release -p sanshe-bench -- frontline --postgres postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! Street A: 10 communities, 50,000 households, 2,000 open episodes with today's morning
//! reports (some fevers, some missing). Its board is timed through the real router (the page a
//! coordinator opens, and the JSON), against a baseline measured in the same run: the bare read
//! of the same 2,000 open episodes with their two report look-ups in one query.
//!
//! Then street B adds 98,000 more open episodes (100,000 in all) with a morning report for 95%
//! of them, and the missed-report scan is timed over three half-day slots (it also checks every
//! open episode for a passed end date and a missing worker), against the baseline of reading
//! the bare query that finds the episodes without a report in the slot (no alerts written).

use sanshe_core::accounts::SessionKind;
use sanshe_core::areas::AreaKind::{City, Community, Compound, District, Street};
use std::time::Instant;

use anyhow::Result;
use chrono::NaiveDate;
use sanshe_app::accounts::Actor;
use sanshe_app::{App, Clock, isolation, utc_ms};
use sanshe_core::isolation::{Half, Slot};
use sanshe_store::new_id;

use crate::{area, bench_account, bench_session, discard, engine, median, ms, open, timed_get};

/// One cell of a generated row.
pub(crate) enum Cell {
    Text(String),
    Int(i64),
    Null,
}

/// The columns of a generated household (see `insert`).
pub(crate) const HOUSEHOLD_COLUMNS: &[&str] = &[
    "id",
    "area_id",
    "area_path",
    "building",
    "unit",
    "room",
    "created_at",
    "updated_at",
];

/// The columns of a generated account (see `insert`).
pub(crate) const USER_COLUMNS: &[&str] = &[
    "id",
    "username",
    "display_name",
    "password_hash",
    "locale",
    "active",
    "created_at",
];

/// Inserts rows in transactions of 5,000, `per_statement` rows per statement.
pub(crate) async fn insert(
    app: &App,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Cell>>,
) -> Result<()> {
    let per_statement = (400 / columns.len()).clamp(1, 20);
    for chunk in rows.chunks(5000) {
        let mut tx = app.db.begin().await?;
        for group in chunk.chunks(per_statement) {
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut n = 0;
            for (i, _) in group.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                let marks: Vec<String> = (0..columns.len())
                    .map(|_| {
                        n += 1;
                        format!("${n}")
                    })
                    .collect();
                sql.push_str(&format!("({})", marks.join(", ")));
            }
            let mut q = sqlx::query(&sql);
            for row in group {
                for cell in row {
                    q = match cell {
                        Cell::Text(s) => q.bind(s.clone()),
                        Cell::Int(i) => q.bind(*i),
                        Cell::Null => q.bind(None::<String>),
                    };
                }
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

pub(crate) fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// The size of a generated street.
struct StreetPlan<'a> {
    name: &'a str,
    communities: usize,
    per_community: usize,
    episodes: usize,
}

/// A street of communities with households of one resident each, and open episodes spread over
/// them, responsibility of `worker`; returns (street, episode ids).
async fn street(
    app: &App,
    city: &sanshe_store::areas::AreaRow,
    plan: StreetPlan<'_>,
    worker: &str,
    started_at: i64,
) -> Result<(sanshe_store::areas::AreaRow, Vec<String>)> {
    let StreetPlan {
        name,
        communities,
        per_community,
        episodes,
    } = plan;
    let mut conn = app.db.conn().await?;
    let district = area(&mut conn, Some(city), District, &format!("{name}区")).await?;
    let street = area(&mut conn, Some(&district), Street, name).await?;
    let mut homes = Vec::new();
    for c in 0..communities {
        let community = area(
            &mut conn,
            Some(&street),
            Community,
            &format!("{name}{c}社区"),
        )
        .await?;
        let compound = area(
            &mut conn,
            Some(&community),
            Compound,
            &format!("{name}{c}小区"),
        )
        .await?;
        for h in 0..per_community {
            homes.push((compound.id.clone(), compound.path.clone(), h));
        }
    }
    drop(conn);
    let mut households = Vec::new();
    let mut residents = Vec::new();
    let mut rows_e = Vec::new();
    let mut ids = Vec::new();
    // Spread the episodes evenly over the street's communities.
    let every = (homes.len() / episodes.max(1)).max(1);
    for (i, (area_id, path, h)) in homes.iter().enumerate() {
        let hid = new_id();
        let rid = new_id();
        households.push(vec![
            t(&hid),
            t(area_id),
            t(path),
            t(format!("{}号楼", h / 72 + 1)),
            t(format!("{}单元", h % 72 / 24 + 1)),
            t(format!("{}", 101 + h % 24)),
            Cell::Int(0),
            Cell::Int(0),
        ]);
        residents.push(vec![
            t(&rid),
            t(&hid),
            t(path),
            t(format!("居民{i}")),
            t("female"),
            t("1960-01-01"),
            t("mainland_id"),
            t("sealed"),
            t(format!("{name}-{i}")),
            t("120***********001X"),
            Cell::Int(0),
            Cell::Int(0),
            Cell::Int(0),
            Cell::Int(0),
            Cell::Int(0),
            Cell::Int(0),
            Cell::Int(0),
        ]);
        if i % every == 0 && ids.len() < episodes {
            let eid = new_id();
            rows_e.push(vec![
                t(&eid),
                t(&rid),
                t(&hid),
                t(path),
                t("home_medical_observation"),
                t("arrival"),
                t("2026-02-01"),
                Cell::Int(started_at),
                t("2026-02-15"),
                t("open"),
                t(&rid),
                t(worker),
                t("link"),
                t(format!("h{eid}")),
                Cell::Int(started_at),
            ]);
            ids.push(eid);
        }
    }
    insert(app, "households", HOUSEHOLD_COLUMNS, households).await?;
    insert(
        app,
        "residents",
        &[
            "id",
            "household_id",
            "area_path",
            "name",
            "sex",
            "birth_date",
            "document_kind",
            "document_cipher",
            "document_hash",
            "document_masked",
            "living_alone",
            "elderly_80",
            "disabled",
            "chronic_illness",
            "pregnant",
            "created_at",
            "updated_at",
        ],
        residents,
    )
    .await?;
    insert(
        app,
        "isolation_episodes",
        &[
            "id",
            "resident_id",
            "household_id",
            "area_path",
            "kind",
            "source_kind",
            "exposure_date",
            "started_at",
            "planned_end",
            "status",
            "open_key",
            "worker_id",
            "follow_up",
            "link_hash",
            "created_at",
        ],
        rows_e,
    )
    .await?;
    Ok((street, ids))
}

/// Reports of `slot` for every episode but each `skip`-th; every `fever`-th has a fever.
async fn reports(
    app: &App,
    episodes: &[String],
    slot: Slot,
    skip: usize,
    fever: usize,
) -> Result<()> {
    let at = utc_ms(slot.start()) + 3 * 3600 * 1000;
    let rows = episodes
        .iter()
        .enumerate()
        .filter(|(i, _)| i % skip != 0)
        .map(|(i, e)| {
            vec![
                t(new_id()),
                t(e),
                t(slot.key()),
                Cell::Int(if i % fever == 1 { 385 } else { 365 }),
                t(""),
                Cell::Int(at),
                t("resident"),
                Cell::Int(at),
            ]
        })
        .collect();
    insert(
        app,
        "health_reports",
        &[
            "id",
            "episode_id",
            "slot",
            "temperature",
            "symptoms",
            "reported_at",
            "entered_by",
            "updated_at",
        ],
        rows,
    )
    .await
}

/// Runs the front-line benchmark on SQLite or PostgreSQL.
pub async fn run(postgres: Option<&str>) -> Result<()> {
    println!("sanshe front-line benchmark on {}", engine(postgres));
    let (mut app, url) = open(postgres, "frontline").await?;
    let today = NaiveDate::from_ymd_opt(2026, 2, 6).unwrap_or_default();
    app.clock = Clock::fixed_local(today, 15, 0);
    let mut conn = app.db.conn().await?;
    let city = area(&mut conn, None, City, "天津市").await?;
    drop(conn);
    let _cli = Actor::command_line(&app).await?;
    let worker = bench_account(&app, "bench.worker", "值班社工", "coordinator", &city.id).await?;
    let started_at = utc_ms(today.and_hms_opt(0, 0, 0).unwrap_or_default()) - 3 * 86_400_000;

    let built = Instant::now();
    let (street_a, ids_a) = street(
        &app,
        &city,
        StreetPlan {
            name: "甲街道",
            communities: 10,
            per_community: 5_000,
            episodes: 2_000,
        },
        &worker.id,
        started_at,
    )
    .await?;
    let am = Slot {
        date: today,
        half: Half::Morning,
    };
    reports(&app, &ids_a, am, 10, 40).await?;
    println!(
        "street A: 50,000 households, 2,000 open episodes, built in {:.1} s",
        built.elapsed().as_secs_f64()
    );

    // Baseline: the same open episodes and their two report look-ups in one bare query.
    let mut raw = Vec::new();
    for _ in 0..20 {
        let mut conn = app.db.conn().await?;
        let started = Instant::now();
        let rows = sqlx::query(
            "SELECT e.id, am.temperature, pm.temperature FROM isolation_episodes e \
             LEFT JOIN health_reports am ON am.episode_id = e.id AND am.slot = $3 \
             LEFT JOIN health_reports pm ON pm.episode_id = e.id AND pm.slot = $4 \
             WHERE e.status = 'open' AND e.area_path >= $1 AND e.area_path < $2",
        )
        .bind(&street_a.path)
        .bind(format!("{}g", street_a.path))
        .bind(am.key())
        .bind(
            Slot {
                date: today,
                half: Half::Afternoon,
            }
            .key(),
        )
        .fetch_all(&mut *conn)
        .await?;
        raw.push(started.elapsed());
        assert_eq!(rows.len(), 2_000);
    }
    let raw = median(raw);

    let router = sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default()));
    let session = bench_session(&app, "bench.worker", SessionKind::Web).await?;
    let mut page = Vec::new();
    let mut json = Vec::new();
    for _ in 0..20 {
        for (path, out) in [
            (format!("/boards/{}", street_a.id), &mut page),
            (format!("/api/v1/boards/{}", street_a.id), &mut json),
        ] {
            let (took, body) = timed_get(&router, &session.token, &path).await?;
            out.push(took);
            assert!(
                body.len() > 200,
                "board rendered: {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    let board = isolation::board(&app, &Actor::command_line(&app).await?, &street_a.id).await?;
    println!(
        "board of street A (open {}, due {}, received {}, fever {}):\n  page {:.1} ms, JSON {:.1} ms (median of 20; target < 100 ms)\n  baseline bare query {:.1} ms -> page/baseline {:.1}x",
        board.total.open,
        board.total.due,
        board.total.received,
        board.total.fever,
        ms(median(page.clone())),
        ms(median(json)),
        ms(raw),
        ms(median(page)) / ms(raw)
    );

    let built = Instant::now();
    let (_, mut ids_b) = street(
        &app,
        &city,
        StreetPlan {
            name: "乙街道",
            communities: 20,
            per_community: 4_900,
            episodes: 98_000,
        },
        &worker.id,
        started_at,
    )
    .await?;
    reports(&app, &ids_b, am, 20, 1_000_000).await?;
    ids_b.extend(ids_a.iter().cloned());
    // Slots before the measured ones count as scanned, so each run scans exactly one slot.
    let mut conn = app.db.conn().await?;
    let mut slot = am;
    for _ in 0..8 {
        slot = slot.previous();
        sqlx::query("INSERT INTO report_scans (slot, scanned_at, missed) VALUES ($1, 0, 0)")
            .bind(slot.key())
            .execute(&mut *conn)
            .await?;
    }
    drop(conn);
    let slots = [am, am.next(), am.next().next()];
    for s in &slots[1..] {
        reports(&app, &ids_b, *s, 20, 1_000_000).await?;
    }
    println!(
        "100,000 open episodes with three slots of reports, built in {:.1} s",
        built.elapsed().as_secs_f64()
    );

    let mut raw_scan = Vec::new();
    for s in &slots {
        let mut conn = app.db.conn().await?;
        let started = Instant::now();
        let rows = sqlx::query(
            "SELECT e.id, e.area_path FROM isolation_episodes e WHERE e.status = 'open' \
             AND NOT EXISTS (SELECT 1 FROM health_reports r WHERE r.episode_id = e.id AND r.slot = $1)",
        )
        .bind(s.key())
        .fetch_all(&mut *conn)
        .await?;
        raw_scan.push(started.elapsed());
        assert!(rows.len() >= 5_000);
    }
    let raw_scan = median(raw_scan);
    let mut scans = Vec::new();
    for s in &slots {
        // Two hours and a minute after the slot ends its misses are due.
        app.clock = Clock::fixed_ms(utc_ms(s.end()) + 121 * 60_000);
        let started = Instant::now();
        let summary = isolation::scan(&app).await?;
        let took = started.elapsed();
        println!(
            "  scan of {}: {} missed, {} alerts raised or counted, {:.0} ms",
            summary.slots.join(","),
            summary.missed,
            summary.alerts,
            ms(took)
        );
        scans.push(took);
    }
    println!(
        "missed-report scan over 100,000 open episodes: {:.0} ms (median of 3; target < 1,000 ms)\n  baseline bare query finding the misses {:.0} ms -> scan/baseline {:.1}x",
        ms(median(scans.clone())),
        ms(raw_scan),
        ms(median(scans)) / ms(raw_scan)
    );
    discard(app, postgres, &url).await
}
