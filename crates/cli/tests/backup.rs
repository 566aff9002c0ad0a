//! `sanshe backup` while data is there, and a restore from what it wrote: on SQLite the copy is a
//! database sanshe opens as it is; on PostgreSQL `pg_restore` loads it into an empty database.
//! Runs the real binary; the PostgreSQL half runs when `SANSHE_TEST_DATABASE_URL` is set.

use std::process::Command;

const KEY: &str = "3333333333333333333333333333333333333333333333333333333333333333\
4444444444444444444444444444444444444444444444444444444444444444";

async fn open(url: &str) -> sanshe_app::App {
    sanshe_app::App::open(url, sanshe_app::vault::Vault::from_hex(KEY).unwrap())
        .await
        .expect("open")
}

/// An area and a user in a fresh database at `url`; the number of users.
async fn some_data(url: &str) -> i64 {
    let app = open(url).await;
    let mut conn = app.db.conn().await.unwrap();
    sanshe_store::areas::insert(
        &mut conn,
        None,
        sanshe_core::areas::AreaKind::City,
        Some("120000"),
        "天津市",
    )
    .await
    .unwrap();
    drop(conn);
    let cli = sanshe_app::accounts::Actor::command_line(&app)
        .await
        .unwrap();
    let city = sanshe_app::areas::scope_roots(&app, &cli).await.unwrap()[0]
        .id
        .clone();
    sanshe_app::accounts::create_user(
        &app,
        &cli,
        "li.mei",
        "李梅",
        "backup-test-2020",
        "coordinator",
        sanshe_app::accounts::GrantTarget::Area(city),
    )
    .await
    .unwrap();
    let users = users(&app).await;
    app.db.pool.close().await;
    users
}

async fn users(app: &sanshe_app::App) -> i64 {
    let mut conn = app.db.conn().await.unwrap();
    sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    )
    .unwrap()
}

fn backup(url: &str, file: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sanshe"))
        .args(["backup", file.to_str().unwrap()])
        .env("SANSHE_DATABASE_URL", url)
        .env("SANSHE_SECRET_KEY", KEY)
        .output()
        .expect("run sanshe backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_backup_restores_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("sanshe-backup-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/sanshe.db", dir.display());
    let n = some_data(&url).await;
    let copy = dir.join("copy.db");
    assert!(backup(&url, &copy).contains("backed up"));
    // Never over an existing file.
    let again = Command::new(env!("CARGO_BIN_EXE_sanshe"))
        .args(["backup", copy.to_str().unwrap()])
        .env("SANSHE_DATABASE_URL", &url)
        .env("SANSHE_SECRET_KEY", KEY)
        .output()
        .unwrap();
    assert!(!again.status.success());
    // Restoring is putting the copy in place: it opens as it is, schema up to date.
    let restored = open(&format!("sqlite://{}", copy.display())).await;
    assert!(restored.migrated.is_empty());
    assert_eq!(users(&restored).await, n);
    let s = sanshe_app::accounts::sign_in(
        &restored,
        "li.mei",
        "backup-test-2020",
        sanshe_core::accounts::SessionKind::Api,
        "t",
    )
    .await;
    assert!(s.is_ok(), "the restored password works");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_backup_restores_on_postgres() {
    let Ok(base) = std::env::var("SANSHE_TEST_DATABASE_URL") else {
        return;
    };
    sqlx::any::install_default_drivers();
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
        .await
        .unwrap();
    let name = |what: &str| format!("sanshe_b_{what}_{}", uuid::Uuid::now_v7().simple());
    let (from, to) = (name("from"), name("to"));
    for db in [&from, &to] {
        sqlx::query(&format!(
            "CREATE DATABASE {db} TEMPLATE template0 ENCODING 'UTF8'"
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
    let url_of = |db: &str| match base.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{db}", &base[..i]),
        _ => format!("{base}/{db}"),
    };
    let n = some_data(&url_of(&from)).await;
    let dump = std::env::temp_dir().join(format!("{from}.pgdump"));
    assert!(backup(&url_of(&from), &dump).contains("backed up"));
    let restore = Command::new("pg_restore")
        .args([
            "--no-owner",
            "--dbname",
            &url_of(&to),
            dump.to_str().unwrap(),
        ])
        .output()
        .expect("pg_restore");
    assert!(
        restore.status.success(),
        "{}",
        String::from_utf8_lossy(&restore.stderr)
    );
    let restored = open(&url_of(&to)).await;
    assert!(restored.migrated.is_empty());
    assert_eq!(users(&restored).await, n);
    restored.db.pool.close().await;
    for db in [&from, &to] {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
    let _ = std::fs::remove_file(dump);
}
