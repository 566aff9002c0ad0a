//! The bureau's linkage map: every community in scope with the organizations linked to it,
//! their duties and people deployed, and the service of the last 7 and 30 days; communities no
//! organization supports, and duties nobody is deployed for, are marked. Four queries for the
//! whole city, folded here by community path into a snapshot each caller's scope is cut from.
//!
//! The snapshot is kept for 30 seconds, and dropped at once when this node changes a linkage, a
//! deployment or a shift's service (`MapSnapshot::touch`); another node's changes show within
//! the 30 seconds. Reading the city's four tables takes ~0.6 s at 5,000 communities, the
//! snapshot a few milliseconds (docs/benchmarks.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sanshe_core::accounts::Action;
use sanshe_core::organizations::{Duty, LinkageStatus};

use super::*;

/// An organization linked to a community, as the map shows it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MapOrganization {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its duties there.
    pub duties: Vec<Duty>,
    /// `proposed` or `active`.
    pub status: LinkageStatus,
    /// Its people deployed there.
    pub people: i64,
}

/// One community on the map.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MapCommunity {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The organizations linked to it (proposed or active).
    pub organizations: Vec<MapOrganization>,
    /// People deployed there (members of organizations and the community's own volunteers).
    pub people: i64,
    /// Hours of service recorded on its shifts in the last 7 days.
    pub hours_7d: i64,
    /// … and in the last 30 days.
    pub hours_30d: i64,
    /// No organization holds an active linkage with it.
    pub unsupported: bool,
    /// Active duties of an organization that has nobody deployed there.
    pub duties_uncovered: Vec<Duty>,
    /// Its path, while the map is made.
    #[serde(skip)]
    path: String,
}

/// How long a snapshot of the map serves before it is read again.
const SNAPSHOT_TTL: Duration = Duration::from_secs(30);

/// A community of the snapshot: its path (to cut scopes with) and what the map shows.
type Snapshot = Arc<Vec<(String, MapCommunity)>>;

/// This node's snapshot of the whole map and the generation it was read at.
#[derive(Debug, Default)]
pub struct MapSnapshot {
    generation: AtomicI64,
    kept: Mutex<Option<(i64, Instant, Snapshot)>>,
}

impl MapSnapshot {
    /// Something the map shows changed on this node: the next read reads the tables.
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn fresh(&self) -> Option<Snapshot> {
        let generation = self.generation.load(Ordering::SeqCst);
        let kept = self.kept.lock().ok()?;
        kept.as_ref()
            .filter(|(g, at, _)| *g == generation && at.elapsed() < SNAPSHOT_TTL)
            .map(|(_, _, s)| s.clone())
    }

    fn keep(&self, generation: i64, snapshot: Snapshot) {
        if let Ok(mut kept) = self.kept.lock() {
            *kept = Some((generation, Instant::now(), snapshot));
        }
    }
}

/// The map of the communities in the actor's scope, the unsupported first, then by name.
pub async fn linkage_map(app: &App, actor: &Actor) -> Result<Vec<MapCommunity>> {
    let scope = actor.scope(Action::LinkOrganizations);
    if scope.is_empty() {
        return Err(AppError::NotFound);
    }
    let snapshot = match app.linkage_map.fresh() {
        Some(s) => s,
        None => {
            let generation = app.linkage_map.generation.load(Ordering::SeqCst);
            let s = Arc::new(read_map(app).await?);
            app.linkage_map.keep(generation, s.clone());
            s
        }
    };
    Ok(snapshot
        .iter()
        .filter(|(path, _)| scope.contains(path))
        .map(|(_, c)| c.clone())
        .collect())
}

/// Reads the whole map from the tables: every community, sorted.
async fn read_map(app: &App) -> Result<Vec<(String, MapCommunity)>> {
    let mut conn = app.db.conn().await?;
    let roots: Vec<String> = area_store::children(&mut conn, None)
        .await?
        .into_iter()
        .map(|a| a.path)
        .collect();
    let roots = roots.as_slice();
    let communities = area_store::search(&mut conn, roots, Some("community"), None, 20_000).await?;
    let linkages = store::linkages_within(&mut *conn, roots).await?;
    let deployed = sanshe_store::accounts::deployments(&mut *conn, roots).await?;
    let now = app.clock.now_ms();
    let served = sanshe_store::rotas::served_by_place(
        &mut *conn,
        roots,
        now - 30 * 86_400_000,
        now - 7 * 86_400_000,
    )
    .await?;
    drop(conn);

    // A place belongs to the community whose path prefixes its own; communities sit at a few
    // depths at most, so each place tries those lengths.
    let index: HashMap<&str, usize> = communities
        .iter()
        .enumerate()
        .map(|(i, c)| (c.path.as_str(), i))
        .collect();
    let mut lengths: Vec<usize> = communities.iter().map(|c| c.path.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let community_of = |path: &str| {
        lengths
            .iter()
            .filter(|&&n| n <= path.len())
            .find_map(|&n| path.get(..n).and_then(|p| index.get(p).copied()))
    };
    let mut out: Vec<MapCommunity> = communities
        .iter()
        .map(|c| MapCommunity {
            path: c.path.clone(),
            id: c.id.clone(),
            name: c.name.clone(),
            organizations: Vec::new(),
            people: 0,
            hours_7d: 0,
            hours_30d: 0,
            unsupported: true,
            duties_uncovered: Vec::new(),
        })
        .collect();
    // People per community and per (community, organization), each person once.
    let mut everyone: HashMap<usize, std::collections::HashSet<&str>> = HashMap::new();
    let mut per_org: HashMap<(usize, &str), std::collections::HashSet<&str>> = HashMap::new();
    for (organization, path, user) in &deployed {
        if let Some(i) = community_of(path) {
            everyone.entry(i).or_default().insert(user.as_str());
            per_org
                .entry((i, organization.as_str()))
                .or_default()
                .insert(user.as_str());
        }
    }
    for (i, them) in &everyone {
        out[*i].people = them.len() as i64;
    }
    let people: HashMap<(usize, &str), i64> = per_org
        .into_iter()
        .map(|(k, them)| (k, them.len() as i64))
        .collect();
    for l in &linkages {
        let Some(i) = community_of(&l.community_path) else {
            continue;
        };
        let status = LinkageStatus::parse(&l.status).unwrap_or(LinkageStatus::Proposed);
        let duties = Duty::split(&l.duties);
        let here = people
            .get(&(i, l.organization_id.as_str()))
            .copied()
            .unwrap_or(0);
        if status == LinkageStatus::Active {
            out[i].unsupported = false;
            if here == 0 {
                out[i].duties_uncovered.extend(duties.iter().copied());
            }
        }
        out[i].organizations.push(MapOrganization {
            id: l.organization_id.clone(),
            name: l.organization_name.clone(),
            duties,
            status,
            people: here,
        });
    }
    for (path, recent, total) in &served {
        if let Some(i) = community_of(path) {
            out[i].hours_7d += recent;
            out[i].hours_30d += total;
        }
    }
    for c in &mut out {
        c.hours_7d /= 60;
        c.hours_30d /= 60;
        c.duties_uncovered.sort();
        c.duties_uncovered.dedup();
    }
    let mut out: Vec<(String, MapCommunity)> = out
        .into_iter()
        .map(|mut c| (std::mem::take(&mut c.path), c))
        .collect();
    out.sort_by(|(_, a), (_, b)| {
        b.unsupported
            .cmp(&a.unsupported)
            .then_with(|| {
                a.duties_uncovered
                    .is_empty()
                    .cmp(&b.duties_uncovered.is_empty())
            })
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(out)
}
