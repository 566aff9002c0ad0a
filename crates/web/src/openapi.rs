//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The API description served at `/api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "sanshe API", description = "三社联动 epidemic-response platform: areas, organizations, accounts, registry."),
    paths(
        api::create_session, api::delete_session,
        api::list_areas, api::get_area, api::create_area, api::list_divisions,
        api::list_organizations, api::get_organization, api::update_organization, api::create_organization, api::create_linkage, api::delete_linkage,
        api::list_households, api::get_household,
        api::list_residents, api::create_resident, api::get_resident, api::update_resident, api::reveal_resident,
        api::move_resident, api::merge_residents, api::export_residents,
        api::start_export, api::get_export, api::get_export_file,
        api::import_residents, api::import_template, api::import_users,
        api::list_users, api::create_user, api::create_grant,
        api::delete_grant,
        api::list_audit,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
