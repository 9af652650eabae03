//! Enrolled sites: each reports with a token of its own, stored only as a hash, and belongs to one
//! organisation.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::audit::audit_on;
use super::orgs::{OrgError, org_or_root};
use super::selection::Scope;
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
    /// Its organisation's id.
    pub org_id: String,
    /// Its organisation's name.
    pub org: String,
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
    /// No active site of that name.
    #[error("no active site named {0:?}")]
    NoSite(String),
    /// The organisation cannot be used.
    #[error(transparent)]
    Org(#[from] OrgError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Enrols a site under the organisation `org` names (its name, ODS code or id; `None`: the root,
/// the whole estate), with its audit entry (`site.add`) by `actor` in the same transaction;
/// returns it and its token (shown once; only its hash is stored).
pub async fn add_site(
    db: &Db,
    name: &str,
    org: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<(Site, String), SiteError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(SiteError::BadName);
    }
    let token = auth::new_site_token();
    let id = Uuid::new_v4().to_string();
    db.write(async |conn| {
        let org = match org_or_root(conn, org).await? {
            Ok(org) => org,
            Err(e) => return Ok(Err(SiteError::Org(e))),
        };
        let result = sqlx::query(
            "INSERT INTO sites (id, name, org_id, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(id.clone())
        .bind(name.to_string())
        .bind(org.id.clone())
        .bind(auth::hash_token(&token))
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
        if result.rows_affected() == 0 {
            return Ok(Err(SiteError::Exists(name.to_string())));
        }
        let detail =
            serde_json::json!({"site": name, "site_id": id, "org": org.name, "org_id": org.id});
        audit_on(conn, actor, "site.add", &detail.to_string(), now).await?;
        let site = Site {
            id: id.clone(),
            name: name.to_string(),
            org_id: org.id,
            org: org.name,
            created_at: ts(now),
            revoked_at: None,
            hosts: 0,
        };
        Ok(Ok((site, token.clone())))
    })
    .await?
}

/// Moves the active site `name` (with its hosts) to the organisation `org` names, with its audit
/// entry (`site.move`) by `actor` in the same transaction; returns the organisation it was in.
pub async fn move_site(
    db: &Db,
    name: &str,
    org: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<String, SiteError> {
    db.write(async |conn| {
        let to = match org_or_root(conn, Some(org)).await? {
            Ok(org) => org,
            Err(e) => return Ok(Err(SiteError::Org(e))),
        };
        let from: Option<(String, String, String)> = sqlx::query_as(
            "SELECT s.id, o.id, o.name FROM sites s JOIN organisations o ON o.id = s.org_id \
             WHERE s.name = $1 AND s.revoked_at IS NULL",
        )
        .bind(name.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        let Some((site_id, from_id, from)) = from else {
            return Ok(Err(SiteError::NoSite(name.to_string())));
        };
        sqlx::query("UPDATE sites SET org_id = $1 WHERE id = $2")
            .bind(to.id.clone())
            .bind(site_id.clone())
            .execute(&mut *conn)
            .await?;
        let detail = serde_json::json!({
            "site": name, "site_id": site_id, "from_org": from, "from_org_id": from_id,
            "to_org": to.name, "to_org_id": to.id,
        });
        audit_on(conn, actor, "site.move", &detail.to_string(), now).await?;
        Ok(Ok(from))
    })
    .await?
}

/// The sites in `scope`, by name.
pub async fn list_sites(db: &Db, scope: &Scope) -> Result<Vec<Site>> {
    sqlx::query_as(
        "SELECT s.id, s.name, s.org_id, o.name AS org, s.created_at, s.revoked_at, \
         (SELECT COUNT(*) FROM hosts h WHERE h.site_id = s.id) AS hosts \
         FROM sites s JOIN organisations o ON o.id = s.org_id WHERE o.path LIKE $1 ORDER BY s.name",
    )
    .bind(scope.path_pattern())
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
