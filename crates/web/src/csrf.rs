//! Cross-site request forgery, checked once for every route of the signed-in pages: a request
//! that could change something (any method but GET and HEAD) from a browser with a session must
//! carry that session's token, or nothing behind it runs. A route added to the session router
//! is covered without a line of its own (`pages::routes`; the test walks every path there).
//!
//! The token comes in the `x-csrf-token` header (the pages' scripts, which send JSON) or as the
//! first field of a form, url-encoded or multipart (every form puts the hidden `csrf` field
//! first, through `templates/csrf_field.html`), so no body is read further to find it.

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sanshe_app::AppError;

use crate::AppState;
use crate::auth::{SESSION_COOKIE, SignedIn, cookie};
use crate::i18n::{Locale, Tr};
use crate::peek::{Peeked, content_type, peek_body};

/// How much of a form is read to find its first field.
const FIRST_FIELD_MAX: usize = 16 * 1024;

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
    let (mut req, sent) = match sent_token(req).await {
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

/// The token the request carries, and the request with its body intact for the handler. Only
/// the start of a form is read (at most `FIRST_FIELD_MAX`), whatever its size: the token is
/// its first field, and the rest streams on to the handler under the route's own body limit.
async fn sent_token(req: Request) -> Result<(Request, String), AppError> {
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
        return first_field(req, first_form_csrf).await;
    }
    if kind.starts_with("multipart/form-data") {
        // The boundary as sent: it is matched against the body byte for byte.
        let raw = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let boundary = boundary(raw).ok_or_else(|| AppError::field("csrf", "err-csrf"))?;
        return first_field(req, |head, _| first_part_csrf(head, &boundary)).await;
    }
    Ok((req, String::new()))
}

/// Reads the body until `token` (given what has arrived and whether that is all) finds the
/// first field, then puts what was read back in front of the rest.
async fn first_field(
    req: Request,
    token: impl Fn(&[u8], bool) -> Option<String>,
) -> Result<(Request, String), AppError> {
    let (req, head, peeked) =
        peek_body(req, FIRST_FIELD_MAX, |head| token(head, false).is_some()).await;
    if peeked == Peeked::Failed {
        return Err(AppError::field("body", "err-file-too-large"));
    }
    let sent = token(&head, peeked == Peeked::Whole);
    Ok((req, sent.unwrap_or_default()))
}

/// The value of a url-encoded form's first field when it is `csrf` and has arrived whole (up to
/// its `&`, or the end); Some("") when the first field is something else.
fn first_form_csrf(head: &[u8], ended: bool) -> Option<String> {
    let first = match head.iter().position(|b| *b == b'&') {
        Some(end) => &head[..end],
        None if ended => head,
        None => return None,
    };
    let pairs = serde_urlencoded::from_bytes::<Vec<(String, String)>>(first).unwrap_or_default();
    Some(match pairs.into_iter().next() {
        Some((key, value)) if key == "csrf" => value,
        _ => String::new(),
    })
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
    fn the_token_is_read_from_the_first_field_of_a_url_encoded_form() {
        assert_eq!(
            first_form_csrf(b"csrf=ab%2Bc&name=x", false),
            Some("ab+c".into())
        );
        assert_eq!(first_form_csrf(b"csrf=abc", false), None, "more may follow");
        assert_eq!(first_form_csrf(b"csrf=abc", true), Some("abc".into()));
        assert_eq!(
            first_form_csrf(b"name=x&csrf=abc", false),
            Some(String::new())
        );
    }

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
