//! The page of a linked organization's social worker who follows people in home isolation up
//! by phone: each person masked, their last reading, and a report form that keeps what was
//! typed when it is refused.

use sanshe_app::isolation::{self, EpisodeView};
use sanshe_core::isolation::Symptom;

use super::*;

/// One person on the page, with what was typed into their form when it was refused.
pub(super) struct FollowUpItem {
    e: EpisodeView,
    /// The temperature as typed, after a refusal of this person's report.
    typed: Option<String>,
    /// Each symptom and whether it is ticked.
    symptoms: Vec<(&'static str, bool)>,
}

#[derive(Template)]
#[template(path = "follow_ups.html")]
pub(super) struct FollowUpsPage {
    nav: Nav,
    items: Vec<FollowUpItem>,
    errors: FormErrors,
    message: Option<String>,
}

async fn follow_ups_view(
    caller: &PageCaller,
    failed: Option<(String, String, Vec<String>)>,
    errors: FormErrors,
    message: Option<String>,
) -> PageResult {
    let items = isolation::follow_ups(caller.app(), &caller.actor).await?;
    let items = items
        .into_iter()
        .map(|e| {
            let refused = failed.as_ref().filter(|f| f.0 == e.id);
            FollowUpItem {
                typed: refused.map(|f| f.1.clone()),
                symptoms: Symptom::ALL
                    .iter()
                    .map(|s| {
                        let ticked = refused.is_some_and(|f| f.2.iter().any(|x| x == s.as_str()));
                        (s.as_str(), ticked)
                    })
                    .collect(),
                e,
            }
        })
        .collect();
    let rejected = !errors.is_empty();
    Ok(render_form(
        &FollowUpsPage {
            nav: Nav::of(caller, "/follow-ups"),
            items,
            errors,
            message,
        },
        rejected,
    ))
}

pub(super) async fn follow_ups_page(caller: PageCaller) -> PageResult {
    follow_ups_view(&caller, None, FormErrors::default(), None).await
}

pub(super) async fn submit_follow_up_report(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = super::isolation::report_input(&form);
    let done = isolation::report_by_worker(caller.app(), &caller.actor, &id, &input).await;
    after_form(
        &caller,
        done,
        async |_| {
            let saved = Some(caller.tr.t("report-saved"));
            follow_ups_view(&caller, None, FormErrors::default(), saved).await
        },
        async |errors| {
            let typed = (
                id.clone(),
                input.temperature.clone(),
                input.symptoms.clone(),
            );
            follow_ups_view(&caller, Some(typed), errors, None).await
        },
    )
    .await
}
