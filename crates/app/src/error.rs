//! The error of the use-case boundary, mapped once to HTTP by the web layer.

use sanshe_core::FieldErrors;
use sanshe_store::StoreError;

/// Why a use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or lies outside the actor's scope (never told apart, so nothing
    /// outside a scope leaks).
    #[error("not found")]
    NotFound,
    /// Not signed in, or the session expired.
    #[error("unauthorized")]
    Unauthorized,
    /// Signed in, but the role does not allow this action here (only for things in scope).
    #[error("forbidden")]
    Forbidden,
    /// Signed in with a password someone else chose: nothing but setting one's own (or signing
    /// out) until then.
    #[error("password to change first")]
    PasswordChangeFirst,
    /// Input rejected, field by field.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Too many attempts from one place (sign-ins, public forms); try again after this many
    /// seconds.
    #[error("too many attempts")]
    TooManyAttempts(u64),
    /// This node is already doing as much of this work as it may at once (reading uploads,
    /// hashing passwords, building exports); try again after this many seconds.
    #[error("busy")]
    Busy(u64),
    /// The database or the machine failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A single-field rejection.
    pub fn field(field: &str, key: &'static str) -> AppError {
        let mut e = FieldErrors::default();
        e.push(field, key);
        AppError::Invalid(e)
    }

    /// A single-field rejection for going past `limit`, which the message names.
    pub fn limit(field: &str, key: &'static str, limit: i64) -> AppError {
        let mut e = FieldErrors::default();
        e.push_limit(field, key, limit);
        AppError::Invalid(e)
    }
}

impl From<sanshe_core::FieldError> for AppError {
    fn from(e: sanshe_core::FieldError) -> Self {
        AppError::Invalid(FieldErrors(vec![e]))
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(c) => AppError::Internal(format!("unexpected conflict: {c}")),
            StoreError::Database(e) => AppError::Internal(e.to_string()),
            StoreError::Direct(e) => AppError::Internal(e),
            e @ (StoreError::MigrationChanged(_) | StoreError::Decode(_)) => {
                AppError::Internal(e.to_string())
            }
        }
    }
}

/// Result of a use case.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Turns a unique-constraint conflict from the store into a rejection of one field, where the
/// query runs (the caller knows which field the constraint guards).
pub trait OnConflict<T> {
    /// `Conflict` becomes `Invalid` on `field` with message `key`; other errors convert as usual.
    fn on_conflict(self, field: &str, key: &'static str) -> Result<T>;
}

impl<T> OnConflict<T> for std::result::Result<T, StoreError> {
    fn on_conflict(self, field: &str, key: &'static str) -> Result<T> {
        match self {
            Err(StoreError::Conflict(_)) => Err(AppError::field(field, key)),
            other => Ok(other?),
        }
    }
}
