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

/// A volunteer's number in the national volunteer service system (中国志愿服务信息系统, or a
/// local platform feeding it), which a record of service hours names the volunteer by
/// (《志愿服务记录与证明出具办法（试行）》). Given by the volunteer as the system issued it: 6
/// to 32 letters, digits or hyphens; spaces typed inside it are dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolunteerNumber(String);

impl VolunteerNumber {
    /// The longest number kept.
    pub const MAX_CHARS: usize = 32;

    /// Reads a number as typed.
    pub fn parse(raw: &str) -> Result<VolunteerNumber, &'static str> {
        let number: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        if number.is_empty() {
            return Err("err-required");
        }
        let well_formed = (6..=Self::MAX_CHARS).contains(&number.chars().count())
            && number
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !well_formed {
            return Err("err-volunteer-number");
        }
        Ok(VolunteerNumber(number.to_ascii_uppercase()))
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
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

    #[test]
    fn a_volunteer_number_is_kept_as_issued_and_anything_else_is_refused() {
        let read = |raw: &str| VolunteerNumber::parse(raw).map(|n| n.as_str().to_string());
        assert_eq!(read(" 12010 4000123 "), Ok("120104000123".into()));
        assert_eq!(read("tj-2020-0815"), Ok("TJ-2020-0815".into()));
        assert_eq!(read(""), Err("err-required"));
        assert_eq!(read("12345"), Err("err-volunteer-number"), "too short");
        assert_eq!(
            read(&"1".repeat(33)),
            Err("err-volunteer-number"),
            "too long"
        );
        assert_eq!(read("志愿者123456"), Err("err-volunteer-number"));
        assert_eq!(read("1201;DROP"), Err("err-volunteer-number"));
    }
}
