//! Page cursors: the sort key of a page's last row, hex-encoded so that it travels in a URL
//! as one opaque word, and read back only as a key of the shape it was made with.

use crate::{AppError, Result};

/// The longest cursor read back: a key of a few names and ids, hex-encoded.
const MAX_CHARS: usize = 4096;

/// The cursor of a page whose last row sorts by `parts`.
pub fn encode(parts: &[&str]) -> String {
    hex::encode(parts.join("\u{1f}"))
}

/// Which page of a list that is asked for by nothing else: `after` the previous page, 100 rows
/// unless `limit` says otherwise, at most `MAX_PAGE`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct Paging {
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The most rows one page asked for by `Paging` holds.
pub const MAX_PAGE: i64 = 500;

impl Paging {
    /// The largest page after `after`, as a workbook reads its list.
    pub fn largest(after: Option<String>) -> Paging {
        Paging {
            after,
            limit: Some(MAX_PAGE),
        }
    }

    /// The rows asked for, 1 to `MAX_PAGE`.
    pub fn size(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, MAX_PAGE)
    }
}

/// Which page of a list that may be narrowed to one area of the caller's scope (a community
/// of a district's gates or door-to-door rounds): `Paging` with the area's id.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct AreaPaging {
    /// Only those in this area of the caller's scope (a community's id, a compound's …).
    pub area: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl AreaPaging {
    /// The largest page after `after` of the list in `area`, as a workbook reads it.
    pub fn largest(area: Option<String>, after: Option<String>) -> AreaPaging {
        AreaPaging {
            area,
            after,
            limit: Some(MAX_PAGE),
        }
    }

    /// The rows asked for, 1 to `MAX_PAGE`.
    pub fn size(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, MAX_PAGE)
    }

    /// Whether an area narrows the list.
    pub fn narrowed(&self) -> bool {
        self.area.as_deref().is_some_and(|a| !a.is_empty())
    }
}

/// Which page of a list by name: those whose name starts with `q`, `after` the previous page,
/// 100 rows unless `limit` says otherwise, at most `MAX_PAGE`.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct NameSearch {
    /// Name prefix.
    pub q: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl NameSearch {
    /// The largest page after `after` of the names starting with `q`, as a workbook reads them.
    pub fn largest(q: Option<String>, after: Option<String>) -> NameSearch {
        NameSearch {
            q,
            after,
            limit: Some(MAX_PAGE),
        }
    }

    /// The rows asked for, 1 to `MAX_PAGE`.
    pub fn size(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, MAX_PAGE)
    }

    /// The name prefix, checked as a name is; none when empty.
    pub fn prefix(&self) -> Result<Option<String>> {
        Ok(self
            .q
            .as_deref()
            .map(|q| sanshe_core::text::line("q", q, sanshe_core::text::NAME_CHARS))
            .transpose()?
            .filter(|q| !q.is_empty()))
    }
}

/// A page of a list read a page at a time.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// This page's items, in the list's order.
    pub items: Vec<T>,
    /// How many the filter lists over all pages.
    pub total: i64,
    /// Cursor for the next page, if there is one.
    pub next: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page::empty()
    }
}

impl<T> Page<T> {
    /// The page of a list that holds nothing for the caller.
    pub fn empty() -> Self {
        Page {
            items: Vec::new(),
            total: 0,
            next: None,
        }
    }

    /// The same page with each item made into another (its total and cursor kept).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next: self.next,
        }
    }
}

/// Cuts a page that was read one row past `limit` back to `limit`; when there was more, the
/// next page's cursor, which `key` makes from the page's last row.
pub fn cut<T>(rows: &mut Vec<T>, limit: i64, key: impl FnOnce(&T) -> String) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(key)
}

/// The key `cursor` was made from, if it has `N` parts; a 422 on `after` for anything else.
pub fn decode<const N: usize>(cursor: &str) -> Result<[String; N]> {
    let key = (cursor.len() <= MAX_CHARS)
        .then(|| hex::decode(cursor).ok())
        .flatten()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    key.and_then(|k| {
        let parts: Vec<String> = k.split('\u{1f}').map(String::from).collect();
        <[String; N]>::try_from(parts).ok()
    })
    .ok_or_else(|| AppError::field("after", "err-cursor"))
}

/// The key a list's `after` was made from, if it has `N` parts; none on the first page (no
/// cursor, or an empty one), a 422 on `after` for anything else.
pub fn after<const N: usize>(after: Option<&str>) -> Result<Option<[String; N]>> {
    after.filter(|a| !a.is_empty()).map(decode).transpose()
}

/// The cursor of the last row of a list ordered by a time, then id (newest first, or the
/// longest-waiting first): that time, its id.
pub fn encode_timed(at: i64, id: &str) -> String {
    encode(&[&at.to_string(), id])
}

/// The (time, id) a list's `encode_timed` cursor was made from; none on the first page (no
/// cursor, or an empty one), a 422 on `after` for anything else.
pub fn decode_timed(after: Option<&str>) -> Result<Option<(i64, String)>> {
    let Some([at, id]) = self::after(after)? else {
        return Ok(None);
    };
    let at = at
        .parse::<i64>()
        .map_err(|_| AppError::field("after", "err-cursor"))?;
    Ok(Some((at, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_the_key_it_was_made_from_and_nothing_else_does() {
        let c = encode(&["王淑兰", "0a1b"]);
        assert_eq!(decode::<2>(&c).unwrap(), ["王淑兰", "0a1b"]);
        assert!(decode::<3>(&c).is_err(), "a key of another shape");
        for bad in ["zz", "e78e8b", &"00".repeat(2100)] {
            assert!(decode::<2>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_newest_first_cursor_holds_a_time_and_an_id() {
        let c = encode_timed(1_600_000_000_000, "n1");
        assert_eq!(
            decode_timed(Some(&c)).unwrap(),
            Some((1_600_000_000_000, "n1".to_string()))
        );
        assert_eq!(decode_timed(None).unwrap(), None);
        assert_eq!(decode_timed(Some("")).unwrap(), None);
        assert!(decode_timed(Some(&encode(&["yesterday", "n1"]))).is_err());
    }

    #[test]
    fn a_page_read_one_past_its_size_is_cut_and_says_where_the_next_begins() {
        let mut rows = vec![1, 2, 3];
        assert_eq!(cut(&mut rows, 2, |n| n.to_string()), Some("2".into()));
        assert_eq!(rows, [1, 2]);
        let mut last = vec![1, 2];
        assert_eq!(cut(&mut last, 2, |n| n.to_string()), None);
        assert_eq!(last, [1, 2]);
    }
}
