//! A scan at the gate: checked, queued to the one writer, answered after its batch commits.

use super::*;

/// A scan as the gate post sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ScanInput {
    /// A UUID made by the device: the same id again returns the first answer.
    #[schema(pattern = "^[0-9a-fA-F-]{32,36}$")]
    pub id: String,
    /// The gate.
    #[schema(max_length = 64)]
    pub gate_id: String,
    /// The short code typed.
    #[schema(max_length = 16)]
    pub pass_code: Option<String>,
    /// Or the QR code's signed token.
    #[schema(max_length = 128)]
    pub pass_token: Option<String>,
    /// `in` or `out`.
    #[schema(pattern = "^(in|out)$")]
    pub direction: String,
    /// °C, as a number or text.
    #[schema(value_type = f64)]
    pub temperature: serde_json::Value,
    /// When scanned, RFC 3339 (default now; a queued offline scan sends its own time).
    #[schema(format = DateTime)]
    pub scanned_at: Option<String>,
    /// What the device decided while offline (`allowed`/`refused`), to flag disagreements.
    #[schema(pattern = "^(allowed|refused)$")]
    pub device_decision: Option<String>,
}

/// The answer to a scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ScanOutcome {
    /// The device's id.
    pub id: String,
    /// `allowed` or `refused`.
    pub decision: String,
    /// Why refused: `fever`, `expired`, `revoked`, `suspended`, `quota_used`, `wrong_compound`,
    /// `unknown_pass`, `closed`.
    pub reason: Option<String>,
    /// The device let this person through offline, but the server refuses.
    pub flagged: bool,
    /// True when this id was recorded before (nothing new was recorded).
    pub repeated: bool,
    /// The pass's household, its room masked (`3号楼 2单元 5**`), when a pass was found.
    pub address: Option<String>,
    /// The holder of a personal pass, masked (`李*`).
    pub holder: Option<String>,
    /// Exits the household has left this period, where the compound limits them.
    pub outings_left: Option<i64>,
}

/// The one writer of scans (see the module's documentation).
#[derive(Clone)]
pub struct ScanWriter {
    queue: mpsc::Sender<Job>,
}

/// Marks a household's exits counted by the period a scan arrived in (`household_exits` keeps
/// them beside the counts by the period a scan says it was made in).
pub const ARRIVAL_PREFIX: &str = "arrived:";

/// Scans decided and recorded in one transaction at most.
pub(super) const MAX_BATCH: usize = 512;

impl ScanWriter {
    /// Starts the writer. On a SQLite file it runs on a thread of its own with its own
    /// connection (on the shared runtime it waited behind the requests it serves, measured);
    /// otherwise it is a task on the current runtime, so the pool's PostgreSQL connections it
    /// opens stay bound to a runtime that outlives it.
    pub fn start(app: App) -> ScanWriter {
        let (queue, jobs) = mpsc::channel::<Job>(8192);
        let Some(file) = app.db.sqlite_file.clone() else {
            tokio::spawn(async move {
                let (mut jobs, mut cache) = (jobs, GateCache::default());
                while let Some(batch) = next_batch(&mut jobs).await {
                    let timer = std::time::Instant::now();
                    let result = record_pooled(&app, &mut cache, &batch).await;
                    answer(batch, result, timer);
                }
            });
            return ScanWriter { queue };
        };
        // Both fail only when the process cannot make a thread at start-up, as `thread::spawn`
        // panics; no input or network can cause it.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the scan writer");
        std::thread::Builder::new()
            .name("scan-writer".into())
            .spawn(move || {
                let direct = sanshe_store::statements::OwnConnection::open(&file)
                    .map_err(|e| tracing::error!(error = %e, "scan writer's own connection"))
                    .ok();
                // The log is copied back beside the writer, not in its commits; should that
                // thread not start, the writer's commits checkpoint as before.
                let checkpoints = direct.as_ref().and_then(|conn| {
                    let started = sanshe_store::statements::WalCheckpoints::start(&file)
                        .map_err(|e| tracing::error!(error = %e, "checkpoint thread"))
                        .ok()?;
                    conn.checkpoint_elsewhere()
                        .map_err(|e| tracing::error!(error = %e, "scan writer's checkpoints"))
                        .ok()?;
                    Some(started)
                });
                let mut writer = Writer {
                    _checkpoints: checkpoints,
                    direct,
                    cache: GateCache::default(),
                    app,
                };
                runtime.block_on(writer.run(jobs));
            })
            .expect("a thread for the scan writer");
        ScanWriter { queue }
    }

    /// Checks a scan, hands it to the writer and waits for its committed answer.
    pub async fn scan(&self, app: &App, actor: &Actor, input: ScanInput) -> Result<ScanOutcome> {
        let mut errors = sanshe_core::FieldErrors::default();
        let id = input.id.trim().replace('-', "").to_ascii_lowercase();
        if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            errors.push("id", "err-scan-id");
        }
        let direction = errors.take("direction", Direction::parse(&input.direction));
        let temperature = match &input.temperature {
            serde_json::Value::Number(n) => {
                errors.take("temperature", Temperature::parse(&n.to_string()))
            }
            serde_json::Value::String(s) => errors.take("temperature", Temperature::parse(s)),
            _ => errors.take("temperature", Temperature::parse("")),
        };
        let now = app.clock.now_ms();
        let scanned_at = match input.scanned_at.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
                // A device clock a little ahead is tolerated; a week-old queue is not a scan.
                Ok(t)
                    if t.timestamp_millis() <= now + 5 * 60_000
                        && t.timestamp_millis() >= now - 7 * 86_400_000 =>
                {
                    t.timestamp_millis()
                }
                _ => {
                    errors.push("scanned_at", "err-scanned-at");
                    now
                }
            },
            None => now,
        };
        let (pass_id, code) = match (
            input.pass_token.as_deref().filter(|t| !t.is_empty()),
            input.pass_code.as_deref().filter(|c| !c.is_empty()),
        ) {
            // A forged or altered code finds no pass.
            (Some(t), _) => (Some(verify_token(app, t).unwrap_or_default()), None),
            (None, Some(c)) => match normalize_code(c) {
                Some(c) => (None, Some(c)),
                None => (Some(String::new()), None),
            },
            (None, None) => {
                errors.push("pass_code", "err-required");
                (None, None)
            }
        };
        let device_decision = input
            .device_decision
            .filter(|d| d == "allowed" || d == "refused");
        errors.into_result()?;
        let (Some(direction), Some(temperature)) = (direction, temperature) else {
            return Err(AppError::Internal("validated fields missing".into()));
        };
        // A member holds no gate role: their gate duty comes from the shifts they checked in to.
        let duty = if sanshe_core::accounts::serves_by_shifts(&actor.grants) {
            crate::organizations::gate_duty_windows(app, actor).await?
        } else {
            Vec::new()
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            id,
            gate_id: input.gate_id,
            pass_id,
            code,
            direction,
            temperature,
            scanned_at,
            device_decision,
            scope: actor.scope(Action::GateDuty),
            duty,
            recorded_by: actor.username.clone(),
            reply,
        };
        self.queue
            .send(job)
            .await
            .map_err(|_| AppError::Internal("scan writer stopped".into()))?;
        answer
            .await
            .map_err(|_| AppError::Internal("scan writer dropped the scan".into()))?
    }
}

/// The writer's state, on its own thread.
pub(super) struct Writer {
    app: App,
    /// Its own connection to the SQLite file (None when it would not open).
    direct: Option<sanshe_store::statements::OwnConnection>,
    /// The thread copying the log back while the writer runs.
    _checkpoints: Option<sanshe_store::statements::WalCheckpoints>,
    cache: GateCache,
}

impl Writer {
    /// Records batch after batch until the last sender is gone.
    async fn run(&mut self, mut jobs: mpsc::Receiver<Job>) {
        while let Some(batch) = next_batch(&mut jobs).await {
            let timer = std::time::Instant::now();
            let result = match self.direct.as_mut() {
                Some(conn) => record_direct(&self.app, &mut self.cache, conn, &batch).await,
                // Its own connection would not open: the pool still works.
                None => record_pooled(&self.app, &mut self.cache, &batch).await,
            };
            answer(batch, result, timer);
        }
    }
}

/// Whatever is queued, up to a batch; None when the last sender is gone.
pub(super) async fn next_batch(jobs: &mut mpsc::Receiver<Job>) -> Option<Vec<Job>> {
    let first = jobs.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match jobs.try_recv() {
            Ok(j) => batch.push(j),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Answers each scan of a batch: its outcome after the commit, or, when the transaction failed
/// and nothing of it was recorded, the error (the devices retry).
pub(super) fn answer(
    batch: Vec<Job>,
    result: Result<Vec<Result<ScanOutcome>>>,
    timer: std::time::Instant,
) {
    tracing::debug!(
        scans = batch.len(),
        elapsed_us = timer.elapsed().as_micros() as u64,
        "scan batch"
    );
    match result {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, scans = batch.len(), "scan batch failed");
            for job in batch {
                let _ = job.reply.send(Err(AppError::Internal(e.to_string())));
            }
        }
    }
}

/// Decides and records a batch through the writer's own SQLite connection.
pub(super) async fn record_direct(
    app: &App,
    cache: &mut GateCache,
    conn: &mut sanshe_store::statements::OwnConnection,
    batch: &[Job],
) -> Result<Vec<Result<ScanOutcome>>> {
    cache.refresh(app, batch).await?;
    let mut tx = conn.begin()?;
    let outcomes = decide_batch(app, cache, batch, &mut tx).await?;
    tx.commit()?;
    Ok(outcomes)
}

/// Decides and records a batch through a pooled connection (PostgreSQL, SQLite in memory).
pub(super) async fn record_pooled(
    app: &App,
    cache: &mut GateCache,
    batch: &[Job],
) -> Result<Vec<Result<ScanOutcome>>> {
    cache.refresh(app, batch).await?;
    let mut tx = app.db.begin().await?;
    let outcomes = decide_batch(app, cache, batch, &mut *tx).await?;
    sanshe_store::commit(tx).await?;
    Ok(outcomes)
}
