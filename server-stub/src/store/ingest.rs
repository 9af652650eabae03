//! Storing a report: its receipt, the host's row and inventory, its findings (only what changed),
//! the host's status history and its hardware identity (a re-imaged host's new id taking over the
//! old record, clones flagged: `super::identity`), in one transaction; and retention, which
//! deletes what has aged out.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::FromRow;
use sunset_catalog::evaluate::Status;
use sunset_catalog::inventory::Inventory;

use super::audit::audit_on;
use super::identity::{self, Arrival, RetiredReport};
use super::site_tokens::record_use_on;
use super::triage::replace_unmatched;
use super::verdicts::{bind_roll_up, record_status_change, replace_findings};
use super::{Result, ts};
use crate::db::{Db, WriteTx};
use crate::identity::HardwareIdentity;
use crate::verdict::HostVerdict;

/// What happened to a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestOutcome {
    /// Stored; the host now reflects it.
    Accepted,
    /// Already stored earlier under the same report id; nothing changed.
    Duplicate,
    /// Stored as received, but the host already has a newer inventory, which stays.
    Superseded,
    /// Refused and nothing stored but the audit entry: the host belongs to another site (a site's
    /// token cannot write another site's hosts; an admin moves a host with `host move`).
    #[serde(skip)]
    WrongSite,
}

/// A report ready to store: validated, evaluated, with the site its token belongs to.
#[derive(Clone, Debug)]
pub struct IngestJob {
    /// Site of the token.
    pub site_id: String,
    /// The token, when its use is to be recorded with the report (see
    /// [`super::SiteCredential::record_use`]): in the report's own transaction, not one of its own.
    pub record_token_use: Option<String>,
    /// What the hosts table keeps of the inventory (the rest is in `inventory_gz`).
    pub facts: HostFacts,
    /// The inventory JSON gzip-compressed (usually the agent's request body as received), stored
    /// for re-evaluation and the host page.
    pub inventory_gz: bytes::Bytes,
    /// The collector's verdict.
    pub verdict: HostVerdict,
    /// Catalogue version of the verdict.
    pub catalog_version: String,
    /// Day of the verdict.
    pub today: NaiveDate,
    /// Receipt time.
    pub now: DateTime<Utc>,
    /// How far ahead of receipt an agent's clock may be: a stored `collected_at` beyond that is
    /// not trusted to order reports (it came from a bad clock before the limit existed).
    pub max_clock_skew: chrono::Duration,
}

/// What the hosts table keeps of an inventory beside the compressed inventory itself. Jobs carry
/// this rather than the whole parsed inventory, so the writer neither holds nor frees it.
#[derive(Clone, Debug)]
pub struct HostFacts {
    /// The inventory's host section.
    pub host: sunset_catalog::inventory::Host,
    /// OS family as written in reports (`windows`, …).
    pub os_family: Option<String>,
    /// OS name.
    pub os_name: String,
    /// OS version.
    pub os_version: String,
    /// Hardware identity (`None`: no usable system UUID; the host is never merged or flagged).
    pub identity: Option<HardwareIdentity>,
    /// The hardware manufacturer's `Fact`, as JSON (the evidence pack's asset register).
    pub hardware_manufacturer: String,
    /// The hardware model's `Fact`, as JSON.
    pub hardware_model: String,
    /// Software entries in the inventory.
    pub software_entries: i64,
}

impl HostFacts {
    /// The facts of an inventory.
    pub fn of(inventory: &Inventory) -> HostFacts {
        HostFacts {
            host: inventory.host.clone(),
            os_family: inventory.os.family.and_then(|f| {
                serde_json::to_value(f)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
            }),
            os_name: inventory.os.name.clone(),
            os_version: inventory.os.version.clone(),
            identity: HardwareIdentity::of(inventory),
            hardware_manufacturer: fact_json(&inventory.hardware.manufacturer),
            hardware_model: fact_json(&inventory.hardware.model),
            software_entries: i64::try_from(inventory.software.len()).unwrap_or(i64::MAX),
        }
    }
}

/// A fact as stored beside the host: its JSON (`{"state":"known","value":"Dell Inc."}`).
fn fact_json(fact: &sunset_catalog::inventory::Fact<String>) -> String {
    serde_json::to_string(fact).unwrap_or_else(|_| r#"{"state":"not_collected"}"#.to_string())
}

/// Stores a report, its inventory and findings in one transaction, keyed by report id.
pub async fn ingest(db: &Db, job: &IngestJob) -> Result<IngestOutcome> {
    db.write(async |conn| ingest_on(conn, job).await).await
}

/// Stores several reports in one transaction (group commit: one sync to disk for all). If any
/// fails, each is retried in its own transaction so one bad report cannot fail the others.
pub async fn ingest_batch(db: &Db, jobs: &[IngestJob]) -> Vec<Result<IngestOutcome>> {
    if jobs.len() == 1 {
        return vec![ingest(db, &jobs[0]).await];
    }
    let together = db
        .write(async |conn| {
            let mut outcomes = Vec::with_capacity(jobs.len());
            for job in jobs {
                outcomes.push(ingest_on(conn, job).await?);
            }
            Ok(outcomes)
        })
        .await;
    match together {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e) => {
            tracing::warn!(error = %e, reports = jobs.len(), "batched commit failed; storing one by one");
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                results.push(ingest(db, job).await);
            }
            results
        }
    }
}

/// Stores one report inside the caller's transaction; a duplicate writes nothing.
async fn ingest_on(tx: &mut WriteTx<'_>, job: &IngestJob) -> Result<IngestOutcome> {
    let IngestJob {
        site_id,
        record_token_use,
        facts,
        inventory_gz,
        verdict,
        catalog_version,
        today,
        now,
        max_clock_skew,
    } = job;
    let (today, now) = (*today, *now);
    let host = &facts.host;
    let host_id = host.host_id.to_string();
    let collected_at = ts(host.collected_at);
    let now_text = ts(now);
    tx.lock_host(&host_id).await?;
    if let Some(token_id) = record_token_use {
        record_use_on(tx, token_id, now).await?;
    }
    #[derive(FromRow)]
    struct Previous {
        site_id: String,
        #[sqlx(try_from = "super::ByName<Status>")]
        status: Status,
        collected_at: String,
    }
    const PREVIOUS: &str = "SELECT site_id, status, collected_at FROM hosts WHERE host_id = $1";
    let mut previous: Option<Previous> = sqlx::query_as(PREVIOUS)
        .bind(host_id.clone())
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(previous) = &previous
        && previous.site_id != *site_id
    {
        let owner = &previous.site_id;
        tracing::warn!(host_id = %host_id, report_site = %site_id, owner_site = %owner, "report refused: the host belongs to another site");
        let detail = serde_json::json!({
            "host_id": host_id, "report_id": host.report_id.to_string(),
            "hostname": host.hostname, "owner_site_id": owner,
        });
        audit_on(
            tx,
            &format!("site:{site_id}"),
            "host.wrong_site",
            &detail.to_string(),
            now,
        )
        .await?;
        return Ok(IngestOutcome::WrongSite);
    }
    let receipt = sqlx::query(
        "INSERT INTO reports (report_id, host_id, site_id, collected_at, received_at, catalog_version) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (report_id) DO NOTHING",
    )
    .bind(host.report_id.to_string())
    .bind(host_id.clone())
    .bind(site_id.to_string())
    .bind(collected_at.clone())
    .bind(now_text.clone())
    .bind(catalog_version.to_string())
    .execute(&mut *tx)
    .await?;
    if receipt.rows_affected() == 0 {
        return Ok(IngestOutcome::Duplicate);
    }
    let arrival = Arrival {
        host_id: &host_id,
        site_id,
        hostname: &host.hostname,
        collected_at: &collected_at,
        now,
    };
    if previous.is_none() {
        match identity::retired_on(tx, &host_id).await? {
            Some(retired) => {
                if let RetiredReport::Stale =
                    identity::retired_report_on(tx, &retired, &arrival).await?
                {
                    // Its id now belongs to the host that re-imaged it, which holds newer facts.
                    return Ok(IngestOutcome::Superseded);
                }
            }
            None => {
                if let Some(identity) = &facts.identity
                    && identity::take_over_on(tx, &arrival, identity).await?
                {
                    previous = sqlx::query_as(PREVIOUS)
                        .bind(host_id.clone())
                        .fetch_optional(&mut *tx)
                        .await?;
                }
            }
        }
    }
    // An older inventory than the stored one does not replace it, unless the stored one claims a
    // time too far ahead of now to trust (its agent's clock was wrong).
    let trusted_until = ts(now + *max_clock_skew);
    if let Some(previous) = &previous
        && previous.collected_at > collected_at
        && previous.collected_at <= trusted_until
    {
        sqlx::query("UPDATE hosts SET last_seen_at = $1 WHERE host_id = $2")
            .bind(now_text.clone())
            .bind(host_id.clone())
            .execute(&mut *tx)
            .await?;
        if let Some(identity) = &facts.identity {
            identity::record_on(tx, &arrival, identity).await?;
        }
        return Ok(IngestOutcome::Superseded);
    }
    let previous_status = previous.map(|p| p.status);
    let status_since = (previous_status != Some(verdict.status)).then(|| now_text.clone());
    let upsert = sqlx::query(
        "INSERT INTO hosts (host_id, site_id, hostname, hostname_lower, site_tag, os_family, os_name, os_version, \
         agent_version, collected_at, first_seen_at, last_seen_at, last_report_id, status, os_status, \
         software_status, hardware_status, finding_count, unsupported_count, next_unsupported_on, status_since, \
         catalog_version, evaluated_on, inventory, inventory_gz, hardware_manufacturer, hardware_model, \
         software_entries) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, '', $23, \
         $25, $26, $27) \
         ON CONFLICT (host_id) DO UPDATE SET site_id = excluded.site_id, hostname = excluded.hostname, \
         hostname_lower = excluded.hostname_lower, site_tag = excluded.site_tag, os_family = excluded.os_family, \
         os_name = excluded.os_name, os_version = excluded.os_version, agent_version = excluded.agent_version, \
         collected_at = excluded.collected_at, last_seen_at = excluded.last_seen_at, \
         last_report_id = excluded.last_report_id, status = excluded.status, \
         status_since = COALESCE($24, hosts.status_since), os_status = excluded.os_status, \
         software_status = excluded.software_status, hardware_status = excluded.hardware_status, \
         finding_count = excluded.finding_count, unsupported_count = excluded.unsupported_count, \
         next_unsupported_on = excluded.next_unsupported_on, catalog_version = excluded.catalog_version, \
         evaluated_on = excluded.evaluated_on, inventory = excluded.inventory, \
         inventory_gz = excluded.inventory_gz, hardware_manufacturer = excluded.hardware_manufacturer, \
         hardware_model = excluded.hardware_model, software_entries = excluded.software_entries",
    )
    .bind(host_id.clone())
    .bind(site_id.to_string())
    .bind(host.hostname.clone())
    .bind(host.hostname.to_lowercase())
    .bind(host.site.clone())
    .bind(facts.os_family.clone())
    .bind(facts.os_name.clone())
    .bind(facts.os_version.clone())
    .bind(host.agent_version.clone())
    .bind(collected_at.clone())
    .bind(now_text.clone())
    .bind(host.report_id.to_string());
    bind_roll_up(upsert, verdict)
        .bind(now_text.clone())
        .bind(catalog_version.to_string())
        .bind(today.to_string())
        .bind(inventory_gz.to_vec())
        .bind(status_since)
        .bind(facts.hardware_manufacturer.clone())
        .bind(facts.hardware_model.clone())
        .bind(facts.software_entries)
        .execute(&mut *tx)
        .await?;
    replace_findings(tx, &host_id, verdict, &now_text).await?;
    replace_unmatched(tx, &host_id, site_id, &verdict.unmatched).await?;
    record_status_change(
        tx,
        &host_id,
        previous_status,
        verdict.status,
        catalog_version,
        &now_text,
    )
    .await?;
    if let Some(identity) = &facts.identity {
        identity::record_on(tx, &arrival, identity).await?;
    }
    Ok(IngestOutcome::Accepted)
}

/// Deletes report receipts, history and hosts older than the retention period.
pub async fn purge(db: &Db, cutoff: DateTime<Utc>) -> Result<u64> {
    let cutoff = ts(cutoff);
    db.write(async |tx| {
        let mut removed = 0;
        for sql in identity::PURGE.into_iter().chain([
            "DELETE FROM reports WHERE received_at < $1",
            "DELETE FROM host_status_changes WHERE changed_at < $1",
            "DELETE FROM findings WHERE host_id IN (SELECT host_id FROM hosts WHERE last_seen_at < $1)",
            "DELETE FROM unmatched_software WHERE host_id IN (SELECT host_id FROM hosts WHERE last_seen_at < $1)",
            "DELETE FROM hosts WHERE last_seen_at < $1",
        ]) {
            removed += sqlx::query(sql)
                .bind(cutoff.clone())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        Ok(removed)
    })
    .await
}
