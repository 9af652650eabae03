//! Re-evaluating stored inventories with the collector's catalogue: every host after a catalogue
//! reload, and the hosts whose verdict rests on another catalogue or an earlier day otherwise.
//!
//! Safe with several collectors on one database: one re-evaluation at a time across all of them
//! ([`Job::Reevaluate`]); a host's new verdict is written only if its inventory is still the one
//! that was judged (a report arriving meanwhile wins), under the per-host lock ingest takes too; and
//! a run for stale hosts takes only hosts not yet judged with this catalogue today, so a run that is
//! interrupted, or that follows another instance's, judges nobody twice. Pages are bounded by bytes
//! as well as hosts, so large stored inventories cannot make a page large.

use serde::Serialize;
use tracing::{info, warn};

use crate::db::Job;
use crate::state::AppState;
use crate::store::{self, Reevaluated, ts};
use crate::verdict;

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
            let page = store::inventories_after(&self.db, &after, stale.as_ref()).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.host_id.clone();
            let task_catalog = catalog.clone();
            let declared = self.config.declared_cover.clone();
            let (verdicts, unreadable) = tokio::task::spawn_blocking(move || {
                let mut verdicts = Vec::with_capacity(page.len());
                let mut unreadable = 0;
                for stored in page {
                    match stored.inventory.inventory() {
                        Ok(inventory) => verdicts.push(Reevaluated {
                            host_id: stored.host_id,
                            report_id: stored.report_id,
                            verdict: verdict::judge(
                                &inventory,
                                &task_catalog.catalog,
                                today,
                                expiring_days,
                                crate::cover::for_site(&declared, &stored.site),
                            ),
                        }),
                        Err(e) => {
                            warn!(host_id = %stored.host_id, error = %e, "stored inventory unreadable; not re-evaluated");
                            unreadable += 1;
                        }
                    }
                }
                (verdicts, unreadable)
            })
            .await?;
            let now = ts(self.now());
            let applied =
                store::store_reevaluated(&self.db, &verdicts, catalog.version(), today, &now)
                    .await?;
            self.metrics.reevaluated(applied);
            report.hosts += applied;
            report.unreadable += unreadable;
        }
        store::meta_set(&self.db, META_CATALOG_VERSION, catalog.version()).await?;
        store::meta_set(&self.db, META_EVALUATED_ON, &today.to_string()).await?;
        if scope == Scope::All {
            let digest = crate::cover::digest(&self.config.declared_cover);
            store::meta_set(&self.db, crate::cover::META_DECLARED_COVER, &digest).await?;
        }
        if report.hosts > 0 || scope == Scope::All {
            info!(hosts = report.hosts, version = %report.catalog_version, "hosts re-evaluated");
        }
        Ok(report)
    }
}
