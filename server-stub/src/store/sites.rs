//! Enrolled sites: each reports with a token of its own, stored only as a hash.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::audit::audit_on;
use super::{Result, ts};
use crate::auth;
use crate::db::Db;

/// An enrolled site.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct Site {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// When enrolled.
    pub created_at: String,
    /// When revoked, if it was.
    pub revoked_at: Option<String>,
    /// Hosts reporting for the site.
    pub hosts: i64,
}

/// Why a site could not be added.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// The name is taken.
    #[error("a site named {0:?} already exists")]
    Exists(String),
    /// The name is empty or too long.
    #[error("a site name must be 1 to 200 characters")]
    BadName,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Enrols a site, with its audit entry (`site.add`) by `actor` in the same transaction; returns
/// it and its token (shown once; only its hash is stored).
pub async fn add_site(
    db: &Db,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<(Site, String), SiteError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(SiteError::BadName);
    }
    let token = auth::new_site_token();
    let id = Uuid::new_v4().to_string();
    let added = db
        .write(async |conn| {
            let result = sqlx::query(
                "INSERT INTO sites (id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
            )
            .bind(id.clone())
            .bind(name.to_string())
            .bind(auth::hash_token(&token))
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            if result.rows_affected() == 0 {
                return Ok(false);
            }
            let detail = serde_json::json!({"site": name, "site_id": id});
            audit_on(conn, actor, "site.add", &detail.to_string(), now).await?;
            Ok(true)
        })
        .await?;
    if !added {
        return Err(SiteError::Exists(name.to_string()));
    }
    let site = Site {
        id,
        name: name.to_string(),
        created_at: ts(now),
        revoked_at: None,
        hosts: 0,
    };
    Ok((site, token))
}

/// All sites, by name.
pub async fn list_sites(db: &Db) -> Result<Vec<Site>> {
    sqlx::query_as(
        "SELECT s.id, s.name, s.created_at, s.revoked_at, \
         (SELECT COUNT(*) FROM hosts h WHERE h.site_id = s.id) AS hosts \
         FROM sites s ORDER BY s.name",
    )
    .fetch_all(db.reader())
    .await
}

/// Revokes a site's token, with its audit entry (`site.revoke`) by `actor` in the same
/// transaction; `false` when there is no active site of that name.
pub async fn revoke_site(db: &Db, name: &str, actor: &str, now: DateTime<Utc>) -> Result<bool> {
    db.write(async |conn| {
        let result =
            sqlx::query("UPDATE sites SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
                .bind(ts(now))
                .bind(name.to_string())
                .execute(&mut *conn)
                .await?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = serde_json::json!({"site": name});
        audit_on(conn, actor, "site.revoke", &detail.to_string(), now).await?;
        Ok(true)
    })
    .await
}

/// The active site a token belongs to.
pub async fn site_for_token(db: &Db, token: &str) -> Result<Option<(String, String)>> {
    sqlx::query_as("SELECT id, name FROM sites WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(auth::hash_token(token))
        .fetch_optional(db.reader())
        .await
}
