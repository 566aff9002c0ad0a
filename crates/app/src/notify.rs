//! Chat-group webhooks (WeCom, DingTalk, Feishu, plain JSON) and the outbox that delivers alerts
//! to them: at least once, with retries and backoff, within each robot's rate limit (merged into
//! one digest when over it), surviving restarts because the queue is a table written in the
//! alert's own transaction. A message carries counts, the kind of alert, the community and a
//! link — never a name, an address, an ID number, a phone or a diagnosis.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sanshe_core::accounts::{Action, Target};
use sanshe_core::alerts::{AlertSubject, WebhookKind, WebhookUrl};
use sanshe_core::areas::AreaKind;
use sanshe_store::notify::{self as store, NewWebhook, OutboxRow, WebhookRow};
use sanshe_store::{areas as area_store, audit as audit_store};
use sha2::Sha256;

use crate::accounts::Actor;
use crate::audit::{self, Subject};
use crate::{App, AppError, Result};

/// How long a node holds messages it is sending before another may try them.
const LEASE_MS: i64 = 60_000;
/// Tries before a message is marked failed (the backoff makes that about a day).
const MAX_ATTEMPTS: i64 = 12;
/// Messages sent one by one per round; more than this (or more than the robot's remaining
/// minute budget) go out as one digest. Feishu allows 5 per second.
const SINGLE_MESSAGES_PER_ROUND: usize = 5;

/// The DingTalk signature: base64(HMAC-SHA256(key = secret, message = "{ms}\n{secret}")),
/// URL-encoded (domain.md §7.2).
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    let b64 = STANDARD.encode(mac.finalize().into_bytes());
    // Base64 needs only these three escaped in a query value.
    b64.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

/// The Feishu signature: base64(HMAC-SHA256(key = "{s}\n{secret}", message = empty)) — the
/// key is the joined string, unlike DingTalk (domain.md §7.3).
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(format!("{timestamp_s}\n{secret}").as_bytes())
        .expect("HMAC takes keys of any length");
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A webhook to add.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct WebhookInput {
    /// The area whose alerts (at or below it) go to the group.
    #[schema(max_length = 64)]
    pub area_id: String,
    /// The group's name, e.g. 凌研里社区防控工作群.
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// `wecom`, `dingtalk`, `feishu` or `json`.
    #[schema(pattern = "^(wecom|dingtalk|feishu|generic)$")]
    pub kind: String,
    /// The robot's address (a credential: stored encrypted, shown with its key hidden).
    #[schema(max_length = 500)]
    pub url: String,
    /// The signing secret (DingTalk `SEC…`, Feishu), if signing is on.
    #[schema(max_length = 200)]
    pub secret: Option<String>,
    /// An organization's own robot, added by its admin: told of urgent needs addressed to the
    /// organization and of nothing else (no area alerts).
    #[schema(max_length = 64)]
    pub organization_id: Option<String>,
}

/// A webhook as lists show it, with its delivery counts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    /// Id.
    pub id: String,
    /// Area name.
    pub area_name: String,
    /// Group name.
    pub name: String,
    /// Kind.
    pub kind: sanshe_core::alerts::WebhookKind,
    /// The address with its key hidden.
    pub url_hint: String,
    /// Whether it signs.
    pub signed: bool,
    /// Whether alerts go to it.
    pub active: bool,
    /// Messages waiting.
    pub pending: i64,
    /// Messages delivered.
    pub delivered: i64,
    /// Messages given up on after retries.
    pub failed: i64,
    /// The last delivery error, if any.
    pub last_error: Option<String>,
}

impl From<WebhookRow> for WebhookView {
    fn from(w: WebhookRow) -> Self {
        WebhookView {
            id: w.id,
            area_name: w.area_name,
            name: w.name,
            kind: w.kind,
            url_hint: w.url_hint,
            signed: w.secret_cipher.is_some(),
            active: w.active,
            pending: w.pending,
            delivered: w.delivered,
            failed: w.failed,
            last_error: w.last_error,
        }
    }
}

/// The address with everything after the path hidden (keys and tokens live there).
fn url_hint(url: &str) -> String {
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let (base, rest) = url.split_at(cut);
    // Feishu puts its token in the path's last segment.
    let base = match base.rsplit_once('/') {
        Some((head, last)) if last.len() > 12 => format!("{head}/{}…", &last[..4]),
        _ => base.to_string(),
    };
    if rest.is_empty() {
        base
    } else {
        format!("{base}?…")
    }
}

/// Adds a webhook for an area's alerts.
pub async fn add_webhook(app: &App, actor: &Actor, input: &WebhookInput) -> Result<WebhookView> {
    let mut errors = sanshe_core::FieldErrors::default();
    let kind = errors.take("kind", WebhookKind::parse(&input.kind));
    let url = errors.take("url", WebhookUrl::parse(&input.url));
    let name = errors
        .take_field(sanshe_core::text::required_line("name", &input.name, 60))
        .unwrap_or_default();
    let name = name.as_str();
    if input.secret.as_deref().is_some_and(|s| s.len() > 200) {
        errors.push_limit("secret", "err-too-long-max", 200);
    }
    let secret = input
        .secret
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if kind == Some(WebhookKind::Wecom) && secret.is_some() {
        errors.push("secret", "err-wecom-no-secret");
    }
    errors.into_result()?;
    let (Some(kind), Some(url)) = (kind, url) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let mut tx = app.db.begin().await?;
    let area = area_store::get(&mut tx, &input.area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    let organization = input
        .organization_id
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    let organization_id = match organization {
        Some(o) => Some(
            crate::organizations::run_by(&mut tx, actor, o)
                .await
                .map_err(|_| AppError::field("organization_id", "err-organization-not-found"))?
                .id,
        ),
        None => {
            actor.require_for(
                Action::ManageWebhooks,
                Target::Area(&area.path),
                "area_id",
                "err-area-not-found",
            )?;
            None
        }
    };
    let sealed_secret = secret.map(|s| app.vault.seal(s));
    let id = store::insert_webhook(
        &mut tx,
        &NewWebhook {
            area_id: &area.id,
            area_path: &area.path,
            name,
            kind,
            url_cipher: &app.vault.seal(url.as_str()),
            url_hint: &url_hint(url.as_str()),
            secret_cipher: sealed_secret.as_deref(),
            organization_id: organization_id.as_deref(),
        },
        app.clock.now_ms(),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "webhook.created",
        Subject::new("webhook", &id, &area.path),
        name,
    )
    .await?;
    let row = store::webhook(&mut tx, &id).await?;
    sanshe_store::commit(tx).await?;
    Ok(row.into())
}

/// Webhooks the actor may manage.
pub async fn list_webhooks(app: &App, actor: &Actor) -> Result<Vec<WebhookView>> {
    let scope = actor.scope(Action::ManageWebhooks);
    let mut conn = app.db.conn().await?;
    let mut rows = store::webhooks(&mut conn, scope.roots()).await?;
    let run = sanshe_core::accounts::organizations_run(&actor.grants);
    for w in store::webhooks_of_organizations(&mut conn, &run).await? {
        if !rows.iter().any(|r| r.id == w.id) {
            rows.push(w);
        }
    }
    Ok(rows.into_iter().map(WebhookView::from).collect())
}

/// Turns a webhook on or off.
pub async fn set_active(app: &App, actor: &Actor, id: &str, active: bool) -> Result<WebhookView> {
    let mut tx = app.db.begin().await?;
    let w = store::webhook(&mut tx, id).await?;
    match w.organization_id.as_deref() {
        Some(o) => {
            crate::organizations::run_by(&mut tx, actor, o).await?;
        }
        None => actor.require(Action::ManageWebhooks, Target::Area(&w.area_path))?,
    }
    store::set_webhook_active(&mut tx, id, active).await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            action: if active {
                "webhook.enabled"
            } else {
                "webhook.disabled"
            },
            target_kind: "webhook",
            target_id: id,
            area_path: Some(&w.area_path),
            detail: &w.name,
            ..actor.audit_entry()
        },
    )
    .await?;
    let row = store::webhook(&mut tx, id).await?;
    sanshe_store::commit(tx).await?;
    Ok(row.into())
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// HTTP messages sent successfully.
    pub messages: usize,
    /// Queued alerts they carried.
    pub alerts: usize,
    /// Messages that failed (to be retried or given up).
    pub failures: usize,
}

/// One alert in a chat message: its kind and community, nothing personal.
struct Line {
    alert_id: String,
    kind: String,
    community: String,
    /// A message that is not an alert (a shift reminder) links to the rota.
    notice: bool,
    /// A need's or a notice's title and page: an organization's people open the need (or the
    /// home page with the notice), not the alert.
    subject: Option<(String, String)>,
}

/// Sends what is due in the outbox. `words` translates message ids (`chat-title`,
/// `chat-digest`, `chat-see`, `alert-kind-…`) into the groups' language.
pub async fn deliver_due(
    app: &App,
    client: &reqwest::Client,
    words: &(dyn Fn(&str) -> String + Sync),
) -> Result<Round> {
    let now = app.clock.now_ms();
    let mut round = Round::default();
    let due = {
        let mut conn = app.db.conn().await?;
        store::due_webhooks(&mut conn, now).await?
    };
    for webhook_id in due {
        let mut conn = app.db.conn().await?;
        let hook = store::webhook(&mut conn, &webhook_id).await?;
        let kind = hook.kind;
        let budget =
            kind.per_minute() - store::sent_since(&mut conn, &webhook_id, now - 60_000).await?;
        if budget <= 0 || !hook.active {
            continue;
        }
        let rows = store::lease_due(&mut conn, &webhook_id, now, LEASE_MS, 500).await?;
        if rows.is_empty() {
            continue;
        }
        let mut lines = Vec::new();
        for r in &rows {
            lines.push(line_of(&mut conn, r).await?);
        }
        drop(conn);
        let batches: Vec<Vec<usize>> =
            if rows.len() <= SINGLE_MESSAGES_PER_ROUND.min(budget as usize) {
                (0..rows.len()).map(|i| vec![i]).collect()
            } else {
                vec![(0..rows.len()).collect()]
            };
        for batch in batches {
            let ids: Vec<String> = batch.iter().map(|&i| rows[i].id.clone()).collect();
            let batch_lines: Vec<&Line> = batch.iter().map(|&i| &lines[i]).collect();
            let outcome = send(app, client, &hook, kind, &batch_lines, words).await;
            let mut conn = app.db.conn().await?;
            match outcome {
                Ok(()) => {
                    store::delivered(&mut conn, &ids, app.clock.now_ms()).await?;
                    round.messages += 1;
                    round.alerts += ids.len();
                }
                Err(error) => {
                    round.failures += 1;
                    let attempts = batch.iter().map(|&i| rows[i].attempts).max().unwrap_or(0) + 1;
                    let retry_at = (attempts < MAX_ATTEMPTS).then(|| now + backoff_ms(attempts));
                    tracing::warn!(webhook = %hook.id, attempts, %error, "webhook delivery failed");
                    store::failed(&mut conn, &ids, &error, retry_at).await?;
                }
            }
        }
    }
    Ok(round)
}

/// Waits 10 s, 20 s, 40 s, … up to 30 minutes between tries.
pub fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 20) as u32 - 1;
    (10_000i64.saturating_mul(1i64 << exp)).min(30 * 60_000)
}

async fn line_of(conn: &mut sanshe_store::Conn, r: &OutboxRow) -> Result<Line> {
    let path = match &r.area_path {
        Some(p) => p.clone(),
        None => sanshe_store::alerts::alert(conn, &r.alert_id)
            .await
            .map(|a| a.area_path)
            .unwrap_or_default(),
    };
    let community = match area_store::ancestor_name(conn, &path, AreaKind::Community).await? {
        Some(n) => n,
        None => area_store::ancestor_name(conn, &path, AreaKind::Street)
            .await?
            .unwrap_or_default(),
    };
    let subject = if r.summary.starts_with("need_") {
        sanshe_store::alerts::alert(conn, &r.alert_id)
            .await
            .ok()
            .filter(|a| a.subject_kind == AlertSubject::Need)
            .map(|a| {
                (
                    a.detail,
                    crate::alerts::subject_page(a.subject_kind, &a.subject_id),
                )
            })
    } else if r.summary == "notice" {
        // A notice's title, read on the home page where notices are shown.
        sanshe_store::notices::notice(&mut *conn, &r.alert_id)
            .await?
            .map(|n| (n.title, "/".to_string()))
    } else {
        None
    };
    Ok(Line {
        alert_id: r.alert_id.clone(),
        kind: r.summary.clone(),
        community,
        notice: r.area_path.is_some(),
        subject,
    })
}

/// The text of a message: one line per alert, or counts per community and kind for a digest.
fn text_of(app: &App, lines: &[&Line], words: &(dyn Fn(&str) -> String + Sync)) -> String {
    let base = app.public_url.trim_end_matches('/');
    if let [one] = lines {
        let (what, link) = match &one.subject {
            Some((title, page)) => (format!(" · {title}"), page.clone()),
            None if one.notice => (String::new(), "/rota".to_string()),
            None => (String::new(), format!("/alerts/{}", one.alert_id)),
        };
        return format!(
            "{} {}：{}{what}\n{} {base}{link}",
            words("chat-title"),
            one.community,
            words(&format!("alert-kind-{}", one.kind)),
            words("chat-see"),
        );
    }
    let mut counts: Vec<((String, String), usize)> = Vec::new();
    for l in lines {
        let key = (l.community.clone(), l.kind.clone());
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => counts.push((key, 1)),
        }
    }
    let mut text = format!(
        "{} {} × {}",
        words("chat-title"),
        words("chat-digest"),
        lines.len()
    );
    for ((community, kind), n) in counts {
        text.push_str(&format!(
            "\n{community}：{} × {n}",
            words(&format!("alert-kind-{kind}"))
        ));
    }
    text.push_str(&format!("\n{} {base}/alerts", words("chat-see")));
    text
}

/// Cuts text to at most `max` bytes on a character boundary (WeCom refuses longer text).
fn clip(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max.saturating_sub(3);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

async fn send(
    app: &App,
    client: &reqwest::Client,
    hook: &WebhookRow,
    kind: WebhookKind,
    lines: &[&Line],
    words: &(dyn Fn(&str) -> String + Sync),
) -> std::result::Result<(), String> {
    let mut url = app
        .vault
        .open(&hook.url_cipher)
        .map_err(|e| e.to_string())?;
    let secret = match &hook.secret_cipher {
        Some(s) => Some(app.vault.open(s).map_err(|e| e.to_string())?),
        None => None,
    };
    let text = clip(text_of(app, lines, words), 2000);
    let now = app.clock.now_ms();
    let body = match kind {
        WebhookKind::Wecom => serde_json::json!({"msgtype": "text", "text": {"content": text}}),
        WebhookKind::Dingtalk => {
            if let Some(secret) = &secret {
                let sep = if url.contains('?') { '&' } else { '?' };
                url.push_str(&format!(
                    "{sep}timestamp={now}&sign={}",
                    dingtalk_sign(secret, now)
                ));
            }
            serde_json::json!({"msgtype": "text", "text": {"content": text}})
        }
        WebhookKind::Feishu => {
            let mut body = serde_json::json!({"msg_type": "text", "content": {"text": text}});
            if let Some(secret) = &secret {
                let ts = now / 1000;
                body["timestamp"] = serde_json::Value::String(ts.to_string());
                body["sign"] = serde_json::Value::String(feishu_sign(secret, ts));
            }
            body
        }
        WebhookKind::Json => serde_json::json!({
            "source": "sanshe",
            "text": text,
            "alerts": lines.iter().map(|l| serde_json::json!({
                "id": l.alert_id,
                "kind": l.kind,
                "community": l.community,
                "link": format!("{}/alerts/{}", app.public_url.trim_end_matches('/'), l.alert_id),
            })).collect::<Vec<_>>(),
        }),
    };
    let resp = client
        .post(&url)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("network: {}", e.without_url()))?;
    let status = resp.status();
    let answer = resp.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!("HTTP {status}: {}", clip(answer, 200)));
    }
    // The robots answer 200 with an error code in the body when they refuse.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&answer) {
        let code = v
            .get("errcode")
            .or_else(|| v.get("code"))
            .or_else(|| v.get("StatusCode"))
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0);
        if code != 0 {
            return Err(format!("robot refused: {}", clip(answer, 200)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from ../shared/research/domain.md §7.4.
    #[test]
    fn dingtalk_signature_matches_the_reference() {
        assert_eq!(
            dingtalk_sign("SECexample0123456789", 1_580_000_000_000),
            "jWzJduAvTd7G2ut81Xv5hg8CbKYpQ%2FZjC8QZn208JYw%3D"
        );
    }

    #[test]
    fn feishu_signature_matches_the_reference() {
        assert_eq!(
            feishu_sign("SECexample0123456789", 1_580_000_000),
            "jUqybW5kcD9iLzxYfTE6tHluBJC9NNvWdlNJsCxRbDw="
        );
    }

    #[test]
    fn addresses_are_shown_without_their_keys() {
        assert_eq!(
            url_hint("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…"
        );
        assert_eq!(
            url_hint("https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef"),
            "https://open.feishu.cn/open-apis/bot/v2/hook/0123…"
        );
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(1), 10_000);
        assert_eq!(backoff_ms(2), 20_000);
        assert_eq!(backoff_ms(15), 30 * 60_000);
    }

    #[test]
    fn clipping_keeps_characters_whole() {
        let t = clip("预警".repeat(1000), 2000);
        assert!(t.len() <= 2000 && t.ends_with('…'));
    }
}
