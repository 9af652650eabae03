//! Re-evaluating stored inventories with the collector's catalogue: every host after a catalogue
//! reload, and the hosts whose verdict rests on another catalogue or an earlier day otherwise.
//!
//! Safe with several collectors on one database: one re-evaluation at a time across all of them
//! ([`Job::Reevaluate`]); a host's new verdict is written only if its inventory is still the one
//! that was judged (a report arriving meanwhile wins), under the per-host lock ingest takes too; and
//! a run for stale hosts takes only hosts not yet judged with this catalogue today, so a run that is
//! interrupted, or that follows another instance's, judges nobody twice. Pages are bounded by bytes
//! as well as hosts, so large stored inventories cannot make a page large.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use tracing::{info, warn};

use crate::db::{Db, Job};
use crate::state::AppState;
use crate::store::{self, StoredInventory, ts};
use crate::verdict::{self, HostVerdict};

/// Hosts per page (and per transaction).
const PAGE_HOSTS: i64 = 200;
/// Stored inventory bytes per page (at least one host whatever its size).
const PAGE_BYTES: i64 = 32 * 1024 * 1024;
/// `meta` key holding the catalogue version the stored verdicts rest on.
pub const META_CATALOG_VERSION: &str = "catalog_version";
/// `meta` key holding the day they were judged.
pub const META_EVALUATED_ON: &str = "evaluated_on";

/// Which hosts to judge again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every host (a catalogue reload: its dates may have changed under the same version).
    All,
    /// Hosts judged with another catalogue version or on an earlier day.
    Stale,
}

/// What a re-evaluation did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ReevaluateReport {
    /// Hosts re-evaluated.
    pub hosts: usize,
    /// Stored inventories that could not be read.
    pub unreadable: usize,
    /// Catalogue version used.
    pub catalog_version: String,
}

impl AppState {
    /// Re-evaluates every stored inventory with the current catalogue and today's date.
    pub async fn reevaluate_all(&self) -> anyhow::Result<ReevaluateReport> {
        Ok(self.reevaluate(Scope::All, true).await?.unwrap_or_default())
    }

    /// Re-evaluates the hosts in `scope`; `None` when `wait` is false and another collector (or
    /// task) is re-evaluating already.
    pub async fn reevaluate(
        &self,
        scope: Scope,
        wait: bool,
    ) -> anyhow::Result<Option<ReevaluateReport>> {
        let Some(lock) = self.db.lock_job(Job::Reevaluate, wait).await? else {
            return Ok(None);
        };
        let result = self.reevaluate_locked(scope).await;
        lock.release().await;
        result.map(Some)
    }

    async fn reevaluate_locked(&self, scope: Scope) -> anyhow::Result<ReevaluateReport> {
        let catalog = self.catalog();
        let today = self.today();
        let expiring_days = self.config.expiring_days;
        let stale = (scope == Scope::Stale).then(|| (catalog.version().to_string(), today));
        let mut after = String::new();
        let mut report = ReevaluateReport {
            catalog_version: catalog.version().to_string(),
            ..ReevaluateReport::default()
        };
        loop {
            let page = page_after(&self.db, &after, stale.as_ref()).await?;
            let Some((last, _, _)) = page.last() else {
                break;
            };
            after = last.clone();
            let task_catalog = catalog.clone();
            let (verdicts, unreadable) = tokio::task::spawn_blocking(move || {
                let mut verdicts = Vec::with_capacity(page.len());
                let mut unreadable = 0;
                for (host_id, report_id, stored) in page {
                    match stored.inventory() {
                        Ok(inventory) => verdicts.push((
                            host_id,
                            report_id,
                            verdict::judge(&inventory, &task_catalog.catalog, today, expiring_days),
                        )),
                        Err(e) => {
                            warn!(host_id = %host_id, error = %e, "stored inventory unreadable; not re-evaluated");
                            unreadable += 1;
                        }
                    }
                }
                (verdicts, unreadable)
            })
            .await?;
            let applied = apply(&self.db, &verdicts, catalog.version(), today, self.now()).await?;
            self.metrics.reevaluated(applied);
            report.hosts += applied;
            report.unreadable += unreadable;
        }
        store::meta_set(&self.db, META_CATALOG_VERSION, catalog.version()).await?;
        store::meta_set(&self.db, META_EVALUATED_ON, &today.to_string()).await?;
        if report.hosts > 0 || scope == Scope::All {
            info!(hosts = report.hosts, version = %report.catalog_version, "hosts re-evaluated");
        }
        Ok(report)
    }
}

/// Hosts after `after` in id order, with the report their inventory came from: at most
/// [`PAGE_HOSTS`] and, beyond the first, [`PAGE_BYTES`] of stored inventory. With `stale`, only
/// hosts judged with another catalogue version or before that day.
async fn page_after(
    db: &Db,
    after: &str,
    stale: Option<&(String, NaiveDate)>,
) -> Result<Vec<(String, String, StoredInventory)>, sqlx::Error> {
    let filter = if stale.is_some() {
        " AND (catalog_version <> $3 OR evaluated_on <> $4)"
    } else {
        ""
    };
    let sizes_sql = format!(
        "SELECT host_id, CAST(COALESCE(LENGTH(inventory_gz), 0) + LENGTH(inventory) AS BIGINT) AS size \
         FROM hosts WHERE host_id > $1{filter} ORDER BY host_id LIMIT $2"
    );
    let mut sizes = sqlx::query(&sizes_sql)
        .bind(after.to_string())
        .bind(PAGE_HOSTS);
    if let Some((version, day)) = stale {
        sizes = sizes.bind(version.clone()).bind(day.to_string());
    }
    let sizes = sizes.fetch_all(&db.pool).await?;
    let mut total = 0i64;
    let mut last = None;
    for row in &sizes {
        let size: i64 = row.try_get::<Option<i64>, _>("size")?.unwrap_or(0);
        if last.is_some() && total + size > PAGE_BYTES {
            break;
        }
        total += size;
        last = Some(row.try_get::<String, _>("host_id")?);
    }
    let Some(last) = last else {
        return Ok(Vec::new());
    };
    let rows_sql = format!(
        "SELECT host_id, last_report_id, inventory, inventory_gz FROM hosts \
         WHERE host_id > $1 AND host_id <= $2{filter} ORDER BY host_id LIMIT {PAGE_HOSTS}"
    );
    let mut rows = sqlx::query(&rows_sql).bind(after.to_string()).bind(last);
    if let Some((version, day)) = stale {
        rows = rows.bind(version.clone()).bind(day.to_string());
    }
    rows.fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("host_id")?,
                r.try_get("last_report_id")?,
                StoredInventory::from_row(r),
            ))
        })
        .collect()
}

/// Stores new verdicts in one transaction, each only if the host still holds the inventory that
/// was judged. Returns how many were stored.
async fn apply(
    db: &Db,
    verdicts: &[(String, String, HostVerdict)],
    catalog_version: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let now = ts(now);
    db.write(async |tx| {
        let mut applied = 0;
        for (host_id, report_id, verdict) in verdicts {
            if apply_one(
                tx,
                host_id,
                report_id,
                verdict,
                catalog_version,
                today,
                &now,
            )
            .await?
            {
                applied += 1;
            }
        }
        Ok(applied)
    })
    .await
}

async fn apply_one(
    tx: &mut AnyConnection,
    host_id: &str,
    report_id: &str,
    verdict: &HostVerdict,
    catalog_version: &str,
    today: NaiveDate,
    now: &str,
) -> Result<bool, sqlx::Error> {
    crate::db::lock_host(tx, host_id).await?;
    let previous =
        sqlx::query("SELECT status FROM hosts WHERE host_id = $1 AND last_report_id = $2")
            .bind(host_id.to_string())
            .bind(report_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(previous) = previous else {
        return Ok(false); // a newer report, or retention, got there first
    };
    let old_status: String = previous.try_get("status")?;
    let since = (old_status != verdict.status).then(|| now.to_string());
    sqlx::query(
        "UPDATE hosts SET status = $1, status_since = COALESCE($2, status_since), os_status = $3, \
         software_status = $4, hardware_status = $5, finding_count = $6, unsupported_count = $7, \
         next_unsupported_on = $8, catalog_version = $9, evaluated_on = $10 WHERE host_id = $11",
    )
    .bind(verdict.status)
    .bind(since)
    .bind(verdict.os_status)
    .bind(verdict.software_status)
    .bind(verdict.hardware_status)
    .bind(verdict.findings.len() as i64)
    .bind(verdict.unsupported_count)
    .bind(verdict.next_unsupported_on.map(|d| d.to_string()))
    .bind(catalog_version.to_string())
    .bind(today.to_string())
    .bind(host_id.to_string())
    .execute(&mut *tx)
    .await?;
    store::replace_findings(tx, host_id, verdict, now).await?;
    store::record_status_change(
        tx,
        host_id,
        Some(&old_status),
        verdict.status,
        catalog_version,
        now,
    )
    .await?;
    Ok(true)
}
