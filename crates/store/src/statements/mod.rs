//! Statements written once with `$n` parameters and run on two kinds of connection: sqlx's, on
//! either engine, and a rusqlite connection of its own on the SQLite file — the gate's scan
//! writer's thread, bulk inserts of shifts, reads of many rows (`Db::on_own_connection`).
//!
//! Why two: under a gate's load, each statement sent through sqlx's SQLite worker thread waits to
//! be scheduled twice on a busy 2-core machine (~140 µs a statement, measured); the writer then
//! spends most of its time waiting and every scan waits for it. sqlx also costs 10–20 µs a row
//! read or written. On a connection of its own the same statements take a few microseconds
//! each (docs/benchmarks.md).

use std::sync::Arc;

use sqlx::AnyConnection;
use sqlx::Row as _;

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

/// A row read back: its cells, found by column name.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    cells: Vec<Cell>,
}

impl Row {
    /// The value of `column` as `T`; an error naming the column when the query has no such
    /// column or its value is of another type (never a default in its place).
    pub fn try_get<T: FromCell>(&self, column: &str) -> Result<T> {
        let cell = self
            .columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.cells.get(i))
            .ok_or_else(|| StoreError::Decode(format!("the query has no column {column}")))?;
        T::from_cell(cell).ok_or_else(|| {
            StoreError::Decode(format!(
                "column {column} holds {cell:?}, not {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

impl Row {
    /// Several columns at once, as a tuple in the order they are named; each fails as
    /// `try_get` does.
    pub fn columns<T: FromColumns>(&self, names: T::Names) -> Result<T> {
        T::from_columns(self, names)
    }
}

/// A tuple read from a row's columns by name (`Row::columns`).
pub trait FromColumns: Sized {
    /// One column name for each element.
    type Names;
    /// The tuple, or the first column's error.
    fn from_columns(row: &Row, names: Self::Names) -> Result<Self>;
}

macro_rules! tuple_from_columns {
    ($n:literal; $($t:ident $i:tt),+) => {
        impl<$($t: FromCell),+> FromColumns for ($($t,)+) {
            type Names = [&'static str; $n];
            fn from_columns(row: &Row, names: Self::Names) -> Result<Self> {
                Ok(($(row.try_get::<$t>(names[$i])?,)+))
            }
        }
    };
}

tuple_from_columns!(2; A 0, B 1);
tuple_from_columns!(3; A 0, B 1, C 2);
tuple_from_columns!(4; A 0, B 1, C 2, D 3);
tuple_from_columns!(5; A 0, B 1, C 2, D 3, E 4);
tuple_from_columns!(6; A 0, B 1, C 2, D 3, E 4, F 5);

/// A Rust type a cell is read as; None when the cell holds another type.
pub trait FromCell: Sized {
    /// The value, or None for a cell of another type.
    fn from_cell(cell: &Cell) -> Option<Self>;
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Option<String> {
        match cell {
            Cell::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Option<i64> {
        match cell {
            Cell::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// Flags are stored as 0 and 1 on both engines.
impl FromCell for bool {
    fn from_cell(cell: &Cell) -> Option<bool> {
        match cell {
            Cell::Int(0) => Some(false),
            Cell::Int(1) => Some(true),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Option<Option<T>> {
        match cell {
            Cell::NullInt | Cell::NullText => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// A stored thing read from a row by column name (`Row::try_get`), failing on a wrong type.
pub trait FromRow: Sized {
    /// The value of one row.
    fn from_row(row: &Row) -> Result<Self>;
}

/// A row type that `Statements::insert` writes (declared with `row!`).
pub trait TableRow {
    /// Its columns, comma-separated.
    const COLUMNS: &'static str;
    /// Its values, in the columns' order.
    fn cells(&self) -> Vec<Cell>;
}

/// The one number of a `SELECT CAST(COUNT(*) AS BIGINT) AS n …`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i64);

impl FromRow for Count {
    fn from_row(row: &Row) -> Result<Count> {
        Ok(Count(row.try_get("n")?))
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

impl From<bool> for Cell {
    fn from(v: bool) -> Cell {
        Cell::Int(i64::from(v))
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
    /// Rows of a query.
    async fn rows(&mut self, sql: &str, args: &[Cell]) -> Result<Vec<Row>>;

    /// The first row of a query, if there is one.
    async fn optional_row(&mut self, sql: &str, args: &[Cell]) -> Result<Option<Row>> {
        Ok(self.rows(sql, args).await?.into_iter().next())
    }

    /// The first row of a query; `NotFound` when there is none.
    async fn one_row(&mut self, sql: &str, args: &[Cell]) -> Result<Row> {
        self.optional_row(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Every row of a query, each read as a `T`.
    async fn fetch_all<T: FromRow>(&mut self, sql: &str, args: &[Cell]) -> Result<Vec<T>> {
        self.rows(sql, args)
            .await?
            .iter()
            .map(T::from_row)
            .collect()
    }

    /// The first row of a query as a `T`, if there is one.
    async fn fetch_optional<T: FromRow>(&mut self, sql: &str, args: &[Cell]) -> Result<Option<T>> {
        self.rows(sql, args)
            .await?
            .first()
            .map(T::from_row)
            .transpose()
    }

    /// The first row of a query as a `T`; `NotFound` when there is none.
    async fn fetch_one<T: FromRow>(&mut self, sql: &str, args: &[Cell]) -> Result<T> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The row of `table` whose `column` holds `value`, if there is one. The names come from
    /// the code (`'static`), never from input.
    async fn optional_by<T: TableRow + FromRow>(
        &mut self,
        table: &'static str,
        column: &'static str,
        value: Cell,
    ) -> Result<Option<T>> {
        let sql = format!("SELECT {} FROM {table} WHERE {column} = $1", T::COLUMNS);
        self.fetch_optional(&sql, &[value]).await
    }

    /// `optional_by`; `NotFound` when there is none.
    async fn one_by<T: TableRow + FromRow>(
        &mut self,
        table: &'static str,
        column: &'static str,
        value: Cell,
    ) -> Result<T> {
        self.optional_by(table, column, value)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The rows of a query run once per 500 `keys`: `sql` is given a group's `IN (…)` list,
    /// its parameters numbered after `leading`, which each run binds first.
    async fn rows_in(
        &mut self,
        keys: &[String],
        leading: &[Cell],
        sql: impl Fn(&str) -> String,
    ) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for group in keys.chunks(500) {
            let mut args = leading.to_vec();
            args.extend(group.iter().map(Cell::from));
            let list = crate::in_list(leading.len() + 1, group.len());
            out.extend(self.rows(&sql(&list), &args).await?);
        }
        Ok(out)
    }

    /// `rows_in`, each row read as a `T`.
    async fn fetch_in<T: FromRow>(
        &mut self,
        keys: &[String],
        leading: &[Cell],
        sql: impl Fn(&str) -> String,
    ) -> Result<Vec<T>> {
        self.rows_in(keys, leading, sql)
            .await?
            .iter()
            .map(T::from_row)
            .collect()
    }

    /// Runs a statement.
    async fn run(&mut self, sql: &str, args: &[Cell]) -> Result<()> {
        self.changed(sql, args).await.map(|_| ())
    }

    /// Inserts one row into `table`, every column from the row's fields.
    async fn insert<T: TableRow>(&mut self, table: &str, row: &T) -> Result<()> {
        let cells = row.cells();
        let marks = crate::in_list(1, cells.len());
        self.run(
            &format!("INSERT INTO {table} ({}) VALUES {marks}", T::COLUMNS),
            &cells,
        )
        .await
    }

    /// Runs a statement; how many rows it changed.
    async fn changed(&mut self, sql: &str, args: &[Cell]) -> Result<u64>;

    /// Holds a lock on each of `keys` until the transaction ends, so two writers deciding
    /// about the same thing (one scan id, one household's quota) take turns, on any number of
    /// nodes. On SQLite nothing is needed: a writing transaction already excludes every other
    /// writer of the file.
    async fn lock_keys(&mut self, _keys: &[String]) -> Result<()> {
        Ok(())
    }

    /// Inserts rows: `head` (`INSERT INTO t (a, b) VALUES `), then `row` (`(?, ?)`, one `?` a
    /// value) for each row, then `tail` (an `ON CONFLICT` clause or ""); `values` holds the rows
    /// one after the other. Here up to `per_statement` rows go in one statement.
    async fn insert_rows(
        &mut self,
        head: &str,
        row: &str,
        tail: &str,
        values: &[Cell],
        per_statement: usize,
    ) -> Result<()> {
        let width = row.matches('?').count().max(1);
        for group in values.chunks(width * per_statement.max(1)) {
            let sql = format!(
                "{head}{}{tail}",
                crate::values_list(row, group.len() / width, 1)
            );
            self.run(&sql, group).await?;
        }
        Ok(())
    }
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
    async fn rows(&mut self, sql: &str, args: &[Cell]) -> Result<Vec<Row>> {
        let rows = bind_all(sqlx::query(sql), args)
            .fetch_all(&mut *self)
            .await?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        use sqlx::Column;
        let columns: Arc<[String]> = first
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        rows.iter()
            .map(|r| {
                let cells = (0..r.len())
                    .map(|i| {
                        use sqlx::ValueRef;
                        use sqlx::any::AnyTypeInfoKind as Kind;
                        // The value's own type, so no decoding is tried and thrown away.
                        let kind = r.try_get_raw(i)?.type_info().kind();
                        Ok(match kind {
                            Kind::Null => Cell::NullText,
                            Kind::Bool | Kind::SmallInt | Kind::Integer | Kind::BigInt => {
                                Cell::Int(
                                    r.try_get::<i64, _>(i)
                                        .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))?,
                                )
                            }
                            _ => Cell::Text(r.try_get::<String, _>(i)?),
                        })
                    })
                    .collect::<Result<Vec<Cell>>>()?;
                Ok(Row {
                    columns: columns.clone(),
                    cells,
                })
            })
            .collect()
    }

    async fn changed(&mut self, sql: &str, args: &[Cell]) -> Result<u64> {
        Ok(bind_all(sqlx::query(sql), args)
            .execute(&mut *self)
            .await?
            .rows_affected())
    }

    async fn lock_keys(&mut self, keys: &[String]) -> Result<()> {
        if keys.is_empty() || self.backend_name() != "PostgreSQL" {
            return Ok(());
        }
        // Transaction-scoped advisory locks, taken in the order of their hashes: two writers
        // locking overlapping sets both go in that order, so neither waits on the other in a
        // cycle. A hash shared by two keys only makes one wait a little longer.
        let keys: Vec<Cell> = keys.iter().map(Cell::from).collect();
        let values: Vec<String> = (1..=keys.len()).map(|i| format!("(${i})")).collect();
        let sql = format!(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(v, 0) AS k FROM (VALUES {}) AS t(v) ORDER BY k) AS s",
            values.join(", ")
        );
        self.changed(&sql, &keys).await.map(|_| ())
    }
}

mod own;
pub use own::{OwnConnection, OwnTransaction, WalCheckpoints};

#[cfg(test)]
mod tests {
    use super::own::numbered;
    use super::*;

    #[test]
    fn dollar_parameters_become_numbered_question_marks() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = $2 AND c IN ($1, $10) AND d = 'x$'"),
            "SELECT a FROM t WHERE b = ?2 AND c IN (?1, ?10) AND d = 'x$'"
        );
    }

    /// An in-memory database through sqlx and one through rusqlite, each with the table `create`
    /// makes.
    async fn two_connections(create: &str) -> (AnyConnection, OwnConnection) {
        sqlx::any::install_default_drivers();
        let mut pooled: AnyConnection = sqlx::Connection::connect("sqlite::memory:")
            .await
            .expect("in-memory database");
        let mut own =
            OwnConnection(rusqlite::Connection::open_in_memory().expect("in-memory database"));
        pooled.run(create, &[]).await.expect("table");
        own.run(create, &[]).await.expect("table");
        (pooled, own)
    }

    #[tokio::test]
    async fn rows_are_counted_per_place_for_the_people_asked_within_the_window() {
        let (mut pooled, mut own) =
            two_connections("CREATE TABLE deeds (area_path TEXT, done_at BIGINT, done_by TEXT)")
                .await;
        let rows = [
            ("/1/2/", 10, "a"),
            ("/1/2/", 19, "b"),
            ("/1/3/", 15, "a"),
            ("/1/3/", 20, "a"), // the window's end is not in it
            ("/1/2/", 9, "a"),  // nor before its start
            ("/1/3/", 12, "c"), // someone not asked about
        ];
        for (path, at, by) in rows {
            let args = [path.into(), at.into(), by.into()];
            let sql = "INSERT INTO deeds VALUES ($1, $2, $3)";
            pooled.run(sql, &args).await.expect("insert");
            own.run(sql, &args).await.expect("insert");
        }
        let people = ["a".to_string(), "b".to_string()];
        let names = ("deeds", "done_at", "done_by");
        let mut counted = crate::counted_per_place(&mut pooled, names, &people, 10, 20)
            .await
            .expect("counts");
        counted.sort();
        let expected = vec![("/1/2/".to_string(), 2), ("/1/3/".to_string(), 1)];
        assert_eq!(counted, expected);
        let mut counted = crate::counted_per_place(&mut own, names, &people, 10, 20)
            .await
            .expect("counts");
        counted.sort();
        assert_eq!(counted, expected);
    }

    #[tokio::test]
    async fn both_kinds_of_transaction_insert_and_read_the_same_rows() {
        let (mut pooled, mut own) =
            two_connections("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT)")
                .await;
        let values: Vec<Cell> = (0..5)
            .flat_map(|i| {
                [
                    Cell::from(format!("k{i}")),
                    Cell::from(i),
                    Cell::from(if i == 2 { None } else { Some("n") }),
                ]
            })
            .collect();
        let head = "INSERT INTO t (k, n, note) VALUES ";
        let tail = " ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n";
        let query = "SELECT k, n, note FROM t WHERE n >= $2 AND k <> $1 ORDER BY k";
        let args = [Cell::from("k4"), Cell::from(1)];
        pooled
            .insert_rows(head, "(?, ?, ?)", tail, &values, 2)
            .await
            .expect("insert");
        pooled
            .insert_rows(head, "(?, ?, ?)", tail, &values[..3], 2)
            .await
            .expect("insert again");
        let from_pool = pooled.rows(query, &args).await.expect("rows");
        let mut tx = own.begin().expect("transaction");
        tx.insert_rows(head, "(?, ?, ?)", tail, &values, 2)
            .await
            .expect("insert");
        tx.insert_rows(head, "(?, ?, ?)", tail, &values[..3], 2)
            .await
            .expect("insert again");
        let from_own = tx.rows(query, &args).await.expect("rows");
        assert_eq!(from_pool, from_own);
        let read: Vec<(String, i64, Option<String>)> = from_own
            .iter()
            .map(|r| r.columns(["k", "n", "note"]))
            .collect::<Result<_>>()
            .expect("typed rows");
        assert_eq!(
            read,
            [
                ("k1".into(), 1, Some("n".into())),
                ("k2".into(), 2, None),
                ("k3".into(), 3, Some("n".into())),
            ]
        );
    }

    crate::row! {
        /// A row of the test table.
        #[derive(Debug, Clone, PartialEq)]
        pub struct NoteRow {
            /// Key.
            pub k: String,
            /// A number.
            pub n: i64,
            /// Maybe a note.
            pub note: Option<String>,
            /// Maybe a count.
            pub seen: Option<i64>,
            /// A flag.
            pub done: bool,
        }
    }

    #[tokio::test]
    async fn a_declared_row_is_inserted_and_read_back_field_for_field_in_both_kinds_of_transaction()
    {
        let (mut pooled, mut own) = two_connections(
            "CREATE TABLE notes (k TEXT PRIMARY KEY, n BIGINT NOT NULL, note TEXT, \
             seen BIGINT, done BIGINT NOT NULL)",
        )
        .await;
        let rows = [
            NoteRow {
                k: "a".into(),
                n: 1,
                note: Some("x".into()),
                seen: None,
                done: true,
            },
            NoteRow {
                k: "b".into(),
                n: -2,
                note: None,
                seen: Some(3),
                done: false,
            },
        ];
        assert_eq!(NoteRow::COLUMNS, "k, n, note, seen, done");
        let query = format!("SELECT {} FROM notes ORDER BY k", NoteRow::COLUMNS);
        for row in &rows {
            pooled.insert("notes", row).await.expect("insert");
        }
        let mut tx = own.begin().expect("transaction");
        for row in &rows {
            tx.insert("notes", row).await.expect("insert");
        }
        assert_eq!(
            pooled
                .fetch_all::<NoteRow>(&query, &[])
                .await
                .expect("rows"),
            rows
        );
        assert_eq!(
            tx.fetch_all::<NoteRow>(&query, &[]).await.expect("rows"),
            rows
        );
        // One row by one column: found, absent, and absent as NotFound.
        let b: NoteRow = pooled.one_by("notes", "k", "b".into()).await.expect("row");
        assert_eq!(b, rows[1]);
        let by_n: Option<NoteRow> = tx.optional_by("notes", "n", 1.into()).await.expect("row");
        assert_eq!(by_n.as_ref(), Some(&rows[0]));
        let none: Option<NoteRow> = tx
            .optional_by("notes", "k", "c".into())
            .await
            .expect("read");
        assert_eq!(none, None);
        let missing = pooled.one_by::<NoteRow>("notes", "k", "c".into()).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    }

    #[tokio::test]
    async fn a_missing_column_or_a_wrong_type_is_an_error_not_a_default() {
        let mut own =
            OwnConnection(rusqlite::Connection::open_in_memory().expect("in-memory database"));
        let rows = own
            .rows("SELECT 'text' AS t, 7 AS n, NULL AS z, 2 AS two", &[])
            .await
            .expect("rows");
        let row = &rows[0];
        assert_eq!(row.try_get::<String>("t").expect("text"), "text");
        assert_eq!(row.try_get::<Option<i64>>("z").expect("null"), None);
        let refused = |got: Result<()>| matches!(got, Err(StoreError::Decode(_)));
        assert!(
            refused(row.try_get::<i64>("t").map(drop)),
            "text as a number"
        );
        assert!(
            refused(row.try_get::<String>("n").map(drop)),
            "a number as text"
        );
        assert!(
            refused(row.try_get::<String>("z").map(drop)),
            "NULL as text"
        );
        assert!(refused(row.try_get::<bool>("two").map(drop)), "2 as a flag");
        let pair: (String, i64) = row.columns(["t", "n"]).expect("two columns");
        assert_eq!(pair, ("text".to_string(), 7));
        let wrong = row.columns::<(String, String)>(["t", "n"]).map(drop);
        assert!(refused(wrong), "a tuple fails on its first wrong column");
        assert!(
            refused(row.try_get::<i64>("missing").map(drop)),
            "no such column"
        );
    }

    #[tokio::test]
    async fn a_stored_word_reads_back_as_its_value_and_an_unknown_word_fails() {
        use sanshe_core::needs::NeedStatus;
        let mut own =
            OwnConnection(rusqlite::Connection::open_in_memory().expect("in-memory database"));
        let rows = own
            .rows(
                "SELECT $1 AS bound, 'closed' AS stored, 'shut' AS unknown, NULL AS none",
                &[NeedStatus::PartlyMet.into()],
            )
            .await
            .expect("rows");
        let row = &rows[0];
        assert_eq!(row.try_get("bound").ok(), Some(NeedStatus::PartlyMet));
        assert_eq!(row.try_get("stored").ok(), Some(NeedStatus::Closed));
        assert_eq!(row.try_get("none").ok(), Some(None::<NeedStatus>));
        let unknown = row.try_get::<NeedStatus>("unknown");
        assert!(
            matches!(&unknown, Err(StoreError::Decode(why)) if why.contains("unknown")),
            "{unknown:?}"
        );
    }
}
