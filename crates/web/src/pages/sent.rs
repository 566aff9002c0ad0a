//! What a page form sent, kept so that a refused form shows again what was typed: one layer
//! reads an urlencoded body (within the form limit) into `SentForm`, `PageCaller` carries it,
//! and `after_form` hands it to the form's `FormErrors`, which `macros.html`'s `input` reads.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

use crate::peek::{Peeked, content_type, peek_body};

/// The pairs of a posted urlencoded form.
#[derive(Clone, Default)]
pub struct SentForm(pub Arc<Vec<(String, String)>>);

/// Reads a posted urlencoded form into `SentForm` and passes the body on unchanged. A body
/// past the form limit is passed on unread beyond it, for the handler's extractor to refuse.
pub async fn keep(req: Request, next: Next) -> Response {
    let urlencoded = content_type(req.headers()).starts_with("application/x-www-form-urlencoded");
    if *req.method() != Method::POST || !urlencoded {
        return next.run(req).await;
    }
    let (mut req, whole, peeked) = peek_body(req, crate::FORM_BODY, |_| false).await;
    if peeked == Peeked::Whole {
        req.extensions_mut()
            .insert(SentForm(Arc::new(super::pairs(&whole))));
    }
    next.run(req).await
}
