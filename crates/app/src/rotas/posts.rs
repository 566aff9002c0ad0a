//! Duty posts: what must be covered, where, by how many, with which skill.

use super::*;
use sanshe_core::areas::natural_sort_key;
use sanshe_core::rotas::PostKind;

/// A post as shown.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PostView {
    /// Id.
    pub id: String,
    /// The area it serves.
    pub area_id: String,
    /// Name.
    pub name: String,
    /// `gate`, `hotline`, `care_home`, `support`, `other`.
    pub kind: sanshe_core::rotas::PostKind,
    /// When its daily cover starts, HH:MM China time.
    pub cover_from: String,
    /// Hours covered a day.
    pub cover_hours: i64,
    /// Hours a shift.
    pub shift_hours: i64,
    /// People per shift.
    pub people: i64,
    /// The skill its duty needs, if any.
    pub skill: Option<String>,
    /// The gate its people staff (a gate post): checked in, they scan there.
    pub gate_id: Option<String>,
}

pub(super) fn post_view(p: PostRow) -> PostView {
    PostView {
        cover_from: format!(
            "{:02}:{:02}",
            p.cover_from_minute / 60,
            p.cover_from_minute % 60
        ),
        id: p.id,
        area_id: p.area_id,
        name: p.name,
        kind: p.kind,
        cover_hours: p.cover_hours,
        shift_hours: p.shift_hours,
        people: p.people,
        skill: p.skill,
        gate_id: p.gate_id,
    }
}

/// A new post.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PostInput {
    /// The area (community, compound, care home's area) it serves.
    #[schema(max_length = 64)]
    pub area_id: String,
    /// Name, e.g. 一区南门 or 心理热线 1.
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    /// `gate`, `hotline`, `care_home`, `support`, `other`.
    pub kind: String,
    /// When cover starts each day, HH:MM China time.
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub cover_from: String,
    /// Hours covered a day (24 round the clock).
    pub cover_hours: u32,
    /// Hours a shift.
    pub shift_hours: u32,
    /// People on duty at once.
    pub people: u32,
    /// The skill its duty needs (`counselling`, `medical`, …), if any: only volunteers with it
    /// see its open shifts.
    pub skill: Option<String>,
    /// For a gate post, the gate its people staff: whoever is checked in on one of its
    /// shifts scans passes and registers visitors there, and nowhere else.
    #[schema(max_length = 64)]
    pub gate_id: Option<String>,
}

/// Adds a duty post.
pub async fn add_post(app: &App, actor: &Actor, input: &PostInput) -> Result<PostView> {
    let mut errors = sanshe_core::FieldErrors::default();
    let name = errors
        .take_field(sanshe_core::text::required_line("name", &input.name, 40))
        .unwrap_or_default();
    let name = name.as_str();
    let kind = errors.take("kind", PostKind::parse(&input.kind));
    let skill = input
        .skill
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if skill.is_some_and(|s| !crate::volunteers::SKILLS.contains(&s)) {
        errors.push("skill", "err-volunteer-skill");
    }
    let from = NaiveTime::parse_from_str(input.cover_from.trim(), "%H:%M").ok();
    if from.is_none() {
        errors.push("cover_from", "err-post-cover-from");
    }
    let coverage = match Coverage::new(
        from.unwrap_or(NaiveTime::MIN),
        input.cover_hours,
        input.shift_hours,
        input.people,
    ) {
        Ok(c) => Some(c),
        Err((field, id)) => {
            errors.push(field, id);
            None
        }
    };
    errors.into_result()?;
    let (Some(from), Some(coverage)) = (from, coverage) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };
    let mut tx = app.db.begin().await?;
    let area = area_store::get(&mut tx, &input.area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    actor.require_for(
        Action::ManageRotas,
        Target::Area(&area.path),
        "area_id",
        "err-area-not-found",
    )?;
    let mut post = PostRow {
        id: new_id(),
        area_id: area.id.clone(),
        area_path: area.path.clone(),
        name: name.to_string(),
        kind: kind.unwrap_or(PostKind::Other),
        cover_from_minute: i64::from(
            chrono::Timelike::hour(&from) * 60 + chrono::Timelike::minute(&from),
        ),
        cover_hours: coverage.hours.into(),
        shift_hours: coverage.shift_hours.into(),
        people: coverage.people.into(),
        skill: skill.map(String::from),
        gate_id: None,
    };
    let gate_id = input
        .gate_id
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    if let Some(gate_id) = gate_id {
        if post.kind != PostKind::Gate {
            return Err(AppError::field("gate_id", "err-post-gate-kind"));
        }
        // The gate must close a compound in the post's area (or the compound the post serves).
        let gate = sanshe_store::gates::gate(&mut tx, gate_id)
            .await
            .ok()
            .filter(|g| g.area_path.starts_with(&area.path) || area.path.starts_with(&g.area_path))
            .ok_or_else(|| AppError::field("gate_id", "err-gate-not-found"))?;
        post.gate_id = Some(gate.id);
    }
    store::insert_post(&mut *tx, &post, app.clock.now_ms()).await?;
    audit::record(&mut tx, actor, "post.created", post.subject(), name).await?;
    sanshe_store::commit(tx).await?;
    Ok(post_view(post))
}

/// Posts below an area.
pub async fn posts(app: &App, actor: &Actor, area_id: &str) -> Result<Vec<PostView>> {
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id).await?;
    let scope = actor.scope(Action::TakeShifts);
    if !scope.overlaps(&area.path) {
        return Err(AppError::NotFound);
    }
    Ok(store::posts(&mut *conn, scope.roots(), &area.path)
        .await?
        .into_iter()
        .map(post_view)
        .collect())
}

/// The posts of the areas the caller posts needs for, grouped by the place each guards, the
/// places by name: what a form offers to choose a post from, where posts of different
/// communities share names (every compound has a 南门).
pub async fn posts_by_place(app: &App, actor: &Actor) -> Result<Vec<(String, Vec<PostView>)>> {
    let staffed = actor.scope(Action::TakeShifts);
    let mut conn = app.db.conn().await?;
    let mut rows: Vec<PostRow> = Vec::new();
    for within in actor.scope(Action::LinkOrganizations).roots() {
        rows.extend(store::posts(&mut *conn, staffed.roots(), within).await?);
    }
    let names = area_store::names_of(&mut *conn, rows.iter().map(|p| p.area_id.as_str())).await?;
    // By place name as people count them (二区 before 三区), then place, each place's posts by
    // name as the store reads them; a post under two of the roots is read twice and kept once.
    let mut groups: std::collections::BTreeMap<(String, String), (String, Vec<PostView>)> =
        Default::default();
    for p in rows {
        let place = names.get(&p.area_id).cloned().unwrap_or_default();
        let key = (natural_sort_key(&[&place]), p.area_id.clone());
        let (_, posts) = groups.entry(key).or_insert_with(|| (place, Vec::new()));
        if !posts.iter().any(|q| q.id == p.id) {
            posts.push(post_view(p));
        }
    }
    Ok(groups.into_values().collect())
}

pub(super) fn coverage_of(p: &PostRow) -> Result<Coverage> {
    let from = NaiveTime::from_hms_opt(
        (p.cover_from_minute / 60) as u32,
        (p.cover_from_minute % 60) as u32,
        0,
    )
    .unwrap_or(NaiveTime::MIN);
    Coverage::new(
        from,
        p.cover_hours as u32,
        p.shift_hours as u32,
        p.people as u32,
    )
    .map_err(|_| AppError::Internal(format!("post {} has a bad coverage", p.id)))
}
