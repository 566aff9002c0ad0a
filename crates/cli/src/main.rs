//! The `sanshe` command: serve the site, migrate, load demo data, manage users, import and
//! export residents. Configuration comes from flags or the environment (`SANSHE_*`).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use sanshe_app::accounts::{self, Actor, GrantTarget};
use sanshe_app::vault::Vault;
use sanshe_app::{App, AppError, areas, demo, imports, registry};
use sanshe_web::i18n::{Locale, Tr};

/// 三社联动 — communities, social organizations and volunteers responding together.
#[derive(Parser)]
#[command(name = "sanshe", version, about)]
struct Cli {
    /// Database URL: `sqlite://data/sanshe.db` (created if missing) or `postgres://…`.
    #[arg(
        long,
        env = "SANSHE_DATABASE_URL",
        default_value = "sqlite://data/sanshe.db",
        global = true
    )]
    database_url: String,
    /// File holding the key that encrypts ID numbers and phones (created on first run).
    #[arg(
        long,
        env = "SANSHE_KEY_FILE",
        default_value = "data/sanshe.key",
        global = true
    )]
    key_file: PathBuf,
    /// The key itself, 128 hex characters (overrides the key file).
    #[arg(long, env = "SANSHE_SECRET_KEY", hide_env_values = true, global = true)]
    secret_key: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site and the API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "SANSHE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Load the Tianjin demo data first if the database is empty.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (set when serving behind TLS).
        #[arg(long, env = "SANSHE_SECURE_COOKIES")]
        secure_cookies: bool,
        /// The address people reach sanshe at, for links in chat messages and printed notices
        /// (default: http://LISTEN).
        #[arg(long, env = "SANSHE_PUBLIC_URL")]
        public_url: Option<String>,
        /// The fever line in °C (local notices varied; 37.3 is the usual one).
        #[arg(long, env = "SANSHE_FEVER_LINE", default_value = "37.3")]
        fever_line: String,
        /// Minutes after a half-day report slot ends before its report counts as missed.
        #[arg(long, env = "SANSHE_MISSED_GRACE_MINUTES", default_value_t = 120)]
        missed_grace_minutes: i64,
        /// Proxies in front of sanshe whose X-Forwarded-For is believed (comma-separated IPs);
        /// without one, the connection's address is the client's.
        #[arg(long, env = "SANSHE_TRUSTED_PROXIES", value_delimiter = ',')]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// A token that opens /metrics to a scraper elsewhere (`Authorization: Bearer …`);
        /// without it only this machine may read /metrics.
        #[arg(long, env = "SANSHE_METRICS_TOKEN", hide_env_values = true)]
        metrics_token: Option<String>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Create or update the schema.
    Migrate,
    /// Load the Tianjin demo data into an empty database.
    Demo,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import data.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export data.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Delete or anonymize personal data past its retention period (counts and statistics stay).
    Purge {
        /// Only count what would go.
        #[arg(long)]
        dry_run: bool,
        /// Days health reports are kept after an episode's release.
        #[arg(long, env = "SANSHE_RETAIN_HEALTH_DAYS", default_value_t = 180)]
        health_days: i64,
        /// Days gate scans are kept.
        #[arg(long, env = "SANSHE_RETAIN_SCAN_DAYS", default_value_t = 90)]
        scan_days: i64,
        /// Days visitors' registrations are kept.
        #[arg(long, env = "SANSHE_RETAIN_VISITOR_DAYS", default_value_t = 90)]
        visitor_days: i64,
        /// Days applicants' ID numbers and phones are kept after the decision.
        #[arg(long, env = "SANSHE_RETAIN_APPLICANT_DAYS", default_value_t = 365)]
        applicant_days: i64,
        /// Days errands' contact phones are kept after they close.
        #[arg(long, env = "SANSHE_RETAIN_ERRAND_DAYS", default_value_t = 180)]
        errand_days: i64,
    },
    /// Write a consistent copy of the database to a new file while sanshe runs (SQLite: a
    /// database file; PostgreSQL: a pg_dump custom-format file for pg_restore).
    Backup {
        /// The file to write (must not exist).
        file: PathBuf,
    },
}

/// What one upload may make the server read.
#[derive(clap::Args)]
struct LimitArgs {
    /// Largest upload in MB (the body limit of the upload routes only).
    #[arg(long, env = "SANSHE_MAX_UPLOAD_MB", default_value_t = 64)]
    max_upload_mb: usize,
    /// Rows a sheet may have.
    #[arg(long, env = "SANSHE_SHEET_MAX_ROWS", default_value_t = 100_000)]
    sheet_max_rows: usize,
    /// Columns a sheet may use.
    #[arg(long, env = "SANSHE_SHEET_MAX_COLUMNS", default_value_t = 64)]
    sheet_max_columns: usize,
    /// Characters in one cell.
    #[arg(long, env = "SANSHE_SHEET_MAX_CELL_CHARS", default_value_t = 1_000)]
    sheet_max_cell_chars: usize,
    /// Non-empty cells in a sheet.
    #[arg(long, env = "SANSHE_SHEET_MAX_CELLS", default_value_t = 2_000_000)]
    sheet_max_cells: usize,
}

impl LimitArgs {
    fn limits(&self) -> sanshe_app::Limits {
        let defaults = sanshe_app::Limits::default();
        sanshe_app::Limits {
            sheet: sanshe_app::sheets::SheetLimits {
                max_rows: self.sheet_max_rows.max(1),
                max_columns: self.sheet_max_columns.clamp(1, 16_384),
                max_cell_chars: self.sheet_max_cell_chars.max(1),
                max_cells: self.sheet_max_cells.max(1),
                ..defaults.sheet
            },
            upload_bytes: self.max_upload_mb.clamp(1, 1024) * 1024 * 1024,
        }
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with one role grant.
    Add {
        /// Sign-in name.
        #[arg(long)]
        username: String,
        /// Name shown to others.
        #[arg(long)]
        display_name: String,
        /// coordinator, community_worker, org_admin or volunteer.
        #[arg(long)]
        role: String,
        /// Area of an area role (id, division code or exact name).
        #[arg(long)]
        area: Option<String>,
        /// Organization of an organization role (id or exact name).
        #[arg(long)]
        organization: Option<String>,
        /// Password (at least 10 characters).
        #[arg(long, env = "SANSHE_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import residents from an .xlsx or .csv file.
    Residents {
        /// The file.
        file: PathBuf,
        /// Community, compound or building to import into (id, division code or exact name).
        #[arg(long)]
        community: String,
    },
    /// Create users in bulk from a sheet (用户名, 姓名, 角色, 区域 or 组织); prints their initial passwords.
    Users {
        /// The file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export residents to .xlsx (masked).
    Residents {
        /// Area to export (id, division code or exact name); everything when omitted.
        #[arg(long)]
        area: Option<String>,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}

fn progress_bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

fn explain(e: AppError) -> anyhow::Error {
    let tr = Tr::new(Locale::ZhCn);
    match e {
        AppError::Invalid(f) => anyhow::anyhow!(
            f.0.iter()
                .map(|x| format!("{}: {}", x.field, tr.field(x)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!(other.to_string()),
    }
}

async fn open(cli: &Cli) -> Result<App> {
    let vault = match &cli.secret_key {
        Some(k) => Vault::from_hex(k).map_err(explain)?,
        None => Vault::load_or_create(&cli.key_file).map_err(explain)?,
    };
    App::open(&cli.database_url, vault)
        .await
        .map_err(explain)
        .with_context(|| format!("opening {}", redact(&cli.database_url)))
}

fn redact(url: &str) -> String {
    // Hide a password in postgres://user:password@host URLs.
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

async fn load_demo(app: &App) -> Result<()> {
    let password = match std::env::var("SANSHE_DEMO_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let p = Vault::generate_hex()[..16].to_string();
            println!(
                "SANSHE_DEMO_PASSWORD is not set; demo accounts get this password (shown once): {p}"
            );
            p
        }
    };
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("loading Tianjin demo data…");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let summary = demo::load(app, &password).await.map_err(explain)?;
    spinner.finish_with_message(format!(
        "demo data: {} households, {} residents",
        summary.households, summary.residents
    ));
    println!(
        "demo accounts: {}",
        demo::ACCOUNTS
            .iter()
            .map(|a| a.0)
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

/// Says which migrations opening the database applied.
fn report_migrations(app: &App) {
    if app.migrated.is_empty() {
        println!("schema is up to date");
    } else {
        println!("applied migrations: {}", app.migrated.join(", "));
    }
}

// glibc's allocator spent a fifth of a gate scan's time under load (measured); mimalloc far less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SANSHE_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let app = open(&cli).await?;
    match &cli.command {
        Command::Serve {
            listen,
            demo: with_demo,
            secure_cookies,
            public_url,
            fever_line,
            missed_grace_minutes,
            trusted_proxies,
            metrics_token,
            limits,
        } => {
            let mut app = app;
            app.public_url = public_url
                .clone()
                .unwrap_or_else(|| format!("http://{listen}"));
            app.rules.fever_tenths = sanshe_core::isolation::Temperature::parse(fever_line)
                .map_err(|_| anyhow::anyhow!("--fever-line must be a temperature such as 37.3"))?
                .tenths();
            app.rules.missed_grace_minutes = (*missed_grace_minutes).clamp(0, 12 * 60);
            app.limits = limits.limits();
            if *with_demo && demo::is_empty(&app).await.map_err(explain)? {
                load_demo(&app).await?;
            }
            report_migrations(&app);
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            println!(
                "sanshe is serving on http://{listen} ({})",
                redact(&cli.database_url)
            );
            sanshe_web::spawn_background_work(app.clone());
            let settings = sanshe_web::WebSettings {
                secure_cookies: *secure_cookies,
                trusted_proxies: trusted_proxies.clone(),
                metrics_token: metrics_token.clone(),
            };
            let router = sanshe_web::router(sanshe_web::AppState::new(app, settings));
            // The peer's address reaches the handlers, for throttling and counting sign-ins.
            let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::Migrate => report_migrations(&app),
        Command::Purge {
            dry_run,
            health_days,
            scan_days,
            visitor_days,
            applicant_days,
            errand_days,
        } => {
            let keep = sanshe_app::retention::Retention {
                health_days: *health_days,
                scan_days: *scan_days,
                visitor_days: *visitor_days,
                applicant_days: *applicant_days,
                errand_days: *errand_days,
            };
            let actor = Actor::command_line(&app).await.map_err(explain)?;
            let done = sanshe_app::retention::purge(&app, &actor, &keep, *dry_run)
                .await
                .map_err(explain)?;
            println!(
                "{}",
                if *dry_run {
                    "would purge (dry run):"
                } else {
                    "purged:"
                }
            );
            for p in done {
                println!("  {:<20} {}", p.what, p.rows);
            }
        }
        Command::Backup { file } => {
            app.db
                .backup(file)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
            println!("backed up to {} ({size} bytes)", file.display());
        }
        Command::Demo => load_demo(&app).await?,
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    display_name,
                    role,
                    area,
                    organization,
                    password,
                },
        } => {
            let actor = Actor::command_line(&app).await.map_err(explain)?;
            let target = match (area, organization) {
                (Some(a), _) => {
                    GrantTarget::Area(areas::resolve(&app, &actor, a).await.map_err(explain)?.id)
                }
                (None, Some(o)) => {
                    let found = sanshe_app::organizations::find(&app, &actor, o)
                        .await
                        .map_err(|e| match e {
                            AppError::NotFound => anyhow::anyhow!("no organization {o}"),
                            e => explain(e),
                        })?;
                    GrantTarget::Organization(found.id)
                }
                (None, None) => {
                    bail!("give --area for an area role or --organization for an organization role")
                }
            };
            let user =
                accounts::create_user(&app, &actor, username, display_name, password, role, target)
                    .await
                    .map_err(explain)?;
            println!("created user {} ({})", user.username, user.id);
        }
        Command::Import {
            command: ImportCommand::Residents { file, community },
        } => {
            let actor = Actor::command_line(&app).await.map_err(explain)?;
            let area = areas::resolve(&app, &actor, community)
                .await
                .map_err(explain)?;
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let bar = progress_bar(0, "importing");
            let report =
                imports::import_residents(&app, &actor, &area.id, bytes, &|done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                })
                .await
                .map_err(explain)?;
            bar.finish();
            let tr = Tr::new(Locale::ZhCn);
            println!(
                "accepted {}, unchanged {}, rejected {}",
                report.accepted,
                report.unchanged,
                report.rejected.len()
            );
            for r in &report.rejected {
                println!("  row {}  {}  {}", r.row, r.column, tr.t(r.reason));
            }
        }
        Command::Import {
            command: ImportCommand::Users { file },
        } => {
            let actor = Actor::command_line(&app).await.map_err(explain)?;
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let report = imports::import_users(&app, &actor, bytes)
                .await
                .map_err(explain)?;
            let tr = Tr::new(Locale::ZhCn);
            println!(
                "created {}, rejected {}",
                report.created.len(),
                report.rejected.len()
            );
            for u in &report.created {
                println!("  {}\t{}", u.username, u.password);
            }
            for r in &report.rejected {
                println!("  row {}  {}  {}", r.row, r.column, tr.t(r.reason));
            }
        }
        Command::Export {
            command: ExportCommand::Residents { area, output },
        } => {
            let actor = Actor::command_line(&app).await.map_err(explain)?;
            let area_id = match area {
                Some(a) => Some(areas::resolve(&app, &actor, a).await.map_err(explain)?.id),
                None => None,
            };
            let bar = progress_bar(0, "exporting");
            let search = registry::ResidentSearch {
                area: area_id,
                ..Default::default()
            };
            registry::export_to(
                &app,
                &actor,
                &search,
                None,
                &|done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                },
                output,
            )
            .await
            .map_err(explain)?;
            bar.finish();
            println!("wrote {}", output.display());
        }
    }
    Ok(())
}
