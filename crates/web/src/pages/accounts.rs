//! User management pages: the list, new users, onboarding from a sheet.

use super::*;

#[derive(Template)]
#[template(path = "users.html")]
pub(super) struct UsersPage {
    nav: Nav,
    /// A page of them, by user name.
    users: Vec<UserView>,
    /// How many the search finds.
    total: i64,
    q: String,
    q_error: Option<String>,
    pager: Pager,
    /// The export of this list, its search kept.
    export: String,
    /// The places a role can be granted over.
    places: sanshe_app::areas::PlaceChoices,
    organizations: Vec<OrganizationView>,
    /// The new-user form's and the import's errors.
    errors: FormErrors,
    /// The user a role is being added to (one form for the page, opened from their row), and
    /// that form's errors.
    grant_to: Option<UserView>,
    grant_errors: FormErrors,
    /// This page's cursor and query (search and cursor), for the rows' "add a role" links.
    after: Option<String>,
    here: String,
    onboarded: Option<(Vec<sanshe_app::imports::OnboardedUser>, Vec<ShownRejection>)>,
    /// A one-time password just made: (user name, password), shown this once.
    reset: Option<(String, String)>,
}

/// Which users the list shows: those whose names hold `q`, after the user name `after`.
#[derive(Deserialize, Default)]
pub(super) struct UsersQuery {
    q: Option<String>,
    after: Option<String>,
    /// Open the form that adds a role to this user (on this page).
    grant_to: Option<String>,
}

impl UsersPage {
    /// This page again with the form that adds a role to the user `id` open.
    fn grant_link(&self, id: &str) -> String {
        let sep = if self.here.is_empty() { "" } else { "&" };
        format!(
            "/users?{}{sep}grant_to={}#add-grant",
            self.here,
            urlencode(id)
        )
    }
}

/// Users on one page of the list.
const USERS_PER_PAGE: i64 = 100;

pub(super) async fn users_view(caller: &PageCaller, errors: FormErrors) -> PageResult {
    users_view_with(caller, &UsersQuery::default(), errors, None, None).await
}

pub(super) async fn users_view_with(
    caller: &PageCaller,
    search: &UsersQuery,
    errors: FormErrors,
    onboarded: Option<(Vec<sanshe_app::imports::OnboardedUser>, Vec<ShownRejection>)>,
    reset: Option<(String, String)>,
) -> PageResult {
    let (q, after) = (search.q.as_deref(), search.after.as_deref());
    let filter = sanshe_app::accounts::UserFilter {
        q: search.q.clone(),
        after: search.after.clone(),
        limit: Some(USERS_PER_PAGE),
    };
    let (page, q_error) =
        match sanshe_app::accounts::list_users(caller.app(), &caller.actor, &filter).await {
            Ok(page) => (page, None),
            Err(AppError::Invalid(f)) => (
                sanshe_app::cursor::Page::empty(),
                f.0.first().map(|x| caller.tr.field(x)),
            ),
            Err(e) => return Err(e.into()),
        };
    let pager = Pager::by_cursor("/users", &[("q", q)], "after", after, page.next.as_deref());
    let (users, total) = (page.items, page.total);
    let export = link_to("/users/export.xlsx", &[("q", q)]);
    let here = query_string(&[("q", q), ("after", after)]);
    let grant_to = search
        .grant_to
        .as_deref()
        .and_then(|id| users.iter().find(|u| u.id == id))
        .cloned();
    let (errors, grant_errors) = if grant_to.is_some() {
        (FormErrors::default(), errors)
    } else {
        (errors, FormErrors::default())
    };
    let places = sanshe_app::areas::place_choices(caller.app(), &caller.actor).await?;
    let organizations = sanshe_app::organizations::choices(caller.app(), &caller.actor).await?;
    let rejected = !errors.is_empty() || !grant_errors.is_empty();
    Ok(render_form(
        &UsersPage {
            nav: Nav::of(caller, "/users"),
            users,
            total,
            q: q.unwrap_or_default().to_string(),
            q_error,
            pager,
            export,
            places,
            organizations,
            errors,
            grant_to,
            grant_errors,
            after: after.map(String::from),
            here,
            onboarded,
            reset,
        },
        rejected,
    ))
}

pub(super) async fn users_page(caller: PageCaller, Query(q): Query<UsersQuery>) -> PageResult {
    users_view_with(&caller, &q, FormErrors::default(), None, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UserForm {
    username: String,
    display_name: String,
    password: String,
    role: String,
    area_id: String,
    organization_id: String,
}

pub(super) async fn create_user(caller: PageCaller, Form(f): Form<UserForm>) -> PageResult {
    let target = match grant_target(&f.role, &f.area_id, &f.organization_id) {
        Ok(t) => t,
        Err(e) => {
            return users_view(
                &caller,
                FormErrors::from(&e, caller.tr).keeping(caller.sent()),
            )
            .await;
        }
    };
    after_form(
        &caller,
        sanshe_app::accounts::create_user(
            caller.app(),
            &caller.actor,
            &f.username,
            &f.display_name,
            &f.password,
            &f.role,
            target,
        )
        .await,
        async |_| Ok(Redirect::to("/users").into_response()),
        async |errors| users_view(&caller, errors).await,
    )
    .await
}

pub(super) async fn onboard_users(
    caller: PageCaller,
    headers: HeaderMap,
    Multipart(form): Multipart,
) -> PageResult {
    sanshe_app::imports::may_import_users(&caller.actor)?;
    let (upload, _slot) = crate::uploads::receive(caller.app(), &headers, form).await?;
    after_form(
        &caller,
        sanshe_app::imports::import_users(caller.app(), &caller.actor, upload.file).await,
        async |report| {
            let rejected = report
                .rejected
                .iter()
                .map(|r| ShownRejection {
                    row: r.row,
                    column: r.column.clone(),
                    reason: caller.tr.t(r.reason),
                })
                .collect();
            users_view_with(
                &caller,
                &UsersQuery::default(),
                FormErrors::default(),
                Some((report.created, rejected)),
                None,
            )
            .await
        },
        async |errors| users_view(&caller, errors).await,
    )
    .await
}

/// The users of the list (its search too) as a sheet: every page of them.
pub(super) async fn export_users(caller: PageCaller, Query(q): Query<UsersQuery>) -> PageResult {
    let tr = caller.tr;
    let (app, actor) = (caller.app(), &caller.actor);
    let header = ["username", "display-name", "role"].map(|k| tr.t(k));
    let mut sheet = caller.sheet("users", &header)?;
    let words = q.q.as_deref();
    sheet
        .push_pages(|after| async move {
            let filter = sanshe_app::accounts::UserFilter {
                q: words.map(String::from),
                after,
                limit: Some(500),
            };
            let page = sanshe_app::accounts::list_users(app, actor, &filter).await?;
            let next = page.next;
            let rows = page
                .items
                .into_iter()
                .map(|u| {
                    let grants = u
                        .grants
                        .iter()
                        .map(|g| format!("{} @ {}", tr.of("role-", g.role), g.scope_name))
                        .collect::<Vec<_>>()
                        .join("；");
                    vec![u.username, u.display_name, grants]
                })
                .collect();
            Ok((rows, next))
        })
        .await?;
    Ok(sheet.send("users.xlsx").await?)
}

pub(super) async fn revoke_grant(
    caller: PageCaller,
    Path((id, grant_id)): Path<(String, String)>,
) -> PageResult {
    sanshe_app::accounts::revoke_grant(caller.app(), &caller.actor, &id, &grant_id).await?;
    Ok(Redirect::to("/users").into_response())
}

/// Where a role chosen on the page is granted: an area for an area role, else an organization.
fn grant_target(role: &str, area_id: &str, organization_id: &str) -> Result<GrantTarget, AppError> {
    let area_role = Role::parse(role).map(|r| r.is_area_role()).unwrap_or(true);
    match (area_role, area_id.is_empty(), organization_id.is_empty()) {
        (true, false, _) => Ok(GrantTarget::Area(area_id.to_string())),
        (false, _, false) => Ok(GrantTarget::Organization(organization_id.to_string())),
        (true, true, _) => Err(AppError::field("area_id", "err-role-needs-area")),
        (false, _, true) => Err(AppError::field("area_id", "err-role-needs-organization")),
    }
}

/// A role for an existing user, from the users page.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct GrantForm {
    role: String,
    area_id: String,
    organization_id: String,
    /// The list's search and page the form was opened on, to come back to.
    q: Option<String>,
    after: Option<String>,
}

pub(super) async fn add_grant(
    caller: PageCaller,
    Path(id): Path<String>,
    Form(f): Form<GrantForm>,
) -> PageResult {
    let done = match grant_target(&f.role, &f.area_id, &f.organization_id) {
        Ok(target) => {
            sanshe_app::accounts::grant_role(caller.app(), &caller.actor, &id, &f.role, target)
                .await
        }
        Err(e) => Err(e),
    };
    after_form(
        &caller,
        done,
        async |_| {
            let here = query_string(&[("q", f.q.as_deref()), ("after", f.after.as_deref())]);
            let back = if here.is_empty() {
                "/users".into()
            } else {
                format!("/users?{here}")
            };
            Ok(Redirect::to(&back).into_response())
        },
        async |errors| {
            let search = UsersQuery {
                q: f.q.clone(),
                after: f.after.clone(),
                grant_to: Some(id.clone()),
            };
            users_view_with(&caller, &search, errors, None, None).await
        },
    )
    .await
}

/// Resets a user's password; the page shows the one-time password this once.
pub(super) async fn reset_user_password(caller: PageCaller, Path(id): Path<String>) -> PageResult {
    let reset = sanshe_app::accounts::reset_password(caller.app(), &caller.actor, &id).await?;
    let shown = Some((reset.username, reset.password));
    let search = UsersQuery::default();
    let mut resp = users_view_with(&caller, &search, FormErrors::default(), None, shown).await?;
    no_store(&mut resp);
    Ok(resp)
}

/// Deactivates (`deactivate`) or reactivates (`reactivate`) a user from the users page.
pub(super) async fn set_user_active(
    caller: PageCaller,
    Path((id, change)): Path<(String, String)>,
) -> PageResult {
    let active = match change.as_str() {
        "reactivate" => true,
        "deactivate" => false,
        _ => return Err(AppError::NotFound.into()),
    };
    sanshe_app::accounts::set_user_active(caller.app(), &caller.actor, &id, active).await?;
    Ok(Redirect::to("/users").into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
pub(super) struct AccountPage {
    nav: Nav,
    errors: FormErrors,
    message: Option<String>,
}

fn account_view(caller: &PageCaller, errors: FormErrors, message: Option<String>) -> Response {
    let rejected = !errors.is_empty();
    render_form(
        &AccountPage {
            nav: Nav::of(caller, "/account"),
            errors,
            message,
        },
        rejected,
    )
}

/// My account: change the password, sign out everywhere.
pub(super) async fn account_page(caller: PageCaller) -> PageResult {
    let first = caller
        .actor
        .must_change_password
        .then(|| caller.tr.t("password-first"));
    Ok(account_view(&caller, FormErrors::default(), first))
}

pub(super) async fn change_password(caller: PageCaller, FormPairs(form): FormPairs) -> PageResult {
    let done = sanshe_app::accounts::change_password(
        caller.app(),
        &caller.actor,
        Some(&caller.token),
        &value(&form, "current_password"),
        &value(&form, "new_password"),
    )
    .await;
    after_form(
        &caller,
        done,
        async |()| {
            Ok(account_view(
                &caller,
                FormErrors::default(),
                Some(caller.tr.t("password-changed")),
            ))
        },
        async |errors| Ok(account_view(&caller, errors, None)),
    )
    .await
}

/// Signs out on every device, then to the sign-in page.
pub(super) async fn sign_out_everywhere(caller: PageCaller) -> PageResult {
    sanshe_app::accounts::sign_out_everywhere(caller.app(), &caller.actor).await?;
    Ok(Redirect::to("/login").into_response())
}
