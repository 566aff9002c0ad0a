//! Cross-site request forgery, checked once for every route of the signed-in pages: a request
//! that could change something (any method but GET and HEAD) from a browser with a session must
//! carry that session's token, or nothing behind it runs. A route added to the session router
//! is covered without a line of its own (`pages::routes`; the test walks every path there).
//!
//! The token comes in the `x-csrf-token` header (the pages' scripts, which send JSON), in the
//! `csrf` field of a url-encoded form, or in the first part of a multipart form (the upload
//! forms put their hidden `csrf` field first, so the file is not read to find it).

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use sanshe_app::AppError;

use crate::AppState;
use crate::auth::{SESSION_COOKIE, SignedIn, cookie};
use crate::i18n::{Locale, Tr};

/// How much of a multipart body is read to find its first part.
const FIRST_PART_MAX: usize = 16 * 1024;

/// The layer: lets safe methods and requests without a session through (the handler's
/// `PageCaller` sends those to sign in), refuses the rest unless their token is the session's,
/// and hands the checked session to the handler so it is not looked up twice.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let Some(session_token) = cookie(req.headers(), SESSION_COOKIE) else {
        return next.run(req).await;
    };
    let Ok((actor, expected)) =
        sanshe_app::accounts::authenticate(&state.app, &session_token).await
    else {
        return next.run(req).await;
    };
    let locale = Locale::parse(&actor.locale);
    let wants_json = req.headers().contains_key("x-csrf-token");
    let (mut req, sent) = match sent_token(req, state.app.limits.upload_bytes).await {
        Ok(found) => found,
        Err(e) => return refusal(e, locale, wants_json),
    };
    if sent.is_empty() || !same(sent.as_bytes(), expected.as_bytes()) {
        return refusal(AppError::field("csrf", "err-csrf"), locale, wants_json);
    }
    req.extensions_mut().insert(SignedIn {
        actor,
        csrf: expected,
        token: session_token,
    });
    next.run(req).await
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The refusal, as the API's problem document for the scripts and as a page for forms.
fn refusal(error: AppError, locale: Locale, json: bool) -> Response {
    if json {
        crate::error::ApiError::from(error).into_response()
    } else {
        crate::pages::error_page(Tr::new(locale), &error)
    }
}

/// The token the request carries, and the request with its body intact for the handler.
/// A url-encoded body is read whole to find its field, up to `limit` (the largest a route
/// takes: the import report comes back as a form); the handler's own body limit still holds.
async fn sent_token(req: Request, limit: usize) -> Result<(Request, String), AppError> {
    if let Some(sent) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let sent = sent.to_string();
        return Ok((req, sent));
    }
    let kind = content_type(req.headers());
    if kind.starts_with("application/x-www-form-urlencoded") {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, limit.max(crate::FORM_BODY))
            .await
            .map_err(|_| AppError::field("body", "err-file-too-large"))?;
        let sent = form_field(&bytes, "csrf");
        return Ok((Request::from_parts(parts, Body::from(bytes)), sent));
    }
    if kind.starts_with("multipart/form-data") {
        // The boundary as sent: it is matched against the body byte for byte.
        let raw = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let boundary = boundary(raw).ok_or_else(|| AppError::field("csrf", "err-csrf"))?;
        let (parts, body) = req.into_parts();
        let mut stream = body.into_data_stream();
        let mut head: Vec<u8> = Vec::new();
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut sent = None;
        while sent.is_none() && head.len() < FIRST_PART_MAX {
            let Some(chunk) = stream.next().await else {
                break;
            };
            let chunk = chunk.map_err(|_| AppError::field("body", "err-file-too-large"))?;
            head.extend_from_slice(&chunk);
            chunks.push(chunk);
            sent = first_part_csrf(&head, &boundary);
        }
        let rest =
            futures_util::stream::iter(chunks.into_iter().map(Ok::<_, axum::Error>)).chain(stream);
        let req = Request::from_parts(parts, Body::from_stream(rest));
        return Ok((req, sent.unwrap_or_default()));
    }
    Ok((req, String::new()))
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The first value of `name` in a url-encoded body.
fn form_field(body: &[u8], name: &str) -> String {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// The boundary of a multipart content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type
        .split(';')
        .filter_map(|p| {
            let (key, value) = p.trim().split_once('=')?;
            key.eq_ignore_ascii_case("boundary").then_some(value)
        })
        .map(|b| b.trim_matches('"').to_string())
        .find(|b| !b.is_empty())
}

/// The value of the first part when it is the `csrf` field and has arrived whole; Some("") when
/// the first part is something else (no need to read further).
fn first_part_csrf(head: &[u8], boundary: &str) -> Option<String> {
    let opening = format!("--{boundary}\r\n");
    let start = find(head, opening.as_bytes())? + opening.len();
    let headers_end = find(&head[start..], b"\r\n\r\n")? + start;
    let part_headers = String::from_utf8_lossy(&head[start..headers_end]).to_ascii_lowercase();
    if !part_headers.contains("name=\"csrf\"") {
        return Some(String::new());
    }
    let value_start = headers_end + 4;
    let closing = format!("\r\n--{boundary}");
    let value_end = find(&head[value_start..], closing.as_bytes())? + value_start;
    Some(String::from_utf8_lossy(&head[value_start..value_end]).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_first_part_of_a_multipart_form() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n1,2\r\n--XyZ--\r\n";
        assert_eq!(first_part_csrf(body, "XyZ"), Some("abc123".into()));
        assert_eq!(
            first_part_csrf(body, "xyz"),
            None,
            "the boundary is matched as sent"
        );
        assert_eq!(
            first_part_csrf(&body[..60], "XyZ"),
            None,
            "not arrived whole yet"
        );
        let file_first = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n";
        assert_eq!(first_part_csrf(file_first, "XyZ"), Some(String::new()));
        assert_eq!(
            boundary("multipart/form-data; boundary=\"----webkit1\""),
            Some("----webkit1".into())
        );
    }
}
