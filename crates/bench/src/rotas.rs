//! Rota benchmark (issue "Volunteers and social workers" › Speed):
//!
//! ```sh
//! cargo run --release -p sanshe-bench -- rotas [--postgres postgres://postgres@127.0.0.1:5432/test]
//! ```
//!
//! A street of 20 communities with 1,000 duty posts (round the clock, 8-hour shifts, two people)
//! and 5,000 volunteers deployed to them. Timed, through the use cases: making a month of shifts
//! for every post (90,000 shifts), checking every booking of the month against the limits
//! (30,000 bookings), and computing the month's coverage gaps per post; then the street's rota
//! page (gaps per post) and a community's (every shift) through the router. Baselines in the same
//! run: a bare insert of the same number of shift rows in one transaction, and the bare reads of
//! the month's bookings and per-post counts.

use sanshe_core::accounts::SessionKind;
use sanshe_core::areas::AreaKind::{City, Community, District, Street};
use std::time::Instant;

use anyhow::Result;
use chrono::NaiveDate;
use sanshe_app::accounts::Actor;
use sanshe_app::{Clock, rotas, utc_ms};
use sanshe_store::new_id;
use sanshe_store::statements::Statements;

use crate::frontline::{Cell, USER_COLUMNS, insert, t};
use crate::{
    add_communities, area, bench_account, bench_session, discard, engine, median, ms, open,
    timed_get,
};

const COMMUNITIES: usize = 20;
const POSTS_PER_COMMUNITY: usize = 50;
const VOLUNTEERS_PER_COMMUNITY: usize = 250;
const DAYS: u32 = 30;

/// Inserts shifts by the store alone, in one transaction, on the connection the use case uses.
async fn insert_bare(
    app: &sanshe_app::App,
    rows: Vec<sanshe_store::rotas::ShiftRow>,
) -> Result<()> {
    match app.db.sqlite_file.clone() {
        Some(file) => {
            let mut conn = sanshe_store::statements::OwnConnection::open(&file)?;
            let mut tx = conn.begin()?;
            sanshe_store::rotas::insert_shifts(&mut tx, &rows).await?;
            tx.commit()?;
        }
        None => {
            let mut tx = app.db.begin().await?;
            sanshe_store::rotas::insert_shifts(&mut *tx, &rows).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// Runs the rota benchmark.
pub async fn run(postgres: Option<&str>) -> Result<()> {
    println!("sanshe rota benchmark on {}", engine(postgres));
    let (mut app, url) = open(postgres, "rotas").await?;
    let today = NaiveDate::from_ymd_opt(2026, 2, 6).unwrap_or_default();
    app.clock = Clock::fixed_local(today, 9, 0);
    let from = today + chrono::Duration::days(1);
    let mut conn = app.db.conn().await?;
    let city = area(&mut conn, None, City, "天津市").await?;
    let district = area(&mut conn, Some(&city), District, "南开区").await?;
    let street = area(&mut conn, Some(&district), Street, "体育中心街道").await?;
    // The baseline's posts live in another street, out of the measured rota.
    let elsewhere = area(&mut conn, Some(&district), Street, "长虹街道").await?;
    let elsewhere = area(&mut conn, Some(&elsewhere), Community, "对照社区").await?;
    let communities = add_communities(&mut conn, &street, COMMUNITIES, |c| {
        format!("第{}社区", c + 1)
    })
    .await?;
    drop(conn);
    let _cli = Actor::command_line(&app).await?;
    let coordinator = bench_account(
        &app,
        "bench.coordinator",
        "街道协调员",
        "coordinator",
        &city.id,
    )
    .await?;
    let coordinator = sanshe_app::accounts::actor_of(&app, &coordinator.id).await?;

    // Posts, and a second set of the same size for the baseline insert.
    let mut posts = Vec::new();
    let mut baseline_posts = Vec::new();
    for (c, community) in communities.iter().enumerate() {
        for p in 0..POSTS_PER_COMMUNITY * 2 {
            let home = if p < POSTS_PER_COMMUNITY {
                community
            } else {
                &elsewhere
            };
            let post = rotas::add_post(
                &app,
                &coordinator,
                &rotas::PostInput {
                    area_id: home.id.clone(),
                    name: format!("{c}-{p}号卡口"),
                    kind: "gate".into(),
                    cover_from: "08:00".into(),
                    cover_hours: 24,
                    shift_hours: 8,
                    people: 2,
                    skill: None,
                    gate_id: None,
                },
            )
            .await?;
            if p < POSTS_PER_COMMUNITY {
                posts.push((c, p, post));
            } else {
                baseline_posts.push((elsewhere.path.clone(), post));
            }
        }
    }

    // Volunteers, deployed (bulk: setting up is not what is measured).
    let mut users = Vec::new();
    let mut grants = Vec::new();
    let mut volunteers: Vec<Vec<String>> = vec![Vec::new(); COMMUNITIES];
    for (c, community) in communities.iter().enumerate() {
        for v in 0..VOLUNTEERS_PER_COMMUNITY {
            let id = new_id();
            users.push(vec![
                t(&id),
                t(format!("vol.{c}.{v}")),
                t(format!("志愿者{c}-{v}")),
                t("x"),
                t("zh-CN"),
                Cell::Int(1),
                Cell::Int(0),
            ]);
            grants.push(vec![
                t(new_id()),
                t(&id),
                t("volunteer"),
                t(&community.id),
                Cell::Int(0),
            ]);
            volunteers[c].push(id);
        }
    }
    insert(&app, "users", USER_COLUMNS, users).await?;
    insert(
        &app,
        "grants",
        &["id", "user_id", "role", "area_id", "created_at"],
        grants,
    )
    .await?;

    // (1) A month of shifts for every post of the street, through the use case (one call).
    // Baseline: the same number of rows inserted by the store alone in one transaction, on the
    // connection the use case uses (its own on a SQLite file, the pool's on PostgreSQL). A
    // warm-up of the same size goes first, so neither measured run pays for the write-ahead
    // log's first growth (the first big transaction was ~200 ms slower, whichever it was).
    let baseline_rows = |first: NaiveDate| -> Vec<sanshe_store::rotas::ShiftRow> {
        baseline_posts
            .iter()
            .flat_map(|(path, post)| {
                (0..DAYS * 3).map(move |i| {
                    let start = utc_ms(first.and_hms_opt(8, 0, 0).unwrap_or_default())
                        + i64::from(i) * 8 * 3_600_000;
                    sanshe_store::rotas::ShiftRow {
                        id: new_id(),
                        post_id: post.id.clone(),
                        area_path: path.clone(),
                        starts_at: start,
                        ends_at: start + 8 * 3_600_000,
                        people: 2,
                        taken: 0,
                    }
                })
            })
            .collect()
    };
    insert_bare(&app, baseline_rows(from - chrono::Duration::days(60))).await?;
    let started = Instant::now();
    let made = rotas::make_area_shifts(&app, &coordinator, &street.id, from, DAYS).await?;
    let generate = started.elapsed();
    let rows = baseline_rows(from);
    let started = Instant::now();
    insert_bare(&app, rows).await?;
    let generate_base = started.elapsed();

    // Bookings: each volunteer on one 8-hour shift every fifth day (6 a month), set up in bulk.
    let mut conn = app.db.conn().await?;
    let mut bookings = Vec::new();
    for (c, community) in communities.iter().enumerate() {
        let shifts = sanshe_store::rotas::shifts_between(
            &mut *conn,
            std::slice::from_ref(&street.path),
            &community.path,
            0,
            i64::MAX,
        )
        .await?;
        for (_, p, post) in posts.iter().filter(|(pc, _, _)| *pc == c) {
            let mine: Vec<&sanshe_store::rotas::ShiftRow> =
                shifts.iter().filter(|s| s.post_id == post.id).collect();
            for (index, s) in mine.iter().enumerate() {
                let (day, slot) = (index / 3, index % 3);
                for (v, vid) in volunteers[c].iter().enumerate() {
                    let group = v / POSTS_PER_COMMUNITY;
                    if v % POSTS_PER_COMMUNITY == *p && group % 3 == slot && day % 5 == group {
                        bookings.push(vec![
                            t(&s.id),
                            t(vid),
                            Cell::Int(s.starts_at),
                            Cell::Int(s.ends_at),
                            t("bench"),
                            Cell::Int(0),
                        ]);
                    }
                }
            }
        }
    }
    drop(conn);
    let booked = bookings.len();
    insert(
        &app,
        "shift_people",
        &[
            "shift_id",
            "user_id",
            "starts_at",
            "ends_at",
            "booked_by",
            "booked_at",
        ],
        bookings,
    )
    .await?;
    let mut conn = app.db.conn().await?;
    conn.run(
        "UPDATE shifts SET taken = (SELECT COUNT(*) FROM shift_people b WHERE b.shift_id = shifts.id)",
        &[],
    )
    .await?;
    drop(conn);

    // (2) Every booking of the month checked against the limits; (3) the month's rota and gaps.
    let mut check = Vec::new();
    let mut gaps = Vec::new();
    let mut base = Vec::new();
    let mut breaches = 0;
    let mut gap_minutes = 0;
    for _ in 0..3 {
        let started = Instant::now();
        breaches = rotas::breaches(&app, &coordinator, &street.id, from, DAYS)
            .await?
            .len();
        check.push(started.elapsed());
        let started = Instant::now();
        gap_minutes = rotas::gaps(&app, &coordinator, &street.id, from, DAYS)
            .await?
            .gap_minutes;
        gaps.push(started.elapsed());
        // Baseline: the bare reads the two make (the month's bookings; the per-post counts).
        let started = Instant::now();
        let mut conn = app.db.conn().await?;
        let start = utc_ms(from.and_hms_opt(0, 0, 0).unwrap_or_default());
        let end = start + i64::from(DAYS) * 86_400_000;
        // The bookings on the path the use case reads them (its own connection on SQLite).
        let (roots, path) = (vec![street.path.clone()], street.path.clone());
        let held = match app
            .db
            .on_own_connection(move |conn, runtime| {
                runtime.block_on(sanshe_store::rotas::bookings_between(
                    conn, &roots, &path, start, end,
                ))
            })
            .await
        {
            Some(read) => read?,
            None => {
                sanshe_store::rotas::bookings_between(
                    &mut *conn,
                    std::slice::from_ref(&street.path),
                    &street.path,
                    start,
                    end,
                )
                .await?
            }
        };
        let counted = sanshe_store::rotas::gaps(
            &mut *conn,
            std::slice::from_ref(&street.path),
            &street.path,
            start,
            end,
        )
        .await?;
        assert!(!counted.is_empty() && !held.is_empty());
        base.push(started.elapsed());
    }
    let (check, gaps, base) = (median(check), median(gaps), median(base));
    let total = generate + check + gaps;
    println!(
        "a month for {} posts, {} volunteers: {made} shifts made, {booked} bookings, {breaches} breaches, {} gap hours",
        posts.len(),
        COMMUNITIES * VOLUNTEERS_PER_COMMUNITY,
        gap_minutes / 60
    );
    println!(
        "  make shifts {:.0} ms (the store alone inserting as many rows {:.0} ms -> {:.1}x)",
        ms(generate),
        ms(generate_base),
        ms(generate) / ms(generate_base)
    );
    println!(
        "  check limits {:.0} ms, coverage gaps {:.0} ms (bare reads of the bookings and the per-post counts {:.0} ms -> {:.1}x)",
        ms(check),
        ms(gaps),
        ms(base),
        ms(check + gaps) / ms(base)
    );
    println!("  total {:.0} ms (target < 1,000 ms)", ms(total));

    // (4) The street's rota page.
    let router = sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default()));
    let session = bench_session(&app, "bench.coordinator", SessionKind::Web).await?;
    for (label, area, days) in [
        ("street", &street.id, 7),
        ("street", &street.id, 30),
        ("community", &communities[0].id, 7),
    ] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..10 {
            let path = format!("/rota?area={area}&from={from}&days={days}");
            let (took, body) = timed_get(&router, &session.token, &path).await?;
            times.push(took);
            size = body.len();
        }
        println!(
            "  {label} rota page, {days} days: {:.1} ms, {} kB (median of 10; target < 100 ms)",
            ms(median(times)),
            size / 1024
        );
    }
    discard(app, postgres, &url).await
}
