//! The alert centre: one alert per trouble (repeats raise its count), scoped like everything
//! else, acknowledged and resolved with a note, and queued for the chat groups that cover it.

use crate::audit::Audited;
use sanshe_core::accounts::{Action, Target};
use sanshe_core::alerts::{AlertKind, AlertStatus, AlertSubject};
use sanshe_store::Conn;
use sanshe_store::alerts::{self as store, AlertRow, NewAlert, OpenAlert};
use sanshe_store::notify as notify_store;
use sanshe_store::statements::Statements;

use crate::accounts::Actor;
use crate::audit::{self};
use crate::{App, AppError, Result};

/// Where new alerts go: the active webhooks and the subtree each serves.
#[derive(Debug, Clone, Default)]
pub struct Routes(Vec<(String, String)>);

impl Routes {
    /// Loads the active webhooks.
    pub async fn load(conn: &mut impl Statements) -> Result<Routes> {
        Ok(Routes(notify_store::active_routes(conn).await?))
    }

    /// The webhooks whose area covers `path`.
    pub fn covering<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(_, p)| path.starts_with(p.as_str()))
            .map(|(id, _)| id.as_str())
    }
}

/// A trouble to raise.
#[derive(Debug, Clone, Copy)]
pub struct Trouble<'a> {
    /// Kind.
    pub kind: AlertKind,
    /// Where it is (scopes the alert).
    pub area_path: &'a str,
    /// What it is about.
    pub subject_kind: AlertSubject,
    /// Its id.
    pub subject_id: &'a str,
    /// The event (a slot, a date): the same event counts once.
    pub event: &'a str,
    /// Short description, without personal numbers.
    pub detail: &'a str,
}

/// Raises an alert, or counts a new event on the open one of the same kind and subject; queues
/// a chat message for each webhook covering the place when something new happened. Runs in the
/// caller's transaction, so the message is queued if and only if the alert is stored.
pub async fn raise(
    conn: &mut impl Statements,
    routes: &Routes,
    t: Trouble<'_>,
    at: i64,
) -> Result<Option<String>> {
    let open_key = format!("{}:{}", t.kind.as_str(), t.subject_id);
    let counted = match store::open_alert(conn, &open_key).await? {
        Some(open) => count_event(conn, open, &t, at).await?,
        None => {
            let new = NewAlert {
                kind: t.kind,
                area_path: t.area_path,
                subject_kind: t.subject_kind,
                subject_id: t.subject_id,
                open_key: &open_key,
                event: t.event,
                detail: t.detail,
            };
            match store::insert(conn, &new, at).await? {
                Some(id) => Some(id),
                // Another node raised it a moment ago: count this event on theirs.
                None => match store::open_alert(conn, &open_key).await? {
                    Some(open) => count_event(conn, open, &t, at).await?,
                    None => None,
                },
            }
        }
    };
    let Some(id) = counted else {
        return Ok(None);
    };
    let messages: Vec<notify_store::Queued> = routes
        .covering(t.area_path)
        .map(|webhook| alert_message(webhook, &id, t.kind))
        .collect();
    notify_store::enqueue(conn, &messages, at).await?;
    Ok(Some(id))
}

/// Counts `t`'s event on the alert already open for its subject; None when it is the event
/// that alert last counted (the same event counts once).
async fn count_event(
    conn: &mut impl Statements,
    open: OpenAlert,
    t: &Trouble<'_>,
    at: i64,
) -> Result<Option<String>> {
    if open.last_event == t.event {
        return Ok(None);
    }
    store::repeat(conn, &open.id, t.event, t.detail, at).await?;
    Ok(Some(open.id))
}

/// What a batch of alerts shares: the kind, the kind of subject, the event and its description.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    /// Kind.
    pub kind: AlertKind,
    /// What they are about.
    pub subject_kind: AlertSubject,
    /// The event (a slot, a date).
    pub event: &'a str,
    /// Short description.
    pub detail: &'a str,
}

/// `raise` for many subjects of one kind and one event at once — what the missed-report scan
/// needs for thousands of episodes inside a second. Returns how many alerts were raised or
/// counted.
pub async fn raise_many(
    conn: &mut Conn,
    routes: &Routes,
    what: Batch<'_>,
    subjects: &[(String, String)],
    at: i64,
) -> Result<usize> {
    let Batch {
        kind,
        subject_kind,
        event,
        detail,
    } = what;
    if subjects.is_empty() {
        return Ok(0);
    }
    let open = store::open_alerts_of_kind(conn, kind).await?;
    let mut fresh: Vec<(String, &str, &str)> = Vec::new();
    let mut repeats: Vec<(String, &str)> = Vec::new();
    for (subject, path) in subjects {
        let key = format!("{}:{subject}", kind.as_str());
        match open.get(&key) {
            Some((_, last)) if last == event => {}
            Some((id, _)) => repeats.push((id.clone(), path.as_str())),
            None => fresh.push((key, subject.as_str(), path.as_str())),
        }
    }
    let new_alerts: Vec<NewAlert<'_>> = fresh
        .iter()
        .map(|(key, subject, path)| NewAlert {
            kind,
            area_path: path,
            subject_kind,
            subject_id: subject,
            open_key: key,
            event,
            detail,
        })
        .collect();
    let new_ids = store::insert_many(conn, &new_alerts, at).await?;
    let repeat_ids: Vec<String> = repeats.iter().map(|(id, _)| id.clone()).collect();
    store::repeat_many(conn, &repeat_ids, event, detail, at).await?;
    let mut messages: Vec<notify_store::Queued> = Vec::new();
    // Alerts another node's scan opened meanwhile are theirs to send.
    let raised: Vec<(&String, &str)> = new_ids
        .iter()
        .zip(fresh.iter().map(|(_, _, p)| *p))
        .filter_map(|(id, p)| id.as_ref().map(|id| (id, p)))
        .collect();
    let new_count = raised.len();
    let touched = raised
        .into_iter()
        .chain(repeats.iter().map(|(id, p)| (id, *p)));
    for (id, path) in touched {
        for webhook in routes.covering(path) {
            messages.push(alert_message(webhook, id, kind));
        }
    }
    notify_store::enqueue(conn, &messages, at).await?;
    Ok(new_count + repeat_ids.len())
}

/// Resolves the open alert of this kind about this subject, if any (the system's own doing:
/// a worker was assigned, the episode was released).
pub async fn settle(
    conn: &mut Conn,
    kind: AlertKind,
    subject_id: &str,
    note: &str,
    at: i64,
) -> Result<()> {
    let open_key = format!("{}:{}", kind.as_str(), subject_id);
    if let Some(open) = store::open_alert(conn, &open_key).await? {
        store::resolve(conn, &open.id, "sanshe", note, at).await?;
    }
    Ok(())
}

/// An alert as the centre and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AlertView {
    /// Id.
    pub id: String,
    /// What happened.
    pub kind: AlertKind,
    /// Where it is in its handling.
    pub status: AlertStatus,
    /// What it is about.
    pub subject_kind: AlertSubject,
    /// Its id.
    pub subject_id: String,
    /// The page that shows the subject, if there is one.
    pub link: Option<String>,
    /// Description.
    pub detail: String,
    /// How many times it happened.
    pub occurrences: i64,
    /// First raised, RFC 3339.
    pub raised_at: String,
    /// Last happened, RFC 3339.
    pub last_at: String,
    /// Last happened, as people read it (China time, to the minute).
    pub when: String,
    /// First raised, as people read it.
    pub since: String,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// How it was resolved.
    pub resolution_note: Option<String>,
    /// The place it belongs to by name (the compound or community of the household, gate or
    /// person), so that an address seen across many compounds is not taken for another.
    pub place: String,
    /// Whom it is about, for those who may see the registry there: the person's name masked
    /// and the address (`王* · 3号楼 2单元 502`), or a household's address.
    pub who: Option<String>,
    /// Who acknowledged and who resolved it, by name (on one alert's page; not in the API,
    /// which keeps user names).
    #[serde(skip)]
    #[schema(ignore)]
    pub handled_by_names: std::collections::HashMap<String, String>,
}

/// The page of an alert's subject: an episode, a household, a gate's traffic, the shift's
/// cover, the errands, or the audit log for someone who revealed numbers in a hurry.
pub fn subject_page(kind: AlertSubject, id: &str) -> String {
    match kind {
        AlertSubject::Episode => format!("/isolations/{id}"),
        AlertSubject::Household => format!("/households/{id}"),
        AlertSubject::Gate => format!("/traffic/{id}"),
        AlertSubject::Shift => format!("/rota/shifts/{id}/cover"),
        AlertSubject::HelpRequest => "/errands".to_string(),
        AlertSubject::User => "/audit".to_string(),
        AlertSubject::Need => format!("/needs/{id}"),
    }
}

/// RFC 3339 in China time.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.with_timezone(&crate::china_offset()).to_rfc3339())
        .unwrap_or_default()
}

impl From<AlertRow> for AlertView {
    fn from(a: AlertRow) -> Self {
        AlertView {
            id: a.id,
            kind: a.kind,
            status: a.status,
            link: Some(subject_page(a.subject_kind, &a.subject_id)),
            subject_kind: a.subject_kind,
            subject_id: a.subject_id,
            detail: a.detail,
            occurrences: a.occurrences,
            raised_at: rfc3339(a.raised_at),
            last_at: rfc3339(a.last_at),
            when: crate::stamp(a.last_at),
            since: crate::stamp(a.raised_at),
            acknowledged_by: a.acknowledged_by,
            resolved_by: a.resolved_by,
            resolution_note: a.resolution_note,
            handled_by_names: Default::default(),
            place: String::new(),
            who: None,
        }
    }
}

/// Which alerts to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct AlertFilter {
    /// `open` (open and acknowledged, default) or `resolved`.
    pub status: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only those in this area of the caller's scope (a community's id, a compound's …): a
    /// district's coordinator looking at one community.
    pub area: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The most alerts one page holds.
pub const MAX_ALERTS_PAGE: i64 = 500;

/// A page of alerts, the latest raised or raised again first.
pub type AlertsPage = crate::cursor::Page<AlertView>;

/// Alerts in the actor's scope: `open` (open and acknowledged, the default) or `resolved`,
/// latest raised first, a page at a time with the total: a district's resolved alerts over a
/// winter run to thousands.
pub async fn list(app: &App, actor: &Actor, f: &AlertFilter) -> Result<AlertsPage> {
    list_in(app, actor, f, store::AlertOrder::LastRaised).await
}

/// `list` in the order the alerts were first raised, for reading every page one after another
/// (a workbook): in `list` an alert raised again while the pages are read jumps back to the
/// top, past the pages already read, and would be left out.
pub async fn list_by_first_raised(app: &App, actor: &Actor, f: &AlertFilter) -> Result<AlertsPage> {
    list_in(app, actor, f, store::AlertOrder::FirstRaised).await
}

async fn list_in(
    app: &App,
    actor: &Actor,
    f: &AlertFilter,
    order: store::AlertOrder,
) -> Result<AlertsPage> {
    let statuses = statuses_shown(f.status.as_deref())?;
    let kind = match f.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(AlertKind::parse(k).map_err(|e| AppError::field("kind", e))?),
        None => None,
    };
    let before = crate::cursor::decode_timed(f.after.as_deref())?;
    let before = before.as_ref().map(|(at, id)| (*at, id.as_str()));
    let limit = f.limit.unwrap_or(100).clamp(1, MAX_ALERTS_PAGE);
    let mut conn = app.db.conn().await?;
    let roots =
        crate::areas::list_roots(&mut conn, actor, Action::FrontLine, f.area.as_deref()).await?;
    let mut rows =
        store::alerts(&mut conn, &roots, statuses, kind, order, before, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |a| {
        crate::cursor::encode_timed(order.moment(a), &a.id)
    });
    let total = store::count_alerts(&mut *conn, &roots, statuses, kind).await?;
    let paths: Vec<String> = rows.iter().map(|r| r.area_path.clone()).collect();
    let mut items: Vec<AlertView> = rows.into_iter().map(AlertView::from).collect();
    name_subjects(&mut conn, actor, &mut items, &paths).await?;
    Ok(AlertsPage { items, total, next })
}

/// How many alerts in the actor's scope are still to be dealt with (open or taken).
pub async fn open_count(app: &App, actor: &Actor) -> Result<i64> {
    let scope = actor.scope(Action::FrontLine);
    let mut conn = app.db.conn().await?;
    Ok(store::count_alerts(&mut *conn, scope.roots(), &STILL_OPEN, None).await?)
}

/// An alert still to be dealt with: nobody has taken it, or someone has but not resolved it.
const STILL_OPEN: [AlertStatus; 2] = [AlertStatus::Open, AlertStatus::Acknowledged];

/// The statuses a list asks for: `open` (the default) is open and taken, `resolved` resolved.
fn statuses_shown(asked: Option<&str>) -> Result<&'static [AlertStatus]> {
    match asked.unwrap_or("open") {
        "resolved" => Ok(&[AlertStatus::Resolved]),
        "open" | "" => Ok(&STILL_OPEN),
        _ => Err(AppError::field("status", "err-alert-status")),
    }
}

/// Fills in where alerts belong, and whom they are about where the actor may see the registry
/// of the alert's area.
async fn name_subjects(
    conn: &mut Conn,
    actor: &Actor,
    views: &mut [AlertView],
    paths: &[String],
) -> Result<()> {
    let visible = |i: usize| actor.may(Action::ViewRegistry, Target::Area(&paths[i]));
    let ids_of = |kind: AlertSubject| -> Vec<String> {
        views
            .iter()
            .enumerate()
            .filter(|(i, v)| v.subject_kind == kind && visible(*i))
            .map(|(_, v)| v.subject_id.clone())
            .collect()
    };
    let (episodes, households) = (
        ids_of(AlertSubject::Episode),
        ids_of(AlertSubject::Household),
    );
    let label = |building: String, unit: String, room: String| {
        sanshe_core::registry::HouseholdAddress {
            building,
            unit,
            room,
        }
        .label()
    };
    let mut who: std::collections::HashMap<String, String> = Default::default();
    for (id, name, b, u, r) in sanshe_store::isolation::people_of(&mut *conn, &episodes).await? {
        who.insert(
            id,
            format!(
                "{} · {}",
                crate::isolation::mask_name(&name),
                label(b, u, r)
            ),
        );
    }
    for (id, b, u, r) in sanshe_store::registry::addresses_of(&mut *conn, &households).await? {
        who.insert(id, label(b, u, r));
    }
    let place_of = |path: &str| sanshe_core::areas::compound_path(path).to_string();
    let place_paths: Vec<String> = paths.iter().map(|p| place_of(p)).collect();
    let places =
        sanshe_store::areas::names_by_path(&mut *conn, place_paths.iter().map(String::as_str))
            .await?;
    for (i, v) in views.iter_mut().enumerate() {
        v.place = places.get(&place_paths[i]).cloned().unwrap_or_default();
        if visible(i) {
            v.who = who.get(&v.subject_id).cloned();
        }
    }
    Ok(())
}

async fn visible(conn: &mut Conn, actor: &Actor, id: &str) -> Result<AlertRow> {
    let a = store::alert(conn, id).await?;
    actor.require(Action::FrontLine, Target::Area(&a.area_path))?;
    Ok(a)
}

/// One alert.
pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<AlertView> {
    let mut conn = app.db.conn().await?;
    let row = visible(&mut conn, actor, id).await?;
    let path = row.area_path.clone();
    let mut view: AlertView = row.into();
    name_subjects(&mut conn, actor, std::slice::from_mut(&mut view), &[path]).await?;
    let people = [&view.acknowledged_by, &view.resolved_by];
    let people = people.into_iter().flatten().map(String::as_str);
    view.handled_by_names =
        sanshe_store::accounts::display_names_of_usernames(&mut *conn, people).await?;
    Ok(view)
}

impl AlertView {
    /// The name of a user who handled it (their user name if unknown).
    pub fn name_of(&self, username: &str) -> String {
        self.handled_by_names
            .get(username)
            .cloned()
            .unwrap_or_else(|| username.to_string())
    }
}

/// Takes an open alert.
pub async fn acknowledge(app: &App, actor: &Actor, id: &str) -> Result<AlertView> {
    let mut tx = app.db.begin().await?;
    let a = visible(&mut tx, actor, id).await?;
    if a.status != AlertStatus::Open {
        return Err(AppError::field("status", "err-alert-not-open"));
    }
    store::acknowledge(&mut tx, id, &actor.display_name, app.clock.now_ms()).await?;
    audit::record(&mut tx, actor, "alert.acknowledged", a.subject(), "").await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Takes several open alerts at once, as ticked on a page of the list (at most a page of
/// them); those someone else took first are passed over. All of them must be in the actor's
/// scope, or none is taken. Answers how many this call took.
pub async fn acknowledge_many(app: &App, actor: &Actor, ids: &[String]) -> Result<usize> {
    if ids.is_empty() {
        return Err(AppError::field("id", "err-alerts-none-chosen"));
    }
    if ids.len() > MAX_ALERTS_PAGE as usize {
        return Err(AppError::limit(
            "id",
            "err-alerts-too-many-max",
            MAX_ALERTS_PAGE,
        ));
    }
    let mut tx = app.db.begin().await?;
    let now = app.clock.now_ms();
    let mut taken = 0;
    for id in ids {
        let a = visible(&mut tx, actor, id).await?;
        // The update is the decision: of two workers ticking the same alert, one takes it.
        if a.status == AlertStatus::Open
            && store::acknowledge(&mut tx, id, &actor.display_name, now).await?
        {
            audit::record(&mut tx, actor, "alert.acknowledged", a.subject(), "").await?;
            taken += 1;
        }
    }
    sanshe_store::commit(tx).await?;
    Ok(taken)
}

/// Resolves an alert with a note saying what was done.
pub async fn resolve(app: &App, actor: &Actor, id: &str, note: &str) -> Result<AlertView> {
    let note = sanshe_core::contacts::note(note).map_err(|e| AppError::field("note", e))?;
    if note.is_empty() {
        return Err(AppError::field("note", "err-required"));
    }
    let mut tx = app.db.begin().await?;
    let a = visible(&mut tx, actor, id).await?;
    if a.status == AlertStatus::Resolved {
        return Err(AppError::field("status", "err-alert-resolved"));
    }
    store::resolve(&mut tx, id, &actor.display_name, &note, app.clock.now_ms()).await?;
    audit::record(&mut tx, actor, "alert.resolved", a.subject(), &note).await?;
    sanshe_store::commit(tx).await?;
    get(app, actor, id).await
}

/// Open alerts about one subject (an episode's page).
pub async fn about(app: &App, subject_id: &str) -> Result<Vec<AlertView>> {
    let mut conn = app.db.conn().await?;
    Ok(store::alerts_about(&mut conn, subject_id)
        .await?
        .into_iter()
        .map(AlertView::from)
        .collect())
}

/// The message that tells one webhook of an alert (the alert carries its own place).
pub(crate) fn alert_message<'a>(
    webhook: &'a str,
    alert_id: &'a str,
    kind: AlertKind,
) -> notify_store::Queued<'a> {
    notify_store::Queued {
        webhook_id: webhook,
        subject_id: alert_id,
        summary: kind.as_str(),
        area_path: None,
    }
}
