//! Uploads, for the API and the pages alike: a multipart form read field by field with a bound
//! on each, after the caller's permission and a slot of this node's upload capacity are held.
//! The route's body limit (`router`) bounds the whole request; here the file is bounded by it
//! and every other field by `MAX_FORM_FIELD`.

use axum::extract::Multipart;
use sanshe_app::AppError;

/// Bytes of a text field of an upload form (an area id, a CSRF token).
const MAX_FORM_FIELD: usize = 4 * 1024;

/// A multipart upload: the `file` field's bytes and the text of every other field.
pub struct Upload {
    /// The uploaded file.
    pub file: Vec<u8>,
    fields: Vec<(String, String)>,
}

impl Upload {
    /// The text of a field, or "" when absent.
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Reads a multipart form with a required, non-empty `file` field; `upload_limit` is the
/// route's body limit, named in the message when the file is larger. `expected` is the
/// request's Content-Length: the file's buffer is made that size once rather than doubled as
/// it grows (a 60 MB file would otherwise hold 96 MB for a moment).
pub async fn read_upload(
    mut form: Multipart,
    upload_limit: usize,
    expected: Option<usize>,
) -> sanshe_app::Result<Upload> {
    let too_large = || {
        AppError::limit(
            "file",
            "err-file-too-large-max",
            (upload_limit / (1024 * 1024)) as i64,
        )
    };
    let mut file = None;
    let mut fields = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(|e| match e.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => AppError::field("file", "err-file-unreadable"),
    })? {
        let name = field.name().unwrap_or("").to_string();
        let is_file = name == "file";
        let mut bytes = Vec::new();
        if is_file && let Some(n) = expected {
            bytes.reserve_exact(n.min(upload_limit));
        }
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if !is_file && bytes.len() + chunk.len() > MAX_FORM_FIELD {
                        return Err(AppError::limit(
                            &name,
                            "err-too-long-max",
                            MAX_FORM_FIELD as i64,
                        ));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(too_large());
                }
                Err(_) => return Err(AppError::field("file", "err-file-unreadable")),
            }
        }
        if is_file {
            file = Some(bytes);
        } else if fields.len() < 16 {
            fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    let file = file
        .filter(|f| !f.is_empty())
        .ok_or_else(|| AppError::field("file", "err-required"))?;
    Ok(Upload { file, fields })
}

/// The Content-Length of a request, if it gave one.
pub fn content_length(headers: &axum::http::HeaderMap) -> Option<usize> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// What every upload route does once its caller may upload: takes one of this node's upload
/// slots (none free is `Busy`, 429) and reads the form. The slot is held until the caller drops
/// it, after the import.
pub async fn receive(
    app: &sanshe_app::App,
    headers: &axum::http::HeaderMap,
    form: Multipart,
) -> sanshe_app::Result<(Upload, tokio::sync::OwnedSemaphorePermit)> {
    let slot = app.capacity.upload()?;
    let upload = read_upload(form, app.limits.upload_bytes, content_length(headers)).await?;
    Ok((upload, slot))
}
