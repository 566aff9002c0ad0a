//! The public volunteer sign-up page (`/volunteer`): no account, a link or QR code leads here.

use super::*;

#[derive(Template)]
#[template(path = "volunteer_apply.html")]
pub(super) struct ApplyPage {
    nav: Nav,
    communities: Vec<(String, String)>,
    skills: Vec<&'static str>,
    form: sanshe_app::volunteers::ApplicationInput,
    errors: FormErrors,
    done: bool,
}

impl ApplyPage {
    /// Whether the form came back with this skill ticked.
    fn chosen(&self, skill: &str) -> bool {
        self.form.skills.iter().any(|s| s == skill)
    }
}

async fn apply_view(
    state: &AppState,
    tr: Tr,
    form: sanshe_app::volunteers::ApplicationInput,
    errors: FormErrors,
    done: bool,
) -> Response {
    let communities = match sanshe_app::volunteers::communities(&state.app).await {
        Ok(c) => c,
        Err(e) => return error_page(tr, &e),
    };
    let rejected = !errors.is_empty();
    render_form(
        &ApplyPage {
            nav: Nav::anonymous(tr, "/volunteer"),
            communities,
            skills: sanshe_app::volunteers::SKILLS.to_vec(),
            form,
            errors,
            done,
        },
        rejected,
    )
}

/// The public sign-up page (no account): a link or QR code leads here.
pub(super) async fn apply_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let tr = Tr::new(request_locale(&headers));
    apply_view(&state, tr, Default::default(), FormErrors::default(), false).await
}

pub(super) async fn submit_application(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let tr = Tr::new(request_locale(&headers));
    let form = pairs(&body);
    let input = sanshe_app::volunteers::ApplicationInput {
        name: value(&form, "name"),
        document_number: value(&form, "document_number"),
        phone: value(&form, "phone"),
        area_id: value(&form, "area_id"),
        skills: values(&form, "skills"),
        availability: value(&form, "availability"),
        organization: value(&form, "organization"),
        consent: value(&form, "consent") == "yes",
    };
    match sanshe_app::volunteers::apply(&state.app, &input).await {
        Ok(_) => apply_view(&state, tr, Default::default(), FormErrors::default(), true).await,
        Err(e @ AppError::Invalid(_)) => {
            let errors = FormErrors::from(&e, tr);
            apply_view(&state, tr, input, errors, false).await
        }
        Err(e) => error_page(tr, &e),
    }
}
