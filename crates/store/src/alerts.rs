//! The `alerts`, `webhooks` and `outbox` tables: the alert centre and delivery to chat groups.

use crate::statements::Statements;
use sqlx::{AnyConnection, Row, any::AnyRow};

use crate::{Result, StoreError, in_list, new_id, scope_filter, values_list};

/// An open alert found by its key.
#[derive(Debug, Clone)]
pub struct OpenAlert {
    /// Id.
    pub id: String,
    /// The event it last counted.
    pub last_event: String,
}

/// The open (or acknowledged) alert with this key.
pub async fn open_alert(conn: &mut impl Statements, open_key: &str) -> Result<Option<OpenAlert>> {
    conn.fetch_optional(
        "SELECT id, last_event FROM alerts WHERE open_key = $1",
        &[open_key.into()],
    )
    .await
}

impl crate::statements::FromRow for OpenAlert {
    fn from_row(r: &crate::statements::Row) -> Result<OpenAlert> {
        Ok(OpenAlert {
            id: r.try_get("id")?,
            last_event: r.try_get("last_event")?,
        })
    }
}

/// A new alert.
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    /// `AlertKind` spelling.
    pub kind: &'a str,
    /// Where (scopes the alert).
    pub area_path: &'a str,
    /// `episode`, `household`, …
    pub subject_kind: &'a str,
    /// Its id.
    pub subject_id: &'a str,
    /// `kind:subject`.
    pub open_key: &'a str,
    /// What happened (slot, date), to count repeats once.
    pub event: &'a str,
    /// Short description for the alert centre (no personal numbers).
    pub detail: &'a str,
}

/// Inserts an alert and returns its id, or None when an alert with its open key is already open
/// (raised meanwhile by another writer: on PostgreSQL the insert waits for that writer's commit
/// and then does nothing, instead of failing the transaction).
pub async fn insert(
    conn: &mut impl Statements,
    a: &NewAlert<'_>,
    at: i64,
) -> Result<Option<String>> {
    let id = new_id();
    let inserted = conn.changed(
        "INSERT INTO alerts (id, kind, area_path, subject_kind, subject_id, open_key, last_event, detail, occurrences, status, raised_at, last_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 'open', $9, $9) ON CONFLICT (open_key) DO NOTHING",
        &[
            (&id).into(),
            a.kind.into(),
            a.area_path.into(),
            a.subject_kind.into(),
            a.subject_id.into(),
            a.open_key.into(),
            a.event.into(),
            a.detail.into(),
            at.into(),
        ],
    )
    .await?;
    Ok((inserted == 1).then_some(id))
}

/// Open (or acknowledged) alerts of one kind: open key → (id, last event).
pub async fn open_alerts_of_kind(
    conn: &mut AnyConnection,
    kind: &str,
) -> Result<std::collections::HashMap<String, (String, String)>> {
    let rows = sqlx::query(
        "SELECT open_key, id, last_event FROM alerts WHERE kind = $1 AND open_key IS NOT NULL",
    )
    .bind(kind)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect()
}

/// Inserts many new alerts of one event at once (the missed-report scan); returns the id of
/// each, or None for one whose open key another node's scan opened meanwhile.
pub async fn insert_many(
    conn: &mut AnyConnection,
    alerts: &[NewAlert<'_>],
    at: i64,
) -> Result<Vec<Option<String>>> {
    let mut ids = Vec::with_capacity(alerts.len());
    for group in alerts.chunks(20) {
        let mut sql = String::from(
            "INSERT INTO alerts (id, kind, area_path, subject_kind, subject_id, open_key, last_event, detail, occurrences, status, raised_at, last_at) VALUES ",
        );
        sql.push_str(&values_list(
            "(?, ?, ?, ?, ?, ?, ?, ?, 1, 'open', $1, $1)",
            group.len(),
            2,
        ));
        sql.push_str(" ON CONFLICT (open_key) DO NOTHING RETURNING id");
        let mut q = sqlx::query(&sql).bind(at);
        let mut made = Vec::with_capacity(group.len());
        for a in group {
            let id = new_id();
            q = q
                .bind(id.clone())
                .bind(a.kind)
                .bind(a.area_path)
                .bind(a.subject_kind)
                .bind(a.subject_id)
                .bind(a.open_key)
                .bind(a.event)
                .bind(a.detail);
            made.push(id);
        }
        let inserted: std::collections::HashSet<String> = q
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        ids.extend(
            made.into_iter()
                .map(|id| inserted.contains(&id).then_some(id)),
        );
    }
    Ok(ids)
}

/// Counts one new event on many open alerts at once.
pub async fn repeat_many(
    conn: &mut AnyConnection,
    ids: &[String],
    event: &str,
    detail: &str,
    at: i64,
) -> Result<()> {
    for group in ids.chunks(50) {
        let sql = format!(
            "UPDATE alerts SET occurrences = occurrences + 1, last_event = $1, detail = $2, last_at = $3 WHERE id IN {}",
            in_list(4, group.len())
        );
        let mut q = sqlx::query(&sql).bind(event).bind(detail).bind(at);
        for id in group {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues messages for many (webhook, alert) pairs of one kind at once.
pub async fn enqueue_many(
    conn: &mut AnyConnection,
    pairs: &[(&str, &str)],
    summary: &str,
    at: i64,
) -> Result<()> {
    for group in pairs.chunks(30) {
        let mut sql = String::from(
            "INSERT INTO outbox (id, webhook_id, alert_id, summary, status, attempts, next_attempt_at, lease_until, digest_of, created_at) VALUES ",
        );
        sql.push_str(&values_list(
            "(?, ?, ?, $1, 'pending', 0, $2, 0, 0, $2)",
            group.len(),
            3,
        ));
        let mut q = sqlx::query(&sql).bind(summary).bind(at);
        for (webhook, alert) in group {
            q = q.bind(new_id()).bind(*webhook).bind(*alert);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Counts a new event on an open alert.
pub async fn repeat(
    conn: &mut impl Statements,
    id: &str,
    event: &str,
    detail: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "UPDATE alerts SET occurrences = occurrences + 1, last_event = $2, detail = $3, last_at = $4 WHERE id = $1",
        &[id.into(), event.into(), detail.into(), at.into()],
    )
    .await
}

/// An alert as the centre shows it.
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Where.
    pub area_path: String,
    /// Subject kind.
    pub subject_kind: String,
    /// Subject id.
    pub subject_id: String,
    /// Description.
    pub detail: String,
    /// How many times it happened.
    pub occurrences: i64,
    /// Status.
    pub status: String,
    /// UTC ms.
    pub raised_at: i64,
    /// UTC ms.
    pub last_at: i64,
    /// Who acknowledged.
    pub acknowledged_by: Option<String>,
    /// Who resolved.
    pub resolved_by: Option<String>,
    /// Resolution note.
    pub resolution_note: Option<String>,
}

const ALERT_SELECT: &str = "SELECT id, kind, area_path, subject_kind, subject_id, detail, occurrences, status, raised_at, last_at, \
     acknowledged_by, resolved_by, resolution_note FROM alerts";

fn alert_from_row(r: &AnyRow) -> Result<AlertRow> {
    Ok(AlertRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        area_path: r.try_get("area_path")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.try_get("subject_id")?,
        detail: r.try_get("detail")?,
        occurrences: r.try_get("occurrences")?,
        status: r.try_get("status")?,
        raised_at: r.try_get("raised_at")?,
        last_at: r.try_get("last_at")?,
        acknowledged_by: r.try_get("acknowledged_by")?,
        resolved_by: r.try_get("resolved_by")?,
        resolution_note: r.try_get("resolution_note")?,
    })
}

/// One alert (callers check the path).
pub async fn alert(conn: &mut AnyConnection, id: &str) -> Result<AlertRow> {
    let row = sqlx::query(&format!("{ALERT_SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(alert_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// Alerts in scope with one of `statuses`, newest first.
pub async fn alerts(
    conn: &mut AnyConnection,
    roots: &[String],
    statuses: &[&str],
    kind: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<AlertRow>> {
    let (filter, mut binds) = scope_filter("area_path", roots, 1);
    let placeholders: Vec<String> = statuses
        .iter()
        .map(|s| {
            binds.push((*s).to_string());
            format!("${}", binds.len())
        })
        .collect();
    let mut sql = format!(
        "{ALERT_SELECT} WHERE {filter} AND status IN ({})",
        placeholders.join(", ")
    );
    if let Some(k) = kind {
        binds.push(k.to_string());
        sql.push_str(&format!(" AND kind = ${}", binds.len()));
    }
    sql.push_str(&format!(
        " ORDER BY last_at DESC, id DESC LIMIT ${} OFFSET ${}",
        binds.len() + 1,
        binds.len() + 2
    ));
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    rows.iter().map(alert_from_row).collect()
}

/// Alerts about one subject, newest first.
pub async fn alerts_about(conn: &mut AnyConnection, subject_id: &str) -> Result<Vec<AlertRow>> {
    let rows = sqlx::query(&format!(
        "{ALERT_SELECT} WHERE subject_id = $1 ORDER BY last_at DESC"
    ))
    .bind(subject_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(alert_from_row).collect()
}

/// Marks an open alert as taken; false when it was not open.
pub async fn acknowledge(conn: &mut AnyConnection, id: &str, by: &str, at: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE alerts SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3 WHERE id = $1 AND status = 'open'")
        .bind(id)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Resolves an open or acknowledged alert; false when it was already resolved.
pub async fn resolve(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    note: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query("UPDATE alerts SET status = 'resolved', open_key = NULL, resolved_by = $2, resolved_at = $3, resolution_note = $4 WHERE id = $1 AND status <> 'resolved'")
        .bind(id)
        .bind(by)
        .bind(at)
        .bind(note)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A webhook to store.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    /// Area it serves (alerts at or below it).
    pub area_id: &'a str,
    /// That area's path.
    pub area_path: &'a str,
    /// Group name, e.g. 凌研里社区防控群.
    pub name: &'a str,
    /// `WebhookKind` spelling.
    pub kind: &'a str,
    /// Sealed address.
    pub url_cipher: &'a str,
    /// The address with its key hidden.
    pub url_hint: &'a str,
    /// Sealed signing secret.
    pub secret_cipher: Option<&'a str>,
}

/// Stores a webhook and returns its id.
pub async fn insert_webhook(
    conn: &mut AnyConnection,
    w: &NewWebhook<'_>,
    at: i64,
) -> Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO webhooks (id, area_id, area_path, name, kind, url_cipher, url_hint, secret_cipher, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9)")
        .bind(&id)
        .bind(w.area_id)
        .bind(w.area_path)
        .bind(w.name)
        .bind(w.kind)
        .bind(w.url_cipher)
        .bind(w.url_hint)
        .bind(w.secret_cipher)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

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
    pub kind: String,
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
}

const WEBHOOK_SELECT: &str = "SELECT w.id, w.area_path, a.name AS area_name, w.name, w.kind, w.url_cipher, w.url_hint, w.secret_cipher, w.active, \
     (SELECT COUNT(*) FROM outbox o WHERE o.webhook_id = w.id AND o.status = 'pending') AS pending, \
     (SELECT COUNT(*) FROM outbox o WHERE o.webhook_id = w.id AND o.status = 'delivered') AS delivered, \
     (SELECT COUNT(*) FROM outbox o WHERE o.webhook_id = w.id AND o.status = 'failed') AS failed, \
     (SELECT o.last_error FROM outbox o WHERE o.webhook_id = w.id AND o.last_error IS NOT NULL ORDER BY o.next_attempt_at DESC LIMIT 1) AS last_error \
     FROM webhooks w JOIN areas a ON a.id = w.area_id";

fn webhook_from_row(r: &AnyRow) -> Result<WebhookRow> {
    Ok(WebhookRow {
        id: r.try_get("id")?,
        area_path: r.try_get("area_path")?,
        area_name: r.try_get("area_name")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        url_cipher: r.try_get("url_cipher")?,
        url_hint: r.try_get("url_hint")?,
        secret_cipher: r.try_get("secret_cipher")?,
        active: crate::flag(r, "active")?,
        pending: r.try_get("pending")?,
        delivered: r.try_get("delivered")?,
        failed: r.try_get("failed")?,
        last_error: r.try_get("last_error")?,
    })
}

/// Webhooks in scope.
pub async fn webhooks(conn: &mut AnyConnection, roots: &[String]) -> Result<Vec<WebhookRow>> {
    let (filter, binds) = scope_filter("w.area_path", roots, 1);
    let sql = format!("{WEBHOOK_SELECT} WHERE {filter} ORDER BY a.name, w.name");
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    rows.iter().map(webhook_from_row).collect()
}

/// One webhook (callers check the path).
pub async fn webhook(conn: &mut AnyConnection, id: &str) -> Result<WebhookRow> {
    let row = sqlx::query(&format!("{WEBHOOK_SELECT} WHERE w.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(webhook_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// Turns a webhook on or off.
pub async fn set_webhook_active(conn: &mut AnyConnection, id: &str, active: bool) -> Result<()> {
    sqlx::query("UPDATE webhooks SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active as i64)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Active webhooks: (id, area path), for routing new alerts.
pub async fn active_routes(conn: &mut impl Statements) -> Result<Vec<(String, String)>> {
    conn.rows("SELECT id, area_path FROM webhooks WHERE active = 1", &[])
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("area_path")?)))
        .collect::<Result<_>>()
}

/// Queues a message for a webhook.
pub async fn enqueue(
    conn: &mut impl Statements,
    webhook_id: &str,
    alert_id: &str,
    summary: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "INSERT INTO outbox (id, webhook_id, alert_id, summary, status, attempts, next_attempt_at, lease_until, digest_of, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, 0, 0, $5)",
        &[
            new_id().into(),
            webhook_id.into(),
            alert_id.into(),
            summary.into(),
            at.into(),
        ],
    )
    .await
}

/// Queues a message that is not an alert (a reminder): `subject_id` and `kind` stand where an
/// alert's id and kind would, `area_path` says where.
pub async fn enqueue_notice(
    conn: &mut impl Statements,
    webhook_id: &str,
    subject_id: &str,
    kind: &str,
    area_path: &str,
    at: i64,
) -> Result<()> {
    conn.run(
        "INSERT INTO outbox (id, webhook_id, alert_id, summary, status, attempts, next_attempt_at, lease_until, digest_of, created_at, area_path) VALUES ($1, $2, $3, $4, 'pending', 0, $5, 0, 0, $5, $6)",
        &[
            new_id().into(),
            webhook_id.into(),
            subject_id.into(),
            kind.into(),
            at.into(),
            area_path.into(),
        ],
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
    let rows = sqlx::query("SELECT DISTINCT webhook_id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1")
        .bind(now)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
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
    let rows = sqlx::query("SELECT id, webhook_id, alert_id, summary, attempts, area_path FROM outbox WHERE webhook_id = $1 AND status = 'pending' AND next_attempt_at <= $2 AND lease_until <= $2 ORDER BY created_at, id LIMIT $3")
        .bind(webhook_id)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        let taken = sqlx::query("UPDATE outbox SET lease_until = $3 WHERE id = $1 AND lease_until <= $2 AND status = 'pending'")
            .bind(&id)
            .bind(now)
            .bind(now + lease_ms)
            .execute(&mut *conn)
            .await?;
        if taken.rows_affected() == 1 {
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
    Ok(sqlx::query("SELECT COUNT(*) FROM outbox WHERE webhook_id = $1 AND status = 'delivered' AND sent_at >= $2 AND digest_of <> 1")
        .bind(webhook_id)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?)
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
        sqlx::query("UPDATE outbox SET status = 'delivered', sent_at = $2, attempts = attempts + 1, digest_of = $3, lease_until = 0, last_error = NULL WHERE id = $1")
            .bind(id)
            .bind(at)
            .bind(digest_of)
            .execute(&mut *conn)
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
        let q = match retry_at {
            Some(at) => sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, lease_until = 0 WHERE id = $1")
                .bind(id)
                .bind(error)
                .bind(at),
            None => sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $2, status = 'failed', lease_until = 0 WHERE id = $1")
                .bind(id)
                .bind(error),
        };
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Releases leased messages untouched (the robot's rate limit was reached).
pub async fn postpone(conn: &mut AnyConnection, ids: &[String], until: i64) -> Result<()> {
    for id in ids {
        sqlx::query("UPDATE outbox SET next_attempt_at = $2, lease_until = 0 WHERE id = $1")
            .bind(id)
            .bind(until)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Names of the areas on a path whose kind is `kind` (the community of an alert, say).
pub async fn ancestor_name(
    conn: &mut AnyConnection,
    path: &str,
    kind: &str,
) -> Result<Option<String>> {
    let prefixes: Vec<String> = (1..=path.len() / 32)
        .map(|n| path[..n * 32].to_string())
        .collect();
    for p in prefixes.iter().rev() {
        let row = sqlx::query("SELECT name, kind FROM areas WHERE path = $1")
            .bind(p)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some(r) = row {
            let k: String = r.try_get(1)?;
            if k == kind {
                return Ok(Some(r.try_get(0)?));
            }
        }
    }
    Ok(None)
}
