//! Site enrolment tokens (migration 6): what an agent sends to report for its site.
//!
//! A site holds any number of tokens, each stored as the SHA-256 of 32 random bytes (a fast hash
//! is a safe thing to look up by for a secret that cannot be guessed), with its own lifetime:
//! created, optionally expiring, replaced by a rotation (then valid until the end of its grace
//! period, kept in `expires_at`), revoked. A token is checked on every report by one indexed read;
//! its last use is written inside the report's own transaction, and only when the one on record is
//! more than [`LAST_USED_RESOLUTION`] old — at most one write a minute per token, never a write (or
//! a commit) of its own per report.
//!
//! This module is the tokens' rows; what an administrator does with them — enrol, rotate, revoke,
//! each audited in its own transaction — is a site's action, in `sites`.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::selection::Scope;
use super::{Result, ts};
use crate::auth;
use crate::db::{Db, WriteTx};

/// How stale a token's recorded last use may be: a report within this of the last recorded use
/// writes nothing about the token.
pub const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

/// Shortest token id prefix accepted when naming a token to revoke (a UUID's first 8 hex digits).
pub const MIN_ID_PREFIX: usize = 8;

/// A site token as listed (never the token itself, which is shown once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SiteToken {
    /// Its id (what `site revoke-token` names).
    pub id: String,
    /// When issued.
    pub created_at: String,
    /// When it stops working: its own expiry, or the end of its grace period once replaced.
    pub expires_at: Option<String>,
    /// When a rotation replaced it.
    pub replaced_at: Option<String>,
    /// When revoked.
    pub revoked_at: Option<String>,
    /// When a report last came with it (to the minute).
    pub last_used_at: Option<String>,
}

/// Where a token stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenState {
    /// Accepted.
    Active,
    /// Replaced by a rotation, accepted until its grace period ends.
    Grace,
    /// Refused: past its expiry or grace period.
    Expired,
    /// Refused: revoked.
    Revoked,
}

impl TokenState {
    /// The state's name, as listed.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Grace => "grace",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }
}

impl SiteToken {
    /// Where the token stands at `now`.
    pub fn state(&self, now: DateTime<Utc>) -> TokenState {
        let now = ts(now);
        if self.revoked_at.is_some() {
            TokenState::Revoked
        } else if self
            .expires_at
            .as_deref()
            .is_some_and(|end| end <= now.as_str())
        {
            TokenState::Expired
        } else if self.replaced_at.is_some() {
            TokenState::Grace
        } else {
            TokenState::Active
        }
    }
}

/// Why a site token was refused: said to the agent (401), so its operator knows whether to wait,
/// or to fetch the site's new token. It names no site: the caller may hold a leaked token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    /// No site has this token.
    #[error("unknown site token")]
    Unknown,
    /// Revoked (by itself or with its site).
    #[error(
        "site token revoked at {0}; ask the collector's administrator for the site's current token"
    )]
    Revoked(String),
    /// Past its own expiry.
    #[error(
        "site token expired at {0}; ask the collector's administrator for the site's current token"
    )]
    Expired(String),
    /// Replaced by a rotation, and its grace period is over.
    #[error(
        "site token replaced at {replaced} and refused since {ended}, when its grace period ended; \
         put the site's new token in the agent's configuration"
    )]
    Replaced {
        /// When the rotation happened.
        replaced: String,
        /// When the grace period ended.
        ended: String,
    },
}

/// A token that was accepted, and the site it reports for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteCredential {
    /// The token's id.
    pub token_id: String,
    /// The site's id.
    pub site_id: String,
    /// The site's name.
    pub site_name: String,
    /// Whether the report should record the token's use (the one on record is over
    /// [`LAST_USED_RESOLUTION`] old, or there is none).
    pub record_use: bool,
}

/// Checks a site token at `now`: the site it reports for, or why it is refused.
pub async fn check_site_token(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<SiteCredential, TokenRefusal>> {
    #[derive(sqlx::FromRow)]
    struct Found {
        #[sqlx(flatten)]
        token: SiteToken,
        site_id: String,
        site_name: String,
        site_revoked_at: Option<String>,
    }
    let found: Option<Found> = sqlx::query_as(
        "SELECT t.id, t.created_at, t.expires_at, t.replaced_at, t.revoked_at, t.last_used_at, \
         s.id AS site_id, s.name AS site_name, s.revoked_at AS site_revoked_at \
         FROM site_tokens t JOIN sites s ON s.id = t.site_id WHERE t.token_hash = $1",
    )
    .bind(auth::hash_token(token))
    .fetch_optional(db.reader())
    .await?;
    let Some(found) = found else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    let t = found.token;
    // Revoking a site revokes its tokens; its own time stands in should a token have escaped.
    if let Some(at) = t.revoked_at.clone().or(found.site_revoked_at) {
        return Ok(Err(TokenRefusal::Revoked(at)));
    }
    if t.state(now) == TokenState::Expired {
        let end = t.expires_at.unwrap_or_default();
        return Ok(Err(match t.replaced_at {
            Some(replaced) => TokenRefusal::Replaced {
                replaced,
                ended: end,
            },
            None => TokenRefusal::Expired(end),
        }));
    }
    let stale_before = ts(now - LAST_USED_RESOLUTION);
    Ok(Ok(SiteCredential {
        record_use: t
            .last_used_at
            .as_deref()
            .is_none_or(|at| at < stale_before.as_str()),
        token_id: t.id,
        site_id: found.site_id,
        site_name: found.site_name,
    }))
}

/// Records a token's use inside a report's transaction (unless a concurrent report just did).
pub(super) async fn record_use_on(
    tx: &mut WriteTx<'_>,
    token_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE site_tokens SET last_used_at = $1 WHERE id = $2 \
         AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(ts(now))
    .bind(token_id.to_string())
    .bind(ts(now - LAST_USED_RESOLUTION))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Issues a new token for `site_id` inside the caller's transaction; returns the token (shown
/// once) and its id.
pub(super) async fn issue_on(
    tx: &mut WriteTx<'_>,
    site_id: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(String, String)> {
    let token = auth::new_site_token();
    let id = Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO site_tokens (id, site_id, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.clone())
    .bind(site_id.to_string())
    .bind(auth::hash_token(&token))
    .bind(ts(now))
    .bind(expires_at.map(ts))
    .execute(&mut *tx)
    .await?;
    Ok((token, id))
}

/// Revokes every token of a site not revoked yet, inside the caller's transaction.
pub(super) async fn revoke_all_on(
    tx: &mut WriteTx<'_>,
    site_id: &str,
    now: DateTime<Utc>,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE site_tokens SET revoked_at = $1 WHERE site_id = $2 AND revoked_at IS NULL",
    )
    .bind(ts(now))
    .bind(site_id.to_string())
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected())
}

/// Every token of the site `name` in `scope`, oldest first; `None` when there is no such site.
pub async fn list_site_tokens(
    db: &Db,
    scope: &Scope,
    name: &str,
) -> Result<Option<Vec<SiteToken>>> {
    let site: Option<(String,)> = sqlx::query_as(
        "SELECT s.id FROM sites s JOIN organisations o ON o.id = s.org_id \
         WHERE s.name = $1 AND o.path LIKE $2",
    )
    .bind(name.to_string())
    .bind(scope.path_pattern())
    .fetch_optional(db.reader())
    .await?;
    let Some((site_id,)) = site else {
        return Ok(None);
    };
    let tokens = sqlx::query_as(
        "SELECT id, created_at, expires_at, replaced_at, revoked_at, last_used_at \
         FROM site_tokens WHERE site_id = $1 ORDER BY created_at, id",
    )
    .bind(site_id)
    .fetch_all(db.reader())
    .await?;
    Ok(Some(tokens))
}
