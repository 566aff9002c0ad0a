//! Signing in and out, and the language switch: the pages a browser reaches before, or on the
//! way out of, a session.

use super::extract::Form;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sanshe_app::AppError;
use serde::Deserialize;

use super::{Nav, PageResult, render};
use crate::AppState;
use crate::auth::{LANG_COOKIE, PageCaller, SESSION_COOKIE, request_locale};
use crate::error::classify;
use crate::i18n::{Locale, Tr};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    error: Option<String>,
    next: String,
    username: String,
    csrf: String,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in or switching language: a path of this site only. Anything a
/// browser could read as another site (`//host`, `/\\host`, a scheme) or that cannot be a
/// header value (control characters) goes home instead — never elsewhere, never an error.
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2048
                && !n
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The cookie that carries the sign-in form's CSRF token (the form echoes it): without it, a
/// page elsewhere could sign a visitor into an account of the attacker's (login CSRF).
const LOGIN_CSRF_COOKIE: &str = "sanshe_login";

fn login_csrf_cookie(state: &AppState, value: &str) -> String {
    format!(
        "{LOGIN_CSRF_COOKIE}={value}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

/// A fresh token for the sign-in form.
fn login_token() -> String {
    sanshe_app::accounts::random_token()
}

pub(super) async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    let token = login_token();
    let mut resp = render(&LoginPage {
        nav: Nav::anonymous(tr, "/login"),
        error: None,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        csrf: token.clone(),
    });
    if let Ok(v) = login_csrf_cookie(&state, &token).parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    /// The login form's own token (its cookie), not a session's: signing in has no session yet.
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn session_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if state.secure_cookies { "; Secure" } else { "" }
    )
}

pub(super) async fn login(
    State(state): State<AppState>,
    address: crate::throttle::ClientAddress,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    let expected = crate::auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let result = if expected.is_empty() || expected != f.csrf {
        Err(AppError::field("csrf", "err-csrf"))
    } else {
        sanshe_app::accounts::sign_in(
            &state.app,
            &f.username,
            &f.password,
            sanshe_core::accounts::SessionKind::Web,
            &address.0,
        )
        .await
    };
    match result {
        Ok(s) => {
            let cookie = session_cookie(&state, &s.token, state.app.session_ttl_ms / 1000);
            (
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&safe_next(Some(&f.next))),
            )
                .into_response()
        }
        Err(e) => {
            let (status, key) = classify(&e);
            let message = match &e {
                AppError::Invalid(f) => {
                    f.0.first()
                        .map(|x| tr.field(x))
                        .unwrap_or_else(|| tr.t(key))
                }
                _ => tr.t(key),
            };
            let token = login_token();
            let mut resp = render(&LoginPage {
                nav: Nav::anonymous(tr, "/login"),
                error: Some(message),
                next: safe_next(Some(&f.next)),
                username: f.username.chars().take(64).collect(),
                csrf: token.clone(),
            });
            *resp.status_mut() = if status == StatusCode::UNPROCESSABLE_ENTITY {
                StatusCode::UNAUTHORIZED
            } else {
                status
            };
            if let Ok(v) = login_csrf_cookie(&state, &token).parse() {
                resp.headers_mut().insert(header::SET_COOKIE, v);
            }
            if let Some(seconds) = crate::error::retry_after(&e) {
                resp.headers_mut().insert(header::RETRY_AFTER, seconds);
            }
            resp
        }
    }
}

pub(super) async fn logout(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    sanshe_app::accounts::sign_out(&state.app, &caller.token).await?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&state, "", 0))],
        Redirect::to("/login"),
    )
        .into_response())
}

pub(super) async fn switch_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(tag): Path<String>,
    Query(q): Query<NextQuery>,
) -> Response {
    let locale = Locale::parse(&tag);
    if let Some(token) = crate::auth::cookie(&headers, SESSION_COOKIE)
        && let Ok((actor, _)) = sanshe_app::accounts::authenticate(&state.app, &token).await
    {
        let _ = sanshe_app::accounts::set_locale(&state.app, &actor, locale.tag()).await;
    }
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        locale.tag()
    );
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.next.as_deref())),
    )
        .into_response()
}
