//! The one place where use-case errors become HTTP answers: problem+json for the API, a friendly
//! page for the browser.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanshe_app::AppError;
use serde::Serialize;

use crate::i18n::{Locale, Tr};

/// One rejected field in a problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// The field.
    pub field: String,
    /// Why, in the requested language.
    pub message: String,
    /// The stable message id.
    pub code: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem kind.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Field-level rejections, for 422.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// Status and title key of an application error.
pub fn classify(e: &AppError) -> (StatusCode, &'static str) {
    match e {
        AppError::NotFound => (StatusCode::NOT_FOUND, "error-not-found"),
        AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "error-unauthorized"),
        AppError::Forbidden => (StatusCode::FORBIDDEN, "error-forbidden"),
        AppError::PasswordChangeFirst => (StatusCode::FORBIDDEN, "error-password-change-first"),
        AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error-invalid"),
        AppError::TooManyAttempts(_) => (StatusCode::TOO_MANY_REQUESTS, "error-too-many"),
        AppError::Busy(_) => (StatusCode::TOO_MANY_REQUESTS, "error-busy"),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    }
}

/// The `Retry-After` of an error that asks the client to come back later.
pub fn retry_after(e: &AppError) -> Option<HeaderValue> {
    match e {
        AppError::TooManyAttempts(s) | AppError::Busy(s) => Some(HeaderValue::from(*s.max(&1))),
        _ => None,
    }
}

/// An error of the JSON API. Handlers return it with `?` on any use case's result; it is
/// written out in the request's language by `problems`, the layer over every route.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

/// The language of a request's messages: from `Accept-Language`, put in the request's
/// extensions by `problems` so handlers and extractors need not read the header again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestLocale(pub Locale);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<RequestLocale>()
            .copied()
            .unwrap_or_else(|| RequestLocale(crate::auth::request_locale(&parts.headers))))
    }
}

/// A page without a session (sign-in, a resident's link, the public sign-up) takes its
/// translator in the request's language straight from the request.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for crate::i18n::Tr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let RequestLocale(locale) = RequestLocale::from_request_parts(parts, state).await?;
        Ok(crate::i18n::Tr::new(locale))
    }
}

/// An error answered before its words: `problems` writes them in the request's language.
#[derive(Clone)]
struct Unwritten(Arc<AppError>);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(msg) = &self.0 {
            tracing::error!(error = %msg, "internal error");
        }
        let (status, _) = classify(&self.0);
        let mut resp = status.into_response();
        resp.extensions_mut().insert(Unwritten(Arc::new(self.0)));
        resp
    }
}

/// The layer that gives every request its `RequestLocale` and writes every API error's problem
/// document in it, so no handler passes a language along.
pub async fn problems(mut req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let locale = RequestLocale(crate::auth::request_locale(req.headers()));
    req.extensions_mut().insert(locale);
    let mut resp = next.run(req).await;
    match resp.extensions_mut().remove::<Unwritten>() {
        Some(Unwritten(error)) => problem(&error, locale.0),
        None => resp,
    }
}

/// The problem+json answer of an error, in `locale`.
pub fn problem(error: &AppError, locale: Locale) -> Response {
    let (status, title) = classify(error);
    let tr = Tr::new(locale);
    let errors = match error {
        AppError::Invalid(fields) => fields
            .0
            .iter()
            .map(|f| FieldProblem {
                field: f.field.clone(),
                message: tr.field(f),
                code: f.key.to_string(),
            })
            .collect(),
        _ => Vec::new(),
    };
    let body = Problem {
        kind: format!(
            "https://sanshe.invalid/problems/{}",
            title.trim_start_matches("error-")
        ),
        title: tr.t(title),
        status: status.as_u16(),
        errors,
    };
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Some(seconds) = retry_after(error) {
        resp.headers_mut().insert(header::RETRY_AFTER, seconds);
    }
    resp
}
