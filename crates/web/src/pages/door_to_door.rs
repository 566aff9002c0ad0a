//! The page of a linked organization's social worker going door to door: the buildings handed
//! to them, each door with its latest outcome, and a visit form per door that keeps what was
//! chosen when it is refused.

use sanshe_app::campaigns::{self, DoorSheet};

use super::*;

#[derive(Template)]
#[template(path = "door_to_door.html")]
pub(super) struct DoorToDoorPage {
    nav: Nav,
    sheets: Vec<DoorSheet>,
    /// A visit id per door, made here so a double tap or a resend after a dropped connection
    /// records once.
    visit_ids: std::collections::HashMap<String, String>,
    /// The door whose visit was refused, with the form as sent.
    refused: Option<(String, Vec<(String, String)>)>,
    errors: FormErrors,
    message: Option<String>,
}

impl DoorToDoorPage {
    /// The id this page's visit to `household_id` is recorded under.
    fn visit_id(&self, household_id: &str) -> &str {
        self.visit_ids.get(household_id).map_or("", String::as_str)
    }

    /// The value sent for `key` with the refused form of `household_id`, if it was that door.
    fn sent(&self, household_id: &str, key: &str) -> Option<&str> {
        self.refused
            .as_ref()
            .filter(|(h, _)| h == household_id)
            .and_then(|(_, form)| form.iter().find(|(k, _)| k == key))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the radio `key` = `value` is chosen at this door: as sent after a refusal, else
    /// the default.
    fn chosen(&self, household_id: &str, key: &str, value: &str, default: bool) -> bool {
        match self.sent(household_id, key) {
            Some(v) => v == value,
            None => default,
        }
    }
}

async fn door_to_door_view(
    caller: &PageCaller,
    refused: Option<(String, Vec<(String, String)>)>,
    errors: FormErrors,
    message: Option<String>,
) -> PageResult {
    let sheets = campaigns::door_sheets(caller.app(), &caller.actor).await?;
    let visit_ids = sheets
        .iter()
        .flat_map(|s| &s.doors)
        .map(|d| (d.household_id.clone(), sanshe_app::new_id()))
        .collect();
    let rejected = !errors.is_empty();
    Ok(render_form(
        &DoorToDoorPage {
            nav: Nav::of(caller, "/door-to-door"),
            sheets,
            visit_ids,
            refused,
            errors,
            message,
        },
        rejected,
    ))
}

pub(super) async fn door_to_door_page(caller: PageCaller) -> PageResult {
    door_to_door_view(&caller, None, FormErrors::default(), None).await
}

pub(super) async fn log_door_visit(
    caller: PageCaller,
    Path((campaign_id, household_id)): Path<(String, String)>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = visit_input(&form, &household_id);
    let done = campaigns::visit(caller.app(), &caller.actor, &campaign_id, &input).await;
    after_form(
        &caller,
        done,
        async |_| {
            let saved = Some(caller.tr.t("visit-saved"));
            door_to_door_view(&caller, None, FormErrors::default(), saved).await
        },
        async |errors| {
            let sent = Some((household_id.clone(), form.clone()));
            door_to_door_view(&caller, sent, errors, None).await
        },
    )
    .await
}
