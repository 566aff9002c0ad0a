//! Importing residents from a sheet, and the sheet to fill in.

use axum::Json;
use axum::http::HeaderMap;
use axum::response::Response;
use sanshe_app::AppError;
use sanshe_app::imports;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::auth::ApiCaller;
use crate::error::{ApiError, RequestLocale};
use crate::extract::{Multipart, Query};
use crate::i18n::Tr;

use crate::respond::xlsx;

/// A rejected import row, with the reason in the caller's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRowBody {
    /// Row number as the spreadsheet shows it.
    pub row: usize,
    /// Header of the column.
    pub column: String,
    /// Why.
    pub reason: String,
    /// Stable message id of the reason.
    pub code: String,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// New residents saved.
    pub accepted: usize,
    /// Rows already registered at the same address.
    pub unchanged: usize,
    /// Rows refused.
    pub rejected: Vec<RejectedRowBody>,
}

/// Rejected rows with their reasons in the caller's language.
pub(super) fn rejected_rows(rows: Vec<imports::RejectedRow>, tr: Tr) -> Vec<RejectedRowBody> {
    rows.into_iter()
        .map(|r| RejectedRowBody {
            row: r.row,
            column: r.column,
            reason: tr.t(r.reason),
            code: r.reason.to_string(),
        })
        .collect()
}

/// Turns an import report into the API's shape.
pub fn import_result(report: imports::ImportReport, tr: Tr) -> ImportResult {
    ImportResult {
        accepted: report.accepted,
        unchanged: report.unchanged,
        rejected: rejected_rows(report.rejected, tr),
    }
}

/// Where residents are imported to.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportTarget {
    /// Community, compound or building (may instead be the form field `community`, sent before
    /// the file).
    pub community: Option<String>,
}

/// Imports residents from an .xlsx or .csv (multipart field `file`; the community as a query
/// parameter or a field). The caller's permission and an upload slot are checked before the
/// file is read, and the whole sheet against the limits before anything is saved.
#[utoipa::path(post, path = "/api/v1/imports/residents", tag = "registry", params(ImportTarget),
    request_body(content_type = "multipart/form-data", content = crate::extract::UploadForm),
    responses((status = 200, body = ImportResult)))]
pub async fn import_residents(
    caller: ApiCaller,
    RequestLocale(locale): RequestLocale,
    Query(target): Query<ImportTarget>,
    headers: HeaderMap,
    Multipart(form): Multipart,
) -> ApiResult<Json<ImportResult>> {
    imports::may_import_residents(&caller.actor)?;
    let (upload, _slot) = crate::uploads::receive(caller.app(), &headers, form).await?;
    let community = target
        .community
        .filter(|c| !c.trim().is_empty())
        .unwrap_or_else(|| upload.field("community").to_string());
    if community.trim().is_empty() {
        return Err(ApiError::from(AppError::field("community", "err-required")));
    }
    let report = imports::import_residents(
        caller.app(),
        &caller.actor,
        community.trim(),
        upload.file,
        &|_, _| {},
    )
    .await?;
    Ok(Json(import_result(report, Tr::new(locale))))
}

/// The import template.
#[utoipa::path(get, path = "/api/v1/imports/residents/template.xlsx", tag = "registry", responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")), security(()))]
pub async fn import_template() -> ApiResult<Response> {
    Ok(xlsx(imports::template()?, "residents-template.xlsx"))
}
