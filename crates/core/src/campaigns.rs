//! Door-to-door campaigns (走访排查): visit outcomes and the questions asked at each door.

use serde::{Deserialize, Serialize};

use crate::spelling::spelled;

spelled! {
    /// Whether a campaign still takes visits.
    pub enum CampaignStatus("err-campaign-status") {
        /// Workers are visiting.
        Active = "active",
        /// Over: no more visits (it can be opened again).
        Closed = "closed",
    }
}

spelled! {
    /// What happened at a door.
    pub enum VisitOutcome("err-visit-outcome") {
        /// Someone answered and the questions were asked.
        Answered = "answered",
        /// Nobody home: the household goes on the revisit list.
        NotHome = "not_home",
        /// Refused to answer.
        Refused = "refused",
        /// Nobody lives there any more.
        MovedOut = "moved_out",
    }
}

impl VisitOutcome {
    /// Whether the household counts as reached (everything but "not home").
    pub fn reached(self) -> bool {
        self != VisitOutcome::NotHome
    }

    /// Whether the door is to be knocked on again: nobody was home, or they refused.
    pub fn calls_for_revisit(self) -> bool {
        matches!(self, VisitOutcome::NotHome | VisitOutcome::Refused)
    }
}

spelled! {
    /// What a "yes" to a question leads to.
    pub enum FollowUp("err-question-follow-up") {
        /// Nothing beyond the record.
        None = "none",
        /// Someone has a fever or cough: an alert for the community's doctor.
        Fever = "fever",
        /// Someone came back from elsewhere: register the arrival.
        Arrival = "arrival",
        /// Someone needs help (elderly living alone, …): an alert until help requests exist.
        NeedsHelp = "needs_help",
    }
}

/// One yes/no question asked at each door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable key the answers are stored under.
    pub key: String,
    /// The question as asked (for custom questions; standard ones are translated by key).
    pub text: String,
    /// What a "yes" leads to.
    pub follow_up: FollowUp,
}

/// The standard questions of a 2020 door-to-door sweep, with what a "yes" opens.
pub const STANDARD_QUESTIONS: [(&str, FollowUp); 4] = [
    ("fever_or_cough", FollowUp::Fever),
    ("arrived_from_elsewhere", FollowUp::Arrival),
    ("elderly_alone_needs_help", FollowUp::NeedsHelp),
    ("contact_with_case", FollowUp::Arrival),
];

/// Questions of a campaign's own, beside the standard ones.
pub const MAX_CUSTOM_QUESTIONS: usize = 20;

/// Builds a campaign's questions from chosen standard keys and custom lines of text.
pub fn questions(standard: &[String], custom: &[String]) -> Result<Vec<Question>, &'static str> {
    // Looked at before anything is built from them: a list of 100,000 is refused at once.
    if custom.len() > MAX_CUSTOM_QUESTIONS || standard.len() > 2 * STANDARD_QUESTIONS.len() {
        return Err("err-too-many-questions");
    }
    let mut out = Vec::new();
    for key in standard {
        let (k, f) = STANDARD_QUESTIONS
            .iter()
            .find(|(k, _)| *k == key.trim())
            .ok_or("err-question")?;
        if !out.iter().any(|q: &Question| q.key == *k) {
            out.push(Question {
                key: (*k).to_string(),
                text: String::new(),
                follow_up: *f,
            });
        }
    }
    for (i, text) in custom
        .iter()
        .map(|t| crate::text::line("custom_questions", t, 200).map_err(|_| "err-too-long"))
        .filter(|t| t.as_ref().map_or(true, |t| !t.is_empty()))
        .enumerate()
    {
        let text = text?;
        out.push(Question {
            key: format!("custom_{}", i + 1),
            text: text.to_string(),
            follow_up: FollowUp::None,
        });
    }
    if out.is_empty() {
        return Err("err-questions-required");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_standard_or_custom() {
        let q = questions(
            &["fever_or_cough".into(), "fever_or_cough".into()],
            &["家中是否有孕妇？".into(), " ".into()],
        )
        .unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].follow_up, FollowUp::Fever);
        assert_eq!(q[1].key, "custom_1");
        assert_eq!(questions(&["nope".into()], &[]), Err("err-question"));
        assert_eq!(questions(&[], &[]), Err("err-questions-required"));
    }

    #[test]
    fn not_home_is_not_reached() {
        assert!(!VisitOutcome::NotHome.reached());
        let revisit: Vec<VisitOutcome> = VisitOutcome::ALL
            .into_iter()
            .filter(|o| o.calls_for_revisit())
            .collect();
        assert_eq!(revisit, [VisitOutcome::NotHome, VisitOutcome::Refused]);
        assert!(VisitOutcome::MovedOut.reached());
        assert_eq!(VisitOutcome::parse("refused"), Ok(VisitOutcome::Refused));
    }
}
