//! User management pages: the list, new users, onboarding from a sheet.

use super::*;

#[derive(Template)]
#[template(path = "users.html")]
pub(super) struct UsersPage {
    nav: Nav,
    users: Vec<UserView>,
    roles: Vec<&'static str>,
    areas: Vec<AreaView>,
    organizations: Vec<OrganizationView>,
    errors: FormErrors,
    onboarded: Option<(Vec<sanshe_app::imports::OnboardedUser>, Vec<ShownRejection>)>,
}

pub(super) async fn users_view(
    state: &AppState,
    caller: &PageCaller,
    errors: FormErrors,
) -> PageResult {
    users_view_with(state, caller, errors, None).await
}

pub(super) async fn users_view_with(
    state: &AppState,
    caller: &PageCaller,
    errors: FormErrors,
    onboarded: Option<(Vec<sanshe_app::imports::OnboardedUser>, Vec<ShownRejection>)>,
) -> PageResult {
    let users = sanshe_app::accounts::list_users(&state.app, &caller.actor)
        .await
        .or_page(caller)?;
    let areas = upper_areas(state, caller).await?;
    let organizations = sanshe_app::organizations::list(&state.app, &caller.actor)
        .await
        .or_page(caller)?;
    let rejected = !errors.is_empty();
    Ok(render_form(
        &UsersPage {
            nav: Nav::of(caller, "/users"),
            users,
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            areas,
            organizations,
            errors,
            onboarded,
        },
        rejected,
    ))
}

pub(super) async fn users_page(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    users_view(&state, &caller, FormErrors::default()).await
}

#[derive(Deserialize)]
pub(super) struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    organization_id: String,
}

pub(super) async fn create_user(
    State(state): State<AppState>,
    caller: PageCaller,
    Form(f): Form<UserForm>,
) -> PageResult {
    let is_area_role = Role::parse(&f.role)
        .map(|r| r.is_area_role())
        .unwrap_or(true);
    let target = match (
        is_area_role,
        f.area_id.is_empty(),
        f.organization_id.is_empty(),
    ) {
        (true, false, _) => GrantTarget::Area(f.area_id.clone()),
        (false, _, false) => GrantTarget::Organization(f.organization_id.clone()),
        (true, true, _) => {
            return users_view(
                &state,
                &caller,
                FormErrors::from(
                    &AppError::field("area_id", "err-role-needs-area"),
                    caller.tr,
                ),
            )
            .await;
        }
        (false, _, true) => {
            return users_view(
                &state,
                &caller,
                FormErrors::from(
                    &AppError::field("area_id", "err-role-needs-organization"),
                    caller.tr,
                ),
            )
            .await;
        }
    };
    after_form(
        &caller,
        sanshe_app::accounts::create_user(
            &state.app,
            &caller.actor,
            &f.username,
            &f.display_name,
            &f.password,
            &f.role,
            target,
        )
        .await,
        async |_| Ok(Redirect::to("/users").into_response()),
        async |errors| users_view(&state, &caller, errors).await,
    )
    .await
}

pub(super) async fn onboard_users(
    State(state): State<AppState>,
    caller: PageCaller,
    headers: HeaderMap,
    form: Multipart,
) -> PageResult {
    sanshe_app::imports::may_import_users(&caller.actor).or_page(&caller)?;
    let (upload, _slot) = crate::uploads::receive(&state.app, &headers, form)
        .await
        .or_page(&caller)?;
    after_form(
        &caller,
        sanshe_app::imports::import_users(&state.app, &caller.actor, upload.file).await,
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
                &state,
                &caller,
                FormErrors::default(),
                Some((report.created, rejected)),
            )
            .await
        },
        async |errors| users_view(&state, &caller, errors).await,
    )
    .await
}

pub(super) async fn export_users(State(state): State<AppState>, caller: PageCaller) -> PageResult {
    let tr = caller.tr;
    let users = sanshe_app::accounts::list_users(&state.app, &caller.actor)
        .await
        .or_page(&caller)?;
    let rows = users
        .into_iter()
        .map(|u| {
            let grants = u
                .grants
                .iter()
                .map(|g| format!("{} @ {}", tr.of("role-", &g.role), g.scope_name))
                .collect::<Vec<_>>()
                .join("；");
            vec![u.username, u.display_name, grants]
        })
        .collect();
    let header = ["username", "display-name", "role"].map(|k| tr.t(k));
    sheet_download(&caller, "users", &header, rows, "users.xlsx")
}

pub(super) async fn revoke_grant(
    State(state): State<AppState>,
    caller: PageCaller,
    Path((id, grant_id)): Path<(String, String)>,
) -> PageResult {
    sanshe_app::accounts::revoke_grant(&state.app, &caller.actor, &id, &grant_id)
        .await
        .or_page(&caller)?;
    Ok(Redirect::to("/users").into_response())
}
