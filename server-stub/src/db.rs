//! The database connection: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Every query is written once with `$1`-style bound parameters, which both back ends accept, in
//! portable SQL (TEXT, BIGINT, `ON CONFLICT`). Migrations are embedded, versioned, and run by sqlx's
//! migrator on either back end.
//!
//! Every write goes through [`Db::write`]: one transaction on a connection of its own, committed
//! before the caller hears of success, and a connection whose transaction failed is closed, never
//! returned to the pool. This is not caution for its own sake: when SQLite's `COMMIT` fails (say
//! with `SQLITE_FULL`) SQLite has already rolled back, so sqlx's rollback-on-drop fails too and
//! sqlx keeps counting the connection as inside a transaction. The pool hands it out again, the
//! next `begin()` becomes a `SAVEPOINT` that opens a real transaction, and once a `RELEASE` fails
//! too the connection is left holding an open transaction into which every later "committed"
//! report is nested, never to reach the disk (found with a 24 MB tmpfs; issue 11). The pool also
//! refuses to take back any connection sqlx still counts as inside a transaction.
//!
//! A write is possible only inside [`Db::write`], through the [`WriteTx`] it hands out: the
//! transaction carries whatever serialises writers (SQLite's one-writer lock), so no caller can
//! forget it. Every other connection is read-only in the database itself (SQLite `query_only`,
//! PostgreSQL `default_transaction_read_only`): a write through [`Db::reader`] fails, it does not
//! slip past the lock or the commit rules. On SQLite, writers have a small pool of writable
//! connections of their own rather than toggling `query_only` (which expires every prepared
//! statement of the connection: +11 % instructions per report, measured with callgrind).

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Describe, Either, Execute, Executor};
use tokio::sync::{Mutex, MutexGuard};

use crate::config::Config;
use crate::health::{Failure, WriteHealth};

/// Size of the probe write that tells whether writes work again.
const PROBE_BYTES: usize = 256 * 1024;
/// Longest wait for a database connection (a database that is down is retried until then).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Embedded migrations, in version order. Never edit one that has shipped; add a new file.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "compressed inventories",
        include_str!("../migrations/0002_inventory_gz.sql"),
    ),
    (
        3,
        "api tokens",
        include_str!("../migrations/0003_api_tokens.sql"),
    ),
    (
        4,
        "summary roll-up index",
        include_str!("../migrations/0004_hosts_rollup.sql"),
    ),
    (
        5,
        "organisations",
        include_str!("../migrations/0005_organisations.sql"),
    ),
    (
        6,
        "site tokens, last login",
        include_str!("../migrations/0006_site_tokens.sql"),
    ),
    (7, "trend", include_str!("../migrations/0007_trend.sql")),
    (
        9,
        "forecast indexes",
        include_str!("../migrations/0009_forecast.sql"),
    ),
    (
        10,
        "host identity",
        include_str!("../migrations/0010_host_identity.sql"),
    ),
    (
        11,
        "host asset facts",
        include_str!("../migrations/0011_host_assets.sql"),
    ),
    (
        12,
        "list indexes",
        include_str!("../migrations/0012_list_indexes.sql"),
    ),
    (
        13,
        "finding layer",
        include_str!("../migrations/0013_finding_layer.sql"),
    ),
    (
        14,
        "unmatched software",
        include_str!("../migrations/0014_unmatched_software.sql"),
    ),
    (
        16,
        "scoped summary index",
        include_str!("../migrations/0016_scoped_summary.sql"),
    ),
    (
        17,
        "clone dismissals",
        include_str!("../migrations/0017_clone_dismissals.sql"),
    ),
];

/// Connections in SQLite's writer pool: one writes at a time (the writer lock), and a second can
/// open while one that held a failed transaction is being closed.
const SQLITE_WRITERS: u32 = 2;

/// Which back end a pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (one process).
    Sqlite,
    /// PostgreSQL (may be shared by several collectors).
    Postgres,
}

/// A connection pool plus what the code needs to know about its back end.
#[derive(Clone, Debug)]
pub struct Db {
    /// Read-only connections (see the module documentation).
    pool: AnyPool,
    /// Where a [`WriteTx`] gets its connection: on SQLite a pool of its own, whose connections are
    /// writable (toggling `query_only` per transaction would expire every prepared statement —
    /// SQLite does that whenever a flag pragma changes); on PostgreSQL the same pool, each write
    /// begun `READ WRITE`.
    writers: AnyPool,
    /// The back end.
    pub backend: Backend,
    /// SQLite allows one writer: writers queue here rather than fail with `SQLITE_BUSY`.
    write_lock: Option<Arc<Mutex<()>>>,
    /// Whether writes currently work.
    pub health: Arc<WriteHealth>,
    /// One of each [`Job`] at a time in this process (PostgreSQL adds a lock across processes).
    jobs: [Arc<Mutex<()>>; 3],
}

/// Background work that must run on one collector at a time, even when several share a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Re-evaluating stored inventories.
    Reevaluate = 0,
    /// Deleting what is older than the retention period.
    Retention = 1,
    /// Taking the day's trend snapshot.
    Trend = 2,
}

/// First key of the collector's PostgreSQL advisory locks on jobs ("SuNs").
const JOB_LOCK_CLASS: i32 = 0x5375_4e73;

/// Held while a [`Job`] runs. On PostgreSQL it also holds a session advisory lock on a connection of
/// its own, which [`JobLock::release`] unlocks; dropped without that, the connection is closed,
/// which releases the lock too.
pub struct JobLock {
    _local: tokio::sync::OwnedMutexGuard<()>,
    session: Option<(PoolConnection<Any>, i32)>,
}

impl JobLock {
    /// Releases the lock.
    pub async fn release(mut self) {
        if let Some((mut conn, job)) = self.session.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1, $2)")
                .bind(JOB_LOCK_CLASS)
                .bind(job)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                conn.close_on_drop();
            }
        }
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        if let Some((conn, _)) = &mut self.session {
            conn.close_on_drop();
        }
    }
}

/// One write transaction, the only way to write (handed out by [`Db::write`], which commits it).
///
/// It cannot outlive what serialises writers, which it borrows: on SQLite the one-writer lock (the
/// group-commit writer in `state` batches reports but takes this lock like every other writer);
/// on PostgreSQL nothing process-wide, since several collectors may write at once and what must
/// not interleave is serialised per host ([`WriteTx::lock_host`]) and per job ([`Db::lock_job`]).
/// It is an [`Executor`]: queries run on it as on a connection (`.execute(&mut *tx)`).
pub struct WriteTx<'a> {
    tx: sqlx::Transaction<'a, Any>,
    backend: Backend,
    /// Borrowed from [`Db::write`], which holds the lock a little longer: until the transaction's
    /// connection is back in the pool or closing.
    _serialised: &'a Option<MutexGuard<'a, ()>>,
}

impl std::fmt::Debug for WriteTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteTx")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl WriteTx<'_> {
    /// Serialises, until the end of the transaction, everything written about one host: on
    /// PostgreSQL a transaction-level advisory lock on a 64-bit hash of its id (several collectors
    /// may write the same host at once); on SQLite this transaction is the only writer already.
    pub async fn lock_host(&mut self, host_id: &str) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            return Ok(());
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("host:{host_id}").as_bytes());
        let mut key = [0u8; 8];
        key.copy_from_slice(&digest[..8]);
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(i64::from_be_bytes(key))
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

/// Queries run on a [`WriteTx`] as on the connection it wraps.
impl<'c> Executor<'c> for &'c mut WriteTx<'_> {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        (&mut *self.tx).fetch_many(query)
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        (&mut *self.tx).fetch_optional(query)
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        (&mut *self.tx).prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'c: 'e,
    {
        (&mut *self.tx).describe(sql)
    }
}

impl Db {
    /// Connects (creating the SQLite file and its directory if needed). Does not migrate.
    pub async fn connect(config: &Config) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if config.is_sqlite() {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        if backend == Backend::Sqlite
            && let Some(path) = sqlite_path(&config.database_url)
            && let Some(parent) = std::path::Path::new(&path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                anyhow::anyhow!("cannot create data directory {}: {e}", parent.display())
            })?;
            create_private(Path::new(&path))?;
        }
        let options = AnyConnectOptions::from_str(&config.database_url)
            .map_err(|e| anyhow::anyhow!("database_url: {e}"))?;
        let synchronous = &config.sqlite_synchronous;
        let pool = pool_options(config.database_max_connections, synchronous, true)
            .connect_with(options.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
        let writers = match backend {
            Backend::Sqlite => pool_options(SQLITE_WRITERS, synchronous, false)
                .connect_with(options)
                .await
                .map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?,
            Backend::Postgres => pool.clone(),
        };
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            writers,
            backend,
            write_lock,
            health: Arc::default(),
            jobs: [Arc::default(), Arc::default(), Arc::default()],
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(config: &Config) -> anyhow::Result<Db> {
        let db = Db::connect(config).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> anyhow::Result<Vec<i64>> {
        use sqlx::migrate::Migrate;
        let migrator = migrator();
        // A writable connection (the migrator runs its own transactions); on PostgreSQL made
        // writable for the whole session, so closed afterwards rather than returned to the pool.
        let _serialised = self.serialise().await;
        let mut conn = self.writers.acquire().await?;
        if self.backend == Backend::Postgres {
            conn.close_on_drop();
            conn.execute("SET default_transaction_read_only = off")
                .await?;
        }
        conn.ensure_migrations_table().await?;
        let applied: Vec<i64> = conn
            .list_applied_migrations()
            .await?
            .into_iter()
            .map(|m| m.version)
            .collect();
        migrator
            .run_direct(&mut *conn)
            .await
            .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
        Ok(MIGRATIONS
            .iter()
            .map(|(v, _, _)| *v)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// Waits for SQLite's one-writer lock; `None` on PostgreSQL.
    async fn serialise(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.write_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        }
    }

    /// Read-only connections, for queries. A write through them fails: writes go through
    /// [`Db::write`].
    pub fn reader(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection (a stop, or a test restarting the collector).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writers.close().await;
    }

    /// SQLite only: writes a transactionally consistent copy of the database to `path` (`VACUUM
    /// INTO`, which reads one snapshot while writers carry on). The copy is not a write to this
    /// database, but SQLite refuses it on a `query_only` connection, so it runs on a writer's.
    pub async fn copy_into(&self, path: &str) -> Result<(), sqlx::Error> {
        let mut conn = self.writers.acquire().await?;
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// The lock of `job`, waiting for it when `wait`; `None` when another collector (or task) holds
    /// it and `wait` is false.
    pub async fn lock_job(&self, job: Job, wait: bool) -> Result<Option<JobLock>, sqlx::Error> {
        let local = self.jobs[job as usize].clone();
        let local = if wait {
            local.lock_owned().await
        } else {
            match local.try_lock_owned() {
                Ok(guard) => guard,
                Err(_) => return Ok(None),
            }
        };
        if self.backend == Backend::Sqlite {
            return Ok(Some(JobLock {
                _local: local,
                session: None,
            }));
        }
        let mut conn = self.pool.acquire().await?;
        let locked = if wait {
            sqlx::query("SELECT pg_advisory_lock($1, $2)")
                .bind(JOB_LOCK_CLASS)
                .bind(job as i32)
                .execute(&mut *conn)
                .await?;
            true
        } else {
            let row = sqlx::query("SELECT pg_try_advisory_lock($1, $2) AS locked")
                .bind(JOB_LOCK_CLASS)
                .bind(job as i32)
                .fetch_one(&mut *conn)
                .await?;
            sqlx::Row::try_get::<bool, _>(&row, "locked")?
        };
        Ok(locked.then(|| JobLock {
            _local: local,
            session: Some((conn, job as i32)),
        }))
    }

    /// Runs `work` in one transaction and commits it; `Ok` only once the commit succeeded. On any
    /// failure the transaction is rolled back and its connection closed rather than reused (see
    /// the module documentation), and the outcome is recorded in [`Db::health`].
    ///
    /// On PostgreSQL the transaction is begun `READ WRITE` (sessions are read-only by default);
    /// SQLite writers have connections of their own.
    pub async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut WriteTx<'_>) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let serialised = self.serialise().await;
        let result = async {
            let mut conn = self.writers.acquire().await?;
            let result = async {
                let mut tx = WriteTx {
                    tx: match self.backend {
                        Backend::Postgres => conn.begin_with("BEGIN READ WRITE").await?,
                        Backend::Sqlite => conn.begin().await?,
                    },
                    backend: self.backend,
                    _serialised: &serialised,
                };
                let value = work(&mut tx).await?;
                tx.tx.commit().await?;
                Ok(value)
            }
            .await;
            if result.is_err() {
                conn.close_on_drop();
            }
            result
        }
        .await;
        // Released only once the connection is back in the pool or closing, with its transaction.
        drop(serialised);
        self.health.record(&result);
        result
    }

    /// `Ok` when writes work; otherwise the failure, after one probe write if none ran in the last
    /// second (so a collector recovers by itself when space or the database comes back). The probe
    /// writes [`PROBE_BYTES`] of random text, more than a typical report: on a nearly full disk a
    /// tiny write can succeed where reports still fail.
    pub async fn writable(&self) -> Result<(), Failure> {
        let Some(failure) = self.health.failure() else {
            return Ok(());
        };
        let Some(_probe) = self.health.probe_slot() else {
            return Err(failure);
        };
        let payload = {
            use rand::RngCore;
            let mut bytes = vec![0u8; PROBE_BYTES / 2];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            hex::encode(bytes)
        };
        let _ = self
            .write(async |conn| {
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ('write_probe', $1) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(payload)
                .execute(conn)
                .await
            })
            .await;
        match self.health.failure() {
            None => Ok(()),
            Some(failure) => Err(failure),
        }
    }
}

/// A pool's options: SQLite's pragmas on every connection, and read-only sessions for `read_only`
/// (SQLite `query_only`, PostgreSQL `default_transaction_read_only`).
fn pool_options(max_connections: u32, synchronous: &str, read_only: bool) -> AnyPoolOptions {
    let synchronous = synchronous.to_string();
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // Never take back a connection sqlx thinks is inside a transaction (module doc).
        .after_release(|conn, _meta| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
        .after_connect(move |conn, _meta| {
            let synchronous = synchronous.clone();
            Box::pin(async move {
                if conn.backend_name().eq_ignore_ascii_case("sqlite") {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    // Only known values reach here (checked in `Config::resolve`).
                    let pragma = match synchronous.as_str() {
                        "normal" => "PRAGMA synchronous = NORMAL",
                        "extra" => "PRAGMA synchronous = EXTRA",
                        _ => "PRAGMA synchronous = FULL",
                    };
                    conn.execute(pragma).await?;
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    if read_only {
                        conn.execute("PRAGMA query_only = ON").await?;
                    }
                } else if read_only {
                    conn.execute("SET default_transaction_read_only = on")
                        .await?;
                }
                Ok(())
            })
        })
}

fn migrator() -> Migrator {
    let migrations: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|(version, description, sql)| {
            Migration::new(
                *version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// Creates a missing SQLite file readable by its owner only (SQLite gives its `-wal` and `-shm` files the
/// same mode): it holds every inventory and the sites' token hashes. An existing file is left alone.
fn create_private(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(anyhow::anyhow!(
            "cannot create database {}: {e}",
            path.display()
        )),
    }
}

/// The file path in a `sqlite://path?…` URL.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}
