//! Needs and commitments (需求对接): what a community asks of organizations, and where a need
//! stands as organizations commit people or take on a service.

use crate::spelling::spelled;

spelled! {
    /// What a need asks for.
    pub enum NeedKind("err-need-kind") {
        /// People for a duty post's shifts ("夜班卡口 每晚 4 人，本周").
        People = "people",
        /// A service (心理疏导, 消杀, 代购).
        Service = "service",
    }
}

spelled! {
    /// Where a need stands.
    pub enum NeedStatus("err-need-status") {
        /// Nobody committed yet.
        Open = "open",
        /// Some of what was asked is committed.
        PartlyMet = "partly_met",
        /// All of it is committed.
        Met = "met",
        /// Closed by the community.
        Closed = "closed",
    }
}

impl NeedStatus {
    /// Where a need not closed stands with `committed` of `wanted`.
    pub fn of(committed: i64, wanted: i64) -> NeedStatus {
        if committed <= 0 {
            NeedStatus::Open
        } else if committed < wanted {
            NeedStatus::PartlyMet
        } else {
            NeedStatus::Met
        }
    }
}

spelled! {
    /// Who a need goes to.
    pub enum Audience("err-need-audience", blank = Linked) {
        /// The organizations with an active linkage to the community.
        Linked = "linked",
        /// Every organization in the city.
        City = "city",
    }
}

spelled! {
    /// How soon a need must be met: an urgent one is sent to the chat groups at once.
    pub enum NeedUrgency("err-need-urgency", blank = Normal) {
        /// As the days allow.
        Normal = "normal",
        /// Now: the robots are told.
        Urgent = "urgent",
    }
}

spelled! {
    /// Where an organization's commitment to a need stands.
    pub enum CommitmentStatus("err-commitment-status") {
        /// Made by the organization, not yet confirmed by the community.
        Offered = "offered",
        /// Confirmed by the community.
        Confirmed = "confirmed",
    }
}

/// The most people one need may ask for (a night gate for a week is tens, not thousands).
pub const MAX_PEOPLE: i64 = 200;
/// The longest stretch a need covers, in days.
pub const MAX_DAYS: i64 = 31;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_need_is_open_then_partly_met_then_met() {
        assert_eq!(NeedStatus::of(0, 4), NeedStatus::Open);
        assert_eq!(NeedStatus::of(3, 4), NeedStatus::PartlyMet);
        assert_eq!(NeedStatus::of(4, 4), NeedStatus::Met);
        assert_eq!(NeedStatus::of(5, 4), NeedStatus::Met);
        assert_eq!(Audience::chosen(""), Ok(Audience::Linked));
        assert_eq!(Audience::chosen(" city "), Ok(Audience::City));
        assert!(Audience::chosen("everyone").is_err());
        assert!(NeedKind::parse("supplies").is_err());
    }
}
