//! Arrivals from elsewhere and close contacts (密接): register them — as residents of a
//! household or as new residents — and open their isolation from the same form.

use chrono::NaiveDate;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::contacts::{Origin, Trace, Transport, note};
use sanshe_core::dates;
use sanshe_core::registry::{HouseholdAddress, ResidentInput};
use sanshe_store::contacts::{self as store, ArrivalRow, ContactRow, TraceRow};
use sanshe_store::new_id;

use crate::accounts::Actor;
use crate::audit::{self, Subject};
use crate::isolation::{self, OpenEpisode, Source};
use crate::period::Period;
use crate::registry::HouseholdTarget;
use crate::{App, AppError, Result};

/// The person a record is about: a registered resident, or a new one to register.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PersonRef {
    /// A registered resident.
    pub resident_id: Option<String>,
    /// Or a new resident of this household.
    pub household_id: Option<String>,
    /// The new resident's details (name, document, phone, …).
    #[schema(value_type = Option<Object>)]
    pub resident: Option<ResidentInput>,
}

/// Isolation to open with the record.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct IsolationChoice {
    /// `home_isolation`, `home_medical_observation`, `centralized_observation`.
    pub kind: String,
    /// `link` (default) or `phone`.
    pub follow_up: Option<String>,
    /// Responsible worker (default: spread across the team).
    pub worker_id: Option<String>,
}

/// An arrival to register.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ArrivalInput {
    /// Who arrived.
    #[serde(flatten)]
    pub person: PersonRef,
    /// Where from, e.g. 湖北省武汉市.
    #[schema(min_length = 1, max_length = 60)]
    pub origin: String,
    /// YYYY-MM-DD.
    #[schema(format = Date)]
    pub arrival_date: String,
    /// `train`, `plane`, `coach`, `car`, `other`.
    #[schema(pattern = "^(train|plane|coach|car|other)$")]
    pub transport: String,
    /// Note (train number, flight, …).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
    /// Open an isolation episode from the arrival date.
    pub isolation: Option<IsolationChoice>,
}

/// A close contact to register.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactInput {
    /// The contact.
    #[serde(flatten)]
    pub person: PersonRef,
    /// The index person, when registered here.
    pub index_resident_id: Option<String>,
    /// Otherwise how the index person is known (case number, name given by the CDC).
    #[serde(default)]
    #[schema(max_length = 60)]
    pub index_label: String,
    /// Date of last contact, YYYY-MM-DD.
    #[schema(format = Date)]
    pub last_contact_date: String,
    /// Note.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
    /// Open an isolation episode from the last contact.
    pub isolation: Option<IsolationChoice>,
}

/// An arrival or contact in a list.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TraceView {
    /// Id.
    pub id: String,
    /// The person.
    pub resident_id: String,
    /// Name.
    pub name: String,
    /// Household.
    pub household_id: String,
    /// Compound or community.
    pub area_name: String,
    /// Address.
    pub address: String,
    /// Arrivals: origin; contacts: the index person.
    pub from: String,
    /// Arrivals: arrival date; contacts: last contact.
    pub date: String,
    /// Arrivals: transport.
    pub how: Option<String>,
    /// Note.
    pub note: String,
    /// Whether the person is in isolation now.
    pub isolated: bool,
}

fn view(t: TraceRow) -> TraceView {
    TraceView {
        address: HouseholdAddress {
            building: t.building,
            unit: t.unit,
            room: t.room,
        }
        .label(),
        id: t.id,
        resident_id: t.resident_id,
        name: t.name,
        household_id: t.household_id,
        area_name: t.area_name,
        from: t.from_label,
        date: t.on_date,
        how: t.how,
        note: t.note,
        isolated: t.isolated,
    }
}

/// A registered record and, if asked for, the episode opened with it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Registered {
    /// The arrival or contact id.
    pub id: String,
    /// The person.
    pub resident_id: String,
    /// The episode opened, if any.
    pub episode_id: Option<String>,
    /// The resident's report link, if an episode was opened.
    pub report_link: Option<String>,
}

/// How far back an arrival or a last contact may be registered.
pub const PAST_DAYS: i64 = 60;

fn parse_past_date(app: &App, field: &str, raw: &str) -> Result<NaiveDate> {
    let d = dates::parse(field, raw)?;
    if d > app.today() {
        return Err(AppError::field(field, "err-date-future"));
    }
    // An arrival or a contact that matters to an epidemic response lies in the last weeks.
    Ok(dates::within(field, d, app.today(), PAST_DAYS, 0)?)
}

/// Finds or registers the person; returns (resident id, area path).
async fn person(app: &App, actor: &Actor, p: &PersonRef) -> Result<(String, String)> {
    if let Some(id) = p.resident_id.as_deref().filter(|i| !i.is_empty()) {
        let mut conn = app.db.conn().await?;
        let r = sanshe_store::registry::resident(&mut conn, id)
            .await
            .map_err(|_| AppError::field("resident_id", "err-resident-not-found"))?;
        actor.require_for(
            Action::FrontLine,
            Target::Area(&r.record.area_path),
            "resident_id",
            "err-resident-not-found",
        )?;
        return Ok((r.record.id, r.record.area_path));
    }
    match (
        p.household_id.as_deref().filter(|h| !h.is_empty()),
        &p.resident,
    ) {
        (Some(h), Some(input)) => {
            let target = HouseholdTarget::Existing {
                household_id: h.to_string(),
            };
            let v = crate::registry::add_resident(app, actor, &target, input).await?;
            let mut conn = app.db.conn().await?;
            let r = sanshe_store::registry::resident(&mut conn, &v.id).await?;
            Ok((r.record.id, r.record.area_path))
        }
        _ => Err(AppError::field("resident_id", "err-required")),
    }
}

/// A past date for `field`, its refusal added to `errors` (None then) so that every field's
/// error is said at once.
fn past_date_into(
    errors: &mut sanshe_core::FieldErrors,
    app: &App,
    field: &str,
    raw: &str,
) -> Result<Option<chrono::NaiveDate>> {
    match parse_past_date(app, field, raw) {
        Ok(d) => Ok(Some(d)),
        Err(AppError::Invalid(e)) => {
            errors.0.extend(e.0);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Registers an arrival, and opens isolation from the arrival date if asked.
pub async fn register_arrival(
    app: &App,
    actor: &Actor,
    input: &ArrivalInput,
) -> Result<Registered> {
    let mut errors = sanshe_core::FieldErrors::default();
    let origin = errors.take("origin", Origin::parse(&input.origin));
    let transport = errors.take("transport", Transport::parse(&input.transport));
    let n = errors.take("note", note(&input.note));
    let date = past_date_into(&mut errors, app, "arrival_date", &input.arrival_date)?;
    errors.into_result()?;
    let (Some(origin), Some(transport), Some(n), Some(date)) = (origin, transport, n, date) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let (resident_id, path) = person(app, actor, &input.person).await?;
    let id = new_id();
    let date_s = date.format("%Y-%m-%d").to_string();
    let mut tx = app.db.begin().await?;
    let arrival = ArrivalRow {
        id: id.clone(),
        resident_id: resident_id.clone(),
        area_path: path.clone(),
        origin: origin.as_str().into(),
        arrival_date: date_s.clone(),
        transport,
        note: n,
        created_by: actor.username.clone(),
        created_at: app.clock.now_ms(),
    };
    store::insert_arrival(&mut tx, &arrival).await?;
    let registered = Registration {
        source: Source::Arrival(&id),
        resident_id: &resident_id,
        path: &path,
        date: &date_s,
        isolation: &input.isolation,
    };
    registered.finish(app, actor, tx, origin.as_str()).await
}

/// Registers a close contact, and opens isolation from the last contact if asked.
pub async fn register_contact(
    app: &App,
    actor: &Actor,
    input: &ContactInput,
) -> Result<Registered> {
    let mut errors = sanshe_core::FieldErrors::default();
    let n = errors.take("note", note(&input.note));
    let label = errors
        .take_field(sanshe_core::text::line(
            "index_label",
            &input.index_label,
            60,
        ))
        .unwrap_or_default();
    let label = label.as_str();
    let index_id = input.index_resident_id.as_deref().filter(|i| !i.is_empty());
    if index_id.is_none() && label.is_empty() {
        errors.push("index_label", "err-index-required");
    }
    let date = past_date_into(
        &mut errors,
        app,
        "last_contact_date",
        &input.last_contact_date,
    )?;
    errors.into_result()?;
    let (Some(n), Some(date)) = (n, date) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let mut label = label.to_string();
    if let Some(index) = index_id {
        let mut conn = app.db.conn().await?;
        let r = sanshe_store::registry::resident(&mut conn, index)
            .await
            .map_err(|_| AppError::field("index_resident_id", "err-resident-not-found"))?;
        if !actor.may(Action::FrontLine, Target::Area(&r.record.area_path)) {
            return Err(AppError::field(
                "index_resident_id",
                "err-resident-not-found",
            ));
        }
        if label.is_empty() {
            label = r.record.name;
        }
    }
    let (resident_id, path) = person(app, actor, &input.person).await?;
    if index_id == Some(resident_id.as_str()) {
        return Err(AppError::field("index_resident_id", "err-contact-self"));
    }
    let id = new_id();
    let date_s = date.format("%Y-%m-%d").to_string();
    let mut tx = app.db.begin().await?;
    let contact = ContactRow {
        id: id.clone(),
        resident_id: resident_id.clone(),
        area_path: path.clone(),
        index_resident_id: index_id.map(str::to_string),
        index_label: label,
        last_contact_date: date_s.clone(),
        note: n,
        created_by: actor.username.clone(),
        created_at: app.clock.now_ms(),
    };
    store::insert_contact(&mut tx, &contact).await?;
    let registered = Registration {
        source: Source::Contact(&id),
        resident_id: &resident_id,
        path: &path,
        date: &date_s,
        isolation: &input.isolation,
    };
    registered.finish(app, actor, tx, &date_s).await
}

/// An arrival or contact just written in its transaction.
struct Registration<'a> {
    /// The arrival or the contact, by id.
    source: Source<'a>,
    resident_id: &'a str,
    path: &'a str,
    /// The arrival or last contact, the day isolation counts from.
    date: &'a str,
    isolation: &'a Option<IsolationChoice>,
}

impl Registration<'_> {
    /// Audits the registration, opens the isolation asked for and commits: all or nothing.
    async fn finish(
        self,
        app: &App,
        actor: &Actor,
        mut tx: sanshe_store::Tx,
        detail: &str,
    ) -> Result<Registered> {
        let (kind, action, id) = match self.source {
            Source::Arrival(id) => ("arrival", "arrival.registered", id),
            Source::Contact(id) => ("contact", "contact.registered", id),
            Source::Manual => return Err(AppError::Internal("a registration has a record".into())),
        };
        audit::record(
            &mut tx,
            actor,
            action,
            Subject::new(kind, id, self.path),
            detail,
        )
        .await?;
        let opened = open_isolation(
            app,
            actor,
            &mut tx,
            self.resident_id,
            self.date,
            self.isolation,
            self.source,
        )
        .await?;
        sanshe_store::commit(tx).await?;
        Ok(Registered {
            id: id.to_string(),
            resident_id: self.resident_id.to_string(),
            episode_id: opened.as_ref().map(|o| o.0.clone()),
            report_link: opened.map(|o| format!("/r/{}", o.1)),
        })
    }
}

/// A page of arrivals or close contacts, latest first.
pub type TracesPage = crate::cursor::Page<TraceView>;

/// The arrivals or the close contacts in scope dated within `period`, latest first, a page at
/// a time with the total.
pub async fn traces(
    app: &App,
    actor: &Actor,
    trace: Trace,
    f: &crate::cursor::Paging,
    period: &Period,
) -> Result<TracesPage> {
    let after = crate::cursor::after::<2>(f.after.as_deref())?;
    let after = after.as_ref().map(|[on, id]| (on.as_str(), id.as_str()));
    let limit = f.size();
    let (from, to) = period.open()?;
    let (from, to) = (from.map(|d| d.to_string()), to.map(|d| d.to_string()));
    let scope = actor.scope(Action::FrontLine);
    let q = store::TraceQuery {
        trace,
        roots: scope.roots(),
        from: from.as_deref(),
        to: to.as_deref(),
    };
    let mut conn = app.db.conn().await?;
    let mut rows = store::traces(&mut conn, &q, after, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |t| {
        crate::cursor::encode(&[&t.on_date, &t.id])
    });
    let total = store::count_traces(&mut conn, &q).await?;
    let items = rows.into_iter().map(view).collect();
    Ok(TracesPage { items, total, next })
}

/// Opens the isolation chosen on an arrival or contact form, from its date, in the same
/// transaction; the episode id and the report token.
async fn open_isolation(
    app: &App,
    actor: &Actor,
    tx: &mut sanshe_store::Conn,
    resident_id: &str,
    exposure_date: &str,
    choice: &Option<IsolationChoice>,
    source: Source<'_>,
) -> Result<Option<(String, String)>> {
    let Some(choice) = choice else {
        return Ok(None);
    };
    let episode = OpenEpisode {
        resident_id: resident_id.to_string(),
        kind: choice.kind.clone(),
        exposure_date: Some(exposure_date.to_string()),
        planned_end: None,
        worker_id: choice.worker_id.clone(),
        follow_up: choice.follow_up.clone(),
    };
    Ok(Some(
        isolation::open_in(app, actor, tx, &episode, source).await?,
    ))
}
