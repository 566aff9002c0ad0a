//! Alerts: what goes wrong at the front line and must reach a worker.

use crate::spelling::spelled;

spelled! {
    /// What an alert is about.
    pub enum AlertKind("err-alert-kind") {
        /// A report at or above the fever line.
        Fever = "fever",
        /// A due report did not arrive in time.
        MissedReport = "missed_report",
        /// A report with severe symptoms.
        SevereSymptoms = "severe_symptoms",
        /// An isolated person without a responsible worker.
        Unassigned = "unassigned",
        /// An episode past its planned end, not yet released.
        EndDue = "end_due",
        /// Fever or cough found on a door-to-door visit.
        VisitFever = "visit_fever",
        /// A household found on a visit to need help.
        NeedsHelp = "needs_help",
        /// Someone refused at a gate for fever.
        GateFever = "gate_fever",
        /// A volunteer dropped a shift: its place is open again.
        ShiftDropped = "shift_dropped",
        /// Someone booked on a shift has not checked in 15 minutes after its start.
        NoShow = "no_show",
        /// A volunteer took over another's shift (a swap).
        ShiftSwapped = "shift_swapped",
        /// A help request is past its due time and not delivered.
        ErrandOverdue = "errand_overdue",
        /// One user revealed many full ID numbers or phones within minutes.
        ManyReveals = "many_reveals",
        /// A community posted an urgent need (to its robots and its organizations' robots).
        NeedUrgent = "need_urgent",
        /// A need is still not met after the time set on it.
        NeedUnmet = "need_unmet",
    }
}

spelled! {
    /// What an alert is about: the record its `subject_id` names.
    pub enum AlertSubject("err-alert-subject") {
        /// An isolation episode.
        Episode = "episode",
        /// A household (a fever at the gates, a visit's finding).
        Household = "household",
        /// A gate (a fever on a code without a household).
        Gate = "gate",
        /// A rota shift.
        Shift = "shift",
        /// A resident's errand.
        HelpRequest = "help_request",
        /// A user (numbers revealed in a hurry).
        User = "user",
        /// A community's need.
        Need = "need",
    }
}

spelled! {
    /// Where an alert is in its handling.
    pub enum AlertStatus("err-alert-status") {
        /// Nobody has taken it yet.
        Open = "open",
        /// A worker has taken it.
        Acknowledged = "acknowledged",
        /// Dealt with, with a note.
        Resolved = "resolved",
    }
}

spelled! {
    /// The chat tool a webhook posts into.
    pub enum WebhookKind("err-webhook-kind") {
        /// 企业微信群机器人 (key in the URL, no signature).
        Wecom = "wecom",
        /// 钉钉自定义机器人 (signed).
        Dingtalk = "dingtalk",
        /// 飞书自定义机器人 (signed).
        Feishu = "feishu",
        /// Plain JSON to any receiver.
        Json = "json",
    }
}

impl WebhookKind {
    /// Messages allowed per minute by the robot (domain.md §7: WeCom and DingTalk 20/min,
    /// Feishu 100/min; plain receivers get the same as WeCom to be polite).
    pub fn per_minute(self) -> i64 {
        match self {
            WebhookKind::Feishu => 100,
            _ => 20,
        }
    }
}

/// A checked webhook address: http(s), no spaces, at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Parses an address.
    pub fn parse(raw: &str) -> Result<WebhookUrl, &'static str> {
        let t = raw.trim();
        if t.is_empty() {
            return Err("err-required");
        }
        let ok = (t.starts_with("https://") || t.starts_with("http://"))
            && t.len() <= 500
            && t.len() > "https://".len()
            && !t.chars().any(char::is_whitespace);
        if ok {
            Ok(WebhookUrl(t.to_string()))
        } else {
            Err("err-webhook-url")
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls() {
        assert!(
            WebhookUrl::parse("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x").is_ok()
        );
        assert_eq!(WebhookUrl::parse("ftp://x"), Err("err-webhook-url"));
        assert_eq!(WebhookUrl::parse("https://a b"), Err("err-webhook-url"));
        assert_eq!(WebhookKind::parse("feishu"), Ok(WebhookKind::Feishu));
        assert_eq!(AlertKind::parse("fever"), Ok(AlertKind::Fever));
    }
}
