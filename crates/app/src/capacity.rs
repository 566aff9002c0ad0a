//! How much heavy work this node does at once. Reading an upload holds its file and a batch of
//! rows; hashing a password takes 19 MiB and most of a core for tens of milliseconds. Without a
//! bound, a burst of either starves every other request of memory or CPU; with one, the burst
//! waits or is told to come back (`AppError::Busy`, 429 with Retry-After).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{AppError, Result};

/// The slots of this node's heavy work.
#[derive(Debug, Clone)]
pub struct Capacity {
    uploads: Arc<Semaphore>,
    hashing: Arc<Semaphore>,
    exports: Arc<Semaphore>,
}

/// How long a sign-in waits for a hashing slot before it is told to come back.
const HASHING_WAIT: Duration = Duration::from_secs(5);

impl Capacity {
    /// `uploads` files read at once, `hashing` passwords hashed at once.
    pub fn new(uploads: usize, hashing: usize) -> Capacity {
        Capacity {
            uploads: Arc::new(Semaphore::new(uploads.max(1))),
            hashing: Arc::new(Semaphore::new(hashing.max(1))),
            exports: Arc::new(Semaphore::new(uploads.max(1))),
        }
    }

    /// A slot for reading one upload, held until the import is done; none free is `Busy`.
    pub fn upload(&self) -> Result<OwnedSemaphorePermit> {
        self.uploads
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Busy(5))
    }

    /// A slot for building one export file for a download, held until it is sent.
    pub fn export(&self) -> Result<OwnedSemaphorePermit> {
        self.exports
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Busy(30))
    }

    /// A slot for hashing one password, waiting a few seconds for one at most.
    pub async fn hashing(&self) -> Result<OwnedSemaphorePermit> {
        match tokio::time::timeout(HASHING_WAIT, self.hashing.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(AppError::Busy(2)),
        }
    }
}

impl Default for Capacity {
    /// Two uploads, and hashes on half the machine's cores: the other half keeps answering
    /// everyone else while a flood of sign-ins waits its turn.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Capacity::new(2, (cores / 2).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_third_upload_at_once_is_told_to_come_back() {
        let c = Capacity::new(2, 1);
        let a = c.upload().unwrap();
        let _b = c.upload().unwrap();
        assert!(matches!(c.upload(), Err(AppError::Busy(5))));
        drop(a);
        assert!(c.upload().is_ok());
    }
}
