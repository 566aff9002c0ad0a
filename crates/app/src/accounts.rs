//! Accounts: sign-in, sessions, users and their role grants.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sanshe_core::FieldErrors;
use sanshe_core::accounts::{
    Action, AreaScope, Grant, GrantScope, NewPassword, Role, Target, Username, permits,
};
use sanshe_store::{
    accounts as store, areas as area_store, audit as audit_store, now_ms,
    organizations as org_store,
};
use sha2::{Digest, Sha256};

use crate::{App, AppError, OnConflict, Result};

/// Failed sign-ins allowed per user name in `FAILURE_WINDOW_MS` before sign-in is refused.
pub const MAX_FAILURES: i64 = 5;
/// The window over which failures count.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Who is acting: a signed-in user with their grants, or the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    /// User id (`None` for the command line).
    pub user_id: Option<String>,
    /// Sign-in name (or `cli`).
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Interface language.
    pub locale: String,
    /// Role grants with their scopes.
    pub grants: Vec<Grant>,
}

impl Actor {
    /// The command line: a coordinator over every root area, acting as the operator of the machine.
    pub async fn command_line(app: &App) -> Result<Actor> {
        let mut conn = app.db.conn().await?;
        let roots = area_store::children(&mut conn, None).await?;
        let grants = roots
            .into_iter()
            .map(|a| Grant {
                role: Role::Coordinator,
                scope: GrantScope::Area {
                    id: a.id,
                    path: a.path,
                },
            })
            .collect();
        Ok(Actor {
            user_id: None,
            username: "cli".into(),
            display_name: "command line".into(),
            locale: "zh-CN".into(),
            grants,
        })
    }

    /// An audit entry with this actor filled in; the caller adds what was done.
    pub fn audit_entry(&self) -> audit_store::NewAuditEntry<'_> {
        audit_store::NewAuditEntry {
            actor_id: self.user_id.as_deref(),
            actor_name: &self.username,
            ..Default::default()
        }
    }

    /// Whether the actor may do `action` on `target`.
    pub fn may(&self, action: Action, target: Target<'_>) -> bool {
        permits(&self.grants, action, target)
    }

    /// The area subtrees where the actor may do `action`.
    pub fn scope(&self, action: Action) -> AreaScope {
        AreaScope::for_action(&self.grants, action)
    }

    /// Whether any grant is of this role.
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Whether the actor coordinates a root (city-wide) area.
    pub fn is_city_coordinator(&self) -> bool {
        self.grants.iter().any(|g| {
            g.role == Role::Coordinator
                && matches!(&g.scope, GrantScope::Area { path, .. } if path.len() == 32)
        })
    }
}

/// A signed-in session as handed to the client.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    /// The bearer token or cookie value (shown once; only its hash is stored).
    pub token: String,
    /// The token forms must echo back (CSRF).
    pub csrf_token: String,
    /// Expiry, UTC ms.
    pub expires_at: i64,
}

/// 256 random bits in hex: session tokens, capability links.
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("argon2: {e}")))
}

/// A real argon2id hash of a random password, made once, to verify against for unknown names.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Signs a user in; `kind` is `web` (cookie) or `api` (bearer). Wrong name and wrong password
/// answer the same; after `MAX_FAILURES` failures in the window the name is locked for a while.
pub async fn sign_in(
    app: &App,
    username: &str,
    password: &str,
    kind: &str,
) -> Result<IssuedSession> {
    let name = username.trim().to_ascii_lowercase();
    let mut conn = app.db.conn().await?;
    let failures = store::failures_since(&mut conn, &name, now_ms() - FAILURE_WINDOW_MS).await?;
    if failures >= MAX_FAILURES {
        return Err(AppError::TooManyAttempts);
    }
    let user = store::user_by_name(&mut conn, &name).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let pw = password.to_string();
    // Verify even for unknown names so timing does not reveal which names exist.
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => verify_password(&pw, &h),
        None => {
            let _ = verify_password(&pw, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            store::record_failure(&mut conn, &name).await?;
            audit_store::append(
                &mut *conn,
                &audit_store::NewAuditEntry {
                    actor_name: &name,
                    action: "session.failed",
                    target_kind: "user",
                    target_id: &name,
                    detail: "",
                    ..Default::default()
                },
            )
            .await?;
            // A growing pause slows down guessing without locking out a user who mistyped once.
            tokio::time::sleep(std::time::Duration::from_millis(
                200 * (failures as u64 + 1),
            ))
            .await;
            return Err(AppError::field("password", "err-sign-in"));
        }
    };
    store::clear_failures(&mut conn, &name).await?;
    let token = random_token();
    let csrf_token = random_token();
    let expires_at = now_ms() + app.session_ttl_ms;
    store::insert_session(
        &mut conn,
        &token_hash(&token),
        &user.id,
        &csrf_token,
        kind,
        expires_at,
    )
    .await?;
    audit_store::append(
        &mut *conn,
        &audit_store::NewAuditEntry {
            actor_id: Some(&user.id),
            actor_name: &user.username,
            action: "session.created",
            target_kind: "user",
            target_id: &user.id,
            detail: kind,
            ..Default::default()
        },
    )
    .await?;
    Ok(IssuedSession {
        token,
        csrf_token,
        expires_at,
    })
}

/// The actor behind a session token, with the session's CSRF token.
pub async fn authenticate(app: &App, token: &str) -> Result<(Actor, String)> {
    let hash = token_hash(token);
    let now = now_ms();
    if let Some(hit) = app.sessions.get(&hash, now) {
        return Ok(hit);
    }
    let mut conn = app.db.conn().await?;
    let session = store::session(&mut conn, &hash, now)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let user = store::user(&mut conn, &session.user_id)
        .await
        .map_err(|_| AppError::Unauthorized)?;
    if !user.active {
        return Err(AppError::Unauthorized);
    }
    let grants = load_grants(&mut conn, &user.id).await?;
    let found = (
        Actor {
            user_id: Some(user.id),
            username: user.username,
            display_name: user.display_name,
            locale: user.locale,
            grants,
        },
        session.csrf_token,
    );
    app.sessions
        .put(hash, found.clone(), session.expires_at, now);
    Ok(found)
}

/// The actor of a user, with their grants (for work done on a user's behalf, such as the demo).
pub async fn actor_of(app: &App, user_id: &str) -> Result<Actor> {
    let mut conn = app.db.conn().await?;
    let user = store::user(&mut conn, user_id).await?;
    let grants = load_grants(&mut conn, &user.id).await?;
    Ok(Actor {
        user_id: Some(user.id),
        username: user.username,
        display_name: user.display_name,
        locale: user.locale,
        grants,
    })
}

async fn load_grants(conn: &mut sanshe_store::Conn, user_id: &str) -> Result<Vec<Grant>> {
    let rows = store::grants_of(conn, user_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|g| {
            let role = Role::parse(&g.role).ok()?;
            let scope = match (g.area_id, g.area_path, g.organization_id) {
                (Some(id), Some(path), _) => GrantScope::Area { id, path },
                (_, _, Some(id)) => GrantScope::Organization { id },
                _ => return None,
            };
            Some(Grant { role, scope })
        })
        .collect())
}

/// Ends a session.
pub async fn sign_out(app: &App, token: &str) -> Result<()> {
    let hash = token_hash(token);
    let mut conn = app.db.conn().await?;
    store::delete_session(&mut conn, &hash).await?;
    app.sessions.forget(&hash);
    Ok(())
}

/// Recently checked sessions, so a gate phone sending a scan a second does not cost three
/// queries each time. An entry lives `SESSION_CACHE_MS` at most: a revoked grant, a deactivated
/// user or a session ended on another node takes effect within that time (sign-out on this node
/// at once).
#[derive(Debug, Default)]
pub struct SessionCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CachedSession>>,
}

#[derive(Debug, Clone)]
struct CachedSession {
    found: (Actor, String),
    until: i64,
}

/// How long a checked session is trusted without asking the database again.
pub const SESSION_CACHE_MS: i64 = 10_000;

impl SessionCache {
    fn get(&self, hash: &str, now: i64) -> Option<(Actor, String)> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(hash)
            .filter(|e| e.until > now)
            .map(|e| e.found.clone())
    }

    fn put(&self, hash: String, found: (Actor, String), expires_at: i64, now: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, e| e.until > now);
            }
            let until = (now + SESSION_CACHE_MS).min(expires_at);
            entries.insert(hash, CachedSession { found, until });
        }
    }

    fn forget(&self, hash: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(hash);
        }
    }

    /// Drops every entry (after grants change, so they apply at once on this node).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

/// Sets the actor's interface language (`zh-CN` or `en`).
pub async fn set_locale(app: &App, actor: &Actor, locale: &str) -> Result<()> {
    let Some(id) = &actor.user_id else {
        return Ok(());
    };
    let mut conn = app.db.conn().await?;
    store::set_locale(&mut conn, id, locale).await?;
    // The cached actor carries the old language.
    app.sessions.clear();
    Ok(())
}

/// A user account as shown to those who manage users.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    pub id: String,
    /// Sign-in name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Whether it may sign in.
    pub active: bool,
    /// Grants, as `role @ scope name`.
    pub grants: Vec<GrantView>,
}

/// One grant as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GrantView {
    /// Id.
    pub id: String,
    /// Role spelling.
    pub role: String,
    /// Area or organization name.
    pub scope_name: String,
    /// Area id, for area grants.
    pub area_id: Option<String>,
    /// Organization id, for organization grants.
    pub organization_id: Option<String>,
}

/// What a new grant is over.
#[derive(Debug, Clone)]
pub enum GrantTarget {
    /// An area id.
    Area(String),
    /// An organization id.
    Organization(String),
}

/// Creates a user with a first grant; the actor must be allowed to manage users there (a
/// coordinator over the area, or an org admin adding a volunteer to their organization).
pub async fn create_user(
    app: &App,
    actor: &Actor,
    username: &str,
    display_name: &str,
    password: &str,
    role: &str,
    target: GrantTarget,
) -> Result<UserView> {
    let mut errors = FieldErrors::default();
    let username = errors.take("username", Username::parse(username));
    let password = errors.take("password", NewPassword::parse(password));
    let role = errors.take("role", Role::parse(role));
    let display = display_name.trim();
    if display.is_empty() {
        errors.push("display_name", "err-required");
    }
    errors.into_result()?;
    let (Some(username), Some(password), Some(role)) = (username, password, role) else {
        return Err(AppError::field("username", "err-required"));
    };
    let mut conn = app.db.conn().await?;
    check_grant_allowed(&mut conn, actor, role, &target).await?;
    let hash = tokio::task::spawn_blocking(move || hash_password(password.expose()))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let mut tx = app.db.begin().await?;
    let user = store::insert_user(&mut tx, username.as_str(), display, &hash, "zh-CN")
        .await
        .on_conflict("username", "err-username-taken")?;
    let (area_id, org_id) = match &target {
        GrantTarget::Area(a) => (Some(a.as_str()), None),
        GrantTarget::Organization(o) => (None, Some(o.as_str())),
    };
    store::insert_grant(&mut tx, &user.id, role.as_str(), area_id, org_id).await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            action: "user.created",
            target_kind: "user",
            target_id: &user.id,
            detail: &format!("{} {}", user.username, role.as_str()),
            ..actor.audit_entry()
        },
    )
    .await?;
    sanshe_store::commit(tx).await?;
    user_view(&mut conn, &user.id).await
}

/// Grants another role to an existing user.
pub async fn grant_role(
    app: &App,
    actor: &Actor,
    user_id: &str,
    role: &str,
    target: GrantTarget,
) -> Result<UserView> {
    let role = Role::parse(role).map_err(|k| AppError::field("role", k))?;
    let mut conn = app.db.conn().await?;
    let user = store::user(&mut conn, user_id).await?;
    check_grant_allowed(&mut conn, actor, role, &target).await?;
    let (area_id, org_id) = match &target {
        GrantTarget::Area(a) => (Some(a.as_str()), None),
        GrantTarget::Organization(o) => (None, Some(o.as_str())),
    };
    store::insert_grant(&mut conn, &user.id, role.as_str(), area_id, org_id).await?;
    app.sessions.clear();
    audit_store::append(
        &mut *conn,
        &audit_store::NewAuditEntry {
            action: "grant.created",
            target_kind: "user",
            target_id: &user.id,
            detail: role.as_str(),
            ..actor.audit_entry()
        },
    )
    .await?;
    user_view(&mut conn, &user.id).await
}

async fn check_grant_allowed(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    role: Role,
    target: &GrantTarget,
) -> Result<()> {
    match target {
        GrantTarget::Area(id) => {
            // A volunteer's grant on an area is their deployment there (rotas).
            if !role.is_area_role() && role != Role::Volunteer {
                return Err(AppError::field("role", "err-role-needs-organization"));
            }
            let area = area_store::get(conn, id)
                .await
                .map_err(|_| AppError::field("area", "err-not-found"))?;
            if !actor.may(
                Action::ViewRegistry,
                sanshe_core::accounts::Target::Area(&area.path),
            ) {
                return Err(AppError::field("area", "err-not-found"));
            }
            if !actor.may(
                Action::ManageUsers,
                sanshe_core::accounts::Target::Area(&area.path),
            ) {
                return Err(AppError::Forbidden);
            }
        }
        GrantTarget::Organization(id) => {
            if role.is_area_role() {
                return Err(AppError::field("role", "err-role-needs-area"));
            }
            let org = org_store::get(conn, id)
                .await
                .map_err(|_| AppError::field("organization", "err-not-found"))?;
            let target = Target::Organization {
                id: &org.id,
                home_path: org.home_path.as_deref(),
            };
            let coordinator = actor.may(Action::ManageUsers, target);
            let own_admin_adding_member =
                role == Role::Volunteer && actor.may(Action::ManageOrganization, target);
            if !coordinator && !own_admin_adding_member {
                return Err(AppError::Forbidden);
            }
        }
    }
    Ok(())
}

async fn user_view(conn: &mut sanshe_store::Conn, id: &str) -> Result<UserView> {
    let user = store::user(conn, id).await?;
    let grants = store::grants_of(conn, id).await?;
    Ok(UserView {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        active: user.active,
        grants: grants
            .into_iter()
            .map(|g| GrantView {
                id: g.id,
                role: g.role,
                scope_name: g.area_name.or(g.organization_name).unwrap_or_default(),
                area_id: g.area_id,
                organization_id: g.organization_id,
            })
            .collect(),
    })
}

/// The users the actor may manage: those with a grant inside the actor's user-management scope
/// (or in an organization the actor runs). A city coordinator sees everyone.
pub async fn list_users(app: &App, actor: &Actor) -> Result<Vec<UserView>> {
    let mut conn = app.db.conn().await?;
    let scope = actor.scope(Action::ManageUsers);
    let mut out = Vec::new();
    for u in store::users(&mut conn).await? {
        let grants = store::grants_of(&mut conn, &u.id).await?;
        let visible = actor.is_city_coordinator()
            || grants.iter().any(|g| {
                g.area_path.as_deref().is_some_and(|p| scope.contains(p))
                    || g.organization_id.as_deref().is_some_and(|o| {
                        actor.may(
                            Action::ManageOrganization,
                            Target::Organization {
                                id: o,
                                home_path: None,
                            },
                        )
                    })
            });
        if visible {
            out.push(user_view(&mut conn, &u.id).await?);
        }
    }
    Ok(out)
}

/// Takes a role grant away from a user; allowed to whoever could have granted it.
pub async fn revoke_grant(
    app: &App,
    actor: &Actor,
    user_id: &str,
    grant_id: &str,
) -> Result<UserView> {
    let mut conn = app.db.conn().await?;
    let grants = store::grants_of(&mut conn, user_id).await?;
    let grant = grants
        .into_iter()
        .find(|g| g.id == grant_id)
        .ok_or(AppError::NotFound)?;
    let role = Role::parse(&grant.role).map_err(|k| AppError::Internal(k.into()))?;
    let target = match (&grant.area_id, &grant.organization_id) {
        (Some(a), _) => GrantTarget::Area(a.clone()),
        (None, Some(o)) => GrantTarget::Organization(o.clone()),
        _ => return Err(AppError::NotFound),
    };
    check_grant_allowed(&mut conn, actor, role, &target)
        .await
        .map_err(|e| match e {
            AppError::Invalid(_) => AppError::NotFound,
            other => other,
        })?;
    store::delete_grant(&mut conn, user_id, grant_id).await?;
    app.sessions.clear();
    audit_store::append(
        &mut *conn,
        &audit_store::NewAuditEntry {
            action: "grant.revoked",
            target_kind: "user",
            target_id: user_id,
            detail: &format!(
                "{} @ {}",
                grant.role,
                grant
                    .area_name
                    .or(grant.organization_name)
                    .unwrap_or_default()
            ),
            ..actor.audit_entry()
        },
    )
    .await?;
    user_view(&mut conn, user_id).await
}
