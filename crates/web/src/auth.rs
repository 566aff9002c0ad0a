//! Who is calling: bearer tokens for the API, a session cookie (with a CSRF token) for pages.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use sanshe_app::accounts::{Actor, authenticate};
use sanshe_app::{App, AppError};

use crate::AppState;
use crate::error::ApiError;
use crate::i18n::{Locale, Tr};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sanshe_session";
/// Name of the language cookie (for pages seen before signing in).
pub const LANG_COOKIE: &str = "sanshe_lang";

/// The value of a cookie in the request, if present.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// The language asked for: the language cookie, else `Accept-Language`, else Chinese.
pub fn request_locale(headers: &HeaderMap) -> Locale {
    if let Some(l) = cookie(headers, LANG_COOKIE) {
        return Locale::parse(&l);
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::parse)
        .unwrap_or_default()
}

/// A signed-in API caller.
pub struct ApiCaller {
    /// Who.
    pub actor: Actor,
    /// The server the request reached, so a handler needs no `State` of its own.
    state: AppState,
}

impl ApiCaller {
    /// The application the caller's request runs in.
    pub fn app(&self) -> &App {
        &self.state.app
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").map(str::trim).map(String::from))
            .ok_or(ApiError(AppError::Unauthorized))?;
        let (actor, _) = authenticate(&state.app, &token).await?;
        if actor.must_change_password && !password_change_calls(&parts.method, parts.uri.path()) {
            return Err(ApiError(AppError::PasswordChangeFirst));
        }
        Ok(ApiCaller {
            actor,
            state: state.clone(),
        })
    }
}

/// The API calls left to an account whose password someone else set, as pages leave it only
/// `/account`: setting its own password, and signing out.
fn password_change_calls(method: &Method, path: &str) -> bool {
    matches!(
        (method, path),
        (&Method::POST, "/api/v1/account/password")
            | (
                &Method::DELETE,
                "/api/v1/sessions" | "/api/v1/account/sessions"
            )
    )
}

/// A signed-in browser user.
pub struct PageCaller {
    /// Who.
    pub actor: Actor,
    /// The token forms must echo.
    pub csrf: String,
    /// The session token (for signing out).
    pub token: String,
    /// Translator for the user's language.
    pub tr: Tr,
    /// The server the request reached, so a handler needs no `State` of its own.
    state: AppState,
    /// What the form posted, if one was.
    sent: crate::pages::sent::SentForm,
}

impl PageCaller {
    /// What the posted form sent (nothing for a read).
    pub fn sent(&self) -> &[(String, String)] {
        &self.sent.0
    }

    /// The application the caller's request runs in.
    pub fn app(&self) -> &App {
        &self.state.app
    }

    /// Starts a sheet download on the node the request reached.
    pub fn sheet(
        &self,
        name: &str,
        header: &[String],
    ) -> Result<crate::exports::SheetDownload, sanshe_app::AppError> {
        crate::exports::SheetDownload::start(&self.state, name, header)
    }
}

/// A session the CSRF layer has already looked up and checked, handed to `PageCaller`.
#[derive(Clone)]
pub struct SignedIn {
    /// Who.
    pub actor: Actor,
    /// The session's CSRF token.
    pub csrf: String,
    /// The session token.
    pub token: String,
}

/// Sends a browser without a session to the sign-in page.
pub struct SignInFirst(String);

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

/// Percent-encodes a path for a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Someone signed in with a password another person chose or the system made sees their
/// account page, to set their own, before any other page.
fn first_a_new_password(actor: &Actor, path: &str) -> Result<(), Redirect> {
    let allowed = matches!(path, "/account" | "/account/password" | "/logout");
    if actor.must_change_password && !allowed {
        return Err(Redirect::to("/account"));
    }
    Ok(())
}

/// Tells the page layer who is signed in, so an error page carries their menu.
fn framed_by(parts: &Parts, actor: &Actor, csrf: &str, tr: Tr) {
    if let Some(frame) = parts.extensions.get::<crate::pages::ErrorFrame>() {
        frame.set(actor, csrf, tr);
    }
}

impl FromRequestParts<AppState> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(SignedIn { actor, csrf, token }) = parts.extensions.remove::<SignedIn>() {
            first_a_new_password(&actor, parts.uri.path()).map_err(IntoResponse::into_response)?;
            let tr = Tr::new(Locale::parse(&actor.locale));
            framed_by(parts, &actor, &csrf, tr);
            return Ok(PageCaller {
                actor,
                csrf,
                token,
                tr,
                state: state.clone(),
                sent: parts.extensions.get().cloned().unwrap_or_default(),
            });
        }
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(SignInFirst(here).into_response());
        };
        match authenticate(&state.app, &token).await {
            // A request that may change something reaches a handler only through the CSRF
            // layer, which hands its checked session over: without it, the route was left
            // outside the layer, and nothing it would do is allowed.
            Ok((actor, _)) if !matches!(parts.method, Method::GET | Method::HEAD) => {
                Err(crate::pages::error_page(
                    Tr::new(Locale::parse(&actor.locale)),
                    &AppError::field("csrf", "err-csrf"),
                ))
            }
            Ok((actor, csrf)) => {
                first_a_new_password(&actor, parts.uri.path())
                    .map_err(IntoResponse::into_response)?;
                let tr = Tr::new(Locale::parse(&actor.locale));
                framed_by(parts, &actor, &csrf, tr);
                Ok(PageCaller {
                    actor,
                    csrf,
                    token,
                    tr,
                    state: state.clone(),
                    sent: Default::default(),
                })
            }
            Err(AppError::Unauthorized) => Err(SignInFirst(here).into_response()),
            Err(e) => Err(crate::pages::error_page(
                Tr::new(request_locale(&parts.headers)),
                &e,
            )),
        }
    }
}
