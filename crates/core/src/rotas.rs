//! Duty posts, their shifts, and the rules of booking people onto them (DESIGN.md M10).
//!
//! Times here are China time (`NaiveDateTime`): China keeps one offset all year, so arithmetic on
//! local times is exact, and the rules people state ("12 hours in any 24", "from 08:00") are
//! local.

use crate::spelling::spelled;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

spelled! {
    /// What a duty post is for.
    pub enum PostKind("err-post-kind") {
        /// A gate checkpoint of a compound.
        Gate = "gate",
        /// A telephone line (psychological support, the community's hotline).
        Hotline = "hotline",
        /// Help at a care home.
        CareHome = "care_home",
        /// Support at the front line (supplies, errands).
        Support = "support",
        /// Anything else.
        Other = "other",
    }
}

/// A stretch of time, start included, end excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    /// Start.
    pub start: NaiveDateTime,
    /// End (after start).
    pub end: NaiveDateTime,
}

impl Span {
    /// A span; None unless `end` is after `start`.
    pub fn new(start: NaiveDateTime, end: NaiveDateTime) -> Option<Span> {
        (end > start).then_some(Span { start, end })
    }

    /// Its length in minutes.
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }

    /// Minutes it shares with `other`.
    pub fn overlap_minutes(&self, other: &Span) -> i64 {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (end - start).num_minutes().max(0)
    }
}

/// How much one person may be booked (settings: local notices differed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingLimits {
    /// Most minutes of duty in any 24 hours; default 12 hours.
    pub max_minutes_in_24h: i64,
    /// Least rest between two shifts, in minutes; default 8 hours.
    pub min_rest_minutes: i64,
}

impl Default for BookingLimits {
    fn default() -> Self {
        BookingLimits {
            max_minutes_in_24h: 12 * 60,
            min_rest_minutes: 8 * 60,
        }
    }
}

/// Why a person cannot take a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingRefusal {
    /// They are on another shift at the same time.
    DoubleBooked,
    /// It would make more than the limit in some 24 hours.
    OverDailyLimit,
    /// It starts too soon after, or ends too soon before, another of theirs.
    TooLittleRest,
    /// The shift already has everyone it needs.
    Full,
    /// The shift has started.
    Started,
}

impl BookingRefusal {
    /// The Fluent message id.
    pub fn message_id(self) -> &'static str {
        match self {
            BookingRefusal::DoubleBooked => "err-shift-double-booked",
            BookingRefusal::OverDailyLimit => "err-shift-over-daily-limit",
            BookingRefusal::TooLittleRest => "err-shift-too-little-rest",
            BookingRefusal::Full => "err-shift-full",
            BookingRefusal::Started => "err-shift-started",
        }
    }
}

/// Whether someone already holding `held` shifts may also take `wanted`.
pub fn may_book(held: &[Span], wanted: Span, limits: &BookingLimits) -> Result<(), BookingRefusal> {
    if held.iter().any(|h| h.overlap_minutes(&wanted) > 0) {
        return Err(BookingRefusal::DoubleBooked);
    }
    let rest = Duration::minutes(limits.min_rest_minutes);
    if held.iter().any(|h| {
        (h.end <= wanted.start && wanted.start - h.end < rest)
            || (wanted.end <= h.start && h.start - wanted.end < rest)
    }) {
        return Err(BookingRefusal::TooLittleRest);
    }
    // The busiest 24 hours containing part of `wanted` start at some shift's start or end at
    // some shift's end; checking those windows is enough.
    let day = Duration::hours(24);
    let all: Vec<Span> = held.iter().copied().chain([wanted]).collect();
    let windows = all
        .iter()
        .flat_map(|s| {
            [
                Span {
                    start: s.start,
                    end: s.start + day,
                },
                Span {
                    start: s.end - day,
                    end: s.end,
                },
            ]
        })
        .filter(|w| w.overlap_minutes(&wanted) > 0);
    for w in windows {
        let booked: i64 = all.iter().map(|s| s.overlap_minutes(&w)).sum();
        if booked > limits.max_minutes_in_24h {
            return Err(BookingRefusal::OverDailyLimit);
        }
    }
    Ok(())
}

/// When a post must be covered each day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// When the covered stretch starts each day.
    pub from: NaiveTime,
    /// Hours covered from then (24 for round the clock; may run past midnight).
    pub hours: u32,
    /// Length of one shift in hours (the covered stretch is cut into shifts of this length; the
    /// last may be shorter).
    pub shift_hours: u32,
    /// People on duty at once.
    pub people: u32,
}

impl Coverage {
    /// A coverage; a field error id when a number is out of range.
    pub fn new(
        from: NaiveTime,
        hours: u32,
        shift_hours: u32,
        people: u32,
    ) -> Result<Coverage, (&'static str, &'static str)> {
        if !(1..=24).contains(&hours) {
            return Err(("hours", "err-post-hours"));
        }
        if !(1..=24).contains(&shift_hours) {
            return Err(("shift_hours", "err-post-shift-hours"));
        }
        if !(1..=50).contains(&people) {
            return Err(("people", "err-post-people"));
        }
        Ok(Coverage {
            from,
            hours,
            shift_hours,
            people,
        })
    }

    /// The shifts of one day (the day the covered stretch starts).
    pub fn shifts_on(&self, date: NaiveDate) -> Vec<Span> {
        let start = date.and_time(self.from);
        let end = start + Duration::hours(self.hours.into());
        let step = Duration::hours(self.shift_hours.into());
        let mut out = Vec::new();
        let mut at = start;
        while at < end {
            let until = (at + step).min(end);
            out.push(Span {
                start: at,
                end: until,
            });
            at = until;
        }
        out
    }
}

/// Minutes of `shift` not covered when `taken` people of `needed` hold it: the whole shift while
/// anyone is missing, which is how a rota shows it in red.
pub fn gap_minutes(shift: &Span, taken: u32, needed: u32) -> i64 {
    if taken < needed { shift.minutes() } else { 0 }
}

/// Minutes of service a shift's check-in and check-out count for. The record rules count actual
/// time from sign-in and sign-out (domain.md §5), so early arrival before the shift, and a
/// check-out long after it (usually a forgotten one), do not add hours: time is counted from at
/// most 30 minutes before the start to at most 2 hours after the end.
pub fn served_minutes(shift: &Span, check_in: NaiveDateTime, check_out: NaiveDateTime) -> i64 {
    let from = check_in.max(shift.start - Duration::minutes(30));
    let until = check_out.min(shift.end + Duration::hours(2));
    (until - from).num_minutes().max(0)
}

/// Minutes into a shift after which someone not checked in is a no-show.
pub const NO_SHOW_AFTER_MINUTES: u32 = 15;

/// Whether someone who has not checked in by `now` is a no-show: 15 minutes into the shift.
pub fn is_no_show(shift: &Span, checked_in: bool, now: NaiveDateTime) -> bool {
    !checked_in
        && now >= shift.start + Duration::minutes(NO_SHOW_AFTER_MINUTES.into())
        && now < shift.end
}

/// Minutes a gate duty runs on after its shift ends when the person has not checked out (the
/// next shift may be late; the gate is not left unstaffed at the hour).
pub const GATE_DUTY_GRACE_MINUTES: i64 = 30;

/// When someone checked in on a shift of a gate post may act at that gate: from check-in until
/// check-out, or until the grace after the shift's end, whichever comes first (UTC ms, the end
/// excluded).
pub fn gate_duty_window(
    checked_in_at: i64,
    checked_out_at: Option<i64>,
    ends_at: i64,
) -> (i64, i64) {
    let grace_end = ends_at + GATE_DUTY_GRACE_MINUTES * 60_000;
    (
        checked_in_at,
        checked_out_at.map_or(grace_end, |out| out.min(grace_end)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2020, 2, d)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("valid test time")
    }

    fn span(d1: u32, h1: u32, d2: u32, h2: u32) -> Span {
        Span::new(at(d1, h1, 0), at(d2, h2, 0)).expect("valid test span")
    }

    #[test]
    fn no_one_is_on_two_shifts_at_once() {
        let limits = BookingLimits::default();
        let held = [span(1, 8, 1, 12)];
        assert_eq!(
            may_book(&held, span(1, 10, 1, 14), &limits),
            Err(BookingRefusal::DoubleBooked)
        );
    }

    #[test]
    fn rest_between_shifts_is_kept_both_ways() {
        let limits = BookingLimits::default();
        let held = [span(1, 8, 1, 12)];
        // 12:00 → 16:00 leaves 4 hours of rest; 8 are needed.
        assert_eq!(
            may_book(&held, span(1, 16, 1, 18), &limits),
            Err(BookingRefusal::TooLittleRest)
        );
        assert_eq!(
            may_book(&held, span(1, 2, 1, 4), &limits),
            Err(BookingRefusal::TooLittleRest)
        );
        assert_eq!(may_book(&held, span(1, 20, 1, 22), &limits), Ok(()));
    }

    #[test]
    fn twelve_hours_in_any_twenty_four_across_midnight() {
        let limits = BookingLimits {
            max_minutes_in_24h: 12 * 60,
            min_rest_minutes: 60,
        };
        // 8 hours in the evening and night, then 5 more the next morning: 13 in 24.
        let held = [span(1, 16, 2, 0)];
        assert_eq!(
            may_book(&held, span(2, 2, 2, 7), &limits),
            Err(BookingRefusal::OverDailyLimit)
        );
        // 4 more is exactly 12.
        assert_eq!(may_book(&held, span(2, 2, 2, 6), &limits), Ok(()));
        // A day later the window has moved on.
        assert_eq!(may_book(&held, span(2, 17, 2, 23), &limits), Ok(()));
    }

    #[test]
    fn round_the_clock_posts_cut_into_shifts_past_midnight() {
        let day = NaiveDate::from_ymd_opt(2020, 2, 1).expect("date");
        let gate = Coverage::new(NaiveTime::from_hms_opt(8, 0, 0).expect("time"), 24, 8, 2)
            .expect("valid coverage");
        let shifts = gate.shifts_on(day);
        assert_eq!(shifts.len(), 3);
        assert_eq!(shifts[2], span(2, 0, 2, 8));
        let hotline = Coverage::new(NaiveTime::from_hms_opt(8, 0, 0).expect("time"), 12, 5, 1)
            .expect("valid coverage");
        let shifts = hotline.shifts_on(day);
        assert_eq!(shifts.iter().map(Span::minutes).sum::<i64>(), 12 * 60);
        assert_eq!(shifts.last().map(Span::minutes), Some(2 * 60));
        assert!(Coverage::new(NaiveTime::MIN, 25, 8, 1).is_err());
        assert!(Coverage::new(NaiveTime::MIN, 24, 0, 1).is_err());
        assert!(Coverage::new(NaiveTime::MIN, 24, 8, 0).is_err());
    }

    #[test]
    fn a_shift_missing_anyone_is_a_gap() {
        let s = span(1, 0, 1, 8);
        assert_eq!(gap_minutes(&s, 1, 2), 480);
        assert_eq!(gap_minutes(&s, 2, 2), 0);
        assert_eq!(gap_minutes(&s, 3, 2), 0);
    }

    #[test]
    fn hours_count_actual_time_within_reason() {
        let night = span(1, 20, 2, 4);
        // Across midnight: 19:50 to 04:10 is 8 h 20 min.
        assert_eq!(served_minutes(&night, at(1, 19, 50), at(2, 4, 10)), 500);
        // Two hours early counts half an hour before the start.
        assert_eq!(served_minutes(&night, at(1, 18, 0), at(2, 4, 0)), 510);
        // A check-out forgotten until noon counts two hours past the end.
        assert_eq!(served_minutes(&night, at(1, 20, 0), at(2, 12, 0)), 600);
        // Out before in counts nothing.
        assert_eq!(served_minutes(&night, at(2, 1, 0), at(1, 23, 0)), 0);
    }

    #[test]
    fn a_no_show_is_fifteen_minutes_late() {
        let s = span(1, 8, 1, 16);
        assert!(!is_no_show(&s, false, at(1, 8, 14)));
        assert!(is_no_show(&s, false, at(1, 8, 15)));
        assert!(!is_no_show(&s, true, at(1, 9, 0)));
        assert!(!is_no_show(&s, false, at(1, 16, 0)));
    }

    #[test]
    fn gate_duty_runs_from_check_in_to_check_out_or_the_grace() {
        let hour = 3_600_000;
        assert_eq!(
            gate_duty_window(0, None, 4 * hour),
            (0, 4 * hour + hour / 2)
        );
        assert_eq!(gate_duty_window(0, Some(2 * hour), 4 * hour), (0, 2 * hour));
        assert_eq!(
            gate_duty_window(0, Some(6 * hour), 4 * hour),
            (0, 4 * hour + hour / 2),
            "a late check-out does not stretch it"
        );
    }
}
