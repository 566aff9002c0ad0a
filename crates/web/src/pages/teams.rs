//! A team's page for its leader (and its organization's admin): the members with their shifts of
//! the coming week, and the open shifts where the leader serves, to book a member into.

use sanshe_app::organizations::{self, OpenShift, TeamView};

use super::*;

#[derive(Template)]
#[template(path = "team.html")]
pub(super) struct TeamPage {
    nav: Nav,
    team: TeamView,
    open: Vec<OpenShift>,
    errors: FormErrors,
    /// What was sent, after a refusal.
    sent: (String, String),
    message: Option<String>,
}

impl TeamPage {
    /// A shift's span as people read it: `12-01 08:00–16:00`.
    fn span(&self, s: &OpenShift) -> String {
        let start = s.starts.get(5..).unwrap_or(&s.starts);
        let end = match (s.starts.get(..10), s.ends.get(..10), s.ends.get(11..)) {
            (Some(a), Some(b), Some(time)) if a == b => time,
            _ => s.ends.get(5..).unwrap_or(&s.ends),
        };
        format!("{start}–{end}")
    }
}

#[derive(Deserialize, Default)]
pub(super) struct TeamQuery {
    done: Option<String>,
}

async fn team_view(
    caller: &PageCaller,
    id: &str,
    errors: FormErrors,
    sent: (String, String),
    message: Option<String>,
) -> PageResult {
    let team = organizations::team(caller.app(), &caller.actor, id).await?;
    let open = organizations::open_shifts_for_team(caller.app(), &caller.actor, id).await?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &TeamPage {
            nav: Nav::of(caller, &format!("/teams/{id}")),
            team,
            open,
            errors,
            sent,
            message,
        },
        rejected,
    ))
}

pub(super) async fn team_page(
    caller: PageCaller,
    Path(id): Path<String>,
    Query(q): Query<TeamQuery>,
) -> PageResult {
    let message = q
        .done
        .filter(|d| d == "booked")
        .map(|_| caller.tr.t("team-booked"));
    team_view(
        &caller,
        &id,
        FormErrors::default(),
        Default::default(),
        message,
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct BookingForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    shift_id: String,
}

pub(super) async fn book_member(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<BookingForm>,
) -> PageResult {
    let outcome =
        organizations::book_team_member(caller.app(), &caller.actor, &id, &f.shift_id, &f.user_id)
            .await;
    after_form(
        &caller,
        outcome,
        async |_| Ok(Redirect::to(&format!("/teams/{id}?done=booked")).into_response()),
        async |errors| {
            team_view(
                &caller,
                &id,
                errors,
                (f.user_id.clone(), f.shift_id.clone()),
                None,
            )
            .await
        },
    )
    .await
}

/// An organization's admin makes a team from its page; the form's fields keep their values and a
/// rejected name is said under the team form (not the organization's own name field).
pub(super) async fn create_team(
    caller: PageCaller,
    Path(id): Path<String>,
    FormPairs(form): FormPairs,
) -> PageResult {
    let input = organizations::TeamInput {
        organization_id: id.clone(),
        name: value(&form, "team_name"),
        leader_id: Some(value(&form, "leader_id")).filter(|l| !l.is_empty()),
        member_ids: values(&form, "member_ids"),
    };
    let outcome = organizations::create_team(caller.app(), &caller.actor, &input)
        .await
        .map_err(|e| match e {
            sanshe_app::AppError::Invalid(mut errors) => {
                for f in &mut errors.0 {
                    if f.field == "name" {
                        f.field = "team_name".into();
                    }
                }
                sanshe_app::AppError::Invalid(errors)
            }
            other => other,
        });
    after_form(
        &caller,
        outcome,
        async |t| Ok(Redirect::to(&format!("/teams/{}", t.id)).into_response()),
        async |errors| {
            let everyone = sanshe_app::cursor::NameSearch::default();
            super::organizations::organization_view(&caller, &id, errors, &everyone).await
        },
    )
    .await
}
