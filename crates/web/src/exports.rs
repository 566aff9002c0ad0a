//! Exports that run in the background with progress, so a list of a million residents never
//! times out in the browser. Jobs live in this node's memory for an hour: a user polls the job
//! page on the node that started it (sticky sessions when scaled out; see ARCHITECTURE.md).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sanshe_app::accounts::Actor;
use sanshe_app::registry::{self, ResidentSearch};
use sanshe_app::{App, AppError};

/// How long a finished export stays downloadable.
const KEEP: Duration = Duration::from_secs(3600);

/// One export job.
pub struct ExportJob {
    /// The user who started it (only they may see or download it).
    pub owner: String,
    /// Rows written so far.
    pub done: AtomicUsize,
    /// Rows in all (known once counted).
    pub total: AtomicUsize,
    /// The file, or the error, once finished.
    pub result: Mutex<Option<Result<Vec<u8>, AppError>>>,
    started: Instant,
}

/// The export jobs of this node.
#[derive(Clone, Default)]
pub struct ExportJobs {
    jobs: Arc<Mutex<HashMap<String, Arc<ExportJob>>>>,
}

impl ExportJobs {
    /// Starts exporting the residents matching `search` for `actor`; returns the job id.
    pub fn start_residents(&self, app: App, actor: Actor, search: ResidentSearch) -> String {
        let id = sanshe_app::new_id();
        let job = Arc::new(ExportJob {
            owner: actor.user_id.clone().unwrap_or_default(),
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            result: Mutex::new(None),
            started: Instant::now(),
        });
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.retain(|_, j| j.started.elapsed() < KEEP);
            jobs.insert(id.clone(), job.clone());
        }
        tokio::spawn(async move {
            let progress = |done: usize, total: usize| {
                job.done.store(done, Ordering::Relaxed);
                job.total.store(total, Ordering::Relaxed);
            };
            let result = registry::export(&app, &actor, &search, None, &progress).await;
            if let Ok(mut slot) = job.result.lock() {
                *slot = Some(result);
            }
        });
        id
    }

    /// The job with this id if `user_id` started it.
    pub fn get(&self, id: &str, user_id: &str) -> Option<Arc<ExportJob>> {
        let jobs = self.jobs.lock().ok()?;
        jobs.get(id).filter(|j| j.owner == user_id).cloned()
    }
}
