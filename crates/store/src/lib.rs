//! Storage for sanshe: one schema and one query path for SQLite and PostgreSQL, over sqlx's `Any`
//! driver with portable SQL and bound parameters (docs/decisions/0001-storage.md).
//!
//! Each module owns the tables of one capability; other capabilities call its functions.

mod rows;
pub(crate) use rows::{column_list, query_row, row};
mod sql;
pub(crate) use sql::{
    column_by_key, counted_per_place, in_list, map_by_key, older_than, one_of, padded,
    scope_filter, starting_with, values_list,
};

pub mod accounts;
pub mod alerts;
pub mod areas;
pub mod audit;
pub mod campaigns;
pub mod contacts;
pub mod gates;
pub mod help;
pub mod isolation;
pub mod needs;
pub mod notices;
pub mod notify;
pub mod organizations;
pub mod registry;
pub mod rotas;
pub mod statements;
pub mod volunteers;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection};

use statements::{Cell, Statements};

pub use sqlx::AnyConnection as Conn;
pub use sqlx::Transaction;
/// A transaction on either engine, as `Db::begin` opens it.
pub type Tx = Transaction<'static, sqlx::Any>;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique constraint refused the write; carries the constraint or column text.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Anything else from the database.
    #[error(transparent)]
    Database(sqlx::Error),
    /// An error of the scan writer's own SQLite connection.
    #[error("sqlite: {0}")]
    Direct(String),
    /// A row read back did not have the column or the type its reader expected.
    #[error("reading a row: {0}")]
    Decode(String),
    /// An applied migration's text was changed afterwards.
    #[error(
        "migration {0} was changed after it was applied to this database; restore its text (a change to the schema goes into a new migration)"
    )]
    MigrationChanged(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

/// Result of a storage call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which engine a URL selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (WAL).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The database: a pool and the engine behind it.
#[derive(Clone, Debug)]
pub struct Db {
    /// The connection pool.
    pub pool: AnyPool,
    /// The engine.
    pub backend: Backend,
    /// The SQLite file, for a connection of one's own (the scan writer's); None on PostgreSQL
    /// and in memory.
    pub sqlite_file: Option<std::path::PathBuf>,
    /// The URL it was opened with (for `pg_dump`); it may hold a password, so it is never shown.
    url: String,
}

/// The `synchronous` setting of SQLite connections: NORMAL survives a process crash (not a power
/// cut) at a fraction of FULL's cost; `SANSHE_SQLITE_SYNCHRONOUS=FULL` makes each commit survive
/// a power cut too.
pub fn sqlite_synchronous() -> &'static str {
    match std::env::var("SANSHE_SQLITE_SYNCHRONOUS").as_deref() {
        Ok("FULL") | Ok("full") => "FULL",
        _ => "NORMAL",
    }
}

struct Migration {
    version: i64,
    name: &'static str,
    common: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_foundation",
        common: include_str!("../migrations/0001_foundation.sql"),
        sqlite: include_str!("../migrations/0001_foundation.sqlite.sql"),
        postgres: include_str!("../migrations/0001_foundation.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "0002_frontline",
        common: include_str!("../migrations/0002_frontline.sql"),
        sqlite: include_str!("../migrations/0002_frontline.sqlite.sql"),
        postgres: include_str!("../migrations/0002_frontline.postgres.sql"),
    },
    Migration {
        version: 3,
        name: "0003_gates",
        common: include_str!("../migrations/0003_gates.sql"),
        sqlite: include_str!("../migrations/0003_gates.sqlite.sql"),
        postgres: include_str!("../migrations/0003_gates.postgres.sql"),
    },
    Migration {
        version: 4,
        name: "0004_rotas",
        common: include_str!("../migrations/0004_rotas.sql"),
        sqlite: include_str!("../migrations/0004_rotas.sqlite.sql"),
        postgres: include_str!("../migrations/0004_rotas.postgres.sql"),
    },
    Migration {
        version: 5,
        name: "0005_help",
        common: include_str!("../migrations/0005_help.sql"),
        sqlite: include_str!("../migrations/0005_help.sqlite.sql"),
        postgres: include_str!("../migrations/0005_help.postgres.sql"),
    },
    Migration {
        version: 6,
        name: "0006_volunteers",
        common: include_str!("../migrations/0006_volunteers.sql"),
        sqlite: include_str!("../migrations/0006_volunteers.sqlite.sql"),
        postgres: include_str!("../migrations/0006_volunteers.postgres.sql"),
    },
    Migration {
        version: 7,
        name: "0007_rota_watch",
        common: include_str!("../migrations/0007_rota_watch.sql"),
        sqlite: include_str!("../migrations/0007_rota_watch.sqlite.sql"),
        postgres: include_str!("../migrations/0007_rota_watch.postgres.sql"),
    },
    Migration {
        version: 8,
        name: "0008_safety",
        common: include_str!("../migrations/0008_safety.sql"),
        sqlite: include_str!("../migrations/0008_safety.sqlite.sql"),
        postgres: include_str!("../migrations/0008_safety.postgres.sql"),
    },
    Migration {
        version: 9,
        name: "0009_application_organization",
        common: include_str!("../migrations/0009_application_organization.sql"),
        sqlite: include_str!("../migrations/0009_application_organization.sqlite.sql"),
        postgres: include_str!("../migrations/0009_application_organization.postgres.sql"),
    },
    Migration {
        version: 10,
        name: "0010_linkage_duties",
        common: include_str!("../migrations/0010_linkage_duties.sql"),
        sqlite: include_str!("../migrations/0010_linkage_duties.sqlite.sql"),
        postgres: include_str!("../migrations/0010_linkage_duties.postgres.sql"),
    },
    Migration {
        version: 11,
        name: "0011_needs",
        common: include_str!("../migrations/0011_needs.sql"),
        sqlite: include_str!("../migrations/0011_needs.sqlite.sql"),
        postgres: include_str!("../migrations/0011_needs.postgres.sql"),
    },
    Migration {
        version: 12,
        name: "0012_notices",
        common: include_str!("../migrations/0012_notices.sql"),
        sqlite: include_str!("../migrations/0012_notices.sqlite.sql"),
        postgres: include_str!("../migrations/0012_notices.postgres.sql"),
    },
    Migration {
        version: 13,
        name: "0013_campaign_assignments",
        common: include_str!("../migrations/0013_campaign_assignments.sql"),
        sqlite: include_str!("../migrations/0013_campaign_assignments.sqlite.sql"),
        postgres: include_str!("../migrations/0013_campaign_assignments.postgres.sql"),
    },
    Migration {
        version: 14,
        name: "0014_need_alerts",
        common: include_str!("../migrations/0014_need_alerts.sql"),
        sqlite: include_str!("../migrations/0014_need_alerts.sqlite.sql"),
        postgres: include_str!("../migrations/0014_need_alerts.postgres.sql"),
    },
    Migration {
        version: 15,
        name: "0015_teams",
        common: include_str!("../migrations/0015_teams.sql"),
        sqlite: include_str!("../migrations/0015_teams.sqlite.sql"),
        postgres: include_str!("../migrations/0015_teams.postgres.sql"),
    },
    Migration {
        version: 16,
        name: "0016_must_change_password",
        common: include_str!("../migrations/0016_must_change_password.sql"),
        sqlite: include_str!("../migrations/0016_must_change_password.sqlite.sql"),
        postgres: include_str!("../migrations/0016_must_change_password.postgres.sql"),
    },
    Migration {
        version: 17,
        name: "0017_area_contacts",
        common: include_str!("../migrations/0017_area_contacts.sql"),
        sqlite: include_str!("../migrations/0017_area_contacts.sqlite.sql"),
        postgres: include_str!("../migrations/0017_area_contacts.postgres.sql"),
    },
    Migration {
        version: 18,
        name: "0018_resident_sort_key",
        common: include_str!("../migrations/0018_resident_sort_key.sql"),
        sqlite: include_str!("../migrations/0018_resident_sort_key.sqlite.sql"),
        postgres: include_str!("../migrations/0018_resident_sort_key.postgres.sql"),
    },
    Migration {
        version: 19,
        name: "0019_service_days",
        common: include_str!("../migrations/0019_service_days.sql"),
        sqlite: include_str!("../migrations/0019_service_days.sqlite.sql"),
        postgres: include_str!("../migrations/0019_service_days.postgres.sql"),
    },
    Migration {
        version: 20,
        name: "0020_notice_teams",
        common: include_str!("../migrations/0020_notice_teams.sql"),
        sqlite: include_str!("../migrations/0020_notice_teams.sqlite.sql"),
        postgres: include_str!("../migrations/0020_notice_teams.postgres.sql"),
    },
    Migration {
        version: 21,
        name: "0021_volunteer_numbers",
        common: include_str!("../migrations/0021_volunteer_numbers.sql"),
        sqlite: include_str!("../migrations/0021_volunteer_numbers.sqlite.sql"),
        postgres: include_str!("../migrations/0021_volunteer_numbers.postgres.sql"),
    },
    Migration {
        version: 22,
        name: "0022_application_volunteer_numbers",
        common: include_str!("../migrations/0022_application_volunteer_numbers.sql"),
        sqlite: include_str!("../migrations/0022_application_volunteer_numbers.sqlite.sql"),
        postgres: include_str!("../migrations/0022_application_volunteer_numbers.postgres.sql"),
    },
    Migration {
        version: 23,
        name: "0023_need_unmet_marks",
        common: include_str!("../migrations/0023_need_unmet_marks.sql"),
        sqlite: include_str!("../migrations/0023_need_unmet_marks.sqlite.sql"),
        postgres: include_str!("../migrations/0023_need_unmet_marks.postgres.sql"),
    },
    Migration {
        version: 24,
        name: "0024_natural_order",
        common: include_str!("../migrations/0024_natural_order.sql"),
        sqlite: include_str!("../migrations/0024_natural_order.sqlite.sql"),
        postgres: include_str!("../migrations/0024_natural_order.postgres.sql"),
    },
    Migration {
        version: 25,
        name: "0025_gate_order",
        common: include_str!("../migrations/0025_gate_order.sql"),
        sqlite: include_str!("../migrations/0025_gate_order.sqlite.sql"),
        postgres: include_str!("../migrations/0025_gate_order.postgres.sql"),
    },
    Migration {
        version: 26,
        name: "0026_resident_key_order",
        common: include_str!("../migrations/0026_resident_key_order.sql"),
        sqlite: include_str!("../migrations/0026_resident_key_order.sqlite.sql"),
        postgres: include_str!("../migrations/0026_resident_key_order.postgres.sql"),
    },
];

/// Writes the key of each row that `select` finds without one, a thousand at a time: `select`
/// reads (id, …) after the id bound as `$1`, `key` makes the key from the row, `update` writes
/// it as `$2` to the row whose id is `$1`. Returns how many rows it keyed.
async fn key_rows(
    conn: &mut AnyConnection,
    select: &str,
    update: &str,
    key: impl Fn(&statements::Row) -> Result<String>,
) -> Result<u64> {
    let mut keyed = 0;
    let mut after = String::new();
    loop {
        let rows = conn.rows(select, &[Cell::from(&after)]).await?;
        let Some(last) = rows.last() else {
            return Ok(keyed);
        };
        after = last.try_get("id")?;
        // One commit a thousand rows, not one a row (108,404 households keyed in 20 s by a
        // debug build on SQLite).
        let mut tx = conn.begin().await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            Statements::run(&mut *tx, update, &[Cell::from(&id), Cell::from(key(r)?)]).await?;
            keyed += 1;
        }
        tx.commit().await?;
    }
}

/// How many migrations this build carries (a new database applies them all).
pub fn migration_count() -> usize {
    MIGRATIONS.len()
}

/// The advisory lock migrations take on PostgreSQL ("sanshe" in ASCII).
const MIGRATION_LOCK: i64 = 0x7361_6e73_6865;

/// A migration's fingerprint as applied on this engine: SHA-256 of its common and engine texts.
fn migration_checksum(common: &str, specific: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(common.as_bytes());
    h.update([0u8]);
    h.update(specific.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Records the checksum of a migration's text as applied.
async fn record_checksum(conn: &mut AnyConnection, version: i64, checksum: &str) -> Result<()> {
    Statements::changed(
        conn,
        "INSERT INTO schema_checksums (version, checksum) VALUES ($1, $2)",
        &[Cell::from(version), Cell::from(checksum)],
    )
    .await?;
    Ok(())
}

impl Db {
    /// Opens the database at `url` (`sqlite://path` creates the file and its folder if missing,
    /// `postgres://…` selects PostgreSQL).
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let mut url = url.to_string();
        let mut sqlite_file = None;
        if backend == Backend::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:")
                .split('?')
                .next()
                .unwrap_or("")
                .to_string();
            if !path.is_empty()
                && path != ":memory:"
                && let Some(dir) = std::path::Path::new(&path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            }
            if !path.is_empty() && path != ":memory:" {
                sqlite_file = Some(std::path::PathBuf::from(&path));
            }
            if !url.contains("mode=") {
                url.push_str(if url.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
        }
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout queues writers.
                        let sync = format!("PRAGMA synchronous={}", sqlite_synchronous());
                        for pragma in [
                            "PRAGMA journal_mode=WAL",
                            &sync,
                            "PRAGMA busy_timeout=10000",
                            "PRAGMA foreign_keys=ON",
                            // The default 2 MB page cache thrashes on random-keyed index inserts
                            // (keyed hashes, UUIDs); 64 MB keeps a street's registry in memory.
                            "PRAGMA cache_size=-65536",
                            "PRAGMA temp_store=MEMORY",
                        ] {
                            sqlx::Executor::execute(&mut *conn, pragma).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db {
            pool,
            backend,
            sqlite_file,
            url: url.clone(),
        })
    }

    /// Applies every migration not yet applied, each in its own transaction, and returns the
    /// names of those it applied. Several nodes starting at once take turns (an advisory lock on
    /// PostgreSQL, the write lock on SQLite) and each looks again once it has its turn, so a
    /// migration runs once. A migration whose text changed after it was applied stops the
    /// start with `MigrationChanged`: the schema would no longer be what the code says.
    pub async fn migrate(&self) -> Result<Vec<&'static str>> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            conn.changed("SELECT pg_advisory_lock($1)", &[Cell::from(MIGRATION_LOCK)])
                .await?;
        }
        let result = match self.migrate_on(&mut conn).await {
            // Keys for rows stored before they had one (an index probe or a short scan when
            // none are left).
            Ok(applied) => {
                async {
                    registry::key_unsorted_residents(&mut conn).await?;
                    registry::key_unsorted_households(&mut conn).await?;
                    areas::key_unsorted_areas(&mut conn).await?;
                    gates::key_unsorted_gates(&mut conn).await?;
                    Ok(applied)
                }
                .await
            }
            Err(e) => Err(e),
        };
        if self.backend == Backend::Postgres {
            // Also released when the session ends, should this fail.
            let _ = conn
                .changed(
                    "SELECT pg_advisory_unlock($1)",
                    &[Cell::from(MIGRATION_LOCK)],
                )
                .await;
        }
        result
    }

    async fn migrate_on(&self, conn: &mut AnyConnection) -> Result<Vec<&'static str>> {
        for ddl in [
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS schema_checksums (version BIGINT PRIMARY KEY, checksum TEXT NOT NULL)",
        ] {
            // Two nodes may both get here first on an empty database.
            if let Err(e) = conn.changed(ddl, &[]).await {
                tracing::debug!(error = %e, "schema table made by another node");
            }
        }
        let mut applied = Vec::new();
        for m in MIGRATIONS {
            let specific = if self.backend == Backend::Sqlite {
                m.sqlite
            } else {
                m.postgres
            };
            let checksum = migration_checksum(m.common, specific);
            let mut tx = if self.backend == Backend::Sqlite {
                // The write lock first, so a second process's check waits for this one's work.
                conn.begin_with("BEGIN IMMEDIATE").await?
            } else {
                conn.begin().await?
            };
            let done = Statements::optional_row(
                &mut *tx,
                "SELECT version FROM schema_migrations WHERE version = $1",
                &[Cell::from(m.version)],
            )
            .await?
            .is_some();
            if done {
                let recorded: Option<String> = Statements::optional_row(
                    &mut *tx,
                    "SELECT checksum FROM schema_checksums WHERE version = $1",
                    &[Cell::from(m.version)],
                )
                .await?
                .map(|r| r.try_get("checksum"))
                .transpose()?;
                match recorded {
                    Some(c) if c != checksum => {
                        return Err(StoreError::MigrationChanged(m.name.to_string()));
                    }
                    Some(_) => {}
                    // Applied before checksums were kept: this text is the one on record now.
                    None => record_checksum(&mut tx, m.version, &checksum).await?,
                }
                tx.commit().await?;
                continue;
            }
            sqlx::raw_sql(m.common).execute(&mut *tx).await?;
            sqlx::raw_sql(specific).execute(&mut *tx).await?;
            Statements::changed(
                &mut *tx,
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[Cell::from(m.version), Cell::from(now_ms())],
            )
            .await?;
            record_checksum(&mut tx, m.version, &checksum).await?;
            tx.commit().await?;
            applied.push(m.name);
        }
        Ok(applied)
    }

    /// Runs `work` on a connection of its own to the SQLite file, on a blocking thread, with a
    /// handle to the runtime for the `Statements` it awaits; None on PostgreSQL or in memory.
    /// For reads and bulk writes of many rows: sqlx's SQLite driver costs 10–20 µs a row, a
    /// connection of its own a few (docs/benchmarks.md).
    pub async fn on_own_connection<T, F>(&self, work: F) -> Option<Result<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut statements::OwnConnection, &tokio::runtime::Handle) -> Result<T>
            + Send
            + 'static,
    {
        let file = self.sqlite_file.clone()?;
        let runtime = tokio::runtime::Handle::current();
        Some(
            tokio::task::spawn_blocking(move || {
                let mut conn = statements::OwnConnection::open(&file)?;
                work(&mut conn, &runtime)
            })
            .await
            .unwrap_or_else(|e| Err(StoreError::Direct(e.to_string()))),
        )
    }

    /// Writes a consistent copy of the whole database to `file` while the service runs: SQLite
    /// `VACUUM INTO` (a database file to put in place of `data/sanshe.db`), PostgreSQL `pg_dump`
    /// in its custom format (for `pg_restore`). The file must not exist yet.
    pub async fn backup(&self, file: &std::path::Path) -> Result<()> {
        if file.exists() {
            return Err(StoreError::Direct(format!(
                "{} exists already; back up into a new file",
                file.display()
            )));
        }
        match self.backend {
            Backend::Sqlite => {
                let target = file.to_string_lossy().into_owned();
                let mut conn = self.pool.acquire().await?;
                conn.run("VACUUM INTO $1", &[Cell::from(target)]).await?;
                Ok(())
            }
            Backend::Postgres => {
                let (url, file) = (self.url.clone(), file.to_path_buf());
                tokio::task::spawn_blocking(move || {
                    let out = std::process::Command::new("pg_dump")
                        .arg("--format=custom")
                        .arg("--no-owner")
                        .arg("--file")
                        .arg(&file)
                        .arg(&url)
                        .output()
                        .map_err(|e| StoreError::Direct(format!("pg_dump: {e}")))?;
                    if out.status.success() {
                        Ok(())
                    } else {
                        Err(StoreError::Direct(format!(
                            "pg_dump: {}",
                            String::from_utf8_lossy(&out.stderr).trim()
                        )))
                    }
                })
                .await
                .map_err(|e| StoreError::Direct(e.to_string()))?
            }
        }
    }

    /// A connection from the pool.
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Starts a transaction.
    pub async fn begin(&self) -> Result<Transaction<'static, sqlx::Any>> {
        if self.backend == Backend::Sqlite {
            // A deferred transaction that reads and then writes fails at once (SQLITE_BUSY,
            // the busy timeout is not consulted) when another connection holds the write lock
            // at that moment; IMMEDIATE takes the lock at BEGIN, where the timeout waits.
            return Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?);
        }
        Ok(self.pool.begin().await?)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        match self.pool.acquire().await {
            Ok(mut conn) => conn.one_row("SELECT 1", &[]).await.is_ok(),
            Err(_) => false,
        }
    }
}

/// Opens a single connection (used by bulk jobs that want one writer).
pub async fn connect_one(url: &str) -> Result<AnyConnection> {
    sqlx::any::install_default_drivers();
    Ok(AnyConnection::connect(url).await?)
}

/// A new id: UUIDv7 (time-ordered, safe to make on devices) in simple hex form, so area paths
/// built from ids contain only `0-9a-f`.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// The current time in UTC milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Commits a transaction.
pub async fn commit(tx: Transaction<'_, sqlx::Any>) -> Result<()> {
    Ok(tx.commit().await?)
}

/// A migrated SQLite database of its own in a temporary folder, for a store test; the folder
/// goes with it.
#[cfg(test)]
pub(crate) struct ScratchDb {
    /// The database.
    pub db: Db,
    dir: std::path::PathBuf,
}

#[cfg(test)]
impl ScratchDb {
    pub(crate) async fn new() -> ScratchDb {
        let dir = std::env::temp_dir().join(format!("sanshe-store-test-{}", new_id()));
        let db = Db::connect(&format!("sqlite://{}/t.db", dir.display()))
            .await
            .expect("scratch database");
        db.migrate().await.expect("scratch migrations");
        ScratchDb { db, dir }
    }
}

#[cfg(test)]
impl Drop for ScratchDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod placeholders {
    use super::*;

    #[test]
    fn a_row_type_reads_the_columns_it_lists() {
        // The list a SELECT names is the list `row!` reads, so the two cannot drift.
        assert_eq!(
            areas::AreaRow::COLUMNS,
            "id, parent_id, kind, code, name, path, depth"
        );
    }
}

/// What a retention purge did (or, in a dry run, would do) to one kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purge {
    /// Rows deleted or stripped of personal data.
    pub rows: u64,
}

/// Runs a purge: `action` (a DELETE or an UPDATE) over the rows `filter` picks, or in a dry run
/// counts them. Both statements share the filter and its arguments, so the count is what the
/// action would touch.
pub(crate) async fn purge(
    conn: &mut AnyConnection,
    table: &str,
    action: &str,
    filter: &str,
    args: &[statements::Cell],
    dry_run: bool,
) -> Result<Purge> {
    use statements::Statements;
    let rows = if dry_run {
        conn.fetch_one::<statements::Count>(
            &format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table} WHERE {filter}"),
            args,
        )
        .await?
        .0 as u64
    } else {
        conn.changed(&format!("{action} WHERE {filter}"), args)
            .await?
    };
    Ok(Purge { rows })
}

/// Rows of `table` whose `column` (UTC ms) is before `before`, deleted (or counted, on a dry
/// run). The names come from the code (`'static`), never from input.
pub(crate) async fn delete_older(
    conn: &mut AnyConnection,
    table: &'static str,
    column: &'static str,
    before: i64,
    dry_run: bool,
) -> Result<Purge> {
    let delete = format!("DELETE FROM {table}");
    let filter = format!("{column} < $1");
    purge(conn, table, &delete, &filter, &[before.into()], dry_run).await
}
