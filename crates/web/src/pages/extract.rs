//! Extractors of the pages whose rejections are the error page in the caller's language, like
//! every other error of a page: a query string or a form body that does not parse says so in
//! Chinese (422), not in axum's line of English. They keep axum's names so handlers read alike.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use sanshe_app::AppError;
use serde::de::DeserializeOwned;

use super::PageFailure;

/// The query string, parsed into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = PageFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|_| PageFailure::App(AppError::field("query", "err-query")))
    }
}

/// A url-encoded form body, parsed into `T`. Forms carry their numbers and dates as text and
/// parse them in the handler, beside the field; this catches only what slips past that, and a
/// body past the route's limit (the error page, 422, as an upload past its limit is).
#[derive(Debug, Clone, Copy, Default)]
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = PageFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::FormRejection;
        use axum::response::IntoResponse;
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| Form(f.0))
            .map_err(|rejection| match rejection {
                FormRejection::FailedToDeserializeForm(_)
                | FormRejection::FailedToDeserializeFormBody(_) => {
                    PageFailure::App(AppError::field("form", "err-form"))
                }
                // Refused before it was read whole: the route's limit, not the memory, decides.
                FormRejection::BytesRejection(b) if past_limit(b.status()) => form_too_long(),
                // A body of another type is not something typed into a form.
                other => PageFailure::Answer(other.into_response()),
            })
    }
}

/// A posted form's pairs (see `pairs`), repeated keys kept (checkbox groups), read under the
/// route's body limit; a body past it is the error page, as `Form`'s is.
pub struct FormPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormPairs {
    type Rejection = PageFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection.status() {
                status if past_limit(status) => form_too_long(),
                _ => PageFailure::Answer(rejection.into_response()),
            })?;
        Ok(FormPairs(super::pairs(&body)))
    }
}

fn past_limit(status: axum::http::StatusCode) -> bool {
    status == axum::http::StatusCode::PAYLOAD_TOO_LARGE
}

/// A form longer than its route takes, said beside the form.
fn form_too_long() -> PageFailure {
    PageFailure::App(AppError::field("form", "err-form-too-long"))
}

/// A multipart body (an upload form); one that is not multipart is the error page (422, on
/// field `file`), as in the API.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = PageFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(Multipart)
            .map_err(|_| PageFailure::App(AppError::field("file", "err-file-unreadable")))
    }
}
