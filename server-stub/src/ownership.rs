//! Which site a host belongs to.
//!
//! A host belongs to the site whose token first reported it. A report for it under another site's
//! token is refused (409), logged and audited (`store::ingest`), so one site's token cannot take
//! over or overwrite another site's machines. A machine that really moved (a laptop re-issued to
//! another practice) is moved by an administrator: `sunset-collector host move HOST_ID --site
//! NAME`, audited.

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::db::Db;

/// Why a host could not be moved.
#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// No host with that id.
    #[error("no host with id {0}")]
    NoHost(String),
    /// No active site with that name.
    #[error("no active site named {0:?}")]
    NoSite(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Moves a host to the site named `site`; returns the name of the site it was in.
pub async fn move_host(
    db: &Db,
    host_id: &str,
    site: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<String, MoveError> {
    db.write(async |conn| {
            conn.lock_host(host_id).await?;
            let Some(target) =
                sqlx::query("SELECT id FROM sites WHERE name = $1 AND revoked_at IS NULL")
                    .bind(site.to_string())
                    .fetch_optional(&mut *conn)
                    .await?
            else {
                return Ok(Err(MoveError::NoSite(site.to_string())));
            };
            let target: String = target.try_get("id")?;
            let Some(current) = sqlx::query(
                "SELECT s.id, s.name FROM hosts h JOIN sites s ON s.id = h.site_id WHERE h.host_id = $1",
            )
            .bind(host_id.to_string())
            .fetch_optional(&mut *conn)
            .await?
            else {
                return Ok(Err(MoveError::NoHost(host_id.to_string())));
            };
            let (from_id, from): (String, String) = (current.try_get("id")?, current.try_get("name")?);
            for table in ["hosts", "unmatched_software"] {
                sqlx::query(&format!("UPDATE {table} SET site_id = $1 WHERE host_id = $2"))
                    .bind(target.clone())
                    .bind(host_id.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            let detail = serde_json::json!({
                "host_id": host_id, "from_site": from, "from_site_id": from_id,
                "to_site": site, "to_site_id": target,
            });
            crate::store::audit_on(conn, actor, "host.move", &detail.to_string(), now).await?;
            Ok(Ok(from))
        })
        .await?
}
