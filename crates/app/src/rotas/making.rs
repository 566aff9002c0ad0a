//! Making a rota's shifts from its posts' cover, for days ahead (bulk, in one transaction).

use super::*;

/// Longest stretch of days shifts are made for at once.
pub const MAX_DAYS: u32 = 62;

/// Makes a post's shifts for `days` days from `from` (China time); days already made are kept.
/// Returns the number of shifts the post has in that stretch.
pub async fn make_shifts(
    app: &App,
    actor: &Actor,
    post_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<usize> {
    let mut conn = app.db.conn().await?;
    let post = store::post(&mut *conn, post_id).await?;
    drop(conn);
    actor.require(Action::ManageRotas, Target::Area(&post.area_path))?;
    let (path, id) = (post.area_path.clone(), post.id.clone());
    make_for(app, actor, vec![post], from, days, &id, &path).await
}

/// Makes the shifts of every post below an area the caller manages, for `days` days from
/// `from`, in one transaction; days already made are kept. Returns the number of shifts.
pub async fn make_area_shifts(
    app: &App,
    actor: &Actor,
    area_id: &str,
    from: NaiveDate,
    days: u32,
) -> Result<usize> {
    let mut conn = app.db.conn().await?;
    let area = area_store::get(&mut conn, area_id)
        .await
        .map_err(|_| AppError::field("area_id", "err-area-not-found"))?;
    let scope = actor.scope(Action::ManageRotas);
    if !scope.overlaps(&area.path) {
        return Err(AppError::field("area_id", "err-area-not-found"));
    }
    let posts = store::posts(&mut *conn, scope.roots(), &area.path).await?;
    drop(conn);
    make_for(app, actor, posts, from, days, &area.id, &area.path).await
}

pub(super) async fn make_for(
    app: &App,
    actor: &Actor,
    posts: Vec<PostRow>,
    from: NaiveDate,
    days: u32,
    target_id: &str,
    path: &str,
) -> Result<usize> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::field("days", "err-rota-days"));
    }
    // Shifts are made for the weeks ahead (and the week just past, to record it); a date years
    // away is a typo.
    sanshe_core::dates::within("from", from, app.today(), 7, 366)?;
    let mut rows = Vec::new();
    for post in &posts {
        let coverage = coverage_of(post)?;
        rows.extend(
            (0..days)
                .filter_map(|d| from.checked_add_days(chrono::Days::new(d.into())))
                .flat_map(|day| coverage.shifts_on(day))
                .map(|s| ShiftRow {
                    id: new_id(),
                    post_id: post.id.clone(),
                    area_path: post.area_path.clone(),
                    starts_at: utc_ms(s.start),
                    ends_at: utc_ms(s.end),
                    people: post.people,
                    taken: 0,
                }),
        );
    }
    let made = rows.len();
    let made_entry = MadeEntry {
        actor_id: actor.user_id.clone(),
        actor_name: actor.username.clone(),
        target_id: target_id.to_string(),
        path: path.to_string(),
        detail: format!("{from} +{days}: {} posts", posts.len()),
    };
    // A month of a street's rotas is ~100,000 rows: on a SQLite file they go through a
    // connection of their own.
    let (rows, made_entry) = (std::sync::Arc::new(rows), std::sync::Arc::new(made_entry));
    let (own_rows, own_entry) = (rows.clone(), made_entry.clone());
    let direct = app
        .db
        .on_own_connection(move |conn, runtime| {
            let mut tx = conn.begin()?;
            runtime.block_on(async {
                store::insert_shifts(&mut tx, &own_rows).await?;
                audit_store::append(&mut tx, &own_entry.entry()).await
            })?;
            tx.commit()
        })
        .await;
    match direct {
        Some(done) => done?,
        None => {
            let mut tx = app.db.begin().await?;
            store::insert_shifts(&mut *tx, &rows).await?;
            audit_store::append(&mut *tx, &made_entry.entry()).await?;
            sanshe_store::commit(tx).await?;
        }
    }
    Ok(made)
}

/// The audit entry of shifts made, owned so it can go to the blocking thread.
pub(super) struct MadeEntry {
    actor_id: Option<String>,
    actor_name: String,
    target_id: String,
    path: String,
    detail: String,
}

impl MadeEntry {
    fn entry(&self) -> audit_store::NewAuditEntry<'_> {
        audit_store::NewAuditEntry {
            actor_id: self.actor_id.as_deref(),
            actor_name: &self.actor_name,
            action: "shifts.made",
            target_kind: "shift",
            target_id: &self.target_id,
            area_path: Some(&self.path),
            detail: &self.detail,
            reason: None,
        }
    }
}
