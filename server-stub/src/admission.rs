//! How much memory-hungry work the collector takes on at once, so that no flood of requests, with
//! or without credentials, can exhaust its memory.
//!
//! - Request bodies: the bytes of report bodies held in memory at once are capped (eight bodies of
//!   the largest size allowed); a report waits for room before its body is read.
//! - Inventory decoding (decompressing, checking and deserialising a report, or a stored inventory
//!   for the host page): one per core, at least two. Each may hold up to `max_decompressed_bytes`
//!   plus the typed inventory, so this is what bounds the memory a refused report can cost.
//! - Password checks: argon2id uses 19 MiB for each verification; two run at once.
//!
//! A request that cannot get its turn within a short wait is answered 503 with `Retry-After`.

use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

/// Password verifications at once.
pub const PASSWORD_CHECKS: usize = 2;
/// Largest bodies held at once, as a multiple of `max_body_bytes`.
const BODIES: usize = 8;
/// Longest wait for a turn.
const WAIT: Duration = Duration::from_secs(10);
/// `Retry-After` when the collector is too busy.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 5;

/// The collector is too busy to take this request on now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The semaphores.
#[derive(Debug)]
pub struct Admission {
    /// Body bytes in memory, in KiB.
    body_kib: Semaphore,
    max_body_kib: u32,
    decoders: Semaphore,
    passwords: Semaphore,
}

impl Admission {
    /// Room for `BODIES` bodies of `max_body_bytes` and a decoder per core.
    pub fn new(max_body_bytes: usize) -> Admission {
        let max_body_kib = u32::try_from(max_body_bytes.div_ceil(1024)).unwrap_or(u32::MAX / 8);
        let decoders = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(2, 8);
        Admission {
            body_kib: Semaphore::new(max_body_kib as usize * BODIES),
            max_body_kib,
            decoders: Semaphore::new(decoders),
            passwords: Semaphore::new(PASSWORD_CHECKS),
        }
    }

    /// Room for a body of (at most) `bytes`; a body of unknown length reserves the largest size.
    pub async fn body(&self, bytes: Option<u64>) -> Result<SemaphorePermit<'_>, Busy> {
        let kib = bytes.map_or(self.max_body_kib, |b| {
            u32::try_from(b.div_ceil(1024))
                .unwrap_or(u32::MAX)
                .clamp(1, self.max_body_kib)
        });
        wait(self.body_kib.acquire_many(kib)).await
    }

    /// A turn to decode an inventory.
    pub async fn decoder(&self) -> Result<SemaphorePermit<'_>, Busy> {
        wait(self.decoders.acquire()).await
    }

    /// A turn to verify a password.
    pub async fn password_check(&self) -> Result<SemaphorePermit<'_>, Busy> {
        wait(self.passwords.acquire()).await
    }
}

async fn wait<'a>(
    acquire: impl Future<Output = Result<SemaphorePermit<'a>, tokio::sync::AcquireError>>,
) -> Result<SemaphorePermit<'a>, Busy> {
    match tokio::time::timeout(WAIT, acquire).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(Busy),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_share_a_byte_budget() {
        let admission = Admission::new(1024 * 1024);
        let mut held = Vec::new();
        for _ in 0..BODIES {
            held.push(admission.body(Some(1024 * 1024)).await.unwrap());
        }
        assert_eq!(admission.body_kib.available_permits(), 0);
        drop(held.pop());
        // A body of unknown length reserves the largest size; a small one only its own.
        let unknown = admission.body(None).await.unwrap();
        assert_eq!(admission.body_kib.available_permits(), 0);
        drop(unknown);
        let small = admission.body(Some(10)).await.unwrap();
        assert_eq!(admission.body_kib.available_permits(), 1023);
        drop(small);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_is_busy_after_the_wait() {
        let admission = Admission::new(1024);
        let _a = admission.password_check().await.unwrap();
        let _b = admission.password_check().await.unwrap();
        assert_eq!(admission.password_check().await.unwrap_err(), Busy);
    }
}
