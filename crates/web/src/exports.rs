//! Exports. A list of residents or of an area's households can run in the background with
//! progress, so a million never times out in the browser; other lists read from the database
//! (the audit log, users, errands, the hours ledger, the volunteer roster) are built within
//! their request. Either way the file is written a page of rows at a time into this node's
//! export folder (never into memory) and streamed from there.
//!
//! The job table lives in this node's memory, so a user polls a job on the node that started it
//! (sticky sessions when scaled out; see ARCHITECTURE.md). A job and its file are deleted an
//! hour after it started; a download's file when its last byte is sent.
//!
//! Bounded three ways: a user runs `MAX_RUNNING_PER_USER` jobs at once and keeps
//! `MAX_KEPT_PER_USER` (the oldest finished one goes to make room), the node builds
//! `MAX_RUNNING` jobs at once, and downloads built within a request take one of the node's
//! export slots each; past any limit the answer is 429 with Retry-After.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sanshe_app::accounts::Actor;
use sanshe_app::registry::{self, ResidentSearch};
use sanshe_app::sheets::SheetFile;
use sanshe_app::{App, AppError};
use tokio::sync::OwnedSemaphorePermit;

/// How long a job and its file are kept.
const KEEP: Duration = Duration::from_secs(3600);
/// Jobs one user may have running at once.
pub const MAX_RUNNING_PER_USER: usize = 2;
/// Jobs (running or finished) one user keeps.
pub const MAX_KEPT_PER_USER: usize = 5;
/// Jobs this node builds at once.
pub const MAX_RUNNING: usize = 4;

/// Where a job is.
#[derive(Debug)]
pub enum JobState {
    /// Still writing.
    Running,
    /// The file is ready.
    Done,
    /// It failed; nothing to download.
    Failed(AppError),
}

/// One export job.
pub struct ExportJob {
    /// The user who started it (only they may see or download it).
    pub owner: String,
    /// Rows written so far.
    pub done: AtomicUsize,
    /// Rows in all (known once counted).
    pub total: AtomicUsize,
    /// Where it is.
    pub state: Mutex<JobState>,
    /// Its file.
    pub file: PathBuf,
    /// The name its file is downloaded under.
    pub filename: &'static str,
    started: Instant,
}

impl ExportJob {
    fn new(owner: String, filename: &'static str, file: PathBuf, started: Instant) -> ExportJob {
        ExportJob {
            owner,
            filename,
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            state: Mutex::new(JobState::Running),
            file,
            started,
        }
    }

    /// Its file as a download; the job is held (so its file kept) until the last byte is sent.
    pub async fn send(self: Arc<Self>) -> Result<Response, AppError> {
        let (path, filename) = (self.file.clone(), self.filename);
        xlsx_file(&path, filename, self).await
    }

    /// Records that `done` of `total` rows are written.
    fn progress(&self, done: usize, total: usize) {
        self.done.store(done, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// Whether the job is still writing.
    pub fn running(&self) -> bool {
        self.state
            .lock()
            .map(|s| matches!(*s, JobState::Running))
            .unwrap_or(false)
    }
}

impl Drop for ExportJob {
    // The last holder of a job (the table, or a download under way) takes its file with it.
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.file);
    }
}

/// The export jobs of this node.
#[derive(Clone)]
pub struct ExportJobs {
    jobs: Arc<Mutex<HashMap<String, Arc<ExportJob>>>>,
    folder: PathBuf,
}

impl Default for ExportJobs {
    fn default() -> Self {
        ExportJobs::in_folder(
            std::env::temp_dir().join(format!("sanshe-exports-{}", std::process::id())),
        )
    }
}

impl ExportJobs {
    /// Jobs writing their files into `folder` (made if missing).
    pub fn in_folder(folder: PathBuf) -> ExportJobs {
        let _ = std::fs::create_dir_all(&folder);
        ExportJobs {
            jobs: Arc::default(),
            folder,
        }
    }

    /// The folder the files go to.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Forgets jobs older than an hour (their files go with them).
    pub fn sweep(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.retain(|_, j| j.started.elapsed() < KEEP);
        }
    }

    /// Starts exporting the residents matching `search` for `actor`; returns the job id, or
    /// `Busy` when the user or the node already runs as many as they may.
    pub fn start_residents(
        &self,
        app: App,
        actor: Actor,
        search: ResidentSearch,
    ) -> Result<String, AppError> {
        self.start(owner_of(&actor), "residents.xlsx", move |job| async move {
            let progress = |done, total| job.progress(done, total);
            registry::export_to(&app, &actor, &search, None, &progress, &job.file).await
        })
    }

    /// Starts exporting the households of an area for `actor`, under `header` (in the reader's
    /// language); returns the job id, or `Busy` as `start_residents` does.
    pub fn start_households(
        &self,
        app: App,
        actor: Actor,
        area_id: String,
        header: Vec<String>,
    ) -> Result<String, AppError> {
        self.start(owner_of(&actor), "households.xlsx", move |job| async move {
            let progress = |done, total| job.progress(done, total);
            registry::export_households_to(&app, &actor, &area_id, header, &progress, &job.file)
                .await
        })
    }

    /// Enters a job of `owner` whose file is downloaded as `filename`, and runs `write` on it
    /// (writing `job.file`, telling its progress) until it finishes or fails.
    fn start<W, Writing>(
        &self,
        owner: String,
        filename: &'static str,
        write: W,
    ) -> Result<String, AppError>
    where
        W: FnOnce(Arc<ExportJob>) -> Writing,
        Writing: Future<Output = Result<usize, AppError>> + Send + 'static,
    {
        let id = sanshe_app::new_id();
        let _ = std::fs::create_dir_all(&self.folder);
        let file = self.folder.join(format!("{id}.xlsx"));
        let job = Arc::new(ExportJob::new(owner, filename, file, Instant::now()));
        self.admit(&id, job.clone())?;
        let writing = write(job.clone());
        tokio::spawn(async move {
            let result = writing.await;
            if let Ok(mut state) = job.state.lock() {
                *state = match result {
                    Ok(_) => JobState::Done,
                    Err(e) => JobState::Failed(e),
                };
            }
        });
        Ok(id)
    }

    /// Enters a job in the table if its owner and the node have room for it, making room among
    /// the owner's finished jobs (oldest first).
    fn admit(&self, id: &str, job: Arc<ExportJob>) -> Result<(), AppError> {
        let mut jobs = self
            .jobs
            .lock()
            .map_err(|_| AppError::Internal("export table poisoned".into()))?;
        jobs.retain(|_, j| j.started.elapsed() < KEEP);
        if jobs.values().filter(|j| j.running()).count() >= MAX_RUNNING {
            return Err(AppError::Busy(30));
        }
        let mut mine: Vec<(String, Instant, bool)> = jobs
            .iter()
            .filter(|(_, j)| j.owner == job.owner)
            .map(|(k, j)| (k.clone(), j.started, j.running()))
            .collect();
        if mine.iter().filter(|m| m.2).count() >= MAX_RUNNING_PER_USER {
            return Err(AppError::Busy(30));
        }
        mine.sort_by_key(|m| m.1);
        let finished: Vec<String> = mine.iter().filter(|m| !m.2).map(|m| m.0.clone()).collect();
        for old in finished
            .iter()
            .take((mine.len() + 1).saturating_sub(MAX_KEPT_PER_USER))
        {
            jobs.remove(old);
        }
        jobs.insert(id.to_string(), job);
        Ok(())
    }

    /// A place to build one download in: a temporary file of this node's export folder and one
    /// of the node's export slots, or `Busy` when background jobs or other downloads fill them.
    fn download_place(&self, app: &App) -> Result<(TemporaryFile, OwnedSemaphorePermit), AppError> {
        let running = self
            .jobs
            .lock()
            .map(|j| j.values().filter(|j| j.running()).count())
            .unwrap_or(0);
        if running >= MAX_RUNNING {
            return Err(AppError::Busy(30));
        }
        let slot = app.capacity.export()?;
        let _ = std::fs::create_dir_all(&self.folder);
        let file = TemporaryFile(self.folder.join(format!("{}.xlsx", sanshe_app::new_id())));
        Ok((file, slot))
    }

    /// The job with this id if `actor` started it.
    pub fn get(&self, id: &str, actor: &Actor) -> Option<Arc<ExportJob>> {
        self.owned_by(id, &owner_of(actor))
    }

    fn owned_by(&self, id: &str, owner: &str) -> Option<Arc<ExportJob>> {
        let jobs = self.jobs.lock().ok()?;
        jobs.get(id)
            .filter(|j| j.owner == owner && j.started.elapsed() < KEEP)
            .cloned()
    }

    /// The job with this id if `actor` started it and its file is ready.
    pub fn finished(&self, id: &str, actor: &Actor) -> Option<Arc<ExportJob>> {
        self.get(id, actor)
            .filter(|j| matches!(j.state.lock().ok().as_deref(), Some(JobState::Done)))
    }
}

/// Who owns the jobs `actor` starts.
fn owner_of(actor: &Actor) -> String {
    actor.user_id.clone().unwrap_or_default()
}

/// An .xlsx download streamed from a file, a chunk at a time. `hold` is kept alive until the
/// last byte is sent (a job whose drop deletes the file, or a temporary file's guard).
pub async fn xlsx_file<H: Send + Sync + 'static>(
    path: &Path,
    filename: &str,
    hold: H,
) -> Result<Response, AppError> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|_| AppError::NotFound)?;
    let length = file.metadata().await.map(|m| m.len()).ok();
    let chunks = futures_util::stream::unfold((file, hold), |(mut file, hold)| async move {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), (file, hold)))
            }
            Err(e) => Some((Err(e), (file, hold))),
        }
    });
    let mut resp = (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(chunks),
    )
        .into_response();
    if let Some(n) = length {
        resp.headers_mut().insert(header::CONTENT_LENGTH, n.into());
    }
    Ok(resp)
}

/// A file deleted when this guard goes (an export built for one download).
pub struct TemporaryFile(pub PathBuf);

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Builds the residents export for one download into a temporary file of `jobs`' folder, in
/// one of the node's export places, and streams it.
pub async fn residents_now(
    jobs: &ExportJobs,
    app: &App,
    actor: &Actor,
    search: &ResidentSearch,
    unmasked_reason: Option<&str>,
) -> Result<Response, AppError> {
    let (file, slot) = jobs.download_place(app)?;
    registry::export_to(app, actor, search, unmasked_reason, &|_, _| {}, &file.0).await?;
    xlsx_file(&file.0.clone(), "residents.xlsx", (file, slot)).await
}

/// A sheet for one download, written a page at a time into a temporary file under one of the
/// node's export slots and then streamed: whatever its length, the request holds a page or two
/// of rows, never the whole list or the whole file, and no more downloads are built at once
/// than the node has slots for.
pub struct SheetDownload {
    sheet: SheetFile,
    file: TemporaryFile,
    slot: OwnedSemaphorePermit,
}

impl SheetDownload {
    /// Starts a sheet named `name` under `header` (the header in the reader's language).
    pub fn start(
        state: &crate::AppState,
        name: &str,
        header: &[String],
    ) -> Result<SheetDownload, AppError> {
        let (file, slot) = state.exports.download_place(&state.app)?;
        let sheet = SheetFile::create(file.0.clone(), name.to_string(), header.to_vec());
        Ok(SheetDownload { sheet, file, slot })
    }

    /// Appends every page of a list: `page(cursor)` reads the rows of one, from the first
    /// (`None`), and the cursor of the next, until a page has none.
    pub async fn push_pages<F, Page>(&mut self, mut page: F) -> Result<(), AppError>
    where
        F: FnMut(Option<String>) -> Page,
        Page: std::future::Future<Output = Result<(Vec<Vec<String>>, Option<String>), AppError>>,
    {
        let mut cursor = None;
        loop {
            let (rows, next) = page(cursor).await?;
            self.sheet.push(rows).await?;
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// Finishes the sheet and answers it as a download named `filename`; the file goes when
    /// the last byte is sent.
    pub async fn send(self, filename: &str) -> Result<Response, AppError> {
        let SheetDownload { sheet, file, slot } = self;
        sheet.finish().await?;
        xlsx_file(&file.0.clone(), filename, (file, slot)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(jobs: &ExportJobs, owner: &str, state: JobState, age: Duration) -> (String, PathBuf) {
        let id = sanshe_app::new_id();
        let file = jobs.folder.join(format!("{id}.xlsx"));
        std::fs::write(&file, b"x").unwrap();
        let started = Instant::now().checked_sub(age).unwrap();
        let job = ExportJob::new(owner.into(), "test.xlsx", file.clone(), started);
        *job.state.lock().unwrap() = state;
        let job = Arc::new(job);
        jobs.jobs.lock().unwrap().insert(id.clone(), job);
        (id, file)
    }

    fn folder() -> ExportJobs {
        ExportJobs::in_folder(
            std::env::temp_dir().join(format!("sanshe-export-test-{}", sanshe_app::new_id())),
        )
    }

    #[test]
    fn a_user_runs_two_exports_at_once_and_keeps_five() {
        let jobs = folder();
        let now = Duration::ZERO;
        job(&jobs, "u", JobState::Running, now);
        job(&jobs, "u", JobState::Running, now);
        let (id, _) = job(&jobs, "other", JobState::Done, now);
        let extra = |owner: &str| {
            let id = sanshe_app::new_id();
            let file = jobs.folder.join(format!("{id}.xlsx"));
            let job = Arc::new(ExportJob::new(
                owner.into(),
                "test.xlsx",
                file,
                Instant::now(),
            ));
            jobs.admit(&id, job)
        };
        assert!(matches!(extra("u"), Err(AppError::Busy(30))));
        assert!(extra("v").is_ok());
        // Four running on the node: the fifth waits whoever asks.
        assert!(extra("w").is_ok());
        assert!(matches!(extra("x"), Err(AppError::Busy(30))));
        assert!(jobs.owned_by(&id, "other").is_some());
        assert!(
            jobs.owned_by(&id, "u").is_none(),
            "only its owner sees a job"
        );

        // Five finished jobs kept: a sixth makes the oldest go, with its file.
        let mine = folder();
        let mut files = Vec::new();
        for age in (1..=5).rev() {
            files.push(job(&mine, "u", JobState::Done, Duration::from_secs(age * 60)).1);
        }
        let id = sanshe_app::new_id();
        let file = mine.folder.join(format!("{id}.xlsx"));
        let fresh = Arc::new(ExportJob::new(
            "u".into(),
            "test.xlsx",
            file,
            Instant::now(),
        ));
        mine.admit(&id, fresh).unwrap();
        assert!(!files[0].exists(), "the oldest file is deleted");
        assert!(files[1..].iter().all(|f| f.exists()));
    }

    #[test]
    fn files_go_an_hour_after_their_job_started() {
        let jobs = folder();
        let (old, old_file) = job(&jobs, "u", JobState::Done, Duration::from_secs(3601));
        let (new, new_file) = job(&jobs, "u", JobState::Done, Duration::from_secs(60));
        assert!(jobs.owned_by(&old, "u").is_none());
        jobs.sweep();
        assert!(!old_file.exists());
        assert!(new_file.exists() && jobs.owned_by(&new, "u").is_some());
    }
}
