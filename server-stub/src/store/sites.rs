//! Enrolled sites: each belongs to one organisation and reports with tokens of its own
//! (`site_tokens`, stored only as hashes). Enrolling, moving and revoking a site, rotating its
//! token and revoking one token are each audited in the change's own transaction.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::audit::audit_on;
use super::orgs::{OrgError, org_or_root};
use super::selection::Scope;
use super::site_tokens::{MIN_ID_PREFIX, issue_on, revoke_all_on};
use super::{Result, ts};
use crate::db::{Db, WriteTx};

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
    /// No site of that name, active or revoked.
    #[error("no site named {0:?}")]
    Unknown(String),
    /// The site has no unrevoked token whose id starts so.
    #[error("site {site:?} has no unrevoked token {token:?} (see: site tokens {site:?})")]
    NoToken {
        /// Site name.
        site: String,
        /// The id or prefix given.
        token: String,
    },
    /// Several of the site's tokens start so.
    #[error("{token:?} names more than one token of site {site:?}: give more of the id")]
    AmbiguousToken {
        /// Site name.
        site: String,
        /// The prefix given.
        token: String,
    },
    /// The organisation cannot be used.
    #[error(transparent)]
    Org(#[from] OrgError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Enrols a site whose first token never expires: [`enrol_site`] without an expiry.
pub async fn add_site(
    db: &Db,
    name: &str,
    org: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<(Site, String), SiteError> {
    enrol_site(db, name, org, None, actor, now).await
}

/// Enrols a site under the organisation `org` names (its name, ODS code or id; `None`: the root,
/// the whole estate), with its audit entry (`site.add`) by `actor` in the same transaction;
/// returns it and its first token (shown once; only its hash is stored), which expires at
/// `expires_at` if given.
///
/// A revoked site of that name is enrolled again rather than refused: it keeps its id and its
/// hosts (a new site of the same name would find them owned by the old one, and their reports
/// refused), moves to `org` when one is given, and gets a new token; its old tokens stay revoked.
/// Only an active site of that name is [`SiteError::Exists`].
pub async fn enrol_site(
    db: &Db,
    name: &str,
    org: Option<&str>,
    expires_at: Option<DateTime<Utc>>,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<(Site, String), SiteError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(SiteError::BadName);
    }
    db.write(async |conn| {
        let existing: Option<(String, String, String, Option<String>)> =
            sqlx::query_as("SELECT id, org_id, created_at, revoked_at FROM sites WHERE name = $1")
                .bind(name.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        let (reactivated, created_at) = match existing {
            Some((_, _, _, None)) => return Ok(Err(SiteError::Exists(name.to_string()))),
            Some((id, org_id, created_at, Some(_))) => (Some((id, org_id)), created_at),
            None => (None, ts(now)),
        };
        // A site enrolled again stays where it was unless told otherwise.
        let org_ref = org.or(reactivated.as_ref().map(|(_, org_id)| org_id.as_str()));
        let org = match org_or_root(conn, org_ref).await? {
            Ok(org) => org,
            Err(e) => return Ok(Err(SiteError::Org(e))),
        };
        let id = match &reactivated {
            Some((id, _)) => {
                sqlx::query("UPDATE sites SET revoked_at = NULL, org_id = $1 WHERE id = $2")
                    .bind(org.id.clone())
                    .bind(id.clone())
                    .execute(&mut *conn)
                    .await?;
                id.clone()
            }
            None => {
                let id = Uuid::new_v4().to_string();
                let added = sqlx::query(
                    "INSERT INTO sites (id, name, org_id, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (name) DO NOTHING",
                )
                .bind(id.clone())
                .bind(name.to_string())
                .bind(org.id.clone())
                .bind(ts(now))
                .execute(&mut *conn)
                .await?;
                // Enrolled a moment ago by someone else.
                if added.rows_affected() == 0 {
                    return Ok(Err(SiteError::Exists(name.to_string())));
                }
                id
            }
        };
        let (token, token_id) = issue_on(conn, &id, expires_at, now).await?;
        let detail = serde_json::json!({
            "site": name, "site_id": id, "org": org.name, "org_id": org.id,
            "token_id": token_id, "expires_at": expires_at.map(ts),
            "reactivated": reactivated.is_some(),
        });
        audit_on(conn, actor, "site.add", &detail.to_string(), now).await?;
        let hosts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hosts WHERE site_id = $1")
            .bind(id.clone())
            .fetch_one(&mut *conn)
            .await?;
        let site = Site {
            id,
            name: name.to_string(),
            org_id: org.id,
            org: org.name,
            created_at,
            revoked_at: None,
            hosts,
        };
        Ok(Ok((site, token)))
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

/// Revokes a site and every token it has, with its audit entry (`site.revoke`) by `actor` in the
/// same transaction; `false` when there is no active site of that name. The site keeps its hosts:
/// `site add` or `site rotate-token` makes it active again with a new token.
pub async fn revoke_site(db: &Db, name: &str, actor: &str, now: DateTime<Utc>) -> Result<bool> {
    db.write(async |conn| {
        let site: Option<(String,)> =
            sqlx::query_as("SELECT id FROM sites WHERE name = $1 AND revoked_at IS NULL")
                .bind(name.to_string())
                .fetch_optional(&mut *conn)
                .await?;
        let Some((site_id,)) = site else {
            return Ok(false);
        };
        sqlx::query("UPDATE sites SET revoked_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(site_id.clone())
            .execute(&mut *conn)
            .await?;
        let tokens = revoke_all_on(conn, &site_id, now).await?;
        let detail =
            serde_json::json!({"site": name, "site_id": site_id, "tokens_revoked": tokens});
        audit_on(conn, actor, "site.revoke", &detail.to_string(), now).await?;
        Ok(true)
    })
    .await
}

/// What a rotation did.
#[derive(Clone, Debug)]
pub struct Rotated {
    /// The new token (shown once).
    pub token: String,
    /// Its id.
    pub token_id: String,
    /// When the new token expires, if it does.
    pub expires_at: Option<String>,
    /// How many tokens it replaced (those still valid at the time).
    pub replaced: u64,
    /// When the replaced tokens stop working (`None` when none was replaced).
    pub grace_until: Option<String>,
    /// Whether the site was revoked, and is active again.
    pub reactivated: bool,
}

/// Gives the site `name` a new token, expiring after `expires` if given. Every token of the site
/// still valid is replaced: it keeps working for `grace` (or until its own expiry, if sooner),
/// then is refused. A revoked site is active again (its old tokens stay revoked). Audited as
/// `site.rotate-token` by `actor` in the same transaction.
pub async fn rotate_site_token(
    db: &Db,
    name: &str,
    grace: Duration,
    expires: Option<Duration>,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<Rotated, SiteError> {
    let grace_until = ts(now + grace);
    let expires_at = expires.map(|e| now + e);
    db.write(async |conn| {
        let Some((site_id, revoked)) = site_by_name(conn, name).await? else {
            return Ok(Err(SiteError::Unknown(name.to_string())));
        };
        if revoked {
            sqlx::query("UPDATE sites SET revoked_at = NULL WHERE id = $1")
                .bind(site_id.clone())
                .execute(&mut *conn)
                .await?;
        }
        // A token's earlier expiry stands; one already expired or revoked is left as it is.
        let replaced = sqlx::query(
            "UPDATE site_tokens SET replaced_at = $1, \
             expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at < $2 THEN expires_at ELSE $2 END \
             WHERE site_id = $3 AND revoked_at IS NULL AND replaced_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $1)",
        )
        .bind(ts(now))
        .bind(grace_until.clone())
        .bind(site_id.clone())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        let (token, token_id) = issue_on(conn, &site_id, expires_at, now).await?;
        let rotated = Rotated {
            token,
            token_id,
            expires_at: expires_at.map(ts),
            replaced,
            grace_until: (replaced > 0).then(|| grace_until.clone()),
            reactivated: revoked,
        };
        let detail = serde_json::json!({
            "site": name, "site_id": site_id, "token_id": rotated.token_id,
            "expires_at": rotated.expires_at, "replaced": replaced,
            "grace_until": rotated.grace_until, "reactivated": revoked,
        });
        audit_on(conn, actor, "site.rotate-token", &detail.to_string(), now).await?;
        Ok(Ok(rotated))
    })
    .await?
}

/// Revokes the site `name`'s token whose id is or starts with `id` (at least [`MIN_ID_PREFIX`]
/// characters, naming one token); returns its full id. Audited as `site.revoke-token` by `actor`
/// in the same transaction.
pub async fn revoke_site_token(
    db: &Db,
    name: &str,
    id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<String, SiteError> {
    let id = id.trim().to_ascii_lowercase();
    let no_token = || SiteError::NoToken {
        site: name.to_string(),
        token: id.chars().take(40).collect(),
    };
    // Ids are UUIDs: anything else names no token (and cannot carry a LIKE wildcard).
    if id.len() < MIN_ID_PREFIX || !id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(no_token());
    }
    db.write(async |conn| {
        let Some((site_id, _)) = site_by_name(conn, name).await? else {
            return Ok(Err(SiteError::Unknown(name.to_string())));
        };
        let rows = sqlx::query(
            "SELECT id FROM site_tokens WHERE site_id = $1 AND id LIKE $2 AND revoked_at IS NULL",
        )
        .bind(site_id.clone())
        .bind(format!("{id}%"))
        .fetch_all(&mut *conn)
        .await?;
        let token_id: String = match rows.as_slice() {
            [row] => row.try_get("id")?,
            [] => return Ok(Err(no_token())),
            _ => {
                return Ok(Err(SiteError::AmbiguousToken {
                    site: name.to_string(),
                    token: id.clone(),
                }));
            }
        };
        sqlx::query("UPDATE site_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(token_id.clone())
            .execute(&mut *conn)
            .await?;
        let detail = serde_json::json!({"site": name, "site_id": site_id, "token_id": token_id});
        audit_on(conn, actor, "site.revoke-token", &detail.to_string(), now).await?;
        Ok(Ok(token_id))
    })
    .await?
}

/// The site named `name` (active or revoked): its id and whether it is revoked.
async fn site_by_name(tx: &mut WriteTx<'_>, name: &str) -> Result<Option<(String, bool)>> {
    let row = sqlx::query("SELECT id, revoked_at FROM sites WHERE name = $1")
        .bind(name.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    row.map(|row| {
        let revoked: Option<String> = row.try_get("revoked_at")?;
        Ok((row.try_get("id")?, revoked.is_some()))
    })
    .transpose()
}
