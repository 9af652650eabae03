//! How much memory-hungry work the collector takes on at once, so that no flood of requests, with
//! or without credentials, can exhaust its memory.
//!
//! - Request bodies: the bytes of report bodies held in memory at once are capped (eight bodies of
//!   the largest size allowed); a report waits for room before its body is read.
//! - Inventory decoding (decompressing, checking, deserialising and judging a report, or decoding a
//!   stored inventory for the host page): one per core, at least two. Each may hold up to
//!   `max_decompressed_bytes` plus the typed inventory, so this is what bounds the memory a refused
//!   report can cost.
//! - Password checks: argon2id uses 19 MiB for each verification; two run at once.
//! - Evidence packs: each holds a database connection and a few batches of rows (tens of MB at
//!   100,000 hosts) for as long as its download lasts, and keeps a core busy; two are made at once,
//!   and a third waits at most [`PACK_WAIT`].
//!
//! Decoding and password checks run on small pools of threads of their own ([`Workers`]), not on
//! the runtime's blocking pool: that pool grows to hundreds of threads under a flood, and with
//! glibc each thread that frees a large block keeps it in its own malloc arena, so 256 password
//! checks two at a time still left ~350 MiB resident. With as many threads as turns, at most that
//! many blocks are ever kept.
//!
//! A request that cannot get its turn within a short wait is answered 503 with `Retry-After`.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};

/// Password verifications at once.
pub const PASSWORD_CHECKS: usize = 2;
/// Largest bodies held at once, as a multiple of `max_body_bytes`.
const BODIES: usize = 8;
/// Longest wait for a turn.
const WAIT: Duration = Duration::from_secs(10);
/// Evidence packs (and their pages) made at once.
pub const PACKS: usize = 2;
/// Longest wait for a pack's turn: one takes seconds to tens of seconds, so a caller is told to
/// come back rather than kept waiting for one.
pub const PACK_WAIT: Duration = Duration::from_secs(2);
/// `Retry-After` when the collector is too busy.
pub const BUSY_RETRY_AFTER_SECONDS: u64 = 5;

/// The collector is too busy to take this request on now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// The limits.
#[derive(Debug)]
pub struct Admission {
    /// Body bytes in memory, in KiB.
    body_kib: Semaphore,
    max_body_kib: u32,
    /// Decoding and judging inventories.
    pub decoders: Workers,
    /// Verifying passwords.
    pub passwords: Workers,
    /// Evidence packs being made (owned permits: a pack's download outlives its handler).
    pub packs: Arc<Semaphore>,
}

type Job = Box<dyn FnOnce() + Send>;

/// A few threads of their own, and the turns to use them: at most one job per thread at a time.
#[derive(Debug)]
pub struct Workers {
    turns: Semaphore,
    jobs: Mutex<mpsc::Sender<Job>>,
}

/// The right to run one job on a [`Workers`] pool.
pub struct Turn<'a> {
    workers: &'a Workers,
    _permit: SemaphorePermit<'a>,
}

impl Workers {
    /// `threads` threads named `name-N`; they end when the pool is dropped.
    pub fn new(threads: usize, name: &str) -> Workers {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a worker thread");
            }
        }
        Workers {
            turns: Semaphore::new(threads),
            jobs: Mutex::new(jobs),
        }
    }

    /// Waits (boundedly) for a turn.
    pub async fn turn(&self) -> Result<Turn<'_>, Busy> {
        Ok(Turn {
            workers: self,
            _permit: wait(self.turns.acquire()).await?,
        })
    }
}

impl Turn<'_> {
    /// Runs `job` on one of the pool's threads and returns its result; `Err` if it panicked.
    pub async fn run<T: Send + 'static>(
        self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let (reply, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            if let Ok(value) = outcome {
                let _ = reply.send(value);
            }
        });
        let sent = match self.workers.jobs.lock() {
            Ok(jobs) => jobs.send(job),
            Err(poisoned) => poisoned.into_inner().send(job),
        };
        sent.map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
    }
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
            decoders: Workers::new(decoders, "decode"),
            passwords: Workers::new(PASSWORD_CHECKS, "argon2"),
            packs: Arc::new(Semaphore::new(PACKS)),
        }
    }

    /// A turn to make an evidence pack, held until its download ends.
    pub async fn pack(&self) -> Result<OwnedSemaphorePermit, Busy> {
        match tokio::time::timeout(PACK_WAIT, self.packs.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy),
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
        let _a = admission.passwords.turn().await.unwrap();
        let _b = admission.passwords.turn().await.unwrap();
        assert!(admission.passwords.turn().await.is_err());
    }

    #[tokio::test]
    async fn jobs_run_on_the_pools_own_threads() {
        let workers = Workers::new(2, "test-pool");
        let name = workers
            .turn()
            .await
            .unwrap()
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .unwrap();
        assert!(name.unwrap().starts_with("test-pool-"));
        let panicked = workers.turn().await.unwrap().run(|| panic!("boom")).await;
        assert!(panicked.is_err());
        let after = workers.turn().await.unwrap().run(|| 7).await.unwrap();
        assert_eq!(after, 7, "a panicking job does not take its thread with it");
    }
}
