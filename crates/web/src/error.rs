//! The one place where use-case errors become HTTP answers: problem+json for the API, a friendly
//! page for the browser.

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

/// An error of the JSON API, rendered in the caller's language.
#[derive(Debug)]
pub struct ApiError {
    /// The error.
    pub error: AppError,
    /// The language of the messages.
    pub locale: Locale,
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError {
            error,
            locale: Locale::ZhCn,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, title) = classify(&self.error);
        if let AppError::Internal(msg) = &self.error {
            tracing::error!(error = %msg, "internal error");
        }
        let tr = Tr::new(self.locale);
        let errors = match &self.error {
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
        if let Some(seconds) = retry_after(&self.error) {
            resp.headers_mut().insert(header::RETRY_AFTER, seconds);
        }
        resp
    }
}
