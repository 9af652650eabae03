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

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor};
use tokio::sync::Mutex;

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
];

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
    /// The pool.
    pub pool: AnyPool,
    /// The back end.
    pub backend: Backend,
    /// SQLite allows one writer: writers queue here rather than fail with `SQLITE_BUSY`.
    write_lock: Option<Arc<Mutex<()>>>,
    /// Whether writes currently work.
    pub health: Arc<WriteHealth>,
    /// One of each [`Job`] at a time in this process (PostgreSQL adds a lock across processes).
    jobs: [Arc<Mutex<()>>; 2],
}

/// Background work that must run on one collector at a time, even when several share a database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Re-evaluating stored inventories.
    Reevaluate = 0,
    /// Deleting what is older than the retention period.
    Retention = 1,
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

/// Held while writing; `()` on PostgreSQL.
pub struct WriteGuard<'a> {
    _guard: Option<tokio::sync::MutexGuard<'a, ()>>,
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
        let synchronous = config.sqlite_synchronous.clone();
        let pool = AnyPoolOptions::new()
            .max_connections(config.database_max_connections)
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
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            write_lock,
            health: Arc::default(),
            jobs: [Arc::default(), Arc::default()],
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
        let migrator = migrator();
        let mut conn = self.pool.acquire().await?;
        use sqlx::migrate::Migrate;
        conn.ensure_migrations_table().await?;
        let applied: Vec<i64> = conn
            .list_applied_migrations()
            .await?
            .into_iter()
            .map(|m| m.version)
            .collect();
        drop(conn);
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
        Ok(MIGRATIONS
            .iter()
            .map(|(v, _, _)| *v)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// Serialises writers on SQLite; a no-op on PostgreSQL.
    pub async fn write_guard(&self) -> WriteGuard<'_> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        WriteGuard { _guard: guard }
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
    pub async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let _guard = self.write_guard().await;
        let result = async {
            let mut conn = self.pool.acquire().await?;
            let result = async {
                let mut tx = conn.begin().await?;
                let value = work(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
            .await;
            if result.is_err() {
                conn.close_on_drop();
            }
            result
        }
        .await;
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

/// Serialises, until the end of the transaction, everything written about one host: on PostgreSQL a
/// transaction-level advisory lock on a 64-bit hash of its id (several collectors may write the
/// same host at once); on SQLite there is only one writer already.
pub async fn lock_host(conn: &mut AnyConnection, host_id: &str) -> Result<(), sqlx::Error> {
    if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        return Ok(());
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("host:{host_id}").as_bytes());
    let mut key = [0u8; 8];
    key.copy_from_slice(&digest[..8]);
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(i64::from_be_bytes(key))
        .execute(conn)
        .await?;
    Ok(())
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
