//! Volunteers: applications from the public sign-up page, vetting, and deployment of the
//! approved to their community (DESIGN.md M9, issue 5). An approved volunteer gets an account
//! whose area grant is their deployment (see `rotas`).

use rand::Rng;
use sanshe_core::accounts::{Action, Role, Target};
use sanshe_core::areas::AreaKind;
use sanshe_core::identity::MainlandId;
use sanshe_core::phone::Phone;
use sanshe_core::volunteers::{Vetting, VolunteerNumber};
use sanshe_store::volunteers::{self as store, ApplicationRow};
use sanshe_store::{Conn, accounts as account_store, areas as area_store, new_id};
use std::collections::HashMap;

use crate::accounts::Actor;
use crate::audit::{self, Subject};
use crate::cursor::Page;
use crate::{App, AppError, Result, local_time};

/// Skills an applicant may offer.
pub const SKILLS: [&str; 6] = [
    "counselling",
    "medical",
    "driving",
    "languages",
    "logistics",
    "computers",
];

/// What the public sign-up form sends.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    /// Name.
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// Mainland ID number.
    #[schema(pattern = "^[0-9]{17}[0-9Xx]$")]
    pub document_number: String,
    /// Mobile phone.
    #[schema(max_length = 20)]
    pub phone: String,
    /// The community they live in.
    #[schema(max_length = 64)]
    pub area_id: String,
    /// Skills (keys of `SKILLS`).
    #[serde(default)]
    #[schema(max_items = 16)]
    pub skills: Vec<String>,
    /// When they can serve, in their words.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub availability: String,
    /// Their organization, if any.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub organization: String,
    /// Their number in the national volunteer service system, for those already registered
    /// there (6–32 letters, digits or hyphens).
    #[serde(default)]
    #[schema(max_length = 128)]
    pub volunteer_number: String,
    /// Agreed to the privacy notice.
    #[serde(default)]
    pub consent: bool,
}

/// An application as a vetter sees it (numbers masked).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    /// Id.
    pub id: String,
    /// Community id.
    pub area_id: String,
    /// That community's name, for a vetter over many communities to see where they would serve.
    pub community: String,
    /// Name.
    pub name: String,
    /// ID number, masked.
    pub document: String,
    /// Phone, masked.
    pub phone: String,
    /// Skills.
    pub skills: Vec<String>,
    /// Availability.
    pub availability: String,
    /// Organization.
    pub organization: String,
    /// `pending`, `more_info`, `approved`, `declined`.
    pub status: sanshe_core::volunteers::Vetting,
    /// Why declined, or what more is needed.
    pub decision_note: Option<String>,
    /// Applied, YYYY-MM-DD HH:MM China time.
    pub applied: String,
    /// The account made on approval.
    pub user_id: Option<String>,
    /// The applicant's link to read the outcome (`/v/{token}`), only in the answer to the
    /// application: only its hash is kept.
    pub status_link: Option<String>,
    /// Other open applications with the same ID number (someone applied twice, or someone else
    /// used their number): for the vetter to look into before approving.
    pub same_document: i64,
    /// Their number in the national volunteer service system, if they gave it.
    pub volunteer_number: Option<String>,
}

/// The views of these applications, each with its community's name.
async fn views_of(conn: &mut Conn, rows: Vec<ApplicationRow>) -> Result<Vec<ApplicationView>> {
    let ids = rows.iter().map(|a| a.area_id.as_str());
    let communities = area_store::names_of(&mut *conn, ids).await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            let community = communities.get(&a.area_id).cloned().unwrap_or_default();
            view(a, community)
        })
        .collect())
}

fn view(a: ApplicationRow, community: String) -> ApplicationView {
    ApplicationView {
        community,
        applied: crate::stamp(a.applied_at),
        skills: a
            .skills
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        id: a.id,
        area_id: a.area_id,
        name: a.name,
        document: a.document_masked,
        phone: a.phone_masked,
        availability: a.availability,
        organization: a.organization,
        status: a.status,
        decision_note: a.decision_note,
        user_id: a.user_id,
        volunteer_number: a.volunteer_number,
        status_link: None,
        same_document: 0,
    }
}

/// Most skills an applicant may list (there are six).
const MAX_SKILLS: usize = 16;

/// Records an application from the public page (no account). An ID number that already has an
/// open application is recorded all the same and answered the same way: the answer must not
/// tell a stranger whether a number applied, nor let anyone block someone else's sign-up. The
/// vetter sees both applications side by side (`same_document`); the outcome reaches each
/// applicant through their own status link.
pub async fn apply(app: &App, input: &ApplicationInput) -> Result<ApplicationView> {
    use sanshe_core::text;
    let mut errors = sanshe_core::FieldErrors::default();
    let name = errors
        .take(
            "name",
            sanshe_core::registry::PersonName::parse(&input.name),
        )
        .map(|n| n.as_str().to_string());
    let id = errors.take(
        "document_number",
        MainlandId::parse(&input.document_number, app.today()),
    );
    let phone = errors.take("phone", Phone::parse(&input.phone));
    if let Err(e) = text::at_most("skills", &input.skills, MAX_SKILLS) {
        errors.0.push(e);
    } else if input.skills.iter().any(|s| !SKILLS.contains(&s.as_str())) {
        errors.push("skills", "err-volunteer-skill");
    }
    // Both in the applicant's words, each at most an address long.
    let [availability, organization] = [
        ("availability", &input.availability),
        ("organization", &input.organization),
    ]
    .map(|(field, words)| {
        errors
            .take_field(text::line(field, words, text::ADDRESS_CHARS))
            .unwrap_or_default()
    });
    let volunteer_number = match input.volunteer_number.trim() {
        "" => None,
        raw => errors
            .take("volunteer_number", parse_number(raw))
            .map(|n| n.as_str().to_string()),
    };
    if !input.consent {
        errors.push("consent", "err-volunteer-consent");
    }
    let mut conn = app.db.conn().await?;
    let area = if input.area_id.len() > 64 {
        None
    } else {
        area_store::get(&mut conn, &input.area_id)
            .await
            .ok()
            .filter(|a| a.kind == AreaKind::Community)
    };
    if area.is_none() {
        errors.push("area_id", "err-volunteer-community");
    }
    errors.into_result()?;
    let (Some(name), Some(id), Some(phone), Some(area)) = (name, id, phone, area) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let name = name.as_str();
    let document_hash = app.vault.lookup_hash(id.as_str());
    let token = crate::accounts::random_token();
    let mut skills: Vec<&str> = input.skills.iter().map(String::as_str).collect();
    skills.sort();
    skills.dedup();
    // The organization as registered, matched once here by its exact name: from then on the
    // application belongs to that organization's id, whatever either is renamed to.
    let organization_id = if organization.is_empty() {
        None
    } else {
        sanshe_store::organizations::id_by_name(&mut conn, &organization).await?
    };
    let community = area.name;
    let row = ApplicationRow {
        id: new_id(),
        organization_id,
        area_id: area.id,
        area_path: area.path,
        name: name.to_string(),
        document_cipher: app.vault.seal(id.as_str()),
        document_hash,
        document_masked: sanshe_core::identity::mask_middle(id.as_str(), 3, 4),
        phone_cipher: app.vault.seal(phone.as_str()),
        phone_masked: phone.masked(),
        skills: skills.join(","),
        availability,
        organization,
        status: Vetting::Pending,
        applied_at: app.clock.now_ms(),
        link_hash: Some(crate::accounts::token_hash(&token)),
        volunteer_number,
        ..ApplicationRow::default()
    };
    store::insert(&mut *conn, &row).await?;
    Ok(ApplicationView {
        status_link: Some(format!("/v/{token}")),
        ..view(row, community)
    })
}

/// What an applicant reads through their link: the outcome, without any personal number.
#[derive(Debug, Clone)]
pub struct ApplicationStatus {
    /// Name, first character and stars.
    pub name: String,
    /// The community applied to.
    pub community: String,
    /// `pending`, `more_info`, `approved`, `declined`.
    pub status: sanshe_core::volunteers::Vetting,
    /// What more is needed, or why declined.
    pub note: Option<String>,
    /// Approved and deployed to at least one community.
    pub deployed: bool,
    /// Applied, YYYY-MM-DD China time.
    pub applied: String,
}

/// The application behind an applicant's status link.
pub async fn application_status(app: &App, token: &str) -> Result<ApplicationStatus> {
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    let mut conn = app.db.conn().await?;
    let a = store::by_link(&mut *conn, &crate::accounts::token_hash(token)).await?;
    let community = area_store::get(&mut conn, &a.area_id)
        .await
        .map(|c| c.name)
        .unwrap_or_default();
    let deployed = match &a.user_id {
        Some(u) => account_store::grants_of(&mut conn, u)
            .await?
            .iter()
            .any(|g| g.role == Role::Volunteer),
        None => false,
    };
    Ok(ApplicationStatus {
        name: crate::isolation::mask_name(&a.name),
        community,
        status: a.status,
        note: a.decision_note,
        deployed,
        applied: local_time(a.applied_at).format("%Y-%m-%d").to_string(),
    })
}

/// Which applications a vetter lists.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ApplicationFilter {
    /// `pending`, `more_info`, `approved`, `declined`, or `open` (pending and more_info); all
    /// when absent.
    pub status: Option<String>,
    /// Name prefix.
    pub q: Option<String>,
    /// Offering this skill.
    pub skill: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The most applications one page holds.
pub const MAX_APPLICATIONS_PAGE: i64 = 500;

/// A page of applications, in the order they came.
pub type ApplicationsPage = crate::cursor::Page<ApplicationView>;

/// Applications in the vetter's areas (or naming their organization), in the order they came,
/// a page at a time with the total; NotFound for someone who vets nowhere.
pub async fn applications(
    app: &App,
    actor: &Actor,
    filter: &ApplicationFilter,
) -> Result<ApplicationsPage> {
    // Someone who vets nowhere has no applications to list, not an empty list of them.
    if !sanshe_core::accounts::vets_somewhere(&actor.grants) {
        return Err(AppError::NotFound);
    }
    let after = crate::cursor::after::<1>(filter.after.as_deref())?;
    let limit = filter.limit.unwrap_or(50).clamp(1, MAX_APPLICATIONS_PAGE);
    let statuses: Vec<Vetting> = match filter.status.as_deref().map(str::trim).unwrap_or("") {
        "" => Vec::new(),
        "open" => Vetting::OPEN.to_vec(),
        word => vec![Vetting::parse(word).map_err(|e| AppError::field("status", e))?],
    };
    let skill = skill_filter(filter.skill.as_deref())?;
    let q = sanshe_store::volunteers::ApplicationQuery {
        statuses,
        name_prefix: filter
            .q
            .as_deref()
            .map(|q| sanshe_core::text::line("q", q, sanshe_core::text::NAME_CHARS))
            .transpose()?,
        skill,
        after: after.map(|[id]| id),
        limit: limit + 1,
    };
    let mut conn = app.db.conn().await?;
    let organizations = sanshe_core::accounts::organizations_run(&actor.grants);
    let roots = actor.scope(Action::VetVolunteers);
    let mut rows = store::list(&mut *conn, roots.roots(), &organizations, &q).await?;
    let next = crate::cursor::cut(&mut rows, limit, |(a, _)| crate::cursor::encode(&[&a.id]));
    let total = store::count(&mut *conn, roots.roots(), &organizations, &q).await?;
    let (rows, same): (Vec<ApplicationRow>, Vec<i64>) = rows.into_iter().unzip();
    let items = views_of(&mut conn, rows)
        .await?
        .into_iter()
        .zip(same)
        .map(|(view, same_document)| ApplicationView {
            same_document,
            ..view
        })
        .collect();
    Ok(ApplicationsPage { items, total, next })
}

/// How many applications wait for the vetter's decision (pending or asked for more), counted
/// without reading them: the number on the home page. NotFound for someone who vets nowhere.
pub async fn waiting_count(app: &App, actor: &Actor) -> Result<i64> {
    if !sanshe_core::accounts::vets_somewhere(&actor.grants) {
        return Err(AppError::NotFound);
    }
    let q = sanshe_store::volunteers::ApplicationQuery {
        statuses: Vetting::OPEN.to_vec(),
        name_prefix: None,
        skill: None,
        after: None,
        limit: 0,
    };
    let organizations = sanshe_core::accounts::organizations_run(&actor.grants);
    let roots = actor.scope(Action::VetVolunteers);
    let mut conn = app.db.conn().await?;
    Ok(store::count(&mut *conn, roots.roots(), &organizations, &q).await?)
}

/// A vetter's decision.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `approve`, `more_info`, `decline`.
    pub decision: String,
    /// Why (required to decline or to ask for more).
    #[serde(default)]
    pub note: String,
    /// On approval, deploy to the community applied for (the default) or, when false, put the
    /// volunteer in the reserve pool for the bureau to dispatch.
    pub deploy: Option<bool>,
}

/// The outcome of a decision; on approval the new account's user name and first password,
/// shown this once for the vetter to pass on.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Decided {
    /// The application after the decision.
    pub application: ApplicationView,
    /// User name of the account made.
    pub username: Option<String>,
    /// Its first password.
    pub password: Option<String>,
}

/// Letters and digits that cannot be mistaken for each other when read out on the phone.
const PASSWORD_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Approves (an account deployed to the community), asks for more, or declines.
pub async fn decide(app: &App, actor: &Actor, id: &str, input: &DecisionInput) -> Result<Decided> {
    let note = sanshe_core::text::note("note", &input.note, 500)?;
    let note = note.as_str();
    let status = Vetting::decided(&input.decision).map_err(|e| AppError::field("decision", e))?;
    if status != Vetting::Approved && note.is_empty() {
        return Err(AppError::field("note", "err-required"));
    }
    let mut tx = app.db.begin().await?;
    let before = store::get(&mut *tx, id).await?;
    // The community's workers vet everyone applying there; an organization's admin those who
    // named the organization. Only the former deploy: the latter's approval puts the volunteer
    // in the reserve pool for the community or the bureau to deploy.
    let in_area = actor.may(Action::VetVolunteers, Target::Area(&before.area_path));
    let member = before
        .organization_id
        .as_ref()
        .is_some_and(|id| sanshe_core::accounts::organizations_run(&actor.grants).contains(id));
    if !in_area && !member {
        return Err(AppError::NotFound);
    }
    let now = app.clock.now_ms();
    let mut account = None;
    if status == Vetting::Approved {
        let (username, password) = {
            let mut rng = rand::thread_rng();
            let username = format!("vol.{:06}", rng.gen_range(0..1_000_000));
            let password: String = (0..12)
                .map(|_| PASSWORD_ALPHABET[rng.gen_range(0..PASSWORD_ALPHABET.len())] as char)
                .collect();
            (username, password)
        };
        let hash = crate::accounts::hash_in_slot(app, password.clone()).await?;
        // The password was made here and shown to the worker: the volunteer sets their own.
        let user = account_store::insert_user(&mut tx, &username, &before.name, &hash, true)
            .await
            .map_err(|_| AppError::field("decision", "err-volunteer-retry"))?;
        if in_area && input.deploy.unwrap_or(true) {
            account_store::insert_grant(
                &mut tx,
                &user.id,
                Role::Volunteer,
                Some(&before.area_id),
                None,
            )
            .await?;
        }
        if let Some(number) = &before.volunteer_number {
            store::set_number(&mut *tx, &user.id, number, now).await?;
        }
        account = Some((user.id, username, password));
    }
    let decided = store::decide(
        &mut *tx,
        id,
        status,
        (!note.is_empty()).then_some(note),
        &actor.username,
        now,
        account.as_ref().map(|a| a.0.as_str()),
    )
    .await?;
    if !decided {
        return Err(AppError::field("decision", "err-volunteer-decided"));
    }
    audit::record(
        &mut tx,
        actor,
        &format!("volunteer.{}", status.as_str()),
        Subject::new("volunteer_application", id, &before.area_path),
        note,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    let mut conn = app.db.conn().await?;
    let after = store::get(&mut *conn, id).await?;
    let Some(application) = views_of(&mut conn, vec![after]).await?.pop() else {
        return Err(AppError::Internal(
            "an application's view went missing".into(),
        ));
    };
    Ok(Decided {
        application,
        username: account.as_ref().map(|a| a.1.clone()),
        password: account.map(|a| a.2),
    })
}

/// What the public sign-up form offers to choose where one lives: the districts, and the
/// communities grouped by street (a city has thousands; one flat list of them is unusable on a
/// phone), those of one district when `district` names one.
pub async fn sign_up_places(
    app: &App,
    district: Option<&str>,
) -> Result<(Vec<(String, String)>, Vec<crate::areas::AreaGroup>)> {
    crate::areas::communities_by_street(app, &[String::new()], district).await
}

/// The communities below `roots`: (id, name), every one of them.
async fn communities_within(app: &App, roots: &[String]) -> Result<Vec<(String, String)>> {
    let mut conn = app.db.conn().await?;
    let found = area_store::every(&mut conn, roots, AreaKind::Community);
    Ok(found.await?.into_iter().map(|a| (a.id, a.name)).collect())
}

/// The names of the registered organizations, offered on the public sign-up form: an applicant
/// who picks one is matched to it (registered organizations are public bodies, not personal data).
pub async fn organization_names(app: &App) -> Result<Vec<String>> {
    let mut conn = app.db.conn().await?;
    Ok(sanshe_store::organizations::names(&mut conn, 2000).await?)
}

/// A deployed volunteer as a worker or the bureau sees them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VolunteerView {
    /// User id.
    pub user_id: String,
    /// Name.
    pub name: String,
    /// The community deployed to.
    pub area_id: String,
    /// Its name.
    pub area_name: String,
    /// Skills (from their application; none for accounts made otherwise).
    pub skills: Vec<String>,
    /// Minutes of service recorded.
    pub served_minutes: i64,
    /// Their number in the national volunteer service system, once they have given it.
    pub volunteer_number: Option<String>,
}

/// Which deployed volunteers to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct RosterFilter {
    /// Name prefix.
    pub q: Option<String>,
    /// Only those with this skill.
    pub skill: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–5,000, default 50).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
}

/// The longest page of a roster (an export reads it a page at a time).
pub const MAX_ROSTER_PAGE: i64 = 5000;

/// A page of deployed volunteers: one line a deployment, by community, then name.
pub type RosterPage = crate::cursor::Page<VolunteerView>;

/// A skill to filter by: one of `SKILLS`, or none when empty.
fn skill_filter(raw: Option<&str>) -> Result<Option<String>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if SKILLS.contains(&s) => Ok(Some(s.to_string())),
        Some(_) => Err(AppError::field("skill", "err-volunteer-skill")),
        None => Ok(None),
    }
}

/// The volunteers deployed within the caller's areas and, for an organization's admin, where
/// its own people are deployed wherever that is; a page at a time with the total, so a city's
/// roster is neither cut off nor read whole.
pub async fn deployed(app: &App, actor: &Actor, f: &RosterFilter) -> Result<RosterPage> {
    let after =
        crate::cursor::after(f.after.as_deref())?.map(|[path, name, user]| (path, name, user));
    let q = store::RosterQuery {
        roots: actor.scope(Action::VetVolunteers).roots().to_vec(),
        organizations: sanshe_core::accounts::organizations_run(&actor.grants),
        name_prefix: f
            .q
            .as_deref()
            .map(|q| sanshe_core::text::line("q", q, sanshe_core::text::NAME_CHARS))
            .transpose()?
            .filter(|q| !q.is_empty()),
        skill: skill_filter(f.skill.as_deref())?,
        after,
    };
    let limit = f.limit.unwrap_or(50).clamp(1, MAX_ROSTER_PAGE);
    let mut conn = app.db.conn().await?;
    let mut rows = store::roster(&mut *conn, &q, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |r| {
        crate::cursor::encode(&[&r.area_path, &r.display_name, &r.user_id])
    });
    let total = store::count_roster(&mut *conn, &q).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    let served: HashMap<String, i64> = sanshe_store::rotas::served_totals(&mut *conn, &ids)
        .await?
        .into_iter()
        .collect();
    let items = rows
        .into_iter()
        .map(|r| VolunteerView {
            skills: r
                .skills
                .unwrap_or_default()
                .split(',')
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect(),
            served_minutes: served.get(&r.user_id).copied().unwrap_or(0),
            volunteer_number: r.volunteer_number,
            user_id: r.user_id,
            name: r.display_name,
            area_id: r.area_id,
            area_name: r.area_name,
        })
        .collect();
    Ok(RosterPage { items, total, next })
}

/// Which of the reserve pool to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ReserveFilter {
    /// Only those with this skill.
    pub skill: Option<String>,
    /// Only those living below this area (a street, a community).
    pub area: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Approved volunteers deployed nowhere (the reserve pool) whose home community is in the
/// caller's areas, optionally only those with a skill or living below an area: the
/// longest-waiting first, a page at a time with the total.
pub async fn reserve(app: &App, actor: &Actor, f: &ReserveFilter) -> Result<Page<ApplicationView>> {
    let skill = skill_filter(f.skill.as_deref())?;
    let after = crate::cursor::decode_timed(f.after.as_deref())?;
    let mut conn = app.db.conn().await?;
    let within = match f.area.as_deref() {
        Some(id) => Some(
            area_store::get(&mut conn, id)
                .await
                .map_err(|_| AppError::field("area", "err-area-not-found"))?
                .path,
        ),
        None => None,
    };
    let roots = actor.scope(Action::VetVolunteers).roots().to_vec();
    let q = store::ReserveQuery {
        roots: &roots,
        within: within.as_deref(),
        skill: skill.as_deref(),
    };
    let limit = f.limit.unwrap_or(50).clamp(1, crate::cursor::MAX_PAGE);
    let mut items = store::reserve(&mut *conn, &q, after, limit + 1).await?;
    let next = crate::cursor::cut(&mut items, limit, |r| {
        crate::cursor::encode_timed(r.decided_at.unwrap_or(0), &r.id)
    });
    let total = store::count_reserve(&mut *conn, &q).await?;
    Ok(Page {
        items: views_of(&mut conn, items).await?,
        total,
        next,
    })
}

/// Deploys a volunteer (from the reserve pool, or one more community for one deployed already)
/// to an area; both their home community and the area must be the caller's.
pub async fn deploy(app: &App, actor: &Actor, user_id: &str, area_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let home = store::of_user(&mut *tx, user_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    actor.require(Action::VetVolunteers, Target::Area(&home.area_path))?;
    let area = area_store::get(&mut tx, area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    actor.require_for(
        Action::VetVolunteers,
        Target::Area(&area.path),
        "area_id",
        "err-area-not-found",
    )?;
    let grants = account_store::grants_of(&mut tx, user_id).await?;
    if grants
        .iter()
        .any(|g| g.role == Role::Volunteer && g.area_id.as_deref() == Some(area_id))
    {
        return Err(AppError::field("area_id", "err-volunteer-deployed"));
    }
    account_store::insert_grant(&mut tx, user_id, Role::Volunteer, Some(area_id), None).await?;
    audit::record(
        &mut tx,
        actor,
        "volunteer.deployed",
        Subject::new("user", user_id, &area.path),
        &area.name,
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.sessions.clear();
    app.linkage_map.touch([area.path.clone()]);
    Ok(())
}

/// Ends a volunteer's deployment to an area (back to the reserve pool when it was their only
/// one); refused while they hold shifts there that have not ended.
pub async fn recall(app: &App, actor: &Actor, user_id: &str, area_id: &str) -> Result<()> {
    let mut tx = app.db.begin().await?;
    let grants = account_store::grants_of(&mut tx, user_id).await?;
    let Some(grant) = grants
        .iter()
        .find(|g| g.role == Role::Volunteer && g.area_id.as_deref() == Some(area_id))
    else {
        return Err(AppError::NotFound);
    };
    let path = grant.area_path.clone().unwrap_or_default();
    actor.require(Action::VetVolunteers, Target::Area(&path))?;
    let now = app.clock.now_ms();
    let ahead = sanshe_store::rotas::bookings_of(&mut *tx, user_id, now, i64::MAX).await?;
    let shifts = sanshe_store::rotas::shifts_by_id(
        &mut *tx,
        &ahead.iter().map(|b| b.shift_id.clone()).collect::<Vec<_>>(),
    )
    .await?;
    if shifts.iter().any(|s| s.area_path.starts_with(&path)) {
        return Err(AppError::field("area_id", "err-volunteer-has-shifts"));
    }
    account_store::delete_grant(&mut tx, user_id, &grant.id).await?;
    audit::record(
        &mut tx,
        actor,
        "volunteer.recalled",
        Subject::new("user", user_id, &path),
        grant.area_name.as_deref().unwrap_or_default(),
    )
    .await?;
    sanshe_store::commit(tx).await?;
    app.sessions.clear();
    app.linkage_map.touch([path]);
    Ok(())
}

/// The communities the actor may deploy volunteers to: (id, name), by name.
pub async fn deployable_areas(app: &App, actor: &Actor) -> Result<Vec<(String, String)>> {
    let mut out = communities_within(app, actor.scope(Action::VetVolunteers).roots()).await?;
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// A volunteer number as typed, refused unread past four times its longest form.
fn parse_number(raw: &str) -> std::result::Result<VolunteerNumber, &'static str> {
    if raw.chars().count() > 4 * VolunteerNumber::MAX_CHARS {
        return Err("err-volunteer-number");
    }
    VolunteerNumber::parse(raw)
}

/// Records the signed-in person's number in the national volunteer service system, which their
/// record of service hours then names them by; a number given again replaces it.
pub async fn set_own_number(app: &App, actor: &Actor, raw: &str) -> Result<VolunteerNumber> {
    let me = actor.user_id.as_deref().ok_or(AppError::Forbidden)?;
    let number = parse_number(raw).map_err(|key| AppError::field("number", key))?;
    // Where they serve decides who reads the entry: their community's workers, or the city.
    let deployed = actor.scope(Action::TakeShifts);
    let subject = Subject {
        kind: "user",
        id: me,
        area_path: deployed.roots().first().map(String::as_str),
    };
    let mut tx = app.db.begin().await?;
    store::set_number(&mut *tx, me, number.as_str(), app.clock.now_ms()).await?;
    audit::record(&mut tx, actor, "volunteer.number_set", subject, "").await?;
    sanshe_store::commit(tx).await?;
    Ok(number)
}
