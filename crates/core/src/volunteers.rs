//! Volunteer applications (志愿者招募): where an application stands while it is vetted.

use crate::spelling::spelled;

spelled! {
    /// Where an application is in vetting.
    #[derive(Default)]
    pub enum Vetting("err-volunteer-status") {
        /// Waiting for a vetter.
        #[default]
        Pending = "pending",
        /// The vetter asked the applicant for more.
        MoreInfo = "more_info",
        /// Approved: an account was made.
        Approved = "approved",
        /// Declined, with a reason.
        Declined = "declined",
    }
}

impl Vetting {
    /// The statuses of an application still waiting for a decision.
    pub const OPEN: [Vetting; 2] = [Vetting::Pending, Vetting::MoreInfo];

    /// The status a vetter's decision (`approve`, `more_info`, `decline`) leads to.
    pub fn decided(decision: &str) -> Result<Vetting, &'static str> {
        match decision.trim() {
            "approve" => Ok(Vetting::Approved),
            "more_info" => Ok(Vetting::MoreInfo),
            "decline" => Ok(Vetting::Declined),
            _ => Err("err-volunteer-decision"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_leads_to_its_status_and_nothing_else_is_a_decision() {
        assert_eq!(Vetting::decided("approve"), Ok(Vetting::Approved));
        assert_eq!(Vetting::decided("more_info"), Ok(Vetting::MoreInfo));
        assert_eq!(Vetting::decided("decline"), Ok(Vetting::Declined));
        assert_eq!(Vetting::decided("approved"), Err("err-volunteer-decision"));
        assert!(!Vetting::OPEN.contains(&Vetting::Approved));
    }
}
