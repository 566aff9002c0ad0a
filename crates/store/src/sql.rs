//! Pieces of the one portable SQL dialect that store functions build their statements from:
//! numbered parameters, scope ranges, `IN` lists, prefix ranges, and two reads that several
//! capabilities share. Every value goes in as a bound parameter; only names from the code
//! (`'static`) are written into the text.

use crate::Result;
use crate::statements;

/// The `(col >= $n AND col < $n+1) OR …` filter of an area scope, binding its ranges from
/// parameter `first`; an empty scope yields a filter that matches nothing.
pub(crate) fn scope_filter(column: &str, roots: &[String], first: usize) -> (String, Vec<String>) {
    if roots.is_empty() {
        return ("1 = 0".to_string(), Vec::new());
    }
    let mut parts = Vec::new();
    let mut binds = Vec::new();
    for (i, r) in roots.iter().enumerate() {
        let n = first + 2 * i;
        parts.push(format!("({column} >= ${n} AND {column} < ${})", n + 1));
        binds.push(r.clone());
        binds.push(sanshe_core::accounts::subtree_upper_bound(r));
    }
    (format!("({})", parts.join(" OR ")), binds)
}

/// `column` starts with `prefix`, as a range that the column's index serves (a `LIKE` would
/// not, on both engines), its two parameters numbered on from those already in `args` and
/// appended to it.
pub(crate) fn starting_with(
    column: &str,
    prefix: &str,
    args: &mut Vec<statements::Cell>,
) -> String {
    args.push(prefix.into());
    args.push(format!("{prefix}\u{10FFFF}").into());
    let n = args.len();
    format!("{column} >= ${} AND {column} < ${n}", n - 1)
}

/// ` AND (…)`: the rows of a list ordered by `columns` (each ascending, or each descending when
/// `descending`) that come after the previous page's last row, whose values in those columns
/// the caller has bound as parameters `$first`, `$first + 1`, …: the one keyset condition of
/// every paged list. The columns' names come from the code.
pub(crate) fn beyond(columns: &[&str], first: usize, descending: bool) -> String {
    let op = if descending { "<" } else { ">" };
    fn nest(columns: &[&str], n: usize, op: &str) -> String {
        match columns {
            [] => String::from("1 = 1"),
            [last] => format!("{last} {op} ${n}"),
            [c, rest @ ..] => format!(
                "({c} {op} ${n} OR ({c} = ${n} AND {}))",
                nest(rest, n + 1, op)
            ),
        }
    }
    format!(" AND {}", nest(columns, first, op))
}

/// ` AND (…)`: the rows of a list newest first by the time `column` (then by id) that sort
/// after `before` (the last of the previous page: its time, its id), parameters numbered on
/// from those in `args` and appended to it; nothing on the first page. The column's name comes
/// from the code.
pub(crate) fn older_than(
    column: &'static str,
    before: Option<(i64, &str)>,
    args: &mut Vec<statements::Cell>,
) -> String {
    older_than_by(column, "id", before, args)
}

/// `older_than` where the id column must be named, as in a query that joins another table.
pub(crate) fn older_than_by(
    column: &'static str,
    id_column: &'static str,
    before: Option<(i64, &str)>,
    args: &mut Vec<statements::Cell>,
) -> String {
    let Some((at, id)) = before else {
        return String::new();
    };
    args.extend([at.into(), id.into()]);
    beyond(&[column, id_column], args.len() - 1, true)
}

/// `column IN (…)` over `values`, their parameters numbered on from those already in `args` and
/// appended to it; a filter that matches nothing when there are no values.
pub(crate) fn one_of<T: Clone + Into<statements::Cell>>(
    column: &str,
    values: &[T],
    args: &mut Vec<statements::Cell>,
) -> String {
    if values.is_empty() {
        return String::from("1 = 0");
    }
    let first = args.len() + 1;
    args.extend(values.iter().cloned().map(Into::into));
    format!("{column} IN {}", in_list(first, values.len()))
}

/// The VALUES list of a multi-row insert: `count` copies of `row`, a tuple in which each `?`
/// stands for one bound value, numbered from `$first` (`$1`… written into `row` stay as they are,
/// for values every row shares).
pub(crate) fn values_list(row: &str, count: usize, first: usize) -> String {
    let mut n = first;
    let mut out = String::with_capacity(count * (row.len() + 16));
    for i in 0..count {
        if i > 0 {
            out.push_str(", ");
        }
        for c in row.chars() {
            if c == '?' {
                out.push_str(&format!("${n}"));
                n += 1;
            } else {
                out.push(c);
            }
        }
    }
    out
}

/// `($first, $first+1, …)` for an `IN` list of `n` values.
pub(crate) fn in_list(first: usize, n: usize) -> String {
    let marks: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!("({})", marks.join(", "))
}

/// The values of an `IN` list padded (by repeating the last) to a power of two of at least 8, so
/// a batch of any size reuses one of a few prepared statements (the gate writer's hot reads).
pub(crate) fn padded<S: AsRef<str>>(values: &[S]) -> Vec<&str> {
    let n = values.len().max(1).next_power_of_two().max(8);
    let last = values.last().map(AsRef::as_ref).unwrap_or("");
    let mut out: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    out.resize(n, last);
    out
}

/// One text column of the `table` rows whose `key` is one of `keys`: (key, value), in no
/// order, read in groups that stay under the engines' limits on parameters. The names come
/// from the code (`'static`).
pub(crate) async fn column_by_key(
    conn: &mut impl statements::Statements,
    (table, key, value): (&'static str, &'static str, &'static str),
    keys: &[String],
) -> Result<Vec<(String, String)>> {
    conn.rows_in(keys, &[], |list| {
        format!("SELECT {key} AS k, {value} AS v FROM {table} WHERE {key} IN {list}")
    })
    .await?
    .iter()
    .map(|r| r.columns(["k", "v"]))
    .collect()
}

/// `column_by_key` for keys that may repeat (each is asked for once), as a map from key to value.
pub(crate) async fn map_by_key<'a>(
    conn: &mut impl statements::Statements,
    columns: (&'static str, &'static str, &'static str),
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, String>> {
    let keys: std::collections::BTreeSet<&str> = keys.into_iter().collect();
    let keys: Vec<String> = keys.into_iter().map(String::from).collect();
    Ok(column_by_key(conn, columns, &keys)
        .await?
        .into_iter()
        .collect())
}

/// Rows of `table` whose `at` (UTC ms) lies in [from, to) and whose `by` is one of `people`,
/// counted per place: (area path, rows). The names come from the code (`'static`).
pub(crate) async fn counted_per_place(
    conn: &mut impl statements::Statements,
    (table, at, by): (&'static str, &'static str, &'static str),
    people: &[String],
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>> {
    conn.rows_in(people, &[from.into(), to.into()], |list| {
        format!(
            "SELECT area_path, CAST(COUNT(*) AS BIGINT) AS n FROM {table} \
             WHERE {at} >= $1 AND {at} < $2 AND {by} IN {list} GROUP BY area_path"
        )
    })
    .await?
    .iter()
    .map(|r| r.columns(["area_path", "n"]))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_starts_after_the_last_rows_key_column_by_column() {
        assert_eq!(
            beyond(&["a.path", "u.display_name", "u.id"], 4, false),
            " AND (a.path > $4 OR (a.path = $4 AND (u.display_name > $5 OR (u.display_name = $5 AND u.id > $6))))"
        );
        assert_eq!(
            beyond(&["created_at", "id"], 1, true),
            " AND (created_at < $1 OR (created_at = $1 AND id < $2))"
        );
    }

    #[test]
    fn values_lists_number_each_row_on() {
        assert_eq!(
            values_list("(?, ?, $1)", 2, 2),
            "($2, $3, $1), ($4, $5, $1)"
        );
        assert_eq!(in_list(3, 2), "($3, $4)");
        assert_eq!(
            padded(&["a", "b", "c"]),
            ["a", "b", "c", "c", "c", "c", "c", "c"]
        );
        assert_eq!(padded(&["x"; 9]).len(), 16);
    }
}
