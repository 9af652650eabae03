//! The database connection: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Every query is written once with `$1`-style bound parameters, which both back ends accept, in
//! portable SQL (TEXT, BIGINT, `ON CONFLICT`). Migrations are embedded, versioned, and run by sqlx's
//! migrator on either back end.

use std::borrow::Cow;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};
use tokio::sync::Mutex;

use crate::config::Config;

/// Embedded migrations, in version order. Never edit one that has shipped; add a new file.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "compressed inventories",
        include_str!("../migrations/0002_inventory_gz.sql"),
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
            .acquire_timeout(Duration::from_secs(30))
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
