//! Registry benchmark (DESIGN.md §3, issue "Foundation" › Speed). Not a test: run it with
//!
//! ```sh
//! cargo run --release -p sanshe-bench -- --rows 1000000
//! cargo run --release -p sanshe-bench -- --rows 1000000 --postgres postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! In one run on one machine it measures (a) the raw insert rate of the `residents` table — the same
//! schema and indexes, precomputed values, batched multi-row inserts, no validation — and (b) a
//! full import of generated CSV files of the same total size through `imports::import_residents`
//! (parse, validate, encrypt, hash, dedupe, households, areas), one file per community of 10,000
//! residents as a street office would import them, and prints b/a. Then, on the imported registry,
//! it times searches by name prefix and by ID number (a community worker's and the city
//! coordinator's), and a community's resident list page through the real router.

use sanshe_core::accounts::SessionKind;
use sanshe_core::areas::AreaKind;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Parser;
use sanshe_app::accounts::{Actor, GrantTarget};
use sanshe_app::vault::Vault;
use sanshe_app::{App, imports, registry};
use sanshe_core::identity::MainlandId;
use sanshe_store::areas::AreaRow;
use sanshe_store::new_id;
use tower::ServiceExt;

mod frontline;
mod gates;
mod map;
mod rotas;

#[derive(Parser)]
struct Args {
    /// `frontline` (board and missed-report scan), `gates` (scans under load), `rotas` (a
    /// month of shifts) or `map` (the linkage map) instead of the registry benchmark.
    suite: Option<String>,
    /// Residents to import.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Rows per statement to try for the raw baseline (the best counts).
    #[arg(long, value_delimiter = ',', default_value = "1,10,50")]
    raw_statement_rows: Vec<usize>,
    /// Skip the raw baseline (for profiling the import alone).
    #[arg(long)]
    skip_raw: bool,
    /// Run on PostgreSQL: a server URL whose user may create databases (a new one is made).
    #[arg(long)]
    postgres: Option<String>,
}

/// Residents per community: Tianjin's communities hold a few thousand households.
const PER_COMMUNITY: usize = 10_000;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "桂兰", "建国", "淑珍",
];

struct Person {
    name: String,
    id: String,
    phone: String,
    compound: usize,
    building: usize,
    unit: usize,
    room: usize,
}

fn people(n: usize) -> Vec<Person> {
    let start = chrono::NaiveDate::from_ymd_opt(1930, 1, 1).unwrap_or_default();
    (0..n)
        .map(|i| {
            let birth = start + chrono::Days::new((i as u64 * 7919) % 30000);
            let seq = (i / 30000) as u16 % 1000;
            let region = [
                "120104", "120101", "120102", "120103", "120105", "120106", "120110", "120111",
            ][(i / 30_000_000) % 8];
            let household = i * 10 / 24; // 2.4 people per household
            Person {
                name: format!(
                    "{}{}",
                    SURNAMES[i % SURNAMES.len()],
                    GIVEN[(i / SURNAMES.len()) % GIVEN.len()]
                ),
                id: MainlandId::synthesize(region, birth, seq)
                    .as_str()
                    .to_string(),
                phone: format!("139{:08}", i),
                compound: household / 20_000,
                building: (household / 200) % 100,
                unit: (household / 50) % 4,
                room: household % 50,
            }
        })
        .collect()
}

/// The engine's name for a benchmark's first line.
fn engine(postgres: Option<&str>) -> &'static str {
    if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// A GET through the router as the signed-in `token` (bearer for the API, the session cookie
/// for a page), timed from the request to the body's last byte. Anything but a success is an
/// error: a redirect or a refusal is not the page the benchmark means to time.
async fn timed_get(
    router: &axum::Router,
    token: &str,
    path: &str,
) -> Result<(Duration, axum::body::Bytes)> {
    let req = axum::http::Request::get(path);
    let req = if path.starts_with("/api") {
        req.header("authorization", format!("Bearer {token}"))
    } else {
        req.header("cookie", format!("sanshe_session={token}"))
    };
    let req = req.body(axum::body::Body::empty())?;
    let started = Instant::now();
    let resp = router.clone().oneshot(req).await?;
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
    anyhow::ensure!(status.is_success(), "{path}: {status}");
    Ok((started.elapsed(), body))
}

/// One area below `parent` (none for a city), as a use case would add it.
async fn area(
    conn: &mut sqlx::AnyConnection,
    parent: Option<&AreaRow>,
    kind: AreaKind,
    name: &str,
) -> Result<AreaRow> {
    Ok(sanshe_store::areas::insert(conn, parent, kind, None, name).await?)
}

/// `n` communities below `street`, named by `name(i)`.
async fn add_communities(
    conn: &mut sqlx::AnyConnection,
    street: &AreaRow,
    n: usize,
    name: impl Fn(usize) -> String,
) -> Result<Vec<AreaRow>> {
    let mut communities = Vec::with_capacity(n);
    for i in 0..n {
        communities.push(area(conn, Some(street), AreaKind::Community, &name(i)).await?);
    }
    Ok(communities)
}

async fn open(postgres: Option<&str>, label: &str) -> Result<(App, String)> {
    let url = match postgres {
        None => {
            let dir = std::env::temp_dir().join(format!(
                "sanshe-bench-{label}-{}",
                uuid::Uuid::now_v7().simple()
            ));
            format!("sqlite://{}/sanshe.db", dir.display())
        }
        Some(base) => {
            sqlx::any::install_default_drivers();
            let name = format!("sanshe_bench_{label}_{}", uuid::Uuid::now_v7().simple());
            let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(base).await?;
            sqlx::query(&format!(
                "CREATE DATABASE {name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
            ))
            .execute(&mut admin)
            .await?;
            let i = base
                .rfind('/')
                .context("postgres URL needs a database path")?;
            format!("{}/{name}", &base[..i])
        }
    };
    let app = App::open(&url, Vault::from_hex(&Vault::generate_hex())?).await?;
    Ok((app, url))
}

/// Closes a benchmark database and removes it (the PostgreSQL database or the SQLite folder).
async fn discard(app: App, postgres: Option<&str>, url: &str) -> Result<()> {
    app.db.pool.close().await;
    match postgres {
        Some(base) => {
            let name = url.rsplit('/').next().unwrap_or_default();
            let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(base).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin)
                .await?;
        }
        None => {
            let file = url.trim_start_matches("sqlite://");
            if let Some(dir) = std::path::Path::new(file).parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
    Ok(())
}

/// A resident row as the import would write it, computed before the clock starts.
struct RawRow {
    name: String,
    document_cipher: String,
    document_hash: String,
    document_masked: String,
    phone_cipher: String,
    phone_hash: String,
    phone_masked: String,
}

fn raw_rows(app: &App, people: &[Person]) -> Vec<RawRow> {
    people
        .iter()
        .map(|p| RawRow {
            name: p.name.clone(),
            document_cipher: app.vault.seal(&p.id),
            document_hash: app.vault.lookup_hash(&p.id),
            document_masked: sanshe_core::identity::mask_middle(&p.id, 3, 4),
            phone_cipher: app.vault.seal(&p.phone),
            phone_hash: app.vault.lookup_hash(&p.phone),
            phone_masked: sanshe_core::identity::mask_middle(&p.phone, 3, 4),
        })
        .collect()
}

/// (a) Raw inserts of precomputed resident rows — the same columns, sizes and indexes as an
/// import writes, under an area path of the same depth — in transactions of 5,000 rows.
async fn raw_insert_rate(app: &App, people: &[Person], rows_per_statement: usize) -> Result<f64> {
    let rows = raw_rows(app, people);
    let mut conn = app.db.conn().await?;
    let mut under = area(&mut conn, None, AreaKind::City, "raw").await?;
    for kind in &AreaKind::ALL[1..] {
        under = area(&mut conn, Some(&under), *kind, kind.as_str()).await?;
    }
    let household =
        sanshe_store::registry::ensure_household(&mut conn, &under.id, &under.path, "1", "1", "1")
            .await?;
    drop(conn);
    let started = Instant::now();
    for chunk in rows.chunks(5000) {
        let mut tx = app.db.begin().await?;
        for group in chunk.chunks(rows_per_statement) {
            let mut sql = String::from(
                "INSERT INTO residents (id, household_id, area_path, name, sex, birth_date, document_kind, document_cipher, document_hash, document_masked, \
                 phone_cipher, phone_hash, phone_masked, living_alone, elderly_80, disabled, chronic_illness, pregnant, sort_key, created_at, updated_at) VALUES ",
            );
            for i in 0..group.len() {
                let b = i * 11;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, 'female', '1950-01-01', 'mainland_id', ${}, ${}, ${}, ${}, ${}, ${}, 0, 0, 0, 0, 0, ${}, 0, 0)",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11
                ));
            }
            let mut q = sqlx::query(&sql);
            for r in group {
                q = q
                    .bind(new_id())
                    .bind(&household)
                    .bind(&under.path)
                    .bind(&r.name)
                    .bind(&r.document_cipher)
                    .bind(&r.document_hash)
                    .bind(&r.document_masked)
                    .bind(&r.phone_cipher)
                    .bind(&r.phone_hash)
                    .bind(&r.phone_masked)
                    // The same key an import writes, so the baseline does the same work.
                    .bind(sanshe_core::registry::name_sort_key(&r.name));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(people.len() as f64 / started.elapsed().as_secs_f64())
}

fn csv_of(people: &[Person]) -> Vec<u8> {
    let mut s = String::with_capacity(people.len() * 80);
    s.push_str("姓名,身份证号,手机号,小区,楼栋,单元,房号\n");
    for p in people {
        s.push_str(&format!(
            "{},{},{},凌研里{}区,{}号楼,{}单元,{}\n",
            p.name,
            p.id,
            p.phone,
            p.compound + 1,
            p.building + 1,
            p.unit + 1,
            101 + p.room
        ));
    }
    s.into_bytes()
}

/// The password of every account a benchmark makes.
const BENCH_PASSWORD: &str = "bench-password-2020";

/// A session of a benchmark account, opened as the sign-in page (`Web`) or the API would.
async fn bench_session(
    app: &App,
    username: &str,
    kind: SessionKind,
) -> Result<sanshe_app::accounts::IssuedSession> {
    Ok(sanshe_app::accounts::sign_in(app, username, BENCH_PASSWORD, kind, "bench").await?)
}

/// An account made as the command line would, with one grant of `role` over `area_id`, whose
/// person has set `BENCH_PASSWORD` as their own (a new account's pages wait for that).
async fn bench_account(
    app: &App,
    username: &str,
    display_name: &str,
    role: &str,
    area_id: &str,
) -> Result<sanshe_app::accounts::UserView> {
    let cli = Actor::command_line(app).await?;
    let target = GrantTarget::Area(area_id.to_string());
    let given = "given-by-bench-1";
    let user =
        sanshe_app::accounts::create_user(app, &cli, username, display_name, given, role, target)
            .await?;
    let person = sanshe_app::accounts::actor_of(app, &user.id).await?;
    sanshe_app::accounts::change_password(app, &person, None, given, BENCH_PASSWORD).await?;
    Ok(user)
}

/// A duration in milliseconds, as the reports print it.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

// The server binary uses the same allocator, so both sides of a comparison run on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    match args.suite.as_deref() {
        Some("frontline") => return frontline::run(args.postgres.as_deref()).await,
        Some("gates") => return gates::run(args.postgres.as_deref()).await,
        Some("rotas") => return rotas::run(args.postgres.as_deref()).await,
        Some("map") => return map::run(args.postgres.as_deref()).await,
        _ => {}
    }
    let backend = if args.postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "sanshe registry benchmark on {backend}, {} residents",
        args.rows
    );
    let people = people(args.rows);

    // The baseline is the best of several statement sizes: SQLite looks up named parameters
    // linearly, so very wide statements lose what they save in round trips.
    let mut raw: f64 = 0.0;
    for rows_per_statement in if args.skip_raw {
        vec![]
    } else {
        args.raw_statement_rows.clone()
    } {
        let (raw_app, raw_url) = open(
            args.postgres.as_deref(),
            &format!("raw{rows_per_statement}"),
        )
        .await?;
        let rate = raw_insert_rate(&raw_app, &people, rows_per_statement).await?;
        discard(raw_app, args.postgres.as_deref(), &raw_url).await?;
        println!("(a) raw insert, {rows_per_statement:>2} rows per statement: {rate:>10.0} rows/s");
        raw = raw.max(rate);
    }
    println!("(a) raw insert, best:        {raw:>10.0} rows/s");

    let (app, url) = open(args.postgres.as_deref(), "import").await?;
    let mut conn = app.db.conn().await?;
    let city =
        sanshe_store::areas::insert(&mut conn, None, AreaKind::City, Some("120000"), "天津市")
            .await?;
    let district = sanshe_store::areas::insert(
        &mut conn,
        Some(&city),
        AreaKind::District,
        Some("120104"),
        "南开区",
    )
    .await?;
    let street = sanshe_store::areas::insert(
        &mut conn,
        Some(&district),
        AreaKind::Street,
        Some("120104011"),
        "体育中心街道",
    )
    .await?;
    let communities = add_communities(
        &mut conn,
        &street,
        people.len().div_ceil(PER_COMMUNITY),
        |i| format!("第{}社区", i + 1),
    )
    .await?;
    drop(conn);
    let cli = Actor::command_line(&app).await?;
    let files: Vec<Vec<u8>> = people.chunks(PER_COMMUNITY).map(csv_of).collect();
    let started = Instant::now();
    let mut accepted = 0;
    for (file, community) in files.iter().zip(&communities) {
        let report =
            imports::import_residents(&app, &cli, &community.id, file.clone(), &|_, _| {}).await?;
        anyhow::ensure!(
            report.rejected.is_empty(),
            "rejected: {:?}",
            &report.rejected[..report.rejected.len().min(3)]
        );
        accepted += report.accepted;
    }
    let import = accepted as f64 / started.elapsed().as_secs_f64();
    anyhow::ensure!(
        accepted == args.rows,
        "imported {accepted} of {}",
        args.rows
    );
    println!(
        "(b) import:        {import:>10.0} rows/s  ({} files of {PER_COMMUNITY} residents, one per community)",
        files.len()
    );
    println!("    b/a = {:.2}  (target ≥ 0.33 on SQLite)", import / raw);
    let community = &communities[0];

    bench_account(
        &app,
        "bench.worker",
        "bench",
        "community_worker",
        &community.id,
    )
    .await?;
    let session = bench_session(&app, "bench.worker", SessionKind::Web).await?;
    let (worker, _) = sanshe_app::accounts::authenticate(&app, &session.token).await?;

    for (who, actor, pool) in [
        ("worker", &worker, PER_COMMUNITY.min(people.len())),
        ("city", &cli, people.len()),
    ] {
        let mut by_name = Vec::new();
        let mut by_id = Vec::new();
        for i in 0..41 {
            let q = registry::ResidentSearch {
                q: Some(format!(
                    "{}{}",
                    SURNAMES[i % SURNAMES.len()],
                    GIVEN[i % GIVEN.len()]
                )),
                limit: Some(50),
                ..Default::default()
            };
            let t = Instant::now();
            registry::search(&app, actor, &q).await?;
            by_name.push(t.elapsed());
            let q = registry::ResidentSearch {
                q: Some(people[(i * 7717) % pool].id.clone()),
                ..Default::default()
            };
            let t = Instant::now();
            let page = registry::search(&app, actor, &q).await?;
            by_id.push(t.elapsed());
            anyhow::ensure!(page.total == 1, "ID search found {}", page.total);
        }
        println!(
            "{who:>6} search by name: median {:?} (page of 50 with its total; target < 50 ms)",
            median(by_name)
        );
        println!(
            "{who:>6} search by ID:   median {:?} (target < 50 ms)",
            median(by_id)
        );
    }
    let router = sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default()));
    let mut pages = Vec::new();
    for _ in 0..21 {
        let path = format!("/residents?area={}", community.id);
        pages.push(timed_get(&router, &session.token, &path).await?.0);
    }
    println!(
        "community list page: median {:?} (target < 100 ms)",
        median(pages)
    );
    drop(router);
    discard(app, args.postgres.as_deref(), &url).await?;
    Ok(())
}
