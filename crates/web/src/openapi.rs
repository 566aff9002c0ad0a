//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, OpenApi};

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

/// The bearer token, which every operation needs but those whose handler declares
/// `security(())`, and the errors any operation can answer, as problem documents: 401 without
/// a valid bearer token and 403 (secured operations), 404 for what is not there or not the
/// caller's to see, 422 for a body or query that does not pass, 429 when a budget or this
/// node's capacity is spent. Every problem is declared `application/problem+json`, which is
/// what it is sent as.
pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |why: &str| {
            ResponseBuilder::new()
                .description(why)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                // Every operation needs the bearer token unless its handler says
                // `security(())`: a new handler cannot be documented as open by forgetting.
                op.security = match op.security.take() {
                    None => Some(vec![SecurityRequirement::new(
                        "bearer",
                        Vec::<String>::new(),
                    )]),
                    Some(open) if open.iter().all(|r| *r == SecurityRequirement::default()) => None,
                    Some(declared) => Some(declared),
                };
                let secured = op.security.is_some();
                let responses = &mut op.responses.responses;
                for (code, why) in [
                    ("404", "Not found, or not the caller's to see"),
                    (
                        "422",
                        "A field, the body or the query did not pass; each error names its field",
                    ),
                    (
                        "429",
                        "Too many attempts or this server is busy; see Retry-After",
                    ),
                ]
                .into_iter()
                .chain(secured.then_some(("401", "No valid bearer token")))
                .chain(secured.then_some(("403", "The caller's role may not do this here")))
                {
                    responses
                        .entry(code.to_string())
                        .or_insert_with(|| problem(why).into());
                }
                // Declared with `body = Problem`, they would say application/json.
                for response in responses.values_mut() {
                    if let utoipa::openapi::RefOr::T(r) = response
                        && let Some(content) = r.content.shift_remove("application/json")
                    {
                        let is_problem = matches!(
                            &content.schema,
                            Some(utoipa::openapi::RefOr::Ref(x)) if x.ref_location.ends_with("/Problem")
                        );
                        let kind = if is_problem {
                            "application/problem+json"
                        } else {
                            "application/json"
                        };
                        r.content.insert(kind.to_string(), content);
                    }
                }
            }
        }
    }
}

/// What the API description says beyond its operations (those come from the router, see
/// `router`): its title, the bearer scheme, and the problem document every error answers with.
#[derive(OpenApi)]
#[openapi(
    info(title = "sanshe API", description = "三社联动 epidemic-response platform: areas, organizations, accounts, registry, campaigns, arrivals and contacts, isolation and health reports, alerts and webhooks, gates, rotas, errands, volunteers."),
    components(schemas(crate::error::Problem, crate::error::FieldProblem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
