//! The `webhooks` and `outbox` tables: chat groups alerts and notices go to, and the messages
//! queued for them, leased, sent, retried.

use sanshe_core::alerts::WebhookKind;
use sqlx::AnyConnection;

use crate::statements::{Cell, Statements};

use crate::{Result, new_id, scope_filter};

/// A webhook to store.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    /// Area it serves (alerts at or below it).
    pub area_id: &'a str,
    /// That area's path.
    pub area_path: &'a str,
    /// Group name, e.g. 凌研里社区防控群.
    pub name: &'a str,
    /// Whose robot: WeCom, DingTalk, Feishu.
    pub kind: WebhookKind,
    /// Sealed address.
    pub url_cipher: &'a str,
    /// The address with its key hidden.
    pub url_hint: &'a str,
    /// Sealed signing secret.
    pub secret_cipher: Option<&'a str>,
    /// The organization whose robot it is (told only of needs addressed to it).
    pub organization_id: Option<&'a str>,
}

/// Stores a webhook and returns its id.
pub async fn insert_webhook(
    conn: &mut AnyConnection,
    w: &NewWebhook<'_>,
    at: i64,
) -> Result<String> {
    let id = new_id();
    conn.changed("INSERT INTO webhooks (id, area_id, area_path, name, kind, url_cipher, url_hint, secret_cipher, active, created_at, organization_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)", &[Cell::from(&id), Cell::from(w.area_id), Cell::from(w.area_path), Cell::from(w.name), Cell::from(w.kind), Cell::from(w.url_cipher), Cell::from(w.url_hint), Cell::from(w.secret_cipher), Cell::from(at), Cell::from(w.organization_id)])
        .await?;
    Ok(id)
}

crate::query_row! {
    /// A stored webhook with its delivery counts.
    #[derive(Debug, Clone)]
    pub struct WebhookRow {
        /// Id.
        pub id: String,
        /// Area path.
        pub area_path: String,
        /// Area name.
        pub area_name: String,
        /// Group name.
        pub name: String,
        /// Kind.
        pub kind: WebhookKind,
        /// Sealed address.
        pub url_cipher: String,
        /// Address with the key hidden.
        pub url_hint: String,
        /// Sealed secret.
        pub secret_cipher: Option<String>,
        /// Whether alerts go to it.
        pub active: bool,
        /// Messages waiting.
        pub pending: i64,
        /// Messages delivered.
        pub delivered: i64,
        /// Messages given up on.
        pub failed: i64,
        /// Last delivery error.
        pub last_error: Option<String>,
        /// The organization whose robot it is.
        pub organization_id: Option<String>,
    }
}

const WEBHOOK_SELECT: &str = "SELECT w.id, w.area_path, a.name AS area_name, w.name, w.kind, w.url_cipher, w.url_hint, w.secret_cipher, w.active, w.organization_id, \
     (SELECT COUNT(*) FROM outbox o WHERE o.webhook_id = w.id AND o.status = 'pending') AS pending, \
     (SELECT COUNT(*) FROM outbox o WHERE o.webhook_id = w.id AND o.status = 'delivered') AS delivered, \
     (SELECT COUNT(*) FROM outbox o WHERE o.webhook_id = w.id AND o.status = 'failed') AS failed, \
     (SELECT o.last_error FROM outbox o WHERE o.webhook_id = w.id AND o.last_error IS NOT NULL ORDER BY o.next_attempt_at DESC LIMIT 1) AS last_error \
     FROM webhooks w JOIN areas a ON a.id = w.area_id";

/// Webhooks in scope.
pub async fn webhooks(conn: &mut AnyConnection, roots: &[String]) -> Result<Vec<WebhookRow>> {
    let (filter, binds) = scope_filter("w.area_path", roots, 1);
    let sql = format!("{WEBHOOK_SELECT} WHERE {filter} ORDER BY a.sort_key, a.name, w.name");
    let args: Vec<Cell> = binds.iter().map(Cell::from).collect();
    conn.fetch_all::<WebhookRow>(&sql, &args).await
}

/// The robots of these organizations.
pub async fn webhooks_of_organizations(
    conn: &mut AnyConnection,
    organization_ids: &[String],
) -> Result<Vec<WebhookRow>> {
    let mut args = Vec::new();
    let filter = crate::one_of("w.organization_id", organization_ids, &mut args);
    conn.fetch_all::<WebhookRow>(
        &format!("{WEBHOOK_SELECT} WHERE {filter} ORDER BY w.name"),
        &args,
    )
    .await
}

/// The active robots of these organizations, or of every organization (`None`).
pub async fn organization_routes(
    conn: &mut impl Statements,
    organization_ids: Option<&[String]>,
) -> Result<Vec<String>> {
    let mut args = Vec::new();
    let filter = match organization_ids {
        Some(ids) => crate::one_of("organization_id", ids, &mut args),
        None => "organization_id IS NOT NULL".to_string(),
    };
    conn.rows(
        &format!("SELECT id FROM webhooks WHERE active = 1 AND {filter}"),
        &args,
    )
    .await?
    .iter()
    .map(|r| r.try_get("id"))
    .collect()
}

/// One webhook (callers check the path).
pub async fn webhook(conn: &mut AnyConnection, id: &str) -> Result<WebhookRow> {
    conn.fetch_one::<WebhookRow>(
        &format!("{WEBHOOK_SELECT} WHERE w.id = $1"),
        &[Cell::from(id)],
    )
    .await
}

/// Turns a webhook on or off.
pub async fn set_webhook_active(conn: &mut AnyConnection, id: &str, active: bool) -> Result<()> {
    conn.run(
        "UPDATE webhooks SET active = $2 WHERE id = $1",
        &[Cell::from(id), Cell::from(active as i64)],
    )
    .await
}

/// Active webhooks: (id, area path), for routing new alerts.
pub async fn active_routes(conn: &mut impl Statements) -> Result<Vec<(String, String)>> {
    // An organization's robot hears only of the needs addressed to it, never the area's alerts.
    conn.rows(
        "SELECT id, area_path FROM webhooks WHERE active = 1 AND organization_id IS NULL",
        &[],
    )
    .await?
    .iter()
    .map(|r| r.columns(["id", "area_path"]))
    .collect::<Result<_>>()
}

/// A message to queue for one webhook.
#[derive(Debug, Clone, Copy)]
pub struct Queued<'a> {
    /// The webhook.
    pub webhook_id: &'a str,
    /// What it is about: an alert's id, or a notice's or a shift's.
    pub subject_id: &'a str,
    /// The kind the message names (an alert kind, `notice`, `shift_reminder`).
    pub summary: &'a str,
    /// Where, for a message that is not an alert (an alert carries its own place).
    pub area_path: Option<&'a str>,
}

/// Queues messages, due at `at`: one INSERT for alerts, notices and reminders alike.
pub async fn enqueue(conn: &mut impl Statements, messages: &[Queued<'_>], at: i64) -> Result<()> {
    let mut values: Vec<Cell> = Vec::with_capacity(messages.len() * 7);
    for m in messages {
        values.extend([
            new_id().into(),
            m.webhook_id.into(),
            m.subject_id.into(),
            m.summary.into(),
            m.area_path.into(),
            at.into(),
            at.into(),
        ]);
    }
    conn.insert_rows(
        "INSERT INTO outbox (id, webhook_id, alert_id, summary, area_path, next_attempt_at, created_at, \
         status, attempts, lease_until, digest_of) VALUES ",
        "(?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, 0)",
        "",
        &values,
        30,
    )
    .await
}

/// A queued message.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    /// Id.
    pub id: String,
    /// Webhook.
    pub webhook_id: String,
    /// The alert.
    pub alert_id: String,
    /// JSON summary (kind, community, alert id).
    pub summary: String,
    /// Tries so far.
    pub attempts: i64,
    /// Where a message that is not an alert is about.
    pub area_path: Option<String>,
}

/// Webhooks with messages due at `now`.
pub async fn due_webhooks(conn: &mut AnyConnection, now: i64) -> Result<Vec<String>> {
    let rows = conn.rows("SELECT DISTINCT webhook_id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1", &[Cell::from(now)])
        .await?;
    rows.iter().map(|r| r.try_get("webhook_id")).collect()
}

/// Takes the due messages of one webhook for `lease_ms` (another node will not send them
/// meanwhile); oldest first, at most `limit`.
pub async fn lease_due(
    conn: &mut AnyConnection,
    webhook_id: &str,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<OutboxRow>> {
    let rows = conn.rows("SELECT id, webhook_id, alert_id, summary, attempts, area_path FROM outbox WHERE webhook_id = $1 AND status = 'pending' AND next_attempt_at <= $2 AND lease_until <= $2 ORDER BY created_at, id LIMIT $3", &[Cell::from(webhook_id), Cell::from(now), Cell::from(limit)])
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        let taken = conn.changed("UPDATE outbox SET lease_until = $3 WHERE id = $1 AND lease_until <= $2 AND status = 'pending'", &[Cell::from(&id), Cell::from(now), Cell::from(now + lease_ms)])
            .await?;
        if taken == 1 {
            out.push(OutboxRow {
                id,
                webhook_id: r.try_get("webhook_id")?,
                alert_id: r.try_get("alert_id")?,
                summary: r.try_get("summary")?,
                attempts: r.try_get("attempts")?,
                area_path: r.try_get("area_path")?,
            });
        }
    }
    Ok(out)
}

/// Messages of a webhook sent since `since` (for its rate limit).
pub async fn sent_since(conn: &mut AnyConnection, webhook_id: &str, since: i64) -> Result<i64> {
    // A digest counts once: only its first row carries `digest_of` > 0 or is a single message.
    conn.one_row("SELECT COUNT(*) AS n FROM outbox WHERE webhook_id = $1 AND status = 'delivered' AND sent_at >= $2 AND digest_of <> 1", &[Cell::from(webhook_id), Cell::from(since)])
        .await?
        .try_get("n")
}

/// Marks messages delivered; `digest_of` is how many went in one message (0 for a single one;
/// the first row of a digest carries the count, the others 1).
pub async fn delivered(conn: &mut AnyConnection, ids: &[String], at: i64) -> Result<()> {
    for (i, id) in ids.iter().enumerate() {
        let digest_of = match (ids.len(), i) {
            (1, _) => 0,
            (n, 0) => n as i64,
            _ => 1,
        };
        conn.changed("UPDATE outbox SET status = 'delivered', sent_at = $2, attempts = attempts + 1, digest_of = $3, lease_until = 0, last_error = NULL WHERE id = $1", &[Cell::from(id), Cell::from(at), Cell::from(digest_of)])
            .await?;
    }
    Ok(())
}

/// Records a failed try: retry at `retry_at`, or give up (`failed`) when it is `None`.
pub async fn failed(
    conn: &mut AnyConnection,
    ids: &[String],
    error: &str,
    retry_at: Option<i64>,
) -> Result<()> {
    for id in ids {
        match retry_at {
            Some(at) => conn.run("UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, lease_until = 0 WHERE id = $1", &[id.into(), error.into(), at.into()]).await?,
            None => conn.run("UPDATE outbox SET attempts = attempts + 1, last_error = $2, status = 'failed', lease_until = 0 WHERE id = $1", &[id.into(), error.into()]).await?,
        }
    }
    Ok(())
}

/// Releases leased messages untouched (the robot's rate limit was reached).
pub async fn postpone(conn: &mut AnyConnection, ids: &[String], until: i64) -> Result<()> {
    for id in ids {
        conn.changed(
            "UPDATE outbox SET next_attempt_at = $2, lease_until = 0 WHERE id = $1",
            &[Cell::from(id), Cell::from(until)],
        )
        .await?;
    }
    Ok(())
}
