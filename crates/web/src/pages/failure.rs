//! Why a page handler stopped, and the one place that turns an application error into the
//! error page: handlers use `?` on the use cases as the API's do, and `frame_errors` renders
//! the error in the caller's language, inside their signed-in frame when there is one.

use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use sanshe_app::AppError;
use sanshe_app::accounts::Actor;

use super::{ErrorPage, Nav, error_details, error_page};
use crate::auth::request_locale;
use crate::error::classify;
use crate::i18n::{Locale, Tr};

/// Why a page handler stopped: an application error (shown by `frame_errors`), or an answer
/// of its own such as a redirect or a page already rendered.
pub enum PageFailure {
    /// An error of a use case.
    App(AppError),
    /// A response to send as it is.
    Answer(Response),
}

impl From<AppError> for PageFailure {
    fn from(e: AppError) -> Self {
        PageFailure::App(e)
    }
}

impl From<Response> for PageFailure {
    fn from(r: Response) -> Self {
        PageFailure::Answer(r)
    }
}

/// The error a response stands for, left for `frame_errors` to render.
#[derive(Clone)]
struct Failed(Arc<AppError>);

impl IntoResponse for PageFailure {
    fn into_response(self) -> Response {
        match self {
            PageFailure::Answer(r) => r,
            PageFailure::App(e) => {
                // Only the status and a line here; `frame_errors` writes (and logs) the page.
                let (status, key) = classify(&e);
                let mut resp = (status, Tr::new(Locale::default()).t(key)).into_response();
                resp.extensions_mut().insert(Failed(Arc::new(e)));
                resp
            }
        }
    }
}

/// Who the signed-in caller of a request is, filled in by `PageCaller` when it is extracted,
/// so an error page can carry their menu.
#[derive(Clone, Default)]
pub struct ErrorFrame(Arc<Mutex<Option<Frame>>>);

struct Frame {
    actor: Actor,
    csrf: String,
    tr: Tr,
}

impl ErrorFrame {
    /// Remembers the signed-in caller of this request.
    pub fn set(&self, actor: &Actor, csrf: &str, tr: Tr) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(Frame {
                actor: actor.clone(),
                csrf: csrf.to_string(),
                tr,
            });
        }
    }
}

/// The layer over every page route: renders a handler's application error as the error page,
/// in the signed-in frame when the handler had a caller (whose session, if it has just ended,
/// sends them to sign in), else in the request's language.
pub async fn frame_errors(mut req: Request, next: Next) -> Response {
    let frame = ErrorFrame::default();
    let tr = Tr::new(request_locale(req.headers()));
    req.extensions_mut().insert(frame.clone());
    let resp = next.run(req).await;
    let Some(Failed(e)) = resp.extensions().get::<Failed>().cloned() else {
        return resp;
    };
    let signed_in = frame.0.lock().ok().and_then(|mut f| f.take());
    let Some(Frame { actor, csrf, tr }) = signed_in else {
        return error_page(tr, &e);
    };
    if matches!(*e, AppError::Unauthorized) {
        return Redirect::to("/login").into_response();
    }
    let mut framed = error_page(tr, &e);
    let page = ErrorPage {
        nav: Nav::framed(&actor, &csrf, tr, "/"),
        message: tr.t(classify(&e).1),
        details: error_details(tr, &e),
    };
    if let Ok(html) = page.render() {
        let status = framed.status();
        let retry = framed.headers().get(header::RETRY_AFTER).cloned();
        framed = Html(html).into_response();
        *framed.status_mut() = status;
        if let Some(r) = retry {
            framed.headers_mut().insert(header::RETRY_AFTER, r);
        }
    }
    framed
}
