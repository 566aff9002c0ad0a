//! The JSON API under `/api/v1`: extract, call the use case, answer. Every handler is listed in
//! the OpenAPI document (`openapi.rs`), one file per capability.

pub mod accounts;
pub mod alerts;
pub mod areas;
pub mod audit;
pub mod campaigns;
pub mod contacts;
pub mod exports;
pub mod gates;
pub mod help;
pub mod imports;
pub mod isolation;
pub mod needs;
pub mod notices;
pub mod organizations;
pub mod registry;
pub mod rotas;
pub mod teams;
pub mod volunteers;

use crate::error::ApiError;
pub use crate::extract::JsonBody;
pub use crate::respond::Created;

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
