//! Background jobs, every `jobs_interval_seconds` (a minute by default): keep verdicts current
//! (re-evaluate after a catalogue change by another process, and on a new day, so "expiring"
//! becomes "unsupported" on the right day), once a day take the trend snapshot (once the day's
//! verdicts are current), and once an hour apply retention.
//!
//! Several collectors may share one PostgreSQL database: each job takes its lock across instances
//! ([`crate::db::Db::lock_job`]) without waiting, so an instance whose job is already running
//! elsewhere skips its turn, and the re-evaluation itself only takes hosts nobody has judged with
//! this catalogue today ([`crate::reevaluate`]). The trend snapshot is taken by whichever instance
//! first finds the day without one, under its job lock ([`snapshot`]).

use std::cmp::Ordering;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sunset_catalog::catalog::base_version;
use sunset_catalog::version::Scheme;
use tracing::{error, info, warn};

use crate::db::{Db, Job};
use crate::reevaluate::{META_CATALOG_VERSION, META_EVALUATED_ON, Scope};
use crate::state::Shared;
use crate::store;

/// Time between retention runs.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// Starts the jobs; they run until the task is aborted.
pub fn spawn(state: Shared) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let interval = state.config.jobs_interval;
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_retention: Option<tokio::time::Instant> = None;
        loop {
            tick.tick().await;
            if let Err(e) = keep_verdicts_current(&state).await {
                error!(error = %e, "re-evaluation failed");
            }
            if let Err(e) = daily_snapshot(&state).await {
                error!(error = %e, "trend snapshot failed");
            }
            if last_retention.is_none_or(|at| at.elapsed() >= RETENTION_EVERY) {
                last_retention = Some(tokio::time::Instant::now());
                if let Err(e) = retention(&state).await {
                    error!(error = %e, "retention purge failed");
                }
            }
        }
    })
}

/// Re-evaluates when the stored verdicts rest on another catalogue or an earlier day.
///
/// When another collector (or `catalog reload`) judged with another catalogue, this one reads its
/// own catalogue again first; if the stored version is still newer than what it then has, it leaves
/// the verdicts alone and says so, rather than flip every host back to older verdicts.
pub async fn keep_verdicts_current(state: &Shared) -> anyhow::Result<()> {
    let stored = store::meta_get(&state.db, META_CATALOG_VERSION).await?;
    let day = store::meta_get(&state.db, META_EVALUATED_ON).await?;
    let today = state.today().to_string();
    // Also true when this instance just adopted the new catalogue: what it stored with the old one
    // since the other instance's re-evaluation is stale now.
    let changed = stored.as_deref() != Some(state.catalog().version());
    if let Some(stored) = &stored
        && stored != state.catalog().version()
    {
        let config = state.config.clone();
        let loaded =
            tokio::task::spawn_blocking(move || crate::catalog_source::load_configured(&config))
                .await??;
        if loaded.version() != state.catalog().version() {
            info!(version = %loaded.version(), "catalogue re-read after a change by another process");
            state.set_catalog(loaded);
        }
        let mine = state.catalog();
        // Overlays' digests have no order: only a newer base catalogue elsewhere holds this back.
        let (stored_base, mine_base) = (base_version(stored), base_version(mine.version()));
        if Scheme::Dotted.compare(stored_base, mine_base) == Ordering::Greater {
            warn!(stored = %stored, this = %mine.version(), "another collector judges with a newer catalogue; this one keeps its verdicts: give every instance the same catalogue");
            return Ok(());
        }
    }
    // Declared contract cover changed (collector.toml edited and the collector restarted): every
    // host is judged again, not only those not yet judged today. No digest stored yet is a database
    // from before declarations existed, judged with none.
    let digest = crate::cover::digest(&state.config.declared_cover);
    let stored_digest = store::meta_get(&state.db, crate::cover::META_DECLARED_COVER).await?;
    if stored_digest.as_deref().unwrap_or("none") != digest {
        info!(
            declarations = state.config.declared_cover.declarations.len(),
            "declared cover changed: judging every host again"
        );
        state.reevaluate(Scope::All, false).await?;
    } else if changed || day.as_deref() != Some(today.as_str()) {
        state.reevaluate(Scope::Stale, false).await?;
    }
    Ok(())
}

async fn retention(state: &Shared) -> anyhow::Result<()> {
    let Some(lock) = state.db.lock_job(Job::Retention, false).await? else {
        return Ok(());
    };
    let days = chrono::Duration::days(i64::from(state.config.retention_days));
    let result = store::purge(&state.db, state.now() - days).await;
    lock.release().await;
    match result? {
        0 => {}
        n => info!(rows = n, "retention: old records deleted"),
    }
    Ok(())
}

/// Takes today's trend snapshot unless it has been taken, and only once today's verdicts are current
/// (`evaluated_on` is today): a snapshot of the morning's re-evaluation half done would show a
/// dip that never happened. Another collector may take it first; then this one finds it taken.
async fn daily_snapshot(state: &Shared) -> anyhow::Result<()> {
    let today = state.today();
    let evaluated = store::meta_get(&state.db, META_EVALUATED_ON).await?;
    if evaluated.as_deref() != Some(today.to_string().as_str())
        || store::snapshot_taken(&state.db, today).await?
    {
        return Ok(());
    }
    if let Some(done) = snapshot(&state.db, today, state.now(), false).await? {
        info!(day = %done.day, hosts = done.hosts, organisations = done.organisations, pruned = done.pruned, "trend snapshot taken");
    }
    Ok(())
}

/// Takes the trend snapshot of `day` under the trend job's lock, replacing one taken earlier that
/// day: `None` when `wait` is false and another collector (or task) is taking it. With `wait`
/// false (the scheduler) a day already taken is left alone once the lock is held, so two
/// instances that both found it missing write it once; with `wait` (`sunset-collector snapshot`)
/// it is taken again.
pub async fn snapshot(
    db: &Db,
    day: NaiveDate,
    now: DateTime<Utc>,
    wait: bool,
) -> anyhow::Result<Option<store::SnapshotReport>> {
    let Some(lock) = db.lock_job(Job::Trend, wait).await? else {
        return Ok(None);
    };
    let result = async {
        if !wait && store::snapshot_taken(db, day).await? {
            return Ok(None);
        }
        store::take_snapshot(db, day, now).await.map(Some)
    }
    .await;
    lock.release().await;
    Ok(result?)
}
