//! The bureau's linkage map: every community in scope with the organizations linked to it,
//! their duties and people deployed, and the service of the last 7 and 30 days; communities no
//! organization supports, and duties nobody is deployed for, are marked. Four queries, folded
//! here by community path into a snapshot each caller's scope is cut from.
//!
//! Reading the whole city's tables takes ~0.6 s at 5,000 communities, the snapshot a few
//! milliseconds (docs/benchmarks.md), so the whole city is read only once per node and then
//! kept fresh in two ways. A change on this node names the places it touched
//! (`MapSnapshot::touch`), and the next read re-reads just their communities (a few
//! milliseconds) before it answers. Another node's changes are picked up by a re-read of the
//! whole city in the background every 30 seconds, while readers are answered from the last
//! snapshot.

use sanshe_core::areas::{AreaKind, natural_sort_key};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

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

/// How long (ms, by the app's clock) a snapshot of the whole city serves before it is read
/// again in the background.
const SNAPSHOT_TTL_MS: i64 = 30_000;

/// Past this many places touched between two reads, the whole city is read again.
const MOST_PLACES_PATCHED: usize = 200;

/// The communities of the map with their paths (to cut scopes with), in the map's order.
type Snapshot = Arc<Vec<(String, MapCommunity)>>;

/// What has changed on this node since the snapshot was read.
#[derive(Debug, Default)]
enum Touched {
    /// Nothing.
    #[default]
    Nothing,
    /// These places (paths): their communities are read again.
    Places(HashSet<String>),
    /// Too much or unknown: the whole city is read again.
    Everything,
}

impl Touched {
    fn add(&mut self, places: impl IntoIterator<Item = String>) {
        if let Touched::Nothing = self {
            *self = Touched::Places(HashSet::new());
        }
        if let Touched::Places(set) = self {
            set.extend(places);
            if set.len() > MOST_PLACES_PATCHED {
                *self = Touched::Everything;
            }
        }
    }
}

#[derive(Debug, Default)]
struct Kept {
    /// The snapshot and when (UTC ms) the whole city was last read for it.
    snapshot: Option<(i64, Snapshot)>,
    touched: Touched,
    /// A background re-read of the whole city is under way; the communities patched since it
    /// started, which it may have read before their change.
    refreshing: Option<HashSet<String>>,
}

/// This node's snapshot of the whole map.
#[derive(Debug, Default)]
pub struct MapSnapshot {
    kept: Mutex<Kept>,
    /// Held while a read brings the snapshot up to date, so that two patches cannot each
    /// start from the same snapshot and the later one drop the earlier one's communities.
    updating: tokio::sync::Mutex<()>,
}

impl MapSnapshot {
    /// This node changed something the map shows at these places (paths of the areas a
    /// linkage, deployment or shift belongs to): the next read re-reads their communities.
    pub fn touch(&self, places: impl IntoIterator<Item = String>) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.touched.add(places);
        }
    }

    /// This node changed something whose places it does not know: the next read reads it all.
    pub fn touch_everything(&self) {
        if let Ok(mut kept) = self.kept.lock() {
            kept.touched = Touched::Everything;
        }
    }
}

/// Marks the places a person is deployed at (and `also`, a place they just left) as changed:
/// a grant, a membership or an account's state changes what the map counts there.
pub(crate) async fn touch_person(app: &App, user_id: &str, also: Option<String>) {
    let places = match app.db.conn().await {
        Ok(mut conn) => sanshe_store::accounts::deployments_of(&mut *conn, &[user_id.to_string()])
            .await
            .map(|ds| ds.into_iter().map(|d| d.area_path).collect::<Vec<_>>()),
        Err(e) => Err(e),
    };
    match places {
        Ok(places) => app.linkage_map.touch(places.into_iter().chain(also)),
        // The change is committed; without its places the whole city is read again.
        Err(_) => app.linkage_map.touch_everything(),
    }
}

/// The map of the communities in the actor's scope, the unsupported first, then by name.
pub async fn linkage_map(app: &App, actor: &Actor) -> Result<Vec<MapCommunity>> {
    let scope = actor.scope(Action::LinkOrganizations);
    if scope.is_empty() {
        return Err(AppError::NotFound);
    }
    let snapshot = current(app).await?;
    Ok(snapshot
        .iter()
        .filter(|(path, _)| scope.contains(path))
        .map(|(_, c)| c.clone())
        .collect())
}

/// Which communities of the map to list.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct MapFilter {
    /// `true` for only those that need the coordinator's attention (`MapCommunity::marked`).
    pub marked: Option<bool>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// How the communities of a caller's map stand, over the whole map.
#[derive(Debug, Clone, Copy, Default)]
pub struct MapCounts {
    /// Communities on the map.
    pub communities: usize,
    /// Those no organization holds an active linkage with.
    pub unsupported: usize,
    /// Those with an active duty nobody is deployed for.
    pub uncovered: usize,
}

impl MapCommunity {
    /// Whether the coordinator should look at it: unsupported, or a duty nobody is deployed for.
    pub fn marked(&self) -> bool {
        self.unsupported || !self.duties_uncovered.is_empty()
    }

    /// Where it stands in the map's order before its name: the unsupported, then those with
    /// a duty uncovered, then the rest.
    fn rank(&self) -> u8 {
        if self.unsupported {
            0
        } else if !self.duties_uncovered.is_empty() {
            1
        } else {
            2
        }
    }

    /// Its place in the map's order: names as people count them (2号社区 before 10号社区).
    fn key(&self) -> (u8, String, &str) {
        (self.rank(), natural_sort_key(&[&self.name]), &self.id)
    }
}

/// A page of the map of the communities in the actor's scope in the map's order (the
/// unsupported first, then those with a duty uncovered, then by name), with the counts over
/// the whole map. A community whose standing changes between two pages moves in the order.
pub async fn linkage_map_page(
    app: &App,
    actor: &Actor,
    f: &MapFilter,
) -> Result<(crate::cursor::Page<MapCommunity>, MapCounts)> {
    let after = crate::cursor::after::<3>(f.after.as_deref())?;
    let after = match after {
        Some([rank, name, id]) => Some((
            rank.parse::<u8>()
                .map_err(|_| AppError::field("after", "err-cursor"))?,
            name,
            id,
        )),
        None => None,
    };
    let limit =
        usize::try_from(f.limit.unwrap_or(100).clamp(1, crate::cursor::MAX_PAGE)).unwrap_or(100);
    let scope = actor.scope(Action::LinkOrganizations);
    if scope.is_empty() {
        return Err(AppError::NotFound);
    }
    let snapshot = current(app).await?;
    let mut counts = MapCounts::default();
    let only_marked = f.marked.unwrap_or(false);
    let mut listed: Vec<&MapCommunity> = Vec::new();
    for (_, c) in snapshot.iter().filter(|(path, _)| scope.contains(path)) {
        counts.communities += 1;
        counts.unsupported += usize::from(c.unsupported);
        counts.uncovered += usize::from(!c.duties_uncovered.is_empty());
        if !only_marked || c.marked() {
            listed.push(c);
        }
    }
    let from = match &after {
        Some((rank, name, id)) => {
            let after = (*rank, natural_sort_key(&[name]), id.as_str());
            listed.partition_point(|c| c.key() <= after)
        }
        None => 0,
    };
    let mut items: Vec<MapCommunity> = listed[from..]
        .iter()
        .take(limit + 1)
        .map(|c| (*c).clone())
        .collect();
    let next = crate::cursor::cut(&mut items, limit as i64, |c| {
        crate::cursor::encode(&[&c.rank().to_string(), &c.name, &c.id])
    });
    let page = crate::cursor::Page {
        items,
        total: listed.len() as i64,
        next,
    };
    Ok((page, counts))
}

/// Reads the whole city once, so that the first coordinator to open the map after the node
/// starts is answered from the snapshot (called in the background at start-up).
pub async fn warm_linkage_map(app: &App) -> Result<()> {
    current(app).await.map(|_| ())
}

/// The snapshot with this node's changes in it: read whole the first time or after a change
/// whose places are unknown, patched for the places touched since, and re-read in the
/// background once it is older than `SNAPSHOT_TTL_MS`.
async fn current(app: &App) -> Result<Snapshot> {
    if let (Some(s), false) = kept_snapshot(app)? {
        return Ok(s);
    }
    let _updating = app.linkage_map.updating.lock().await;
    let (snapshot, touched) = {
        let mut kept = app
            .linkage_map
            .kept
            .lock()
            .map_err(|_| AppError::Internal("linkage map lock".into()))?;
        let touched = std::mem::take(&mut kept.touched);
        (kept.snapshot.clone(), touched)
    };
    let snapshot = match (snapshot, touched) {
        (Some((_, s)), Touched::Nothing) => return Ok(s),
        (Some((read_at, s)), Touched::Places(places)) => match patch(app, &s, &places).await {
            Ok((patched, communities)) => {
                let patched = Arc::new(patched);
                keep(app, Some(read_at), patched.clone(), communities);
                return Ok(patched);
            }
            Err(e) => {
                app.linkage_map.touch(places);
                return Err(e);
            }
        },
        (_, touched) => {
            let whole = read_map(app, None).await;
            match whole {
                Ok(w) => Arc::new(w),
                Err(e) => {
                    // What was taken is put back so that the next read tries again.
                    if let Touched::Places(places) = touched {
                        app.linkage_map.touch(places);
                    } else {
                        app.linkage_map.touch_everything();
                    }
                    return Err(e);
                }
            }
        }
    };
    keep(app, None, snapshot.clone(), Vec::new());
    Ok(snapshot)
}

/// The snapshot as kept and whether something was touched since (taking nothing), starting
/// the background re-read of the whole city when the snapshot is old.
fn kept_snapshot(app: &App) -> Result<(Option<Snapshot>, bool)> {
    let mut kept = app
        .linkage_map
        .kept
        .lock()
        .map_err(|_| AppError::Internal("linkage map lock".into()))?;
    if let Some((read_at, _)) = &kept.snapshot
        && app.clock.now_ms() - read_at >= SNAPSHOT_TTL_MS
        && kept.refreshing.is_none()
    {
        kept.refreshing = Some(HashSet::new());
        tokio::spawn(refresh(app.clone()));
    }
    let touched = !matches!(kept.touched, Touched::Nothing);
    Ok((kept.snapshot.as_ref().map(|(_, s)| s.clone()), touched))
}

/// Keeps a snapshot: read whole now (`read_at` None) or patched for `communities`.
fn keep(app: &App, read_at: Option<i64>, snapshot: Snapshot, communities: Vec<String>) {
    if let Ok(mut kept) = app.linkage_map.kept.lock() {
        if let Some(patched) = kept.refreshing.as_mut() {
            patched.extend(communities);
        }
        kept.snapshot = Some((read_at.unwrap_or_else(|| app.clock.now_ms()), snapshot));
    }
}

/// Reads the whole city in the background and swaps it in; the communities patched while it
/// read are patched again on the next read, as its copy of them may be older.
async fn refresh(app: App) {
    let whole = read_map(&app, None).await;
    // Not while a read patches the snapshot it would replace.
    let _updating = app.linkage_map.updating.lock().await;
    let Ok(mut kept) = app.linkage_map.kept.lock() else {
        return;
    };
    let patched = kept.refreshing.take().unwrap_or_default();
    if let Ok(whole) = whole {
        kept.snapshot = Some((app.clock.now_ms(), Arc::new(whole)));
        kept.touched.add(patched);
    }
}

/// The snapshot with the communities of `places` read again: (the new snapshot, the paths of
/// the communities read).
async fn patch(
    app: &App,
    snapshot: &[(String, MapCommunity)],
    places: &HashSet<String>,
) -> Result<(Vec<(String, MapCommunity)>, Vec<String>)> {
    // A place below a community stands for that community; one above or beside every
    // community (a new one, a street) is read as a root of its own.
    let mut roots: Vec<String> = places
        .iter()
        .map(|p| {
            snapshot
                .iter()
                .find(|(c, _)| p.starts_with(c.as_str()))
                .map_or_else(|| p.clone(), |(c, _)| c.clone())
        })
        .collect();
    roots.sort();
    roots.dedup();
    let fresh = read_map(app, Some(&roots)).await?;
    let read: HashSet<&str> = fresh.iter().map(|(p, _)| p.as_str()).collect();
    let mut out: Vec<(String, MapCommunity)> = snapshot
        .iter()
        .filter(|(p, _)| !read.contains(p.as_str()))
        .cloned()
        .collect();
    let communities = fresh.iter().map(|(p, _)| p.clone()).collect();
    out.extend(fresh);
    sort_map(&mut out);
    Ok((out, communities))
}

/// Reads the map from the tables: every community below `roots` (the whole city when None),
/// sorted.
async fn read_map(app: &App, roots: Option<&[String]>) -> Result<Vec<(String, MapCommunity)>> {
    let mut conn = app.db.conn().await?;
    let roots: Vec<String> = match roots {
        Some(r) => r.to_vec(),
        None => area_store::children(&mut conn, None)
            .await?
            .into_iter()
            .map(|a| a.path)
            .collect(),
    };
    let roots = roots.as_slice();
    let communities = area_store::every(&mut conn, roots, AreaKind::Community).await?;
    let mut linkages = store::linkages_within(&mut *conn, roots).await?;
    // A street's linkage above the roots (when only some communities are read again).
    let mut above: Vec<String> = roots
        .iter()
        .flat_map(|r| sanshe_core::areas::lineage(r).filter(move |p| p.len() < r.len()))
        .map(String::from)
        .collect();
    above.sort();
    above.dedup();
    linkages.extend(store::linkages_at(&mut *conn, &above).await?);
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
    let mut everyone: HashMap<usize, HashSet<&str>> = HashMap::new();
    let mut per_org: HashMap<(usize, &str), HashSet<&str>> = HashMap::new();
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
    // A street's linkage stands for every community of the street.
    let mut by_path: Vec<(&str, usize)> = communities
        .iter()
        .enumerate()
        .map(|(i, c)| (c.path.as_str(), i))
        .collect();
    by_path.sort_unstable();
    let below = |path: &str| -> Vec<usize> {
        let from = by_path.partition_point(|(p, _)| *p < path);
        by_path[from..]
            .iter()
            .take_while(|(p, _)| p.starts_with(path))
            .map(|(_, i)| *i)
            .collect()
    };
    for l in &linkages {
        let places = match community_of(&l.community_path) {
            Some(i) => vec![i],
            None => below(&l.community_path),
        };
        let status = l.status;
        let duties = Duty::split(&l.duties);
        for i in places {
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
                duties: duties.clone(),
                status,
                people: here,
            });
        }
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
    sort_map(&mut out);
    Ok(out)
}

/// The map's order (`MapCommunity::key`): the unsupported first, then those with a duty
/// uncovered, then by name.
fn sort_map(map: &mut [(String, MapCommunity)]) {
    map.sort_by_cached_key(|(_, c)| {
        let (rank, name, id) = c.key();
        (rank, name, id.to_string())
    });
}
