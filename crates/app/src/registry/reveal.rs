//! Revealing a full ID or phone number: allowed, reasoned, audited, and watched for many at once.

use super::*;

/// The full personal numbers of a resident, revealed for a reason that goes into the audit log.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Revealed {
    /// Document number in clear.
    pub document_number: String,
    /// Phone in clear.
    pub phone: Option<String>,
}

/// Reveals a resident's document number and phone; needs a reason and the reveal permission.
pub async fn reveal(app: &App, actor: &Actor, id: &str, reason: &str) -> Result<Revealed> {
    let reason = sanshe_core::text::line("reason", reason, sanshe_core::text::LABEL_CHARS)?;
    let reason = reason.as_str();
    let mut conn = app.db.conn().await?;
    let row = visible_record(actor, &mut conn, id, Action::RevealPersonal).await?;
    if reason.chars().count() < 2 {
        return Err(AppError::field("reason", "err-reason-required"));
    }
    let r = row.record;
    let revealed = Revealed {
        document_number: app.vault.open(&r.document_cipher)?,
        phone: r
            .phone_cipher
            .as_deref()
            .map(|c| app.vault.open(c))
            .transpose()?,
    };
    drop(conn);
    let mut tx = app.db.begin().await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            action: "resident.revealed",
            target_kind: "resident",
            target_id: &r.id,
            area_path: Some(&r.area_path),
            detail: "document_number phone",
            reason: Some(reason),
            ..actor.audit_entry()
        },
    )
    .await?;
    if let Some(user) = actor.user_id.as_deref() {
        let now = app.clock.now_ms();
        let recent = audit_store::count_by_actor_since(
            &mut tx,
            user,
            "resident.revealed",
            now - REVEAL_WINDOW_MS,
        )
        .await?;
        if recent >= MANY_REVEALS {
            // One alert per user and window, counted on; it goes to whoever covers the place,
            // the coordinator included, and to their chat group.
            let routes = crate::alerts::Routes::load(&mut *tx).await?;
            let window = (now / REVEAL_WINDOW_MS).to_string();
            let detail = format!("{} · {recent}", actor.display_name);
            crate::alerts::raise(
                &mut *tx,
                &routes,
                crate::alerts::Trouble {
                    kind: sanshe_core::alerts::AlertKind::ManyReveals,
                    area_path: &r.area_path,
                    subject_kind: AlertSubject::User,
                    subject_id: user,
                    event: &window,
                    detail: &detail,
                },
                now,
            )
            .await?;
        }
    }
    sanshe_store::commit(tx).await?;
    Ok(revealed)
}

/// Reveals by one user within `REVEAL_WINDOW_MS` that raise an alert: a worker checking a few
/// numbers at a desk stays under it; copying out a building's does not.
pub const MANY_REVEALS: i64 = 20;
/// The window over which reveals are counted.
pub const REVEAL_WINDOW_MS: i64 = 10 * 60 * 1000;
