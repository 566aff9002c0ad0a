//! Field-level validation errors, carried as message keys so the web layer can translate them.

use serde::Serialize;

/// One rejected input: which field and why (a Fluent message key, e.g. `err-id-check-digit`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Name of the rejected field as the form and the API call it.
    pub field: String,
    /// Fluent message id explaining the rejection.
    pub key: &'static str,
    /// The limit the input went past, for messages that name it (`$limit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

impl FieldError {
    /// A rejection of `field` for the reason named by `key`.
    pub fn new(field: impl Into<String>, key: &'static str) -> Self {
        Self {
            field: field.into(),
            key,
            limit: None,
        }
    }

    /// A rejection of `field` for going past `limit` (a length, a count, a size).
    pub fn over_limit(field: impl Into<String>, key: &'static str, limit: i64) -> Self {
        Self {
            field: field.into(),
            key,
            limit: Some(limit),
        }
    }
}

/// All the rejections of one submitted form or request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Records a rejection.
    pub fn push(&mut self, field: impl Into<String>, key: &'static str) {
        self.0.push(FieldError::new(field, key));
    }

    /// Records a rejection for going past `limit`.
    pub fn push_limit(&mut self, field: impl Into<String>, key: &'static str, limit: i64) {
        self.0.push(FieldError::over_limit(field, key, limit));
    }

    /// Adds the rejections of a field parse that may name a limit.
    pub fn take_field<T>(&mut self, parsed: Result<T, FieldError>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Keeps the value of a parse, or records its error under `field`.
    pub fn take<T>(&mut self, field: &str, parsed: Result<T, &'static str>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(key) => {
                self.push(field, key);
                None
            }
        }
    }

    /// True when nothing was rejected.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was rejected, otherwise the errors.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.key))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl std::error::Error for FieldErrors {}
