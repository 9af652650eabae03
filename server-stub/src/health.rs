//! Whether the collector can store what it is sent.
//!
//! A write that fails for a storage reason (disk full, I/O error, database unreachable) marks the
//! collector as failing until a write succeeds again. While it is failing, ingest answers 503 with
//! `Retry-After` before reading the body and `/healthz` says not ready; both first let one small
//! probe write through (at most one a second), so the collector recovers by itself as soon as space
//! or the database returns. A logical failure (a constraint) says nothing about storage and is not
//! counted.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Least time between two probe writes.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);
/// What ingest tells agents to wait before retrying while writes fail.
pub const RETRY_AFTER_SECONDS: u64 = 30;

/// Why writes are failing, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// First failure of this run of failures.
    pub since: DateTime<Utc>,
    /// The latest error, as the database reported it.
    pub error: String,
}

/// The state of writes, shared by every clone of a [`crate::db::Db`].
#[derive(Debug, Default)]
pub struct WriteHealth {
    failure: Mutex<Option<Failure>>,
    /// When the last probe ran; held while one runs, so probes never pile up.
    last_probe: tokio::sync::Mutex<Option<Instant>>,
}

impl WriteHealth {
    /// The current failure, if writes are failing.
    pub fn failure(&self) -> Option<Failure> {
        match self.failure.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Records a failed read: a database that cannot be reached fails writes too, and marking it
    /// now saves later requests the wait for a connection.
    pub fn read_failed(&self, e: &sqlx::Error) {
        if is_storage_failure(e) {
            let result: Result<(), &sqlx::Error> = Err(e);
            self.record_ref(result);
        }
    }

    /// Records the outcome of a write.
    pub fn record<T>(&self, result: &Result<T, sqlx::Error>) {
        self.record_ref(result.as_ref().map(|_| ()));
    }

    fn record_ref(&self, result: Result<(), &sqlx::Error>) {
        let mut failure = match self.failure.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        match result {
            Ok(_) => {
                if let Some(old) = failure.take() {
                    tracing::info!(failing_since = %old.since, "database writes work again");
                }
            }
            Err(e) if is_storage_failure(e) => {
                if failure.is_none() {
                    tracing::error!(error = %e, "database writes are failing; ingest answers 503 until they work again");
                }
                *failure = Some(Failure {
                    since: failure.as_ref().map_or_else(Utc::now, |f| f.since),
                    error: e.to_string(),
                });
            }
            Err(_) => {}
        }
    }

    /// Whether a probe may run now: `Some(guard)` (held while probing) when none is running and the
    /// last one is at least [`PROBE_INTERVAL`] old.
    pub(crate) fn probe_slot(&self) -> Option<tokio::sync::MutexGuard<'_, Option<Instant>>> {
        let mut slot = self.last_probe.try_lock().ok()?;
        if slot.is_some_and(|at| at.elapsed() < PROBE_INTERVAL) {
            return None;
        }
        *slot = Some(Instant::now());
        Some(slot)
    }
}

/// Whether an error says the database cannot store or answer anything right now (full disk, I/O
/// error, unreachable or shutting down), as opposed to a problem with this one query (a constraint,
/// a mistake in it).
pub fn is_storage_failure(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.code().is_some_and(|code| storage_code(&code)),
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        _ => false,
    }
}

/// SQLite result codes (numbers; the low byte is the primary code) and PostgreSQL SQLSTATE classes
/// that mean the store itself is failing.
fn storage_code(code: &str) -> bool {
    match code.parse::<i64>() {
        // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
        Ok(sqlite) => matches!(sqlite & 0xff, 5 | 6 | 7 | 8 | 10 | 11 | 13 | 14 | 15 | 26),
        // Connection exception, insufficient resources (disk full, out of memory), operator
        // intervention (shutdown), system error (I/O), internal error; a read-only transaction.
        Err(_) => {
            matches!(code.get(..2), Some("08" | "53" | "57" | "58" | "XX")) || code == "25006"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_lasts_until_a_write_succeeds_and_keeps_its_start() {
        let health = WriteHealth::default();
        assert_eq!(health.failure(), None);
        health.record::<()>(&Err(sqlx::Error::PoolTimedOut));
        let first = health.failure().map(|f| f.since);
        assert!(first.is_some());
        health.record::<()>(&Err(sqlx::Error::PoolClosed));
        assert_eq!(health.failure().map(|f| f.since), first);
        health.record::<()>(&Err(sqlx::Error::RowNotFound));
        assert!(
            health.failure().is_some(),
            "a missing row is not a recovery"
        );
        health.record(&Ok(()));
        assert_eq!(health.failure(), None);
        health.record::<()>(&Err(sqlx::Error::RowNotFound));
        assert_eq!(
            health.failure(),
            None,
            "a missing row is not a storage failure"
        );
    }

    #[tokio::test]
    async fn probes_are_spaced_and_never_overlap() {
        let health = WriteHealth::default();
        let slot = health.probe_slot();
        assert!(slot.is_some());
        assert!(health.probe_slot().is_none(), "one probe at a time");
        drop(slot);
        assert!(health.probe_slot().is_none(), "at most one a second");
    }
}
