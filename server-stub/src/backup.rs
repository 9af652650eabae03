//! `sunset-collector backup --out FILE`: an online backup of the SQLite database.
//!
//! SQLite's `VACUUM INTO` writes a transactionally consistent copy of the live database while the
//! collector keeps serving (it reads one snapshot; WAL writers are not blocked), compacted, as one file
//! with no `-wal` to go with it. The copy is made in a new file created with mode 0600 (it holds every
//! inventory and the sites' token hashes), then opened and checked (`PRAGMA integrity_check`) before the
//! command reports success. PostgreSQL is backed up with `pg_dump` (server-stub/README.md, "Backups").

use std::path::{Path, PathBuf};

use anyhow::Context;
use sqlx::any::AnyConnectOptions;
use sqlx::{ConnectOptions, Row};

use crate::config::Config;
use crate::db::Db;

/// What a finished backup holds, for the command's report.
#[derive(Debug)]
pub struct Backup {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Hosts in it.
    pub hosts: i64,
    /// Sites in it.
    pub sites: i64,
}

/// Copies the configured SQLite database to `out`, which must not exist yet.
pub async fn sqlite(config: &Config, out: &Path) -> anyhow::Result<Backup> {
    if !config.is_sqlite() {
        anyhow::bail!(
            "backup copies a SQLite database; this collector uses PostgreSQL: back it up with pg_dump \
             (server-stub/README.md, \"Backups\")"
        );
    }
    let out = std::path::absolute(out).with_context(|| format!("{}", out.display()))?;
    let text = out
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{}: the backup path must be UTF-8", out.display()))?;
    create_private(&out)?;
    let db = Db::connect(config).await?;
    let copied = db.copy_into(text).await;
    db.close().await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&out);
        anyhow::bail!("backup into {} failed: {e}", out.display());
    }
    match check(&out).await {
        Ok((hosts, sites)) => Ok(Backup {
            bytes: std::fs::metadata(&out)?.len(),
            path: out,
            hosts,
            sites,
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&out);
            Err(e.context(format!(
                "the backup {} failed its check and was removed",
                out.display()
            )))
        }
    }
}

/// An empty file only the owner can read (SQLite's `VACUUM INTO` accepts an empty target).
fn create_private(path: &Path) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).with_context(|| {
        format!(
            "cannot create the backup file {} (it must not exist)",
            path.display()
        )
    })?;
    Ok(())
}

/// Opens the copy read-only: it must pass SQLite's integrity check; returns its host and site counts.
async fn check(path: &Path) -> anyhow::Result<(i64, i64)> {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = AnyConnectOptions::from_url(&url.parse()?)?
        .connect()
        .await?;
    let verdict: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    if verdict != "ok" {
        anyhow::bail!("integrity check: {verdict}");
    }
    let hosts: i64 = sqlx::query("SELECT COUNT(*) FROM hosts")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    let sites: i64 = sqlx::query("SELECT COUNT(*) FROM sites")
        .fetch_one(&mut conn)
        .await?
        .try_get(0)?;
    Ok((hosts, sites))
}
