//! Dashboard users and their sessions (the browser holds the session id; the database its hash).
//!
//! A user holds one [`Role`] on one organisation, and sees that organisation's subtree: their
//! [`Scope`]. Every query that reads a user joins their organisation ([`USER_COLUMNS`] with
//! [`USER_JOIN`]), so a user without one (which the collector never writes) can do nothing.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::audit::audit_on;
use super::orgs::{OrgError, org_or_root};
use super::selection::Scope;
use super::{Result, ts};
use crate::auth;
use crate::db::Db;
use crate::org::Role;

/// A dashboard user, with what they are granted.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login name.
    pub name: String,
    /// What they may do within their scope.
    #[sqlx(try_from = "super::ByName<Role>")]
    pub role: Role,
    /// The name of the organisation they are granted.
    pub org_name: String,
    /// That organisation's subtree: everything they may see.
    #[sqlx(flatten)]
    pub scope: Scope,
}

/// The columns a [`User`] reads, from `users u` joined as [`USER_JOIN`].
pub(super) const USER_COLUMNS: &str =
    "u.id, u.name, u.role, o.name AS org_name, o.id AS scope_org_id, o.path AS scope_path";
/// The join that gives a user their organisation (an inner join: none, no user).
pub(super) const USER_JOIN: &str = "JOIN organisations o ON o.id = u.org_id";

/// Adds or replaces a user (a second `user add` resets the password, role and organisation),
/// granting `role` on the organisation `org` names (its name, ODS code or id; `None`: the root,
/// the whole estate). A reset ends every session the user had: whoever knew the old password is
/// logged out. Audited as `user.add` by `actor` in the same transaction. Returns the
/// organisation's name.
pub async fn upsert_user(
    db: &Db,
    name: &str,
    role: Role,
    org: Option<&str>,
    password_hash: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<String, OrgError> {
    db.write(async |conn| {
        let org = match org_or_root(conn, org).await? {
            Ok(org) => org,
            Err(e) => return Ok(Err(e)),
        };
        sqlx::query(
            "INSERT INTO users (id, name, role, org_id, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (name) DO UPDATE SET role = excluded.role, org_id = excluded.org_id, \
             password_hash = excluded.password_hash",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(name.to_string())
        .bind(role.as_str())
        .bind(org.id.clone())
        .bind(password_hash.to_string())
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)")
            .bind(name.to_string())
            .execute(&mut *conn)
            .await?;
        let detail = serde_json::json!({
            "user": name, "role": role.as_str(), "org": org.name, "org_id": org.id,
        });
        audit_on(conn, actor, "user.add", &detail.to_string(), now).await?;
        Ok(Ok(org.name))
    })
    .await?
}

/// A user and their password hash, by name.
pub async fn user_by_name(db: &Db, name: &str) -> Result<Option<(User, String)>> {
    #[derive(sqlx::FromRow)]
    struct Credentials {
        #[sqlx(flatten)]
        user: User,
        password_hash: String,
    }
    let row: Option<Credentials> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, u.password_hash FROM users u {USER_JOIN} WHERE u.name = $1"
    ))
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
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
         {USER_JOIN} WHERE s.id_hash = $1 AND s.expires_at > $2"
    ))
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
