//! What a page form sent, kept so that a refused form shows again what was typed: one layer
//! reads an urlencoded body (within the form limit) into `SentForm`, `PageCaller` carries it,
//! and `after_form` hands it to the form's `FormErrors`, which `macros.html`'s `input` reads.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;

/// The pairs of a posted urlencoded form.
#[derive(Clone, Default)]
pub struct SentForm(pub Arc<Vec<(String, String)>>);

/// Reads a posted urlencoded form into `SentForm` and passes the body on unchanged. A body
/// past the form limit is passed on unread beyond it, for the handler's extractor to refuse.
pub async fn keep(req: Request, next: Next) -> Response {
    let urlencoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if *req.method() != Method::POST || !urlencoded {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut read = 0;
    let mut ended = false;
    while read <= crate::FORM_BODY {
        match stream.next().await {
            Some(Ok(chunk)) => {
                read += chunk.len();
                chunks.push(chunk);
            }
            Some(Err(_)) => break,
            None => {
                ended = true;
                break;
            }
        }
    }
    if ended {
        let whole: Vec<u8> = chunks.iter().flat_map(|c| c.iter().copied()).collect();
        parts
            .extensions
            .insert(SentForm(Arc::new(super::pairs(&whole))));
    }
    let rest =
        futures_util::stream::iter(chunks.into_iter().map(Ok::<_, axum::Error>)).chain(stream);
    next.run(Request::from_parts(parts, Body::from_stream(rest)))
        .await
}
