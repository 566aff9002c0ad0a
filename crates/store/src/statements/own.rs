//! The rusqlite connection of its own on the SQLite file, and its transactions: the same
//! statements as sqlx's, with `$n` bound as `?n` (see the parent module for why).

use super::*;

/// The SQL with `$n` written `?n`, which SQLite binds at index n directly (for `$n` it would
/// look each name up in a list, once per value).
pub(super) fn numbered(sql: &str) -> String {
    // Byte by byte: `$` and digits are ASCII, so swapping one ASCII byte for another keeps the
    // text valid UTF-8 (a char-by-char copy was 4% of the scan writer's time, measured).
    let mut bytes = sql.as_bytes().to_vec();
    for i in 0..bytes.len().saturating_sub(1) {
        if bytes[i] == b'$' && bytes[i + 1].is_ascii_digit() {
            bytes[i] = b'?';
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| sql.to_string())
}

/// Binds `args[n-1]` at `?n`.
fn bind_rusqlite(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Cell]) -> Result<()> {
    let count = stmt.parameter_count();
    if count > args.len() {
        return Err(StoreError::Direct(format!(
            "{count} parameters, {} values",
            args.len()
        )));
    }
    for (i, arg) in args.iter().take(count).enumerate() {
        match arg {
            Cell::NullInt | Cell::NullText => {
                stmt.raw_bind_parameter(i + 1, rusqlite::types::Null)?
            }
            Cell::Int(n) => stmt.raw_bind_parameter(i + 1, n)?,
            Cell::Text(s) => stmt.raw_bind_parameter(i + 1, s.as_str())?,
        }
    }
    Ok(())
}

fn direct_rows(conn: &rusqlite::Connection, sql: &str, args: &[Cell]) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(&numbered(sql))?;
    bind_rusqlite(&mut stmt, args)?;
    let columns: Arc<[String]> = stmt
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let width = columns.len();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            cells.push(match row.get_ref(i)? {
                rusqlite::types::ValueRef::Integer(n) => Cell::Int(n),
                rusqlite::types::ValueRef::Text(t) => {
                    Cell::Text(String::from_utf8_lossy(t).into_owned())
                }
                rusqlite::types::ValueRef::Null => Cell::NullText,
                // Nothing stores reals or blobs: one read back is a schema out of step.
                other => {
                    return Err(StoreError::Decode(format!(
                        "column {} holds a {:?}",
                        columns[i],
                        other.data_type()
                    )));
                }
            });
        }
        out.push(Row {
            columns: columns.clone(),
            cells,
        });
    }
    Ok(out)
}

fn direct_changed(conn: &rusqlite::Connection, sql: &str, args: &[Cell]) -> Result<u64> {
    let mut stmt = conn.prepare_cached(&numbered(sql))?;
    bind_rusqlite(&mut stmt, args)?;
    Ok(stmt.raw_execute()? as u64)
}

/// One prepared single-row statement run once a row: in SQLite, with no round trip to pay for,
/// that is cheaper than building and preparing multi-row statements.
fn direct_insert_rows(
    conn: &rusqlite::Connection,
    head: &str,
    row: &str,
    tail: &str,
    values: &[Cell],
) -> Result<()> {
    let width = row.matches('?').count().max(1);
    let sql = numbered(&format!("{head}{}{tail}", crate::values_list(row, 1, 1)));
    let mut stmt = conn.prepare_cached(&sql)?;
    for one in values.chunks(width) {
        bind_rusqlite(&mut stmt, one)?;
        stmt.raw_execute()?;
    }
    Ok(())
}

/// A connection of its own to the SQLite file, outside the pool: the scan writer's, and the
/// one `Db::on_own_connection` lends for reads and bulk writes of many rows.
pub struct OwnConnection(pub(super) rusqlite::Connection);

/// A writing transaction on an `OwnConnection`; rolled back when dropped without `commit`.
pub struct OwnTransaction<'c>(rusqlite::Transaction<'c>);

impl OwnConnection {
    /// Opens the file, set up like the pool's connections.
    pub fn open(path: &std::path::Path) -> Result<OwnConnection> {
        let conn = rusqlite::Connection::open(path)?;
        // First, so nothing below fails at once on a lock another connection holds. The journal
        // mode is not set here: the pool set WAL, which the file keeps.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "synchronous", crate::sqlite_synchronous())?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -65536)?;
        // The `IN` lists of the writer's reads become small temporary tables; keep them in memory.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(OwnConnection(conn))
    }

    /// Leaves copying the write-ahead log back to a `WalCheckpoints` thread: this connection's
    /// commits no longer checkpoint.
    pub fn checkpoint_elsewhere(&self) -> Result<()> {
        Ok(self.0.pragma_update(None, "wal_autocheckpoint", 0)?)
    }

    /// Begins a writing transaction at once (`BEGIN IMMEDIATE`): it waits for other writers
    /// here, before reading, and never fails half-way on a lock it cannot upgrade.
    pub fn begin(&mut self) -> Result<OwnTransaction<'_>> {
        Ok(OwnTransaction(self.0.transaction_with_behavior(
            rusqlite::TransactionBehavior::Immediate,
        )?))
    }
}

impl OwnTransaction<'_> {
    /// Commits what the transaction wrote.
    pub fn commit(self) -> Result<()> {
        Ok(self.0.commit()?)
    }
}

/// `Statements` on an own connection or transaction: the same three calls.
macro_rules! direct_statements {
    ($t:ty) => {
        impl Statements for $t {
            async fn rows(&mut self, sql: &str, args: &[Cell]) -> Result<Vec<Row>> {
                direct_rows(&self.0, sql, args)
            }

            async fn changed(&mut self, sql: &str, args: &[Cell]) -> Result<u64> {
                direct_changed(&self.0, sql, args)
            }

            async fn insert_rows(
                &mut self,
                head: &str,
                row: &str,
                tail: &str,
                values: &[Cell],
                _per_statement: usize,
            ) -> Result<()> {
                direct_insert_rows(&self.0, head, row, tail, values)
            }
        }
    };
}

// Reads, and writes outside a transaction.
direct_statements!(OwnConnection);
// The scan writer's batches and bulk inserts.
direct_statements!(OwnTransaction<'_>);

/// Copies a SQLite file's write-ahead log back into the database on a thread of its own, for a
/// writer that turned its automatic checkpoints off: run in the writer's commit, a checkpoint
/// (and its fsync at `synchronous=NORMAL`) held every scan of the batch behind it for 20–40 ms
/// (docs/benchmarks.md). The thread stops when this is dropped.
pub struct WalCheckpoints {
    _running: std::sync::mpsc::Sender<()>,
}
/// How often the log is copied back; at a gate's peak that is a few hundred pages each time.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

impl WalCheckpoints {
    /// Starts checkpointing `path` with a connection of its own.
    pub fn start(path: &std::path::Path) -> Result<WalCheckpoints> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let (running, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("wal-checkpoints".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    // PASSIVE never waits for readers or the writer; what it could not copy is
                    // copied next time.
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "checkpoint of the write-ahead log");
                    }
                }
            })
            .map_err(|e| StoreError::Direct(e.to_string()))?;
        Ok(WalCheckpoints { _running: running })
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Direct(e.to_string())
    }
}

#[cfg(test)]
mod checkpoints {
    use super::*;

    /// The main file's length: it grows only when the log is copied back into it.
    fn main_file_len(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    fn write_rows(conn: &rusqlite::Connection, n: usize) {
        for _ in 0..n {
            conn.execute(
                "INSERT INTO t (x) VALUES (?1)",
                [String::from_utf8(vec![b'x'; 1000]).unwrap_or_default()],
            )
            .expect("insert");
        }
    }

    #[test]
    fn the_log_is_copied_back_beside_a_writer_that_does_not_checkpoint_and_stops_when_dropped() {
        let dir = std::env::temp_dir().join(format!("sanshe-wal-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        let path = dir.join("t.db");
        let writer = rusqlite::Connection::open(&path).expect("open");
        writer
            .query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
            .expect("WAL");
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .expect("no automatic checkpoints");
        writer
            .execute("CREATE TABLE t (x TEXT)", [])
            .expect("table");
        let before = main_file_len(&path);

        let checkpoints = WalCheckpoints::start(&path).expect("checkpoint thread");
        write_rows(&writer, 500);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while main_file_len(&path) < before + 400_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let copied = main_file_len(&path);
        assert!(
            copied >= before + 400_000,
            "500 kB written, the main file grew from {before} to {copied} bytes"
        );

        drop(checkpoints);
        // The thread sees the drop at once; give it time to finish a checkpoint under way.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let stopped = main_file_len(&path);
        write_rows(&writer, 500);
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert_eq!(
            main_file_len(&path),
            stopped,
            "nothing is copied back once the checkpoints are dropped"
        );
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
