//! Gate scan benchmark (issue "Gate checkpoints" › Speed and safety):
//!
//! ```sh
//! cargo run --release -p sanshe-bench -- gates --postgres postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! One load generator — 64 connections, each sending its next request as soon as the previous
//! answer arrives — against, in one run: (a) a bare axum server answering a fixed JSON body,
//! (b) `POST /api/v1/scans` of the real router over SQLite, (c) the same over PostgreSQL (when a
//! URL is given). Each scan is a new device id, a pass of 10,000 households typed by code, in or
//! out, 1% with a fever: pass check, fever rule, quota, suspension and hourly counts all run, and
//! the answer comes after the commit. The three are measured in turn for five rounds; prints
//! requests/s, p50/p99 and the ratios to (a) of each round, and the medians of the ratios.

use sanshe_core::accounts::SessionKind;
use sanshe_core::areas::AreaKind::{City, Community, Compound, District, Street};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;
use sanshe_app::accounts::Actor;
use sanshe_app::{App, Clock};
use sanshe_store::new_id;

use crate::frontline::{Cell, HOUSEHOLD_COLUMNS, insert, t};
use crate::{area, bench_account, bench_session, discard, open};

const CONNECTIONS: usize = 64;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);
/// The targets are measured in turn, round after round: this machine's speed drifts by half
/// within minutes, so a ratio is taken within a round and the median over rounds is reported.
const ROUNDS: usize = 5;

/// Requests/s and latency percentiles of one target.
struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

/// Drives `CONNECTIONS` clients against `url`; `body(i)` makes the i-th request body of a client.
async fn load(
    url: String,
    token: Option<String>,
    codes: Arc<Vec<String>>,
    gate: String,
) -> Result<Load> {
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..CONNECTIONS {
        // One client each: one keep-alive connection per simulated gate phone.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()?;
        let (url, token, codes, gate, stop, measuring) = (
            url.clone(),
            token.clone(),
            codes.clone(),
            gate.clone(),
            stop.clone(),
            measuring.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::with_capacity(200_000);
            let mut errors = 0usize;
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let code = &codes[(c * 7919 + i * 104_729) % codes.len()];
                let body = serde_json::json!({
                    "id": uuid::Uuid::now_v7().to_string(),
                    "gate_id": gate,
                    "pass_code": code,
                    "direction": if i.is_multiple_of(2) { "in" } else { "out" },
                    "temperature": if i.is_multiple_of(100) { 37.8 } else { 36.5 },
                });
                let mut req = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.to_string());
                if let Some(t) = &token {
                    req = req.header("authorization", format!("Bearer {t}"));
                }
                let started = Instant::now();
                let ok = match req.send().await {
                    Ok(r) => {
                        let good = r.status().is_success();
                        let _ = r.bytes().await;
                        good
                    }
                    Err(_) => false,
                };
                if measuring.load(Ordering::Relaxed) {
                    if ok {
                        latencies.push(started.elapsed().as_micros() as u32);
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(WARM_UP).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(MEASURE).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    Ok(Load {
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors,
    })
}

/// The servers' own runtime, two workers as the server binary has on this machine, apart from
/// the load generator's: a gate phone is not in the server's process. Sharing one runtime, a
/// client and the server task of its connection could run on one worker without waking the
/// other, and the bare server's figure swung between 17k and 33k req/s from round to round.
fn servers() -> &'static tokio::runtime::Runtime {
    static SERVERS: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    SERVERS.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("server")
            .enable_all()
            .build()
            // Only when the process cannot make threads; the benchmark cannot run then.
            .expect("a runtime for the servers")
    })
}

/// Serves `router` on the servers' runtime; its address.
async fn serve(router: axum::Router) -> Result<String> {
    servers()
        .spawn(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(async move { axum::serve(listener, router).await.ok() });
            Ok(format!("http://{addr}"))
        })
        .await?
}

/// A compound of 10,000 households with a gate, a worker, and a pass per household.
async fn prepare(app: &App) -> Result<(String, String, Vec<String>)> {
    let mut conn = app.db.conn().await?;
    let mut place = area(&mut conn, None, City, "天津市").await?;
    for (kind, name) in [
        (District, "南开区"),
        (Street, "体育中心街道"),
        (Community, "凌研里社区"),
        (Compound, "凌研里一区"),
    ] {
        place = area(&mut conn, Some(&place), kind, name).await?;
    }
    drop(conn);
    let cli = Actor::command_line(app).await?;
    bench_account(
        app,
        "gate.volunteer",
        "卡口志愿者",
        "community_worker",
        &place.id,
    )
    .await?;
    let gate = sanshe_app::gates::add_gate(app, &cli, &place.id, "南门").await?;
    let letters: Vec<char> = sanshe_core::gates::CODE_ALPHABET.chars().collect();
    let mut households = Vec::new();
    let mut passes = Vec::new();
    let mut codes = Vec::new();
    for i in 0..10_000usize {
        let hid = new_id();
        households.push(vec![
            t(&hid),
            t(&place.id),
            t(&place.path),
            t(format!("{}号楼", i / 100 + 1)),
            t("1单元"),
            t(format!("{}", i % 100)),
            Cell::Int(0),
            Cell::Int(0),
        ]);
        let mut n = i * 7_368_787 + 1;
        let code: String = (0..8)
            .map(|_| {
                let c = letters[n % letters.len()];
                n /= letters.len();
                c
            })
            .collect();
        passes.push(vec![
            t(new_id()),
            t(&code),
            t(&place.id),
            t(&place.path),
            t(&hid),
            t("2020-01-01"),
            t("2099-12-31"),
            Cell::Int(0),
        ]);
        codes.push(code);
    }
    insert(app, "households", HOUSEHOLD_COLUMNS, households).await?;
    insert(
        app,
        "passes",
        &[
            "id",
            "code",
            "compound_id",
            "area_path",
            "household_id",
            "valid_from",
            "valid_to",
            "created_at",
        ],
        passes,
    )
    .await?;
    let session = bench_session(app, "gate.volunteer", SessionKind::Api).await?;
    Ok((gate.id, session.token, codes))
}

/// A scan server ready for load: its application, address, session and passes.
struct ScanTarget {
    app: App,
    db_url: String,
    postgres: Option<String>,
    url: String,
    token: String,
    codes: Arc<Vec<String>>,
    gate: String,
}

async fn scan_target(postgres: Option<&str>) -> Result<ScanTarget> {
    let (mut app, db_url) = open(postgres, "gates").await?;
    app.clock = Clock::fixed_local(
        chrono::NaiveDate::from_ymd_opt(2026, 2, 6).unwrap_or_default(),
        10,
        0,
    );
    let (gate, token, codes) = prepare(&app).await?;
    // The state starts the scan writer: on PostgreSQL a task, which belongs with the server.
    let serving = app.clone();
    let state = servers()
        .spawn(async move { sanshe_web::AppState::new(serving, Default::default()) })
        .await?;
    let base = serve(sanshe_web::router(state)).await?;
    Ok(ScanTarget {
        app,
        db_url,
        postgres: postgres.map(String::from),
        url: format!("{base}/api/v1/scans"),
        token,
        codes: Arc::new(codes),
        gate,
    })
}

impl ScanTarget {
    async fn load(&self) -> Result<Load> {
        load(
            self.url.clone(),
            Some(self.token.clone()),
            self.codes.clone(),
            self.gate.clone(),
        )
        .await
    }

    /// Counts what was recorded and removes the database.
    async fn finish(self, label: &str, errors: usize) -> Result<()> {
        let mut conn = self.app.db.conn().await?;
        let recorded: i64 = sqlx::Row::try_get(
            &sqlx::query("SELECT COUNT(*) FROM scans")
                .fetch_one(&mut *conn)
                .await?,
            0,
        )?;
        println!("  {label}: {recorded} scans recorded, {errors} errors");
        drop(conn);
        discard(self.app, self.postgres.as_deref(), &self.db_url).await
    }
}

fn line(label: &str, l: &Load) -> String {
    format!(
        "{label:<32} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        l.rps, l.p50_ms, l.p99_ms
    )
}

fn median_of(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Traffic statistics of a street whose 200 gates recorded 10,080,000 scans over 30 days, kept as
/// hourly counts: the day's statistics through the use case, against the bare rollup query.
async fn street_traffic(postgres: Option<&str>) -> Result<()> {
    let (mut app, url) = open(postgres, "traffic").await?;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 2, 6).unwrap_or_default();
    app.clock = Clock::fixed_local(today, 20, 0);
    let mut conn = app.db.conn().await?;
    let mut place = area(&mut conn, None, City, "天津市").await?;
    for (kind, name) in [(District, "南开区"), (Street, "体育中心街道")] {
        place = area(&mut conn, Some(&place), kind, name).await?;
    }
    let street = place;
    let mut gates = Vec::new();
    for c in 0..20 {
        let community = area(&mut conn, Some(&street), Community, &format!("社区{c}")).await?;
        for k in 0..5 {
            let compound = area(&mut conn, Some(&community), Compound, &format!("小区{k}")).await?;
            for g in ["南门", "北门"] {
                let id = new_id();
                sanshe_store::gates::insert_gate(
                    &mut conn,
                    &id,
                    &compound.id,
                    &compound.path,
                    g,
                    0,
                )
                .await?;
                gates.push((id, compound.path.clone()));
            }
        }
    }
    drop(conn);
    let mut rows = Vec::new();
    for d in 0..30 {
        let day = today - chrono::Duration::days(d);
        for h in 0..24u32 {
            let start = sanshe_app::utc_ms(day.and_hms_opt(h, 0, 0).unwrap_or_default());
            for (id, path) in &gates {
                rows.push(vec![
                    t(id),
                    Cell::Int(start),
                    t(day.format("%Y-%m-%d").to_string()),
                    t(path),
                    Cell::Int(34),
                    Cell::Int(34),
                    Cell::Int(2),
                    Cell::Int(0),
                ]);
            }
        }
    }
    let scans = rows.len() as i64 * 70;
    insert(
        &app,
        "gate_hours",
        &[
            "gate_id",
            "hour_start",
            "day",
            "area_path",
            "entries",
            "exits",
            "refused",
            "visitors",
        ],
        rows,
    )
    .await?;
    let cli = Actor::command_line(&app).await?;
    let mut use_case = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let traffic =
            sanshe_app::gates::traffic(&app, &cli, &street.id, Some("2026-02-06")).await?;
        use_case.push(started.elapsed());
        assert_eq!(traffic.total.entries, 34 * 24 * 200);
        let mut conn = app.db.conn().await?;
        let started = Instant::now();
        let r = sqlx::query(sanshe_store::gates::HOURS_SQL)
            .bind("2026-02-06")
            .bind(&street.path)
            .bind(format!("{}g", street.path))
            .fetch_all(&mut *conn)
            .await?;
        bare.push(started.elapsed());
        assert_eq!(r.len(), 24 * 200);
    }
    let (u, b) = (crate::median(use_case), crate::median(bare));
    println!(
        "traffic of a street, {scans} scans in 30 days (200 gates): {:.1} ms (median of 20; target < 200 ms); bare rollup query {:.1} ms -> {:.1}x",
        u.as_secs_f64() * 1000.0,
        b.as_secs_f64() * 1000.0,
        u.as_secs_f64() / b.as_secs_f64()
    );
    discard(app, postgres, &url).await
}

/// Runs the gate benchmark.
pub async fn run(postgres: Option<&str>) -> Result<()> {
    println!(
        "sanshe gate scan benchmark: {CONNECTIONS} connections; {ROUNDS} rounds of (a), (b){}, each {} s after {} s warm-up",
        if postgres.is_some() { ", (c)" } else { "" },
        MEASURE.as_secs(),
        WARM_UP.as_secs()
    );
    let bare = axum::Router::new().route(
        "/x",
        axum::routing::post(|_body: axum::body::Bytes| async {
            (
                axum::http::StatusCode::CREATED,
                axum::Json(serde_json::json!({"decision": "allowed", "reason": null})),
            )
        }),
    );
    let bare = format!("{}/x", serve(bare).await?);
    let sqlite = scan_target(None).await?;
    let pg = match postgres {
        Some(url) => Some(scan_target(Some(url)).await?),
        None => None,
    };
    let (mut ba, mut ca, mut p99b, mut p99c) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut errors_b, mut errors_c) = (0, 0);
    for round in 1..=ROUNDS {
        println!("round {round}");
        let a = load(
            bare.clone(),
            None,
            Arc::new(vec!["X".into()]),
            String::new(),
        )
        .await?;
        println!("  {}", line("(a) bare axum, fixed JSON", &a));
        let b = sqlite.load().await?;
        errors_b += b.errors;
        println!(
            "  {}  b/a = {:.2}",
            line("(b) POST /api/v1/scans, SQLite", &b),
            b.rps / a.rps
        );
        ba.push(b.rps / a.rps);
        p99b.push(b.p99_ms);
        if let Some(pg) = &pg {
            let c = pg.load().await?;
            errors_c += c.errors;
            println!(
                "  {}  c/a = {:.2}",
                line("(c) POST /api/v1/scans, PostgreSQL", &c),
                c.rps / a.rps
            );
            ca.push(c.rps / a.rps);
            p99c.push(c.p99_ms);
        }
    }
    println!(
        "median over {ROUNDS} rounds: b/a = {:.2} (target >= 0.40), p99 of (b) {:.2} ms (target <= 25 ms)",
        median_of(ba),
        median_of(p99b)
    );
    if pg.is_some() {
        println!(
            "median over {ROUNDS} rounds: c/a = {:.2}, p99 of (c) {:.2} ms",
            median_of(ca),
            median_of(p99c)
        );
    }
    sqlite.finish("(b)", errors_b).await?;
    if let Some(pg) = pg {
        pg.finish("(c)", errors_c).await?;
    }
    print!("SQLite: ");
    street_traffic(None).await?;
    if postgres.is_some() {
        print!("PostgreSQL: ");
        street_traffic(postgres).await?;
    }
    Ok(())
}
