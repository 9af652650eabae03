//! API tokens: how tools and scripts authenticate (`Authorization: Bearer sut_…`), acting as the
//! user they were issued to.
//!
//! A token is 32 random bytes, so a fast hash (SHA-256) is a safe thing to store and look up by,
//! and checking one costs a single indexed query; a password sent with HTTP Basic costs an argon2
//! check (19 MiB, tens of milliseconds) on every request. Issued and revoked with
//! `sunset-collector token add|list|revoke` (through [`crate::admin`]), each audited in its own
//! transaction.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;
use uuid::Uuid;

use super::users::{USER_COLUMNS, USER_JOIN};
use super::{User, ts};
use crate::auth;
use crate::db::Db;

/// Prefix of API tokens ("Sunset user token"), so a leaked one is recognisable.
pub const PREFIX: &str = "sut_";

/// A token as listed (never the token itself, which is shown once).
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ApiToken {
    /// The user it acts as.
    pub user: String,
    /// Its name, unique among the user's active tokens.
    pub name: String,
    /// When issued.
    pub created_at: String,
    /// When revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// No such user.
    #[error("no user named {0:?}")]
    NoUser(String),
    /// The user already has an active token of that name.
    #[error("{user:?} already has an active token named {name:?}")]
    Exists {
        /// User name.
        user: String,
        /// Token name.
        name: String,
    },
    /// The name is empty or too long.
    #[error("a token name must be 1 to 100 characters")]
    BadName,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Issues a token to `user` under `name`, with its audit entry by `actor` in the same
/// transaction; returns it (shown once; only its hash is stored).
pub async fn issue(
    db: &Db,
    user: &str,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<String, TokenError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(TokenError::BadName);
    }
    let token = format!("{PREFIX}{}", auth::random_hex());
    let hash = auth::hash_token(&token);
    let outcome = db
        .write(async |conn| {
            let Some(row) = sqlx::query("SELECT id FROM users WHERE name = $1")
                .bind(user.to_string())
                .fetch_optional(&mut *conn)
                .await?
            else {
                return Ok(Some(TokenError::NoUser(user.to_string())));
            };
            let user_id: String = row.try_get("id")?;
            let taken = sqlx::query(
                "SELECT 1 AS x FROM api_tokens WHERE user_id = $1 AND name = $2 AND revoked_at IS NULL",
            )
            .bind(user_id.clone())
            .bind(name.to_string())
            .fetch_optional(&mut *conn)
            .await?;
            if taken.is_some() {
                return Ok(Some(TokenError::Exists {
                    user: user.to_string(),
                    name: name.to_string(),
                }));
            }
            sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(user_id)
            .bind(name.to_string())
            .bind(hash.clone())
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
            let detail = serde_json::json!({"user": user, "name": name});
            crate::store::audit_on(conn, actor, "token.add", &detail.to_string(), now).await?;
            Ok(None)
        })
        .await?;
    match outcome {
        Some(refusal) => Err(refusal),
        None => Ok(token),
    }
}

/// The user an active token acts as.
pub async fn user_for_token(db: &Db, token: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id {USER_JOIN} \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(auth::hash_token(token))
    .fetch_optional(db.reader())
    .await
}

/// Revokes `user`'s active token `name`, with its audit entry by `actor` in the same transaction;
/// `false` when there is none.
pub async fn revoke(
    db: &Db,
    user: &str,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    db.write(async |conn| {
        let result = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL \
             AND user_id IN (SELECT id FROM users WHERE name = $3)",
        )
        .bind(ts(now))
        .bind(name.to_string())
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
        if result.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = serde_json::json!({"user": user, "name": name});
        crate::store::audit_on(conn, actor, "token.revoke", &detail.to_string(), now).await?;
        Ok(true)
    })
    .await
}

/// Every token, by user and name.
pub async fn list(db: &Db) -> Result<Vec<ApiToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.name AS user, t.name, t.created_at, t.revoked_at FROM api_tokens t \
         JOIN users u ON u.id = t.user_id ORDER BY u.name, t.name, t.created_at",
    )
    .fetch_all(db.reader())
    .await
}
