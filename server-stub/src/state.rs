//! State shared by every request: the database, configuration, the catalogue in force, the clock,
//! counters and limits, and (SQLite) the group-commit writer reports are stored through.
//!
//! Its own module so that handlers (`api`, `web`, `ingest`, `login`, …) depend on the state, and
//! only `server`, which builds the router from them, depends on the handlers.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};

use crate::admission::Admission;
use crate::catalog_source::LoadedCatalog;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::store;
use crate::throttle::Throttle;

/// State shared by every request.
#[derive(Debug)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Configuration in force.
    pub config: Config,
    /// Ingest and latency counters.
    pub metrics: Metrics,
    /// How much memory-hungry work runs at once.
    pub admission: Admission,
    /// Failed password checks, by user and address.
    pub throttle: Throttle,
    /// What time it is, for every decision taken from "now" ([`crate::clock`]).
    pub clock: Clock,
    catalog: RwLock<Arc<LoadedCatalog>>,
    /// SQLite only: reports queue here for group commit.
    writer: Option<tokio::sync::mpsc::Sender<Pending>>,
}

/// A report waiting for the group-commit writer, and where to send its outcome.
type Pending = (
    store::IngestJob,
    tokio::sync::oneshot::Sender<Result<store::IngestOutcome, sqlx::Error>>,
);

/// Most reports committed in one SQLite transaction.
const MAX_GROUP_COMMIT: usize = 64;

/// Takes every report waiting (up to [`MAX_GROUP_COMMIT`]) and commits them together, so a burst
/// of reports costs one sync to disk instead of one each. Each is acknowledged after the commit.
///
/// This only batches; it does not serialise: the batch is one [`Db::write`] transaction, which
/// waits for SQLite's writer lock like every other write (sessions, risks, re-evaluation), so
/// there is exactly one thing that orders SQLite writes.
async fn group_commit_writer(db: Db, mut queue: tokio::sync::mpsc::Receiver<Pending>) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first.0];
        let mut replies = vec![first.1];
        while jobs.len() < MAX_GROUP_COMMIT {
            match queue.try_recv() {
                Ok((job, reply)) => {
                    jobs.push(job);
                    replies.push(reply);
                }
                Err(_) => break,
            }
        }
        let results = store::ingest_batch(&db, &jobs).await;
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
    }
}

/// The state as handlers see it.
pub type Shared = Arc<AppState>;

impl AppState {
    /// New state on the system clock. Must be called inside a Tokio runtime (SQLite starts its
    /// writer task).
    pub fn new(db: Db, config: Config, catalog: LoadedCatalog) -> Shared {
        AppState::with_clock(db, config, catalog, Clock::system())
    }

    /// New state reading the time from `clock` (tests: a [`crate::clock::ManualClock`]).
    pub fn with_clock(db: Db, config: Config, catalog: LoadedCatalog, clock: Clock) -> Shared {
        let writer = (db.backend == crate::db::Backend::Sqlite).then(|| {
            let (sender, queue) = tokio::sync::mpsc::channel(1024);
            tokio::spawn(group_commit_writer(db.clone(), queue));
            sender
        });
        Arc::new(AppState {
            db,
            admission: Admission::new(config.limits.max_body_bytes),
            config,
            metrics: Metrics::default(),
            throttle: Throttle::new(clock.clone()),
            clock,
            catalog: RwLock::new(Arc::new(catalog)),
            writer,
        })
    }

    /// Stores a report: through the group-commit writer on SQLite, in its own transaction on
    /// PostgreSQL (which groups concurrent commits itself). Returns after commit.
    pub async fn store_report(
        &self,
        job: store::IngestJob,
    ) -> Result<store::IngestOutcome, sqlx::Error> {
        let Some(writer) = &self.writer else {
            return store::ingest(&self.db, &job).await;
        };
        let (reply, outcome) = tokio::sync::oneshot::channel();
        writer
            .send((job, reply))
            .await
            .map_err(|_| sqlx::Error::WorkerCrashed)?;
        outcome.await.map_err(|_| sqlx::Error::WorkerCrashed)?
    }

    /// The catalogue in force.
    pub fn catalog(&self) -> Arc<LoadedCatalog> {
        match self.catalog.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replaces the catalogue.
    pub fn set_catalog(&self, catalog: LoadedCatalog) {
        let catalog = Arc::new(catalog);
        match self.catalog.write() {
            Ok(mut guard) => *guard = catalog,
            Err(poisoned) => *poisoned.into_inner() = catalog,
        }
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today, in UTC, by the state's clock.
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Hosts last seen before this are stale.
    pub fn stale_cutoff(&self) -> String {
        let days = chrono::Duration::days(i64::from(self.config.stale_days));
        store::ts(self.now() - days)
    }
}
