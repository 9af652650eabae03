//! Writing a host's verdict: its findings (only what changed), its roll-up and its status history.
//! Shared by ingest (a new inventory) and re-evaluation (the same inventory, a newer catalogue or
//! day).

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, FromRow};
use sunset_catalog::evaluate::Status;
use uuid::Uuid;

use super::Result;
use super::sql::{Builder, MAX_BOUND_VALUES, Statement, rows_per_statement};
use crate::db::{Db, WriteTx};
use crate::verdict::{FindingRow, HostVerdict};

/// The columns of a [`FindingRow`], key first (the same names as its fields, `key` aside).
const FINDING_COLUMNS: [&str; 14] = [
    "finding_key",
    "target",
    "kind",
    "product_id",
    "product_name",
    "subject",
    "installed_version",
    "cycle",
    "cycle_label",
    "status",
    "security_support_end",
    "extended_support_end",
    "detail",
    "layer",
];
/// Finding rows per INSERT: its columns and the host id, first-seen and status-since times.
const FINDINGS_PER_INSERT: usize = rows_per_statement(FINDING_COLUMNS.len() + 3);
/// Gone findings per DELETE (one value each, and the host id).
const KEYS_PER_DELETE: usize = MAX_BOUND_VALUES - 1;

/// A finding as stored, with the times that outlive a report.
#[derive(FromRow)]
struct StoredFinding {
    #[sqlx(flatten)]
    finding: FindingRow,
    first_seen_at: String,
    status_since: String,
}

/// A host's new verdict from re-evaluation, for the inventory of report `report_id`.
#[derive(Clone, Debug)]
pub struct Reevaluated {
    /// The host.
    pub host_id: String,
    /// The report whose inventory was judged.
    pub report_id: String,
    /// The new verdict.
    pub verdict: HostVerdict,
}

/// Stores re-evaluated verdicts in one transaction, each only if the host still holds the
/// inventory that was judged (a report arriving meanwhile wins). Returns how many were stored.
pub async fn store_reevaluated(
    db: &Db,
    verdicts: &[Reevaluated],
    catalog_version: &str,
    today: NaiveDate,
    now: &str,
) -> Result<usize> {
    db.write(async |tx| {
        let mut applied = 0;
        for reevaluated in verdicts {
            if reevaluated_on(tx, reevaluated, catalog_version, today, now).await? {
                applied += 1;
            }
        }
        Ok(applied)
    })
    .await
}

async fn reevaluated_on(
    tx: &mut WriteTx<'_>,
    reevaluated: &Reevaluated,
    catalog_version: &str,
    today: NaiveDate,
    now: &str,
) -> Result<bool> {
    let Reevaluated {
        host_id,
        report_id,
        verdict,
    } = reevaluated;
    tx.lock_host(host_id).await?;
    #[derive(FromRow)]
    struct Current {
        #[sqlx(try_from = "super::ByName<Status>")]
        status: Status,
        site_id: String,
    }
    let current: Option<Current> = sqlx::query_as(
        "SELECT status, site_id FROM hosts WHERE host_id = $1 AND last_report_id = $2",
    )
    .bind(host_id.to_string())
    .bind(report_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(Current {
        status: old_status,
        site_id,
    }) = current
    else {
        return Ok(false); // a newer report, or retention, got there first
    };
    let since = (old_status != verdict.status).then(|| now.to_string());
    let update = sqlx::query(
        "UPDATE hosts SET status = $1, os_status = $2, software_status = $3, hardware_status = $4, \
         finding_count = $5, unsupported_count = $6, next_unsupported_on = $7, \
         status_since = COALESCE($8, status_since), catalog_version = $9, evaluated_on = $10 \
         WHERE host_id = $11",
    );
    bind_roll_up(update, verdict)
        .bind(since)
        .bind(catalog_version.to_string())
        .bind(today.to_string())
        .bind(host_id.to_string())
        .execute(&mut *tx)
        .await?;
    replace_findings(tx, host_id, verdict, now).await?;
    super::triage::replace_unmatched(tx, host_id, &site_id, &verdict.unmatched).await?;
    record_status_change(
        tx,
        host_id,
        Some(old_status),
        verdict.status,
        catalog_version,
        now,
    )
    .await?;
    Ok(true)
}

/// Binds what a verdict sets on its host, in this order: `status`, `os_status`,
/// `software_status`, `hardware_status`, `finding_count`, `unsupported_count`,
/// `next_unsupported_on`.
pub(super) fn bind_roll_up<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    verdict: &HostVerdict,
) -> Query<'q, Any, AnyArguments<'q>> {
    query
        .bind(verdict.status.as_str())
        .bind(verdict.os_status.map(Status::as_str))
        .bind(verdict.software_status.map(Status::as_str))
        .bind(verdict.hardware_status.map(Status::as_str))
        .bind(verdict.findings.len() as i64)
        .bind(verdict.unsupported_count)
        .bind(verdict.next_unsupported_on.map(|d| d.to_string()))
}

/// Records that a host's status changed (nothing when it did not).
pub(crate) async fn record_status_change(
    conn: &mut WriteTx<'_>,
    host_id: &str,
    old: Option<Status>,
    new: Status,
    catalog_version: &str,
    now: &str,
) -> Result<()> {
    if old == Some(new) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO host_status_changes (id, host_id, changed_at, old_status, new_status, catalog_version) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(host_id.to_string())
    .bind(now.to_string())
    .bind(old.map(Status::as_str))
    .bind(new.as_str())
    .bind(catalog_version.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Brings a host's stored findings in line with `verdict`, keeping each finding's first-seen time
/// and, when its status did not change, the time it has had that status.
///
/// Only what changed is written: a finding stored exactly as it would be written again is left
/// alone, changed and new ones are upserted, and gone ones deleted. Most reports repeat the last
/// night's findings, so they cost one read here instead of rewriting every row and its indexes.
pub(crate) async fn replace_findings(
    conn: &mut WriteTx<'_>,
    host_id: &str,
    verdict: &HostVerdict,
    now: &str,
) -> Result<()> {
    let old_rows: Vec<StoredFinding> = sqlx::query_as(&format!(
        "SELECT {}, first_seen_at, status_since FROM findings WHERE host_id = $1",
        FINDING_COLUMNS.join(", ")
    ))
    .bind(host_id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut old: HashMap<String, StoredFinding> = old_rows
        .into_iter()
        .map(|r| (r.finding.key.clone(), r))
        .collect();
    let mut writes: Vec<(&FindingRow, String, String)> = Vec::new();
    for f in &verdict.findings {
        let (first_seen, status_since) = match old.remove(&f.key) {
            Some(stored) if stored.finding == *f => continue,
            Some(stored) if stored.finding.status == f.status => {
                (stored.first_seen_at, stored.status_since)
            }
            Some(stored) => (stored.first_seen_at, now.to_string()),
            None => (now.to_string(), now.to_string()),
        };
        writes.push((f, first_seen, status_since));
    }
    let gone: Vec<&String> = old.keys().collect();
    for chunk in gone.chunks(KEYS_PER_DELETE) {
        let mut sql = Builder::new("DELETE FROM findings WHERE host_id = ");
        sql.push_bind(host_id.to_string())
            .push(" AND finding_key IN (");
        let mut keys = sql.separated(", ");
        for key in chunk {
            keys.push_bind((*key).clone());
        }
        sql.push(")");
        Statement::new(sql).execute(&mut *conn).await?;
    }
    for chunk in writes.chunks(FINDINGS_PER_INSERT) {
        let mut sql = Builder::new(format!(
            "INSERT INTO findings ({}, host_id, first_seen_at, status_since) ",
            FINDING_COLUMNS.join(", ")
        ));
        sql.push_values(chunk, |mut row, (f, first_seen, status_since)| {
            // In the order of FINDING_COLUMNS.
            row.push_bind(f.key.clone())
                .push_bind(f.target.as_str())
                .push_bind(f.kind.clone())
                .push_bind(f.product_id.clone())
                .push_bind(f.product_name.clone())
                .push_bind(f.subject.clone())
                .push_bind(f.installed_version.clone())
                .push_bind(f.cycle.clone())
                .push_bind(f.cycle_label.clone())
                .push_bind(f.status.as_str())
                .push_bind(f.security_support_end.clone())
                .push_bind(f.extended_support_end.clone())
                .push_bind(f.detail.clone())
                .push_bind(f.layer.to_string())
                .push_bind(host_id.to_string())
                .push_bind(first_seen.clone())
                .push_bind(status_since.clone());
        });
        sql.push(
            " ON CONFLICT (host_id, finding_key) DO UPDATE SET first_seen_at = excluded.first_seen_at, \
             status_since = excluded.status_since",
        );
        for column in &FINDING_COLUMNS[1..] {
            sql.push(format!(", {column} = excluded.{column}"));
        }
        Statement::new(sql).execute(&mut *conn).await?;
    }
    Ok(())
}
