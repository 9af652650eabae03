//! Clone flags an admin has reviewed: dismissing a host's flags (a non-persistent VDI pool, say,
//! where many desktops share one image by design) and reading back who dismissed them, when and why.
//! The flags themselves stay in `host_clones`, kept up to date by ingest (`identity`); a dismissed
//! flag is left out of pages, counts and the `clone=` filter until it goes away and comes back.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::FromRow;

use super::risks::host_in_scope;
use super::selection::Scope;
use super::sql::{Builder, Statement};
use super::{Result, audit::audit_on, ts};
use crate::db::Db;

/// The latest dismissal of a host's clone flags.
#[derive(Clone, Debug, Serialize, FromRow)]
pub struct CloneDismissal {
    /// Who dismissed them.
    pub dismissed_by: String,
    /// When.
    pub dismissed_at: String,
    /// Why, as they wrote it.
    pub dismissed_reason: String,
}

/// Dismisses the clone flags in force on a host in `scope`, with the audit entry, in one
/// transaction: the host's own flags, and the mirror flag on each other host the caller may also
/// see (a host outside the caller's organisations keeps its flag for its own admins to review).
/// `None` when the host is not in `scope`, else how many flags were dismissed.
pub async fn dismiss_clone_flags(
    db: &Db,
    scope: &Scope,
    host_id: &str,
    reason: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    db.write(async |tx| {
        if !host_in_scope(tx, scope, host_id).await? {
            return Ok(None);
        }
        let mut sql = Builder::new("UPDATE host_clones SET dismissed_at = ");
        sql.push_bind(ts(now))
            .push(", dismissed_by = ")
            .push_bind(actor.to_string())
            .push(", dismissed_reason = ")
            .push_bind(reason.to_string())
            .push(" WHERE dismissed_at IS NULL AND (host_id = ")
            .push_bind(host_id.to_string())
            .push(" OR (other_host_id = ")
            .push_bind(host_id.to_string())
            .push(" AND host_id IN (SELECT h.host_id FROM hosts h WHERE 1 = 1");
        scope.push_host_clause(&mut sql, "h.site_id");
        sql.push(")))");
        let dismissed = Statement::new(sql).execute(&mut *tx).await?.rows_affected();
        if dismissed > 0 {
            let detail = serde_json::json!({
                "host_id": host_id, "reason": reason, "flags": dismissed,
            });
            audit_on(tx, actor, "host.clone_dismissed", &detail.to_string(), now).await?;
        }
        Ok(Some(dismissed))
    })
    .await
}

/// The latest dismissal of the host's own clone flags, if any.
pub async fn clone_dismissal(db: &Db, host_id: &str) -> Result<Option<CloneDismissal>> {
    sqlx::query_as(
        "SELECT dismissed_by, dismissed_at, dismissed_reason FROM host_clones \
         WHERE host_id = $1 AND dismissed_at IS NOT NULL ORDER BY dismissed_at DESC LIMIT 1",
    )
    .bind(host_id.to_string())
    .fetch_optional(db.reader())
    .await
}
