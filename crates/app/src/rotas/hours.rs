//! The service-hours ledger, its totals and the volunteer's certificate.

use super::*;
use crate::period::Period;
use sanshe_core::areas::AreaKind;

/// A line of the service-hours ledger.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ServedLine {
    /// Volunteer's user id.
    pub user_id: String,
    /// Volunteer's name.
    pub name: String,
    /// Their number in the national volunteer service system, when they gave one: what the
    /// line is entered into that system under.
    pub volunteer_number: Option<String>,
    /// Service: the post served.
    pub post: String,
    /// Kind of post.
    pub kind: String,
    /// Date, YYYY-MM-DD China time (of the check-in).
    pub date: String,
    /// Checked in, HH:MM.
    pub from: String,
    /// Checked out, HH:MM.
    pub until: String,
    /// Minutes counted.
    pub minutes: i64,
    /// Who booked, and so confirms, the shift.
    pub confirmed_by: String,
    /// Where: the name of the post's area (a community, a compound, a care home's area).
    pub place: String,
}

/// Service hours: a page of the lines and the total of all of them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ServiceHours {
    /// This page's lines, latest first.
    pub lines: Vec<ServedLine>,
    /// Total minutes of every line, not only this page's.
    pub total_minutes: i64,
    /// The cursor of the next page (`before`), when there are more lines.
    pub next: Option<String>,
}

/// The most lines one page of the ledger holds.
pub const MAX_LEDGER_PAGE: i64 = 5000;

/// The caller's own service hours, or, with `everyone`, those of everyone in the caller's rota
/// scope (workers and coordinators), checked in within `period` (China days): at most `limit`
/// (1–5,000) lines, latest first, after the line `before` (a page's `next`), with the total of
/// every line of the period.
pub async fn hours(
    app: &App,
    actor: &Actor,
    everyone: bool,
    period: &Period,
    before: Option<&str>,
    limit: i64,
) -> Result<ServiceHours> {
    let (lines, next) = ledger_page(app, actor, everyone, period, before, limit).await?;
    let ledger = Ledger::of(actor, everyone, period)?;
    let mut conn = app.db.conn().await?;
    let total_minutes = store::served_minutes(&mut *conn, &ledger.query()).await?;
    Ok(ServiceHours {
        lines,
        total_minutes,
        next,
    })
}

/// Whose lines a ledger holds, and when: one person's wherever they served, or the rota
/// scope's, checked in within a period.
struct Ledger {
    person: Option<String>,
    roots: Vec<String>,
    window: (Option<i64>, Option<i64>),
}

impl Ledger {
    fn of(actor: &Actor, everyone: bool, period: &Period) -> Result<Ledger> {
        let window = period.open_ms()?;
        if everyone {
            let roots = actor.scope(Action::ManageRotas).roots().to_vec();
            Ok(Ledger {
                person: None,
                roots,
                window,
            })
        } else {
            let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
            Ok(Ledger {
                person: Some(own),
                roots: vec![String::new()],
                window,
            })
        }
    }

    fn query(&self) -> store::LedgerQuery<'_> {
        store::LedgerQuery {
            user_id: self.person.as_deref(),
            roots: &self.roots,
            since: self.window.0,
            until: self.window.1,
        }
    }
}

/// A page of the ledger `hours` reads and the cursor of the next, without the total: what a
/// reader going through every page (an export, a record) needs.
pub async fn ledger_page(
    app: &App,
    actor: &Actor,
    everyone: bool,
    period: &Period,
    before: Option<&str>,
    limit: i64,
) -> Result<(Vec<ServedLine>, Option<String>)> {
    let cursor = before
        .filter(|b| !b.is_empty())
        .map(|b| served_cursor(b).ok_or_else(|| AppError::field("before", "err-cursor")))
        .transpose()?;
    let limit = limit.clamp(1, MAX_LEDGER_PAGE);
    let ledger = Ledger::of(actor, everyone, period)?;
    let mut conn = app.db.conn().await?;
    let mut rows = store::served(&mut *conn, &ledger.query(), cursor.as_ref(), limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |r| {
        format!("{}.{}.{}", r.checked_in_at, r.shift_id, r.user_id)
    });
    let people = rows.iter().map(|r| r.user_id.as_str());
    let names = sanshe_store::accounts::display_names(&mut *conn, people).await?;
    let mut ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let numbers: HashMap<String, String> = sanshe_store::volunteers::numbers_of(&mut *conn, &ids)
        .await?
        .into_iter()
        .collect();
    // Paths are the ids of an area's ancestors and itself, 32 characters each: the last is
    // the area's own id.
    let mut places: HashMap<String, String> = HashMap::new();
    for r in &rows {
        let id = r.area_path[r.area_path.len().saturating_sub(32)..].to_string();
        if !places.contains_key(&id)
            && let Ok(a) = area_store::get(&mut conn, &id).await
        {
            places.insert(id, a.name);
        }
    }
    let lines: Vec<ServedLine> = rows
        .into_iter()
        .map(|r| {
            let from = local_time(r.checked_in_at);
            let place = places
                .get(&r.area_path[r.area_path.len().saturating_sub(32)..])
                .cloned()
                .unwrap_or_default();
            ServedLine {
                name: names.get(&r.user_id).cloned().unwrap_or_default(),
                volunteer_number: numbers.get(&r.user_id).cloned(),
                user_id: r.user_id,
                post: r.post_name,
                kind: r.post_kind,
                date: from.date().to_string(),
                from: from.format("%H:%M").to_string(),
                until: local_time(r.checked_out_at).format("%H:%M").to_string(),
                minutes: r.served_minutes,
                confirmed_by: r.booked_by,
                place,
            }
        })
        .collect();
    Ok((lines, next))
}

/// A ledger cursor read back: check-in time, shift and person (ids in hex, maybe hyphenated).
fn served_cursor(raw: &str) -> Option<store::ServedCursor> {
    let mut parts = raw.splitn(3, '.');
    let checked_in_at = parts.next()?.parse().ok()?;
    let hex = |p: &str| {
        (!p.is_empty() && p.len() <= 64 && p.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
            .then(|| p.to_string())
    };
    let shift_id = hex(parts.next()?)?;
    let user_id = hex(parts.next()?)?;
    Some(store::ServedCursor {
        checked_in_at,
        shift_id,
        user_id,
    })
}

/// The areas where the caller works on rotas (their deployments): (id, name).
pub async fn home_areas(app: &App, actor: &Actor) -> Result<Vec<(String, String)>> {
    let scope = actor.scope(Action::TakeShifts);
    let mut conn = app.db.conn().await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for g in &actor.grants {
        if let sanshe_core::accounts::GrantScope::Area { id, path } = &g.scope
            && scope.roots().contains(path)
            && !out.iter().any(|(i, _)| i == id)
        {
            out.push((id.clone(), area_store::get(&mut conn, id).await?.name));
        }
    }
    Ok(out)
}

/// Service totals of one group (a community, an organization).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HoursTotal {
    /// The community's or organization's name (individual sign-ups: empty).
    pub name: String,
    /// People who served.
    pub people: i64,
    /// Shifts served.
    pub shifts: i64,
    /// Minutes served.
    pub minutes: i64,
}

/// Service totals for a bureau, a community or an organization.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct HoursTotals {
    /// All of it.
    pub all: HoursTotal,
    /// Per community where the shifts were (within the caller's areas), most minutes first.
    pub by_community: Vec<HoursTotal>,
    /// Per organization the volunteers gave when applying, most minutes first.
    pub by_organization: Vec<HoursTotal>,
}

/// Totals of the service recorded in the caller's areas (workers, the bureau) and by the
/// members of the organizations they run (organization admins).
pub async fn hours_totals(app: &App, actor: &Actor) -> Result<HoursTotals> {
    let mut conn = app.db.conn().await?;
    let roots = actor.scope(Action::ManageRotas).roots().to_vec();
    let organizations = sanshe_core::accounts::organizations_run(&actor.grants);
    if roots.is_empty() && organizations.is_empty() {
        return Err(AppError::Forbidden);
    }
    let groups = store::served_groups(&mut *conn, &roots, &organizations).await?;
    let communities: HashMap<String, String> =
        area_store::every(&mut conn, &roots, AreaKind::Community)
            .await?
            .into_iter()
            .map(|c| (c.path, c.name))
            .collect();
    let community_of = |path: &str| {
        sanshe_core::areas::lineage(path)
            .find_map(|p| communities.get(p).cloned())
            .unwrap_or_default()
    };
    type Sums = HashMap<String, (std::collections::HashSet<String>, i64, i64)>;
    let (mut by_community, mut by_organization, mut everyone): (Sums, Sums, Sums) =
        Default::default();
    for (user, path, shifts, minutes, organization) in groups {
        let in_areas = roots.iter().any(|r| path.starts_with(r.as_str()));
        let add = |sums: &mut Sums, key: String| {
            let e = sums.entry(key).or_default();
            e.0.insert(user.clone());
            e.1 += shifts;
            e.2 += minutes;
        };
        if in_areas {
            add(&mut by_community, community_of(&path));
        }
        add(&mut by_organization, organization.trim().to_string());
        add(&mut everyone, String::new());
    }
    let listed = |sums: Sums| {
        let mut out: Vec<HoursTotal> = sums
            .into_iter()
            .map(|(name, (people, shifts, minutes))| HoursTotal {
                name,
                people: people.len() as i64,
                shifts,
                minutes,
            })
            .collect();
        out.sort_by(|a, b| b.minutes.cmp(&a.minutes).then_with(|| a.name.cmp(&b.name)));
        out
    };
    Ok(HoursTotals {
        all: listed(everyone).pop().unwrap_or(HoursTotal {
            name: String::new(),
            people: 0,
            shifts: 0,
            minutes: 0,
        }),
        by_community: listed(by_community),
        by_organization: listed(by_organization),
    })
}

/// A volunteer's record of service as printed (《志愿服务记录与证明出具办法（试行）》: who,
/// what service, where, when, hours, who confirmed; a number; the issuers sign and seal).
#[derive(Debug, Clone)]
pub struct Certificate {
    /// Name.
    pub name: String,
    /// The account's user name on this platform. Not a volunteer number: that is the national
    /// volunteer system's (中国志愿服务信息系统), which sanshe does not hold, and a stamped
    /// record must not pass one off as the other.
    pub account: String,
    /// Their number in the national volunteer service system, when they gave one.
    pub volunteer_number: Option<String>,
    /// ID number, masked (from the application; empty for accounts made otherwise).
    pub document: String,
    /// Organization given when applying.
    pub organization: String,
    /// The services.
    pub hours: ServiceHours,
    /// Minutes per place served, the issuers to sign: (place, minutes), most first.
    pub places: Vec<(String, i64)>,
    /// Certificate number: date, the person, the minutes (the same record printed twice the
    /// same day has the same number).
    pub serial: String,
    /// Issue date.
    pub issued: String,
}

/// The caller's record of service to print; its number is entered in the audit log, the
/// register of numbers issued, once however often the same record is shown.
pub async fn certificate(app: &App, actor: &Actor) -> Result<Certificate> {
    // Every line of the record, however many pages of the ledger they take.
    let all = Period::default();
    let (mut lines, mut next) = ledger_page(app, actor, false, &all, None, MAX_LEDGER_PAGE).await?;
    while let Some(cursor) = next {
        let page = ledger_page(app, actor, false, &all, Some(&cursor), MAX_LEDGER_PAGE);
        let (more, after) = page.await?;
        lines.extend(more);
        next = after;
    }
    let hours = ServiceHours {
        total_minutes: lines.iter().map(|l| l.minutes).sum(),
        lines,
        next: None,
    };
    let own = actor.user_id.clone().ok_or(AppError::Forbidden)?;
    let mut conn = app.db.conn().await?;
    let application = sanshe_store::volunteers::of_user(&mut *conn, &own)
        .await
        .ok();
    let volunteer_number = sanshe_store::volunteers::number_of(&mut *conn, &own).await?;
    let mut places: Vec<(String, i64)> = Vec::new();
    for l in &hours.lines {
        match places.iter_mut().find(|(p, _)| *p == l.place) {
            Some(p) => p.1 += l.minutes,
            None => places.push((l.place.clone(), l.minutes)),
        }
    }
    places.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let serial = format!(
        "{}-{}-{}",
        app.today().format("%Y%m%d"),
        own.chars().rev().take(6).collect::<String>(),
        hours.total_minutes
    );
    audit_store::append_once(
        &mut *conn,
        &audit_store::NewAuditEntry {
            action: "hours.certificate",
            target_kind: "user",
            target_id: &own,
            detail: &serial,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(Certificate {
        name: actor.display_name.clone(),
        account: actor.username.clone(),
        volunteer_number,
        document: application
            .as_ref()
            .map(|a| a.document_masked.clone())
            .unwrap_or_default(),
        organization: application.map(|a| a.organization).unwrap_or_default(),
        hours,
        places,
        serial,
        issued: app.today().to_string(),
    })
}
