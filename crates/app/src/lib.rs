//! Use cases of sanshe: each checks the actor's permission, validates input through the core
//! types, and calls the store. The web pages, the JSON API and the command line all call these.

pub mod accounts;
pub mod alerts;
pub mod areas;
pub mod audit;
pub mod campaigns;
pub mod capacity;
pub mod contacts;
pub mod cursor;
pub mod demo;
pub mod divisions;
pub mod error;
pub mod gates;
pub mod help;
pub mod imports;
pub mod isolation;
pub mod needs;
pub mod notices;
pub mod notify;
pub mod organizations;
pub mod period;
pub mod registry;
pub mod retention;
pub mod rotas;
pub mod sheets;
pub mod vault;
pub mod volunteers;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{FixedOffset, NaiveDate, NaiveDateTime};
use sanshe_store::Db;

pub use error::{AppError, OnConflict, Result};
pub use sanshe_store::{Backend, new_id};

/// China Standard Time. China has kept UTC+8 without daylight saving since 1991, so a fixed
/// offset is exact for every date the registry handles and spares a time-zone database.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is within the valid offset range")
}

/// Where "now" comes from. Tests hold a fixed clock they can move, so missed reports, due
/// dates and retry backoff are tested by moving time rather than by sleeping.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed_ms: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The machine's clock.
    pub fn system() -> Clock {
        Clock { fixed_ms: None }
    }

    /// A clock stopped at a China-time moment (tests), moved only by `advance` and `set`.
    pub fn fixed_local(date: NaiveDate, hour: u32, minute: u32) -> Clock {
        let local = date
            .and_hms_opt(hour, minute, 0)
            .unwrap_or_else(|| date.and_time(chrono::NaiveTime::MIN));
        let ms = local.and_utc().timestamp_millis() - 8 * 3600 * 1000;
        Clock {
            fixed_ms: Some(Arc::new(AtomicI64::new(ms))),
        }
    }

    /// A clock stopped at a UTC millisecond instant (the demo replays past days with one).
    pub fn fixed_ms(ms: i64) -> Clock {
        Clock {
            fixed_ms: Some(Arc::new(AtomicI64::new(ms))),
        }
    }

    /// Now, in UTC milliseconds.
    pub fn now_ms(&self) -> i64 {
        match &self.fixed_ms {
            Some(ms) => ms.load(Ordering::SeqCst),
            None => sanshe_store::now_ms(),
        }
    }

    /// Now, in China time.
    pub fn now_local(&self) -> NaiveDateTime {
        local_time(self.now_ms())
    }

    /// Today's date in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        self.now_local().date()
    }

    /// Moves a fixed clock forward (no effect on the system clock).
    pub fn advance(&self, by: chrono::Duration) {
        if let Some(ms) = &self.fixed_ms {
            ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
        }
    }
}

/// A UTC millisecond instant as China local time.
pub fn local_time(ms: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&china_offset())
        .naive_local()
}

/// A moment as people read it in China, to the minute: `2020-12-20 14:05`.
pub fn stamp(ms: i64) -> String {
    local_time(ms).format("%Y-%m-%d %H:%M").to_string()
}

/// A China local time as UTC milliseconds.
pub fn utc_ms(local: NaiveDateTime) -> i64 {
    local.and_utc().timestamp_millis() - 8 * 3600 * 1000
}

/// Everything a use case needs: the database, the vault for personal numbers, the clock.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// Encryption and keyed hashing of personal numbers.
    pub vault: vault::Vault,
    /// Source of today's date.
    pub clock: Clock,
    /// How long a session lives, in milliseconds.
    pub session_ttl_ms: i64,
    /// The address people reach sanshe at (links in chat messages and printed notices).
    pub public_url: String,
    /// The front-line rules local notices varied.
    pub rules: FrontLineRules,
    /// Sessions checked in the last seconds.
    pub sessions: Arc<accounts::SessionCache>,
    /// Bumped when this node changes a gate or a policy, so the scan writer reloads them.
    pub gates_changed: Arc<AtomicI64>,
    /// This node's snapshot of the linkage map.
    pub linkage_map: Arc<organizations::MapSnapshot>,
    /// What one request may make this node read.
    pub limits: Limits,
    /// How much heavy work this node does at once.
    pub capacity: capacity::Capacity,
    /// The migrations this process applied when it opened the database (none when it was up
    /// to date).
    pub migrated: Vec<&'static str>,
}

/// What one request may make this node read (settings).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Sheets read from uploads.
    pub sheet: sheets::SheetLimits,
    /// Bytes of an upload (the body limit of the upload routes only).
    pub upload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sheet: sheets::SheetLimits::default(),
            upload_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Front-line rules that differed between cities in 2020 (domain.md §3.2), as settings.
#[derive(Debug, Clone, Copy)]
pub struct FrontLineRules {
    /// A reading at or above this (tenths of °C) is a fever; default 37.3 °C.
    pub fever_tenths: i64,
    /// A report is missed this long after its half-day slot ends; default 2 hours.
    pub missed_grace_minutes: i64,
    /// How much one person may be on duty (hours in 24, rest between shifts).
    pub booking: sanshe_core::rotas::BookingLimits,
}

impl Default for FrontLineRules {
    fn default() -> Self {
        FrontLineRules {
            fever_tenths: sanshe_core::isolation::DEFAULT_FEVER_TENTHS,
            missed_grace_minutes: 120,
            booking: sanshe_core::rotas::BookingLimits::default(),
        }
    }
}

impl App {
    /// Connects, migrates and returns the application.
    pub async fn open(database_url: &str, vault: vault::Vault) -> Result<App> {
        let db = Db::connect(database_url).await?;
        let migrated = db.migrate().await?;
        Ok(App {
            db,
            vault,
            clock: Clock::system(),
            session_ttl_ms: 12 * 3600 * 1000,
            public_url: "http://localhost:8080".into(),
            rules: FrontLineRules::default(),
            sessions: Arc::default(),
            gates_changed: Arc::default(),
            linkage_map: Arc::default(),
            limits: Limits::default(),
            capacity: capacity::Capacity::default(),
            migrated,
        })
    }

    /// Today in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }
}
