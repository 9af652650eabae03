//! The risk register: accepted risks per host or finding, each change audited in its transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::audit::audit_on;
use super::{Result, ts};
use crate::db::Db;

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
    /// Accepted until (inclusive), `YYYY-MM-DD`.
    pub review_date: String,
    /// Last changed by.
    pub updated_by: String,
    /// Last changed at.
    pub updated_at: String,
}

/// Risk records of one host.
pub async fn risks_for_host(db: &Db, host_id: &str) -> Result<Vec<Risk>> {
    sqlx::query_as("SELECT * FROM risks WHERE host_id = $1 ORDER BY finding_key")
        .bind(host_id.to_string())
        .fetch_all(db.reader())
        .await
}

/// Every risk record, by host and finding.
pub async fn all_risks(db: &Db) -> Result<Vec<Risk>> {
    sqlx::query_as("SELECT * FROM risks ORDER BY host_id, finding_key")
        .fetch_all(db.reader())
        .await
}

/// Records or updates a risk and writes the audit entry in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn save_risk(
    db: &Db,
    host_id: &str,
    finding_key: &str,
    owner: &str,
    mitigation: &str,
    review_date: NaiveDate,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(async |tx| {
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
    audit_on(tx, actor, "risk.save", &detail.to_string(), now).await
    })
    .await
}

/// Deletes a risk record, with its audit entry.
pub async fn delete_risk(
    db: &Db,
    host_id: &str,
    finding_key: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    db.write(async |tx| {
        let result = sqlx::query("DELETE FROM risks WHERE host_id = $1 AND finding_key = $2")
            .bind(host_id.to_string())
            .bind(finding_key.to_string())
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({"host_id": host_id, "finding_key": finding_key});
        if result.rows_affected() > 0 {
            audit_on(tx, actor, "risk.delete", &detail.to_string(), now).await?;
        }
        Ok(result.rows_affected() > 0)
    })
    .await
}
