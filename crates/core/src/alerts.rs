//! Alerts: what goes wrong at the front line and must reach a worker.

use serde::{Deserialize, Serialize};

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A report at or above the fever line.
    Fever,
    /// A due report did not arrive in time.
    MissedReport,
    /// A report with severe symptoms.
    SevereSymptoms,
    /// An isolated person without a responsible worker.
    Unassigned,
    /// An episode past its planned end, not yet released.
    EndDue,
    /// Fever or cough found on a door-to-door visit.
    VisitFever,
    /// A household found on a visit to need help.
    NeedsHelp,
    /// Someone refused at a gate for fever.
    GateFever,
    /// A volunteer dropped a shift: its place is open again.
    ShiftDropped,
    /// Someone booked on a shift has not checked in 15 minutes after its start.
    NoShow,
    /// A volunteer took over another's shift (a swap).
    ShiftSwapped,
    /// A help request is past its due time and not delivered.
    ErrandOverdue,
    /// One user revealed many full ID numbers or phones within minutes.
    ManyReveals,
    /// A community posted an urgent need (to its robots and its organizations' robots).
    NeedUrgent,
    /// A need is still not met after the time set on it.
    NeedUnmet,
}

impl AlertKind {
    /// Every kind.
    pub const ALL: [AlertKind; 15] = [
        AlertKind::Fever,
        AlertKind::MissedReport,
        AlertKind::SevereSymptoms,
        AlertKind::Unassigned,
        AlertKind::EndDue,
        AlertKind::VisitFever,
        AlertKind::NeedsHelp,
        AlertKind::GateFever,
        AlertKind::ShiftDropped,
        AlertKind::NoShow,
        AlertKind::ShiftSwapped,
        AlertKind::ErrandOverdue,
        AlertKind::ManyReveals,
        AlertKind::NeedUrgent,
        AlertKind::NeedUnmet,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Fever => "fever",
            AlertKind::MissedReport => "missed_report",
            AlertKind::SevereSymptoms => "severe_symptoms",
            AlertKind::Unassigned => "unassigned",
            AlertKind::EndDue => "end_due",
            AlertKind::VisitFever => "visit_fever",
            AlertKind::NeedsHelp => "needs_help",
            AlertKind::GateFever => "gate_fever",
            AlertKind::ShiftDropped => "shift_dropped",
            AlertKind::NoShow => "no_show",
            AlertKind::ShiftSwapped => "shift_swapped",
            AlertKind::ErrandOverdue => "errand_overdue",
            AlertKind::ManyReveals => "many_reveals",
            AlertKind::NeedUrgent => "need_urgent",
            AlertKind::NeedUnmet => "need_unmet",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<AlertKind, &'static str> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or("err-alert-kind")
    }
}

/// Where an alert is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// Nobody has taken it yet.
    Open,
    /// A worker has taken it.
    Acknowledged,
    /// Dealt with, with a note.
    Resolved,
}

impl AlertStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Open => "open",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<AlertStatus, &'static str> {
        match raw.trim() {
            "open" => Ok(AlertStatus::Open),
            "acknowledged" => Ok(AlertStatus::Acknowledged),
            "resolved" => Ok(AlertStatus::Resolved),
            _ => Err("err-alert-status"),
        }
    }
}

/// The chat tool a webhook posts into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookKind {
    /// 企业微信群机器人 (key in the URL, no signature).
    Wecom,
    /// 钉钉自定义机器人 (signed).
    Dingtalk,
    /// 飞书自定义机器人 (signed).
    Feishu,
    /// Plain JSON to any receiver.
    Json,
}

impl WebhookKind {
    /// Every kind.
    pub const ALL: [WebhookKind; 4] = [
        WebhookKind::Wecom,
        WebhookKind::Dingtalk,
        WebhookKind::Feishu,
        WebhookKind::Json,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookKind::Wecom => "wecom",
            WebhookKind::Dingtalk => "dingtalk",
            WebhookKind::Feishu => "feishu",
            WebhookKind::Json => "json",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(raw: &str) -> Result<WebhookKind, &'static str> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or("err-webhook-kind")
    }

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
