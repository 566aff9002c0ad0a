//! Help requests (代买药品): errands for people who cannot go out (DESIGN.md M11).

use chrono::{Duration, NaiveDateTime, NaiveTime};

use crate::spelling::spelled;

spelled! {
    /// Where a request is.
    pub enum HelpStatus("err-help-status") {
        /// Waiting for a volunteer.
        Open = "open",
        /// A volunteer has it.
        Assigned = "assigned",
        /// Bought, on its way.
        Bought = "bought",
        /// Handed over.
        Delivered = "delivered",
        /// Called off, with a reason.
        Cancelled = "cancelled",
    }
}

impl HelpStatus {
    /// The statuses of a request still being worked on.
    pub const ACTIVE: [HelpStatus; 3] =
        [HelpStatus::Open, HelpStatus::Assigned, HelpStatus::Bought];

    /// The statuses of a request that is over.
    pub const FINISHED: [HelpStatus; 2] = [HelpStatus::Delivered, HelpStatus::Cancelled];

    /// Still being worked on: not delivered, not called off.
    pub fn is_active(self) -> bool {
        Self::ACTIVE.contains(&self)
    }
}

/// What someone does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpStep {
    /// A worker gives it to a volunteer, or a volunteer claims it.
    Assign,
    /// The volunteer gives it back (ill, cannot reach the shop).
    Release,
    /// The volunteer has bought what was asked.
    Buy,
    /// The volunteer has handed it over (a request with nothing to buy may skip `Buy`).
    Deliver,
    /// Called off.
    Cancel,
}

/// The next status, or None when the step is not allowed from `from`.
pub fn next(from: HelpStatus, step: HelpStep) -> Option<HelpStatus> {
    use HelpStatus as S;
    use HelpStep as T;
    match (from, step) {
        (S::Open, T::Assign) => Some(S::Assigned),
        (S::Assigned, T::Assign) => Some(S::Assigned),
        (S::Assigned, T::Release) => Some(S::Open),
        (S::Assigned, T::Buy) => Some(S::Bought),
        (S::Assigned | S::Bought, T::Deliver) => Some(S::Delivered),
        (S::Open | S::Assigned | S::Bought, T::Cancel) => Some(S::Cancelled),
        _ => None,
    }
}

spelled! {
    /// How soon it is needed.
    #[derive(PartialOrd, Ord)]
    pub enum Urgency("err-help-urgency") {
        /// Medicine that cannot wait: within 4 hours.
        Urgent = "urgent",
        /// Today: by midnight China time (never sooner than an urgent one).
        Today = "today",
        /// Within three days: by midnight at the end of the third day.
        Soon = "soon",
    }
}

impl Urgency {
    /// When a request asked at `asked` (China time) is overdue if not delivered. "Today" and
    /// "within three days" end at midnight, as people mean them; a request for today asked
    /// late in the evening still gets an urgent one's 4 hours.
    pub fn due(self, asked: NaiveDateTime) -> NaiveDateTime {
        let urgent = asked + Duration::hours(4);
        let midnight_after =
            |days: i64| (asked.date() + Duration::days(days)).and_time(NaiveTime::MIN);
        match self {
            Urgency::Urgent => urgent,
            Urgency::Today => midnight_after(1).max(urgent),
            Urgency::Soon => midnight_after(3),
        }
    }
}

/// The order requests are worked in: for elderly people living alone and isolated households
/// first (they have no one else to go), then by urgency, then the longest waiting. Sort
/// ascending by this key.
pub fn triage_key(
    vulnerable: bool,
    urgency: Urgency,
    asked: NaiveDateTime,
) -> (bool, Urgency, NaiveDateTime) {
    (!vulnerable, urgency, asked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2020, 2, 3)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .expect("valid test time")
    }

    #[test]
    fn requests_move_forward_only_by_the_allowed_steps() {
        use HelpStatus as S;
        use HelpStep as T;
        assert_eq!(next(S::Open, T::Assign), Some(S::Assigned));
        assert_eq!(next(S::Assigned, T::Buy), Some(S::Bought));
        assert_eq!(next(S::Bought, T::Deliver), Some(S::Delivered));
        assert_eq!(next(S::Assigned, T::Release), Some(S::Open));
        assert_eq!(next(S::Open, T::Buy), None);
        assert_eq!(next(S::Open, T::Deliver), None);
        assert_eq!(next(S::Delivered, T::Cancel), None);
        assert_eq!(next(S::Cancelled, T::Assign), None);
        assert_eq!(next(S::Bought, T::Release), None);
        for s in [S::Open, S::Assigned, S::Bought, S::Delivered, S::Cancelled] {
            assert_eq!(HelpStatus::parse(s.as_str()), Ok(s));
        }
    }

    #[test]
    fn the_vulnerable_come_first_then_urgency_then_waiting() {
        let mut requests = [
            (
                "neighbour, urgent",
                triage_key(false, Urgency::Urgent, at(8)),
            ),
            (
                "elderly alone, soon",
                triage_key(true, Urgency::Soon, at(9)),
            ),
            (
                "isolated, urgent, later",
                triage_key(true, Urgency::Urgent, at(10)),
            ),
            (
                "isolated, urgent, earlier",
                triage_key(true, Urgency::Urgent, at(7)),
            ),
        ];
        requests.sort_by_key(|r| r.1);
        let order: Vec<&str> = requests.iter().map(|r| r.0).collect();
        assert_eq!(
            order,
            [
                "isolated, urgent, earlier",
                "isolated, urgent, later",
                "elderly alone, soon",
                "neighbour, urgent"
            ]
        );
    }

    #[test]
    fn overdue_follows_urgency() {
        assert_eq!(Urgency::Urgent.due(at(8)), at(12));
        // 今天内 asked at 14:11 ends at midnight, not at 02:11 the next day.
        let afternoon = at(14) + Duration::minutes(11);
        assert_eq!(Urgency::Today.due(afternoon), at(0) + Duration::days(1));
        assert_eq!(Urgency::Today.due(at(8)), at(0) + Duration::days(1));
        assert_eq!(
            Urgency::Today.due(at(22)),
            at(22) + Duration::hours(4),
            "late: 4 hours still"
        );
        assert_eq!(Urgency::Soon.due(afternoon), at(0) + Duration::days(3));
    }
}
