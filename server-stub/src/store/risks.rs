//! The risk register: accepted risks per host or finding, each change audited in its transaction,
//! and the register as listed — each record with the host, site and organisation it is about and
//! the product and release of its finding, filtered by owner and review date.
//!
//! Whether a record applies to a finding and is in force is defined once, in `acceptance`.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;
use sunset_catalog::evaluate::Status;
use uuid::Uuid;

use super::audit::audit_on;
use super::selection::{Scope, Selection, contains_pattern};
use super::sql::{Builder, Statement};
use super::{Result, ts};
use crate::db::{Db, WriteTx};

/// An accepted risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Risk {
    /// Id.
    pub id: String,
    /// Host.
    pub host_id: String,
    /// Finding key, or empty for the whole host.
    pub finding_key: String,
    /// Who owns the risk.
    pub owner: String,
    /// What reduces it.
    pub mitigation: String,
    /// Accepted until (inclusive).
    #[sqlx(try_from = "super::DateText")]
    pub review_date: NaiveDate,
    /// Last changed by.
    pub updated_by: String,
    /// Last changed at.
    pub updated_at: String,
}

const RISK_COLUMNS: &str = "r.id, r.host_id, r.finding_key, r.owner, r.mitigation, r.review_date, \
    r.updated_by, r.updated_at";

/// Risk records of one host, if it is in `scope`.
pub async fn risks_for_host(db: &Db, scope: &Scope, host_id: &str) -> Result<Vec<Risk>> {
    let mut sql = Builder::new(format!(
        "SELECT {RISK_COLUMNS} FROM risks r WHERE r.host_id = "
    ));
    sql.push_bind(host_id.to_string())
        .push(" AND r.host_id IN (SELECT h.host_id FROM hosts h WHERE 1 = 1");
    scope.push_host_clause(&mut sql, "h.site_id");
    sql.push(") ORDER BY r.finding_key");
    Statement::new(sql).fetch_all(db.reader()).await
}

/// The risk records of the hosts in a selection (its host-level filters), by host and finding.
/// Unfiltered on the whole estate, records whose host has since been deleted are listed too.
pub async fn risks(db: &Db, selection: &Selection, stale_cutoff: &str) -> Result<Vec<Risk>> {
    let mut sql = Builder::new(format!("SELECT {RISK_COLUMNS} FROM risks r WHERE 1 = 1"));
    if selection.narrows_hosts() {
        sql.push(
            " AND r.host_id IN (SELECT h.host_id FROM hosts h JOIN sites s ON s.id = h.site_id WHERE 1 = 1",
        );
        selection.push_host_only_clauses(&mut sql, stale_cutoff);
        sql.push(")");
    }
    sql.push(" ORDER BY r.host_id, r.finding_key");
    Statement::new(sql).fetch_all(db.reader()).await
}

/// Which review dates the register lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewWindow {
    /// The review date has passed: the acceptance no longer holds.
    Overdue,
    /// Still in force, and due for review within this many days (today included).
    DueWithin(u32),
    /// Review date before this day (overdue ones included).
    Before(NaiveDate),
}

/// The register's own filters, besides the selection's host filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RiskFilter {
    /// Owner, substring, case-insensitive.
    pub owner: Option<String>,
    /// Review dates.
    pub review: Option<ReviewWindow>,
}

/// A record of the register as listed: what it is about, in people's words — the host's name,
/// site and organisation, and the finding's product and release rather than its internal key.
/// The host's columns are empty for a record whose host has since been deleted, the finding's for
/// a whole-host record or a finding the host no longer has.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct RegisterRow {
    /// The record.
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub risk: Risk,
    /// Host name.
    pub hostname: Option<String>,
    /// Site.
    pub site: Option<String>,
    /// The site's organisation.
    pub organisation: Option<String>,
    /// Its ODS code, when it has one.
    pub organisation_ods_code: Option<String>,
    /// The finding's product (`Microsoft Windows`).
    pub product: Option<String>,
    /// What was found installed (`Windows 10 Pro`, `Python 2.7.18 (64-bit)`).
    pub subject: Option<String>,
    /// The finding's release (`Windows 10 22H2`), or its cycle when it has no label.
    pub release: Option<String>,
    /// The finding's status.
    #[sqlx(try_from = "super::NullableByName<Status>")]
    pub finding_status: Option<Status>,
}

/// The register for the hosts of a selection (its host-level filters), narrowed by `filter`, by
/// host name and finding. Unfiltered on the whole estate, records whose host has since been
/// deleted are listed too.
pub async fn risk_register(
    db: &Db,
    selection: &Selection,
    stale_cutoff: &str,
    filter: &RiskFilter,
    today: NaiveDate,
) -> Result<Vec<RegisterRow>> {
    let mut sql = Builder::new(format!(
        "SELECT {RISK_COLUMNS}, h.hostname, s.name AS site, o.name AS organisation, \
         o.ods_code AS organisation_ods_code, f.product_name AS product, f.subject, \
         COALESCE(f.cycle_label, f.cycle) AS \"release\", f.status AS finding_status FROM risks r \
         LEFT JOIN hosts h ON h.host_id = r.host_id LEFT JOIN sites s ON s.id = h.site_id \
         LEFT JOIN organisations o ON o.id = s.org_id \
         LEFT JOIN findings f ON f.host_id = r.host_id AND f.finding_key = r.finding_key WHERE 1 = 1"
    ));
    // On the joined host: a deleted host's record fails every host filter, as it always has.
    selection.push_host_only_clauses(&mut sql, stale_cutoff);
    if let Some(owner) = &filter.owner {
        sql.push(" AND LOWER(r.owner) LIKE ")
            .push_bind(contains_pattern(owner))
            .push(" ESCAPE '\\'");
    }
    match filter.review {
        None => {}
        Some(ReviewWindow::Overdue) => {
            sql.push(" AND r.review_date < ")
                .push_bind(today.to_string());
        }
        Some(ReviewWindow::DueWithin(days)) => {
            let last = today
                .checked_add_days(Days::new(days.into()))
                .unwrap_or(NaiveDate::MAX);
            sql.push(" AND r.review_date >= ")
                .push_bind(today.to_string())
                .push(" AND r.review_date <= ")
                .push_bind(last.to_string());
        }
        Some(ReviewWindow::Before(day)) => {
            sql.push(" AND r.review_date < ").push_bind(day.to_string());
        }
    }
    sql.push(" ORDER BY h.hostname_lower, r.host_id, r.finding_key");
    Statement::new(sql).fetch_all(db.reader()).await
}

/// Whether the host is in `scope` (read inside a write, so the check and the change agree).
pub(super) async fn host_in_scope(
    tx: &mut WriteTx<'_>,
    scope: &Scope,
    host_id: &str,
) -> Result<bool> {
    let mut sql = Builder::new("SELECT COUNT(*) FROM hosts h WHERE h.host_id = ");
    sql.push_bind(host_id.to_string());
    scope.push_host_clause(&mut sql, "h.site_id");
    Ok(Statement::new(sql).fetch_scalar(&mut *tx).await? > 0)
}

/// Records or updates a risk of a host in `scope` and writes the audit entry in the same
/// transaction; `false` (nothing written) when the host is not in `scope`.
#[allow(clippy::too_many_arguments)]
pub async fn save_risk(
    db: &Db,
    scope: &Scope,
    host_id: &str,
    finding_key: &str,
    owner: &str,
    mitigation: &str,
    review_date: NaiveDate,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.write(async |tx| {
    if !host_in_scope(tx, scope, host_id).await? {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO risks (id, host_id, finding_key, owner, mitigation, review_date, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (host_id, finding_key) DO UPDATE SET \
         owner = excluded.owner, mitigation = excluded.mitigation, review_date = excluded.review_date, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(host_id.to_string())
    .bind(finding_key.to_string())
    .bind(owner.to_string())
    .bind(mitigation.to_string())
    .bind(review_date.to_string())
    .bind(actor.to_string())
    .bind(ts(now))
    .execute(&mut *tx)
    .await?;
    let detail = serde_json::json!({
        "host_id": host_id, "finding_key": finding_key, "owner": owner,
        "mitigation": mitigation, "review_date": review_date.to_string(),
    });
    audit_on(tx, actor, "risk.save", &detail.to_string(), now).await?;
    Ok(true)
    })
    .await
}

/// Deletes a risk record of a host in `scope`, with its audit entry; `None` when the host is not in
/// `scope`, else whether there was a record.
pub async fn delete_risk(
    db: &Db,
    scope: &Scope,
    host_id: &str,
    finding_key: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<bool>> {
    db.write(async |tx| {
        if !host_in_scope(tx, scope, host_id).await? {
            return Ok(None);
        }
        let result = sqlx::query("DELETE FROM risks WHERE host_id = $1 AND finding_key = $2")
            .bind(host_id.to_string())
            .bind(finding_key.to_string())
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({"host_id": host_id, "finding_key": finding_key});
        if result.rows_affected() > 0 {
            audit_on(tx, actor, "risk.delete", &detail.to_string(), now).await?;
        }
        Ok(Some(result.rows_affected() > 0))
    })
    .await
}
