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
    info(title = "sanshe API", description = "三社联动 epidemic-response platform: areas, organizations, accounts, registry, campaigns, arrivals and contacts, isolation and health reports, alerts and webhooks, gates."),
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
        api::campaigns::list_campaigns, api::campaigns::create_campaign, api::campaigns::get_campaign,
        api::campaigns::list_visits, api::campaigns::create_visit, api::campaigns::get_coverage,
        api::campaigns::list_arrivals, api::campaigns::create_arrival,
        api::campaigns::list_contacts, api::campaigns::create_contact,
        api::isolation::list_isolations, api::isolation::create_isolation, api::isolation::get_isolation,
        api::isolation::release_isolation, api::isolation::extend_isolation, api::isolation::assign_isolation,
        api::isolation::set_follow_up, api::isolation::renew_link, api::isolation::revoke_link,
        api::isolation::create_report, api::isolation::get_board,
        api::alerts::list_alerts, api::alerts::get_alert, api::alerts::acknowledge_alert, api::alerts::resolve_alert,
        api::alerts::list_webhooks, api::alerts::create_webhook, api::alerts::update_webhook,
        api::gates::list_gates, api::gates::create_gate, api::gates::set_policy, api::gates::gate_traffic, api::gates::area_traffic,
        api::gates::list_passes, api::gates::issue_passes, api::gates::revoke_pass, api::gates::pass_qr,
        api::gates::create_scan, api::gates::list_visitors, api::gates::create_visitor,
        api::rotas::list_posts, api::rotas::create_post, api::rotas::make_shifts, api::rotas::make_area_shifts, api::rotas::get_rota, api::rotas::get_gaps, api::rotas::get_cover, api::rotas::get_reminders, api::rotas::get_hours_totals, api::rotas::offer_shift, api::rotas::keep_shift, api::rotas::take_over_shift,
        api::rotas::take_shift, api::rotas::assign_shift, api::rotas::drop_shift,
        api::rotas::check_in, api::rotas::check_out, api::rotas::get_hours,
        api::help::list_help, api::help::create_help, api::help::step_help,
        api::volunteers::apply, api::volunteers::list_applications, api::volunteers::decide,
        api::volunteers::list_volunteers, api::volunteers::list_reserve, api::volunteers::deploy, api::volunteers::recall,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
