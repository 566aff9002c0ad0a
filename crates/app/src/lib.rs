//! Use cases of sanshe: each checks the actor's permission, validates input through the core
//! types, and calls the store. The web pages, the JSON API and the command line all call these.

pub mod accounts;
pub mod areas;
pub mod audit;
pub mod demo;
pub mod divisions;
pub mod error;
pub mod imports;
pub mod organizations;
pub mod registry;
pub mod sheets;
pub mod vault;

use chrono::{FixedOffset, NaiveDate, Utc};
use sanshe_store::Db;

pub use error::{AppError, OnConflict, Result};
pub use sanshe_store::{Backend, new_id};

/// China Standard Time. China has kept UTC+8 without daylight saving since 1991, so a fixed
/// offset is exact for every date the registry handles and spares a time-zone database.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is within the valid offset range")
}

/// Where "today" comes from; tests set a fixed date.
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    /// The machine's clock.
    #[default]
    System,
    /// A fixed date (tests).
    Fixed(NaiveDate),
}

impl Clock {
    /// Today's date in Asia/Shanghai.
    pub fn today(self) -> NaiveDate {
        match self {
            Clock::System => Utc::now().with_timezone(&china_offset()).date_naive(),
            Clock::Fixed(d) => d,
        }
    }
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
}

impl App {
    /// Connects, migrates and returns the application.
    pub async fn open(database_url: &str, vault: vault::Vault) -> Result<App> {
        let db = Db::connect(database_url).await?;
        db.migrate().await?;
        Ok(App {
            db,
            vault,
            clock: Clock::System,
            session_ttl_ms: 12 * 3600 * 1000,
        })
    }

    /// Today in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }
}
