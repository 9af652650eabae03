//! The audit log: who changed what, written in the same transaction as the change.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Result, ts};
use crate::db::{Db, WriteTx};

/// Writes one audit entry inside the caller's transaction.
pub(crate) async fn audit_on(
    conn: &mut WriteTx<'_>,
    actor: &str,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::new_v4().to_string())
    .bind(ts(now))
    .bind(actor.to_string())
    .bind(action.to_string())
    .bind(detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes one audit entry on its own.
pub async fn audit_event(
    db: &Db,
    actor: &str,
    action: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(async |conn| audit_on(conn, actor, action, detail, now).await)
        .await
}

/// An audit entry.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of change.
    pub action: String,
    /// Details (JSON).
    pub detail: String,
}

/// The newest audit entries.
pub async fn audit_log(db: &Db, limit: i64) -> Result<Vec<AuditEntry>> {
    sqlx::query_as("SELECT at, actor, action, detail FROM audit_log ORDER BY at DESC, id LIMIT $1")
        .bind(limit)
        .fetch_all(db.reader())
        .await
}
