//! Account basics: a person changes their own password and signs out of every device; an
//! administrator over every place a user works resets their password (a one-time password,
//! shown once) and deactivates or reactivates them. Each ends the sessions it must, at once on
//! this node and within `SESSION_CACHE_MS` on any other.

use super::*;

/// A person changes their own password: the current one first, then a new one of the rules'
/// length that is not the current one (a password someone else chose stays known to them until
/// it is changed). Their other sessions end; this one stays.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current_session: Option<&str>,
    current: &str,
    new: &str,
) -> Result<()> {
    let user_id = actor.user_id.as_deref().ok_or(AppError::Forbidden)?;
    let new = NewPassword::parse(new).map_err(|k| AppError::field("new_password", k))?;
    if current.len() > MAX_PASSWORD_BYTES || new.expose().len() > MAX_PASSWORD_BYTES {
        return Err(AppError::field("new_password", "err-too-long"));
    }
    if new.expose() == current {
        return Err(AppError::field("new_password", "err-password-same"));
    }
    let user = {
        let mut conn = app.db.conn().await?;
        store::user(&mut conn, user_id).await?
    };
    let (hash, typed) = (user.password_hash.clone(), current.to_string());
    let slot = app.capacity.hashing().await?;
    let right = tokio::task::spawn_blocking(move || {
        let ok = verify_password(&typed, &hash);
        drop(slot);
        ok
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    if !right {
        return Err(AppError::field("current_password", "err-password-wrong"));
    }
    let hash = hash_in_slot(app, new.expose().to_string()).await?;
    let keep = current_session.map(token_hash);
    let mut tx = app.db.begin().await?;
    store::set_password(&mut tx, user_id, &hash, false).await?;
    store::delete_sessions_of(&mut tx, user_id, keep.as_deref()).await?;
    audit::record(
        &mut tx,
        actor,
        "password.changed",
        account(user_id, None),
        "",
    )
    .await?;
    sanshe_store::commit(tx).await?;
    // This session's cached actor still says a new password is due: read it afresh.
    app.sessions.forget_user(user_id, None);
    Ok(())
}

/// Signs the person out everywhere, this session included.
pub async fn sign_out_everywhere(app: &App, actor: &Actor) -> Result<u64> {
    let user_id = actor.user_id.as_deref().ok_or(AppError::Forbidden)?;
    let mut tx = app.db.begin().await?;
    let ended = store::delete_sessions_of(&mut tx, user_id, None).await?;
    audit::record(
        &mut tx,
        actor,
        "session.ended_everywhere",
        account(user_id, None),
        &ended.to_string(),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.sessions.forget_user(user_id, None);
    Ok(ended)
}

/// The user, if the actor may manage every place they work (may grant each of their roles
/// again), with the path of the first place (whose readers see the audit entry).
async fn managed(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    user_id: &str,
) -> Result<(store::UserRow, Option<String>)> {
    let user = store::user(conn, user_id).await?;
    if actor.user_id.as_deref() == Some(user_id) {
        return Err(AppError::field("user", "err-not-yourself"));
    }
    let grants = store::grants_of(conn, user_id).await?;
    if grants.is_empty() {
        return Err(AppError::NotFound);
    }
    let place = grants.iter().find_map(|g| g.area_path.clone());
    for g in grants {
        let role = g.role;
        let target = match (g.area_id, g.organization_id) {
            (Some(a), _) => GrantTarget::Area(a),
            (_, Some(o)) => GrantTarget::Organization(o),
            _ => return Err(AppError::NotFound),
        };
        check_grant_allowed(conn, actor, role, &target)
            .await
            .map_err(|_| AppError::NotFound)?;
    }
    Ok((user, place))
}

/// The subject of an entry about a user's account.
fn account<'a>(user_id: &'a str, place: Option<&'a str>) -> crate::audit::Subject<'a> {
    crate::audit::Subject {
        kind: "user",
        id: user_id,
        area_path: place,
    }
}

/// A one-time password made by a reset, for the user named.
#[derive(Debug, Clone)]
pub struct PasswordReset {
    /// Whose password it is.
    pub username: String,
    /// The one-time password, shown once.
    pub password: String,
}

/// An administrator resets a user's password: a one-time password, answered once and never
/// stored in the clear; the user's sessions end. Audited.
pub async fn reset_password(app: &App, actor: &Actor, user_id: &str) -> Result<PasswordReset> {
    let (user, place) = {
        let mut conn = app.db.conn().await?;
        managed(&mut conn, actor, user_id).await?
    };
    // 12 characters from an alphabet without look-alikes (no 0/O, 1/l/I): read out on a phone.
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    let password: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    let hash = hash_in_slot(app, password.clone()).await?;
    let mut tx = app.db.begin().await?;
    store::set_password(&mut tx, user_id, &hash, true).await?;
    store::delete_sessions_of(&mut tx, user_id, None).await?;
    audit::record(
        &mut tx,
        actor,
        "password.reset",
        account(user_id, place.as_deref()),
        "",
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.sessions.forget_user(user_id, None);
    Ok(PasswordReset {
        username: user.username,
        password,
    })
}

/// An administrator deactivates a user (who can no longer sign in; their sessions end) or
/// reactivates them. Audited.
pub async fn set_user_active(
    app: &App,
    actor: &Actor,
    user_id: &str,
    active: bool,
) -> Result<UserView> {
    let mut tx = app.db.begin().await?;
    let (_, place) = managed(&mut tx, actor, user_id).await?;
    store::set_active(&mut tx, user_id, active).await?;
    if !active {
        store::delete_sessions_of(&mut tx, user_id, None).await?;
    }
    audit::record(
        &mut tx,
        actor,
        if active {
            "user.reactivated"
        } else {
            "user.deactivated"
        },
        account(user_id, place.as_deref()),
        "",
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.sessions.forget_user(user_id, None);
    // The map counts active people only.
    crate::organizations::touch_person(app, user_id, None).await;
    let mut conn = app.db.conn().await?;
    user_view(&mut conn, user_id).await
}
