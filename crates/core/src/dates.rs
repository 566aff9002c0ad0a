//! Dates people type, within the window each use allows: a pass is valid for a year at most, a
//! rota is made for the weeks around today, an exposure lies in the last weeks. Outside its
//! window a date is a typo (0000, 9999, a year before the epidemic) rather than a plan, and it
//! is refused with the window in the message.

use chrono::{Duration, NaiveDate};

use crate::error::FieldError;

/// Parses `YYYY-MM-DD`; a blank field is missing rather than mistyped.
pub fn parse(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    parse_optional(field, raw)?.ok_or_else(|| FieldError::new(field, "err-required"))
}

/// Parses `YYYY-MM-DD`, or no date when the field was left blank (a filter's open end).
pub fn parse_optional(field: &str, raw: &str) -> Result<Option<NaiveDate>, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    if raw.len() > 10 {
        return Err(FieldError::new(field, "err-date"));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| FieldError::new(field, "err-date"))
}

/// Refuses a span whose last day `to` comes before its first day `from`.
pub fn ordered(field: &str, from: NaiveDate, to: NaiveDate) -> Result<(), FieldError> {
    if to < from {
        return Err(FieldError::new(field, "err-date-order"));
    }
    Ok(())
}

/// `date`, if it lies from `days_back` days before `today` to `days_ahead` days after it.
pub fn within(
    field: &str,
    date: NaiveDate,
    today: NaiveDate,
    days_back: i64,
    days_ahead: i64,
) -> Result<NaiveDate, FieldError> {
    if date < today - Duration::days(days_back) {
        return Err(FieldError::over_limit(
            field,
            "err-date-too-early",
            days_back,
        ));
    }
    if date > today + Duration::days(days_ahead) {
        return Err(FieldError::over_limit(
            field,
            "err-date-too-late",
            days_ahead,
        ));
    }
    Ok(date)
}

/// Refuses a span from `from` to `to` longer than `max_days` days.
pub fn span(field: &str, from: NaiveDate, to: NaiveDate, max_days: i64) -> Result<(), FieldError> {
    if to - from > Duration::days(max_days) {
        return Err(FieldError::over_limit(
            field,
            "err-date-span-too-long",
            max_days,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_outside_their_window_are_typos() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let d = |s| parse("d", s).unwrap();
        assert_eq!(
            within("d", d("2026-12-01"), today, 31, 366),
            Ok(d("2026-12-01"))
        );
        let e = within("d", d("0000-01-01"), today, 31, 366).unwrap_err();
        assert_eq!((e.key, e.limit), ("err-date-too-early", Some(31)));
        let e = within("d", d("9999-12-31"), today, 31, 366).unwrap_err();
        assert_eq!((e.key, e.limit), ("err-date-too-late", Some(366)));
        assert!(parse("d", "-0001-01-01").is_err());
        assert_eq!(parse("d", " ").unwrap_err().key, "err-required");
        assert_eq!(parse("d", "2026-13-01").unwrap_err().key, "err-date");
        assert_eq!(parse_optional("d", ""), Ok(None));
        assert_eq!(
            parse_optional("d", " 2026-12-01 "),
            Ok(Some(d("2026-12-01")))
        );
        assert!(ordered("d", d("2026-12-01"), d("2026-11-30")).is_err());
        assert!(ordered("d", d("2026-12-01"), d("2026-12-01")).is_ok());
        assert!(span("d", d("2026-01-01"), d("2027-01-03"), 366).is_err());
        assert!(span("d", d("2026-01-01"), d("2027-01-02"), 366).is_ok());
    }
}
