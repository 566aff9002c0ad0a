//! The few statements of the gate's scan writer, runnable in two kinds of transaction: sqlx's, on
//! either engine, and a rusqlite one that the writer's own thread holds on the SQLite file.
//!
//! Why two: under a gate's load, each statement sent through sqlx's SQLite worker thread waits to
//! be scheduled twice on a busy 2-core machine (~140 µs a statement, measured); the writer then
//! spends most of its time waiting and every scan waits for it. On its own thread with its own
//! connection the same statements take a few microseconds each (docs/benchmarks.md). The SQL is
//! written once, with `$n` parameters, and both kinds run it unchanged.

use sqlx::AnyConnection;
use sqlx::Row;

use crate::{Result, StoreError};

/// A bound value or a column read back.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// SQL NULL where an integer could be (PostgreSQL wants a typed NULL).
    NullInt,
    /// SQL NULL where text could be; also any NULL read back.
    NullText,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

impl Cell {
    /// The text, or "" for anything else.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            _ => String::new(),
        }
    }

    /// The text, or None for NULL.
    pub fn opt_text(&self) -> Option<String> {
        match self {
            Cell::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The integer, or 0 for anything else.
    pub fn int(&self) -> i64 {
        match self {
            Cell::Int(n) => *n,
            _ => 0,
        }
    }

    /// The integer, or None for NULL.
    pub fn opt_int(&self) -> Option<i64> {
        match self {
            Cell::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&String> for Cell {
    fn from(s: &String) -> Cell {
        Cell::Text(s.clone())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Cell {
        v.map_or(Cell::NullInt, Cell::Int)
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Cell {
        v.map_or(Cell::NullText, Cell::Text)
    }
}

impl From<Option<&str>> for Cell {
    fn from(v: Option<&str>) -> Cell {
        v.map_or(Cell::NullText, Cell::from)
    }
}

/// A transaction the scan writer's statements run in.
// Only the writer's own thread runs these futures (in a current-thread runtime), so they need
// not be `Send`, which a rusqlite transaction is not.
#[allow(async_fn_in_trait)]
pub trait Statements {
    /// Rows of a query, each as its cells.
    async fn rows(&mut self, sql: &str, args: &[Cell]) -> Result<Vec<Vec<Cell>>>;
    /// Runs a statement.
    async fn run(&mut self, sql: &str, args: &[Cell]) -> Result<()>;
}

fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: &'q [Cell],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            Cell::NullInt => q.bind(None::<i64>),
            Cell::NullText => q.bind(None::<String>),
            Cell::Int(n) => q.bind(*n),
            Cell::Text(s) => q.bind(s.as_str()),
        };
    }
    q
}

impl Statements for AnyConnection {
    async fn rows(&mut self, sql: &str, args: &[Cell]) -> Result<Vec<Vec<Cell>>> {
        let rows = bind_all(sqlx::query(sql), args)
            .fetch_all(&mut *self)
            .await?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| {
                        // The writer's columns are integers (PostgreSQL's INTEGER is 4 bytes)
                        // or text; try each.
                        if let Ok(n) = r.try_get::<Option<i64>, _>(i) {
                            return Ok(n.map_or(Cell::NullText, Cell::Int));
                        }
                        if let Ok(n) = r.try_get::<Option<i32>, _>(i) {
                            return Ok(n.map_or(Cell::NullText, |n| Cell::Int(n.into())));
                        }
                        Ok(r.try_get::<Option<String>, _>(i)?
                            .map_or(Cell::NullText, Cell::Text))
                    })
                    .collect()
            })
            .collect()
    }

    async fn run(&mut self, sql: &str, args: &[Cell]) -> Result<()> {
        bind_all(sqlx::query(sql), args).execute(&mut *self).await?;
        Ok(())
    }
}

/// Binds `$n` to `args[n-1]`, as sqlx does on SQLite (a name's index is the order of its first
/// appearance, not its number).
fn bind_rusqlite(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Cell]) -> Result<()> {
    for index in 1..=stmt.parameter_count() {
        let Some(arg) = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| args.get(n.wrapping_sub(1)))
        else {
            return Err(StoreError::Direct(format!(
                "parameter {index} has no value"
            )));
        };
        match arg {
            Cell::NullInt | Cell::NullText => {
                stmt.raw_bind_parameter(index, rusqlite::types::Null)?
            }
            Cell::Int(n) => stmt.raw_bind_parameter(index, n)?,
            Cell::Text(s) => stmt.raw_bind_parameter(index, s.as_str())?,
        }
    }
    Ok(())
}

impl Statements for rusqlite::Transaction<'_> {
    async fn rows(&mut self, sql: &str, args: &[Cell]) -> Result<Vec<Vec<Cell>>> {
        let mut stmt = self.prepare_cached(sql)?;
        bind_rusqlite(&mut stmt, args)?;
        let width = stmt.column_count();
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
                    _ => Cell::NullText,
                });
            }
            out.push(cells);
        }
        Ok(out)
    }

    async fn run(&mut self, sql: &str, args: &[Cell]) -> Result<()> {
        let mut stmt = self.prepare_cached(sql)?;
        bind_rusqlite(&mut stmt, args)?;
        stmt.raw_execute()?;
        Ok(())
    }
}

/// Opens the writer's own connection to a SQLite file, set up like the pool's.
pub fn open_sqlite_writer(path: &std::path::Path) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    conn.pragma_update(None, "synchronous", crate::sqlite_synchronous())?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -65536)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Direct(e.to_string())
    }
}
