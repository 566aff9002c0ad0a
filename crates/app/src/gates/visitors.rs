//! Visitors and deliveries registered at the gate.

use super::*;
use sanshe_core::gates::VisitorKind;

/// A visitor or delivery registered at a gate.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct VisitorInput {
    /// The gate.
    #[schema(max_length = 64)]
    pub gate_id: String,
    /// `visitor` (default) or `delivery`.
    #[schema(pattern = "^(visitor|delivery)$")]
    pub kind: Option<String>,
    /// Name.
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    /// Phone.
    #[serde(default)]
    #[schema(max_length = 20)]
    pub phone: String,
    /// Why (送药, 维修, 探望老人…).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub reason: String,
    /// Whom they visit (room or name).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub host: String,
    /// °C (required for people who enter).
    #[schema(value_type = Option<f64>)]
    pub temperature: Option<serde_json::Value>,
    /// Whether they go in (a courier usually leaves things at the gate).
    #[serde(default)]
    pub entered: bool,
}

/// A visitor as listed (phone masked).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct VisitorView {
    /// Id.
    pub id: String,
    /// Gate.
    pub gate_id: String,
    /// `visitor` / `delivery`.
    pub kind: sanshe_core::gates::VisitorKind,
    /// Name.
    pub name: String,
    /// Masked phone.
    pub phone: Option<String>,
    /// Why.
    pub reason: String,
    /// Whom.
    pub host: String,
    /// °C.
    pub temperature: Option<String>,
    /// Went in.
    pub entered: bool,
    /// YYYY-MM-DD HH:MM, China time.
    pub at: String,
}

/// Registers a visitor or a delivery; a fever refuses entry and raises the gate's alert.
pub async fn register_visitor(
    app: &App,
    actor: &Actor,
    input: &VisitorInput,
) -> Result<VisitorView> {
    let mut errors = sanshe_core::FieldErrors::default();
    let kind = input
        .kind
        .as_deref()
        .map_or(Ok(VisitorKind::Visitor), VisitorKind::parse);
    let kind = errors.take("kind", kind).unwrap_or(VisitorKind::Visitor);
    let name = errors
        .take_field(sanshe_core::text::required_line("name", &input.name, 40))
        .unwrap_or_default();
    let name = name.as_str();
    let phone = if input.phone.trim().is_empty() {
        None
    } else {
        errors.take("phone", sanshe_core::phone::Phone::parse(&input.phone))
    };
    let temperature = match &input.temperature {
        Some(serde_json::Value::Number(n)) => {
            errors.take("temperature", Temperature::parse(&n.to_string()))
        }
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
            errors.take("temperature", Temperature::parse(s))
        }
        _ if input.entered => errors.take("temperature", Temperature::parse("")),
        _ => None,
    };
    let reason = errors
        .take_field(sanshe_core::text::line("reason", &input.reason, 100))
        .unwrap_or_default();
    let host = errors
        .take_field(sanshe_core::text::line("host", &input.host, 100))
        .unwrap_or_default();
    errors.into_result()?;
    let fever = temperature.is_some_and(|t| t.is_fever(app.rules.fever_tenths));
    // Read before the transaction: it takes a connection of its own.
    let on_duty = on_duty_at(app, actor, input.gate_id.trim()).await?;
    let mut tx = app.db.begin().await?;
    let gate = store::gate(&mut tx, &input.gate_id)
        .await
        .map_err(|_| AppError::field("gate_id", "err-gate-not-found"))?;
    let staffs_it = actor.may(Action::GateDuty, Target::Area(&gate.area_path))
        || (on_duty && gate.id == input.gate_id.trim());
    if !staffs_it {
        return Err(AppError::field("gate_id", "err-gate-not-found"));
    }
    let now = app.clock.now_ms();
    let id = new_id();
    let entered = input.entered && !fever;
    let sealed = phone.as_ref().map(|p| app.vault.seal(p.as_str()));
    let masked = phone.as_ref().map(|p| p.masked());
    store::insert_visitor(
        &mut tx,
        &VisitorRow {
            id: id.clone(),
            gate_id: gate.id.clone(),
            area_path: gate.area_path.clone(),
            kind,
            name: name.to_string(),
            phone_cipher: sealed,
            phone_masked: masked.clone(),
            reason: reason.clone(),
            host: host.clone(),
            temperature: temperature.map(|t| t.tenths()),
            entered,
            at: now,
            recorded_by: actor.username.clone(),
        },
    )
    .await?;
    let local = local_time(now);
    let hour_start = utc_ms(
        local
            .date()
            .and_hms_opt(local.hour(), 0, 0)
            .unwrap_or_default(),
    );
    store::add_hours(
        &mut *tx,
        &[HourCounts {
            gate_id: gate.id.clone(),
            hour_start,
            day: local.date().format("%Y-%m-%d").to_string(),
            area_path: gate.area_path.clone(),
            visitors: 1,
            refused: i64::from(fever),
            ..Default::default()
        }],
    )
    .await?;
    if fever {
        store::add_refusals(
            &mut *tx,
            &[(
                gate.id.clone(),
                local.date().format("%Y-%m-%d").to_string(),
                Refusal::Fever.as_str(),
                gate.area_path.clone(),
                1,
            )],
        )
        .await?;
        let routes = Routes::load(&mut *tx).await?;
        alerts::raise(
            &mut *tx,
            &routes,
            Trouble {
                kind: AlertKind::GateFever,
                area_path: &gate.area_path,
                subject_kind: AlertSubject::Gate,
                subject_id: &gate.id,
                event: &id,
                detail: "",
            },
            now,
        )
        .await?;
    }
    sanshe_store::commit(tx).await?;
    Ok(VisitorView {
        id,
        gate_id: gate.id,
        kind,
        name: name.into(),
        phone: masked,
        reason,
        host,
        temperature: temperature.map(|t| t.to_string()),
        entered,
        at: local.format("%Y-%m-%d %H:%M").to_string(),
    })
}

/// Which visitors to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct VisitorFilter {
    /// A gate, or an area (compound, community, street).
    pub at: String,
    /// YYYY-MM-DD (default today).
    pub date: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// A page of visitors, latest first.
pub type VisitorsPage = crate::cursor::Page<VisitorView>;

/// Visitors of a day below an area or at a gate, latest first, a page at a time with the
/// total: a street's busy day runs past any one list.
pub async fn visitors(app: &App, actor: &Actor, f: &VisitorFilter) -> Result<VisitorsPage> {
    let (day, within, gate_only) = gate_day(app, actor, &f.at, f.date.as_deref()).await?;
    let before = crate::cursor::decode_timed(f.after.as_deref())?;
    let before = before.as_ref().map(|(at, id)| (*at, id.as_str()));
    let limit = f.limit.unwrap_or(100).clamp(1, 500);
    let from = utc_ms(day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let scope = store::VisitorScope {
        within: &within,
        gate_id: gate_only.as_deref(),
        from,
        to: from + Duration::days(1).num_milliseconds(),
    };
    let mut conn = app.db.conn().await?;
    let mut rows = store::visitors(&mut conn, scope, before, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |v| {
        crate::cursor::encode_timed(v.at, &v.id)
    });
    let total = store::count_visitors(&mut conn, scope).await?;
    let items = rows
        .into_iter()
        .map(|v| VisitorView {
            id: v.id,
            gate_id: v.gate_id,
            kind: v.kind,
            name: v.name,
            phone: v.phone_masked,
            reason: v.reason,
            host: v.host,
            temperature: v.temperature.map(sanshe_core::isolation::format_tenths),
            entered: v.entered,
            at: crate::stamp(v.at),
        })
        .collect();
    Ok(VisitorsPage { items, total, next })
}
