//! Accounts: sign-in, sessions, users and their role grants.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sanshe_core::FieldErrors;
use sanshe_core::accounts::{
    Action, AreaScope, COMMAND_LINE, Grant, GrantScope, NewPassword, Role, SessionKind, Target,
    Username, permits,
};
use sanshe_store::{
    accounts as store, areas as area_store, audit as audit_store, now_ms,
    organizations as org_store,
};
use sha2::{Digest, Sha256};

use crate::audit;
use crate::{App, AppError, OnConflict, Result};

mod passwords;

pub use passwords::*;

/// The window over which failed sign-ins count.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failed sign-ins one client address may make in the window before it is told to wait. An
/// office behind one address mistypes now and then; a guesser from one address stops here.
pub const MAX_ADDRESS_FAILURES: i64 = 30;
/// The longest a failed sign-in waits before it is answered.
pub const MAX_FAILURE_DELAY_MS: u64 = 5_000;
/// Longest user name accepted at sign-in (longer ones are refused before anything is written).
pub const MAX_USERNAME_CHARS: usize = 64;
/// Longest password accepted (argon2 reads all of it).
pub const MAX_PASSWORD_BYTES: usize = 1_024;

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
    /// Signed in with a password someone else chose: pages ask for a new one first.
    pub must_change_password: bool,
}

impl Actor {
    /// A stored user acting with these grants.
    fn of(user: store::UserRow, grants: Vec<Grant>) -> Actor {
        Actor {
            user_id: Some(user.id),
            username: user.username,
            display_name: user.display_name,
            locale: user.locale,
            grants,
            must_change_password: user.must_change_password,
        }
    }

    /// The paths where this person is deployed (their volunteer area grants).
    pub fn deployment_paths(&self) -> Vec<String> {
        sanshe_core::accounts::deployed_in(&self.grants)
    }

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
            username: COMMAND_LINE.into(),
            display_name: "command line".into(),
            locale: "zh-CN".into(),
            grants,
            must_change_password: false,
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

    /// Goes on only if the actor may do `action` on `target`; otherwise `NotFound`, so that what
    /// someone may not touch is, to them, not there.
    pub fn require(&self, action: Action, target: Target<'_>) -> Result<()> {
        if self.may(action, target) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Like `require`, refusing as a form field that names something not found (`field`, `key`).
    pub fn require_for(
        &self,
        action: Action,
        target: Target<'_>,
        field: &str,
        key: &'static str,
    ) -> Result<()> {
        if self.may(action, target) {
            Ok(())
        } else {
            Err(AppError::field(field, key))
        }
    }

    /// The area subtrees where the actor may do `action`.
    pub fn scope(&self, action: Action) -> AreaScope {
        AreaScope::for_action(&self.grants, action)
    }

    /// Whether the actor coordinates a root (city-wide) area (`accounts::coordinates_the_city`).
    pub fn is_city_coordinator(&self) -> bool {
        sanshe_core::accounts::coordinates_the_city(&self.grants)
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
    /// The password was set by someone else: the account sets its own before anything else.
    pub must_change_password: bool,
}

/// 256 random bits in hex: session tokens, capability links.
pub fn random_token() -> String {
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

/// Signs a user in; `kind` is `web` (cookie) or `api` (bearer), `address` the client's address
/// (for counting failures). Wrong name and wrong password answer the same. Failures are counted
/// per user name and per address: each failure of a name is answered more slowly (up to
/// `MAX_FAILURE_DELAY_MS`), and an address with `MAX_ADDRESS_FAILURES` in the window waits
/// out the window — a stranger slows a name down but never locks its owner out, and the owner's
/// right password always gets in.
///
/// No pooled connection is held while the password is hashed or while a failure waits: the
/// hash runs on the blocking pool behind this node's hashing slots, so a flood of wrong
/// sign-ins queues there while everyone else's requests go on.
pub async fn sign_in(
    app: &App,
    username: &str,
    password: &str,
    kind: SessionKind,
    address: &str,
) -> Result<IssuedSession> {
    let name = username.trim().to_ascii_lowercase();
    if name.is_empty()
        || name.chars().count() > MAX_USERNAME_CHARS
        || password.len() > MAX_PASSWORD_BYTES
    {
        return Err(AppError::field("password", "err-sign-in"));
    }
    let address: String = address.chars().take(64).collect();
    let since = now_ms() - FAILURE_WINDOW_MS;
    let (user, name_failures) = {
        let mut conn = app.db.conn().await?;
        let (by_name, by_address) =
            store::failures_since(&mut conn, &name, &address, since).await?;
        if by_address >= MAX_ADDRESS_FAILURES {
            return Err(AppError::TooManyAttempts((FAILURE_WINDOW_MS / 1000) as u64));
        }
        (store::user_by_name(&mut conn, &name).await?, by_name)
    };
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let pw = password.to_string();
    let slot = app.capacity.hashing().await?;
    // Verify even for unknown names so timing does not reveal which names exist.
    let ok = tokio::task::spawn_blocking(move || {
        let ok = match hash {
            Some(h) => verify_password(&pw, &h),
            None => {
                let _ = verify_password(&pw, dummy_hash());
                false
            }
        };
        drop(slot);
        ok
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            {
                let mut tx = app.db.begin().await?;
                store::record_failure(&mut tx, &name, &address).await?;
                audit_store::append(
                    &mut *tx,
                    &audit_store::NewAuditEntry {
                        actor_name: &name,
                        action: "session.failed",
                        target_kind: "user",
                        target_id: &name,
                        detail: &address,
                        ..Default::default()
                    },
                )
                .await?;
                sanshe_store::commit(tx).await?;
            }
            // A growing pause slows down guessing without locking out a user who mistyped once.
            let delay = (200 * (name_failures as u64 + 1)).min(MAX_FAILURE_DELAY_MS);
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            return Err(AppError::field("password", "err-sign-in"));
        }
    };
    let token = random_token();
    let csrf_token = random_token();
    let expires_at = now_ms() + app.session_ttl_ms;
    let mut tx = app.db.begin().await?;
    store::clear_failures(&mut tx, &name, &address).await?;
    store::insert_session(
        &mut tx,
        &token_hash(&token),
        &user.id,
        &csrf_token,
        kind,
        expires_at,
    )
    .await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            actor_id: Some(&user.id),
            actor_name: &user.username,
            action: "session.created",
            target_kind: "user",
            target_id: &user.id,
            detail: kind.as_str(),
            ..Default::default()
        },
    )
    .await?;
    sanshe_store::commit(tx).await?;
    Ok(IssuedSession {
        token,
        csrf_token,
        expires_at,
        must_change_password: user.must_change_password,
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
    let found = (Actor::of(user, grants), session.csrf_token);
    app.sessions
        .put(hash, found.clone(), session.expires_at, now);
    Ok(found)
}

/// The actor of a user, with their grants (for work done on a user's behalf, such as the demo).
pub async fn actor_of(app: &App, user_id: &str) -> Result<Actor> {
    let mut conn = app.db.conn().await?;
    let user = store::user(&mut conn, user_id).await?;
    let grants = load_grants(&mut conn, &user.id).await?;
    Ok(Actor::of(user, grants))
}

async fn load_grants(conn: &mut sanshe_store::Conn, user_id: &str) -> Result<Vec<Grant>> {
    let rows = store::grants_of(conn, user_id).await?;
    Ok(rows
        .into_iter()
        .filter_map(|g| {
            let role = g.role;
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

    /// Drops the entries of one user's sessions but `keep` (a token hash), after their
    /// sessions were ended.
    fn forget_user(&self, user_id: &str, keep: Option<&str>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|hash, e| {
                Some(hash.as_str()) == keep || e.found.0.user_id.as_deref() != Some(user_id)
            });
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
    pub role: sanshe_core::accounts::Role,
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

impl GrantTarget {
    /// (area id, organization id) as a grant row stores them.
    fn ids(&self) -> (Option<&str>, Option<&str>) {
        match self {
            GrantTarget::Area(a) => (Some(a.as_str()), None),
            GrantTarget::Organization(o) => (None, Some(o.as_str())),
        }
    }
}

/// Creates a user with a first grant; the actor must be allowed to manage users there (a
/// coordinator over the area, or an org admin adding a volunteer to their organization). The
/// password is someone else's choice, so the new user sets their own at the first sign-in.
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
    let display = errors
        .take_field(sanshe_core::text::required_line(
            "display_name",
            display_name,
            sanshe_core::text::NAME_CHARS,
        ))
        .unwrap_or_default();
    let display = display.as_str();
    errors.into_result()?;
    let (Some(username), Some(password), Some(role)) = (username, password, role) else {
        return Err(AppError::field("username", "err-required"));
    };
    {
        let mut conn = app.db.conn().await?;
        check_grant_allowed(&mut conn, actor, role, &target).await?;
    }
    let hash = hash_in_slot(app, password.expose().to_string()).await?;
    let mut tx = app.db.begin().await?;
    let user = store::insert_user(&mut tx, username.as_str(), display, &hash, true)
        .await
        .on_conflict("username", "err-username-taken")?;
    let (area_id, org_id) = target.ids();
    store::insert_grant(&mut tx, &user.id, role, area_id, org_id).await?;
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
    let mut conn = app.db.conn().await?;
    user_view(&mut conn, &user.id).await
}

/// Hashes a new password on the blocking pool, in one of this node's hashing slots.
pub async fn hash_in_slot(app: &App, password: String) -> Result<String> {
    let slot = app.capacity.hashing().await?;
    tokio::task::spawn_blocking(move || {
        let hash = hash_password(&password);
        drop(slot);
        hash
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
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
    let mut tx = app.db.begin().await?;
    let user = store::user(&mut tx, user_id).await?;
    check_grant_allowed(&mut tx, actor, role, &target).await?;
    let (area_id, org_id) = target.ids();
    // The grant and its audit entry are one transaction: neither without the other.
    store::insert_grant(&mut tx, &user.id, role, area_id, org_id).await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            action: "grant.created",
            target_kind: "user",
            target_id: &user.id,
            detail: role.as_str(),
            ..actor.audit_entry()
        },
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.sessions.clear();
    // A volunteer's area grant is a deployment, which the linkage map counts.
    crate::organizations::touch_person(app, &user.id, None).await;
    let mut conn = app.db.conn().await?;
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
            actor.require_for(
                Action::ViewRegistry,
                sanshe_core::accounts::Target::Area(&area.path),
                "area",
                "err-not-found",
            )?;
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
            if !sanshe_core::accounts::may_grant(&actor.grants, role, target) {
                return Err(AppError::Forbidden);
            }
        }
    }
    Ok(())
}

async fn user_view(conn: &mut sanshe_store::Conn, id: &str) -> Result<UserView> {
    let user = store::user(conn, id).await?;
    let grants = store::grants_of(conn, id).await?;
    Ok(view_of(user, grants))
}

fn view_of(user: store::UserRow, grants: Vec<store::GrantRow>) -> UserView {
    UserView {
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
    }
}

/// Which users to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct UserFilter {
    /// Words the user name or the display name holds (at most 40 characters).
    pub q: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// A page of users, by user name.
pub type UsersPage = crate::cursor::Page<UserView>;

/// The users the actor manages, by user name, a page at a time with the total, each with their
/// grants: those with a grant in the actor's user-managing scope or in an organization they
/// administer (a city coordinator: everyone); `q` narrows to user or display names that hold
/// its words.
pub async fn list_users(app: &App, actor: &Actor, f: &UserFilter) -> Result<UsersPage> {
    let words = f.q.as_deref().map(str::trim).filter(|w| !w.is_empty());
    if words.is_some_and(|w| w.chars().count() > MAX_SEARCH_CHARS) {
        return Err(AppError::field("q", "err-too-long"));
    }
    let after = crate::cursor::after::<1>(f.after.as_deref())?;
    let limit = f.limit.unwrap_or(100).clamp(1, 500);
    let scope = actor.scope(Action::ManageUsers);
    let organizations = sanshe_core::accounts::organizations_run(&actor.grants);
    let selection = store::UserSelection {
        everyone: actor.is_city_coordinator(),
        roots: scope.roots(),
        organizations: &organizations,
        words,
        after: after.as_ref().map(|[name]| name.as_str()),
        limit: limit + 1,
    };
    let mut conn = app.db.conn().await?;
    let mut users = store::users(&mut conn, &selection).await?;
    let next = crate::cursor::cut(&mut users, limit, |u| crate::cursor::encode(&[&u.username]));
    let total = store::count_users(&mut conn, &selection).await?;
    let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
    let mut by_user: std::collections::HashMap<String, Vec<store::GrantRow>> =
        std::collections::HashMap::new();
    for (user, grant) in store::grants_of_users(&mut conn, &ids).await? {
        by_user.entry(user).or_default().push(grant);
    }
    let items = users
        .into_iter()
        .map(|u| {
            let grants = by_user.remove(&u.id).unwrap_or_default();
            view_of(u, grants)
        })
        .collect();
    Ok(UsersPage { items, total, next })
}

/// The longest text a user search takes.
const MAX_SEARCH_CHARS: usize = 40;

/// Takes a role grant away from a user; allowed to whoever could have granted it.
pub async fn revoke_grant(
    app: &App,
    actor: &Actor,
    user_id: &str,
    grant_id: &str,
) -> Result<UserView> {
    let mut tx = app.db.begin().await?;
    let grants = store::grants_of(&mut tx, user_id).await?;
    let grant = grants
        .into_iter()
        .find(|g| g.id == grant_id)
        .ok_or(AppError::NotFound)?;
    let role = grant.role;
    let left = grant.area_path.clone();
    let target = match (&grant.area_id, &grant.organization_id) {
        (Some(a), _) => GrantTarget::Area(a.clone()),
        (None, Some(o)) => GrantTarget::Organization(o.clone()),
        _ => return Err(AppError::NotFound),
    };
    check_grant_allowed(&mut tx, actor, role, &target)
        .await
        .map_err(|e| match e {
            AppError::Invalid(_) => AppError::NotFound,
            other => other,
        })?;
    store::delete_grant(&mut tx, user_id, grant_id).await?;
    audit_store::append(
        &mut *tx,
        &audit_store::NewAuditEntry {
            action: "grant.revoked",
            target_kind: "user",
            target_id: user_id,
            detail: &format!(
                "{} @ {}",
                grant.role.as_str(),
                grant
                    .area_name
                    .or(grant.organization_name)
                    .unwrap_or_default()
            ),
            ..actor.audit_entry()
        },
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.sessions.clear();
    crate::organizations::touch_person(app, user_id, left).await;
    let mut conn = app.db.conn().await?;
    user_view(&mut conn, user_id).await
}
