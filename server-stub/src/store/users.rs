//! Dashboard users and their sessions (the browser holds the session id; the database its hash).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::audit::audit_on;
use super::{Result, ts};
use crate::auth;
use crate::db::Db;

/// A dashboard user.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login name.
    pub name: String,
    /// `viewer` or `admin`.
    pub role: String,
}

impl User {
    /// Whether the user may change the risk register and reload the catalogue.
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

/// Adds or replaces a user (a second `user add` resets the password and role). A reset ends every
/// session the user had: whoever knew the old password is logged out. Audited as `user.add` by
/// `actor` in the same transaction.
pub async fn upsert_user(
    db: &Db,
    name: &str,
    role: &str,
    password_hash: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    db.write(async |conn| {
        sqlx::query(
            "INSERT INTO users (id, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(name.to_string())
        .bind(role.to_string())
        .bind(password_hash.to_string())
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)")
            .bind(name.to_string())
            .execute(&mut *conn)
            .await?;
        let detail = serde_json::json!({"user": name, "role": role});
        audit_on(conn, actor, "user.add", &detail.to_string(), now).await
    })
    .await
}

/// A user and their password hash, by name.
pub async fn user_by_name(db: &Db, name: &str) -> Result<Option<(User, String)>> {
    #[derive(sqlx::FromRow)]
    struct Credentials {
        #[sqlx(flatten)]
        user: User,
        password_hash: String,
    }
    let row: Option<Credentials> =
        sqlx::query_as("SELECT id, name, role, password_hash FROM users WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(db.reader())
            .await?;
    Ok(row.map(|r| (r.user, r.password_hash)))
}

/// A logged-in session.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    /// Who.
    #[sqlx(flatten)]
    pub user: User,
    /// The session's CSRF token, required on every form post.
    pub csrf_token: String,
}

/// Stores a new session; the caller gives the raw id to the browser.
pub async fn create_session(
    db: &Db,
    user: &User,
    session_id: &str,
    csrf_token: &str,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<()> {
    db.write(async |conn| {
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(ts(now))
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(auth::hash_token(session_id))
        .bind(user.id.clone())
        .bind(csrf_token.to_string())
        .bind(ts(now))
        .bind(ts(expires))
        .execute(&mut *conn)
        .await
    })
    .await?;
    Ok(())
}

/// The live session with this raw id.
pub async fn session(db: &Db, session_id: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
    sqlx::query_as(
        "SELECT u.id, u.name, u.role, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2",
    )
    .bind(auth::hash_token(session_id))
    .bind(ts(now))
    .fetch_optional(db.reader())
    .await
}

/// Ends a session.
pub async fn delete_session(db: &Db, session_id: &str) -> Result<()> {
    db.write(async |conn| {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(auth::hash_token(session_id))
            .execute(conn)
            .await
    })
    .await?;
    Ok(())
}
