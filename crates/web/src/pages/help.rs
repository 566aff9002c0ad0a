//! The resident's errand receipt page (`/h/{token}`): where the errand is, and a button to
//! confirm once it is delivered. No account: the token is the key.

use super::*;

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptView {
    tr: Tr,
    page: sanshe_app::help::ReceiptPage,
    error: Option<String>,
}

fn receipt_response(
    tr: Tr,
    page: sanshe_app::help::ReceiptPage,
    error: Option<String>,
) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let mut resp = render(&ReceiptView { tr, page, error });
    *resp.status_mut() = status;
    // The token is the key to the page: keep it out of caches.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp
}

/// A resident's receipt link: where their errand is, and, once delivered, a button to confirm.
pub(super) async fn receipt_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    match sanshe_app::help::receipt_page(&state.app, &token).await {
        Ok(page) => receipt_response(tr, page, None),
        Err(e) => error_page(tr, &e),
    }
}

pub(super) async fn confirm_receipt(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    match sanshe_app::help::confirm_receipt(&state.app, &token).await {
        Ok(page) => receipt_response(tr, page, None),
        Err(AppError::Invalid(f)) => match sanshe_app::help::receipt_page(&state.app, &token).await
        {
            Ok(page) => {
                let msg =
                    f.0.iter()
                        .map(|x| tr.t(x.key))
                        .collect::<Vec<_>>()
                        .join("；");
                receipt_response(tr, page, Some(msg))
            }
            Err(e) => error_page(tr, &e),
        },
        Err(e) => error_page(tr, &e),
    }
}
