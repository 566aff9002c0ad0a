//! Extractors of the JSON API whose rejections are problem documents in the caller's language,
//! like every other error of the API: a query that does not parse is a 422 on field `query`, a
//! path segment that does not parse is a 404. They keep axum's names (`Query`, `Path`) so the
//! OpenAPI annotations read them as axum's and declare their parameters.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sanshe_app::AppError;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The query string, parsed into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|_| ApiError::from(AppError::field("query", "err-query")))
    }
}

/// The path's parameters, parsed into `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|_| ApiError::from(AppError::NotFound))
    }
}

/// A multipart body (an upload form); one that is not multipart is a 422 on field `file`.
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Multipart::from_request(req, state)
            .await
            .map(Multipart)
            .map_err(|_| ApiError::from(AppError::field("file", "err-file-unreadable")))
    }
}

/// The upload form of the import routes, as the API document describes it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The .xlsx or .csv file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Community, compound or building (resident imports; or the `community` query parameter).
    pub community: Option<String>,
}

/// A JSON body whose parse failure, or length past the route's limit, is a problem+json 422 on
/// field `body`, not a text 400 or 413.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        // A body past the route's limit is refused as such, not as JSON that did not parse.
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                let key = if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    "err-body-too-long"
                } else {
                    "err-json"
                };
                ApiError::from(AppError::field("body", key))
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| ApiError::from(AppError::field("body", "err-json")))
    }
}
