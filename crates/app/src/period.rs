//! The span of days a list or a report is asked for, typed into a filter as two dates. Either
//! end may be left blank: an open end for a list, the last days up to today for a report.

use chrono::{Duration, NaiveDate};
use sanshe_core::{FieldErrors, dates};

use crate::Result;

/// Days from `from` to `to`, both included (China time), as a query or a filter form sends them.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct Period {
    /// First day, YYYY-MM-DD; blank for no first day.
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD; blank for no last day.
    #[param(format = Date)]
    pub to: Option<String>,
}

impl Period {
    /// The days typed, an end left blank open; a mistyped day, or a last day before the first,
    /// is refused on its field.
    pub fn open(&self) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
        let mut errors = FieldErrors::default();
        let mut day = |field, raw: &Option<String>| {
            let parsed = dates::parse_optional(field, raw.as_deref().unwrap_or(""));
            errors.take_field(parsed).flatten()
        };
        let (from, to) = (day("from", &self.from), day("to", &self.to));
        if let (Some(f), Some(t)) = (from, to) {
            errors.take_field(dates::ordered("to", f, t));
        }
        errors.into_result()?;
        Ok((from, to))
    }

    /// The days typed, or the last `days` days up to today where left blank.
    pub fn or_last(&self, today: NaiveDate, days: i64) -> Result<(NaiveDate, NaiveDate)> {
        let (from, to) = self.open()?;
        let to = to.unwrap_or(today);
        Ok((from.unwrap_or(to - Duration::days(days - 1)), to))
    }

    /// The period as instants (UTC ms): from the first day's midnight in China to the midnight
    /// after the last, either end open where left blank.
    pub fn open_ms(&self) -> Result<(Option<i64>, Option<i64>)> {
        let midnight = |d: NaiveDate| crate::utc_ms(d.and_time(chrono::NaiveTime::MIN));
        let (from, to) = self.open()?;
        Ok((
            from.map(midnight),
            to.map(|d| midnight(d + Duration::days(1))),
        ))
    }

    /// Whether neither day was typed.
    pub fn is_blank(&self) -> bool {
        typed(&self.from).is_none() && typed(&self.to).is_none()
    }

    /// The period as query pairs, blank ends left out, for a pager or an export link.
    pub fn pairs(&self) -> [(&'static str, Option<&str>); 2] {
        [("from", typed(&self.from)), ("to", typed(&self.to))]
    }
}

/// What was typed into a date field, if anything.
fn typed(day: &Option<String>) -> Option<&str> {
    day.as_deref().map(str::trim).filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(from: &str, to: &str) -> Period {
        Period {
            from: Some(from.into()),
            to: Some(to.into()),
        }
    }

    #[test]
    fn blank_ends_are_open_and_a_backwards_period_is_refused() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(period("", " ").open().unwrap(), (None, None));
        assert_eq!(
            period("2020-01-25", "").open().unwrap(),
            (Some(d("2020-01-25")), None)
        );
        let today = d("2020-02-10");
        assert_eq!(
            Period::default().or_last(today, 14).unwrap(),
            (d("2020-01-28"), today)
        );
        let fields = |p: Period| -> Vec<(String, &'static str)> {
            match p.open() {
                Err(crate::AppError::Invalid(e)) => {
                    e.0.into_iter().map(|e| (e.field, e.key)).collect()
                }
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            fields(period("2020-02-10", "2020-02-09")),
            vec![("to".to_string(), "err-date-order")]
        );
        assert_eq!(
            fields(period("2020-2-30", "x")),
            vec![
                ("from".to_string(), "err-date"),
                ("to".to_string(), "err-date")
            ]
        );
    }
}
