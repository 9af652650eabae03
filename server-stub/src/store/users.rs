//! Dashboard users and their sessions (the browser holds the session id; the database its hash).
//!
//! A user holds one [`Role`] on one organisation, and sees that organisation's subtree: their
//! [`Scope`]. Every query that reads a user joins their organisation ([`USER_COLUMNS`] with
//! [`USER_JOIN`]), so a user without one (which the collector never writes) can do nothing.

use chrono::{DateTime, Utc};
use serde::Serialize;
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

/// Stores a new session, and the login as the user's last; the caller gives the raw id to the
/// browser.
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
        .await?;
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(user.id.clone())
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

/// A user as listed (never their password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UserRow {
    /// Login name.
    pub name: String,
    /// Their role.
    #[sqlx(try_from = "super::ByName<Role>")]
    pub role: Role,
    /// The organisation the role is granted on.
    pub org: String,
    /// When first added.
    pub created_at: String,
    /// When they last logged in through the login form (`None`: not since migration 6).
    pub last_login_at: Option<String>,
}

/// The users granted an organisation in `scope`, by name.
pub async fn list_users(db: &Db, scope: &Scope) -> Result<Vec<UserRow>> {
    sqlx::query_as(
        "SELECT u.name, u.role, o.name AS org, u.created_at, u.last_login_at \
         FROM users u JOIN organisations o ON o.id = u.org_id WHERE o.path LIKE $1 ORDER BY u.name",
    )
    .bind(scope.path_pattern())
    .fetch_all(db.reader())
    .await
}

/// Why a user could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// No user of that name.
    #[error("no user named {0:?}")]
    NoUser(String),
    /// The organisation cannot be used.
    #[error(transparent)]
    Org(#[from] OrgError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What removing a user ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Removed {
    /// Their sessions, ended.
    pub sessions: u64,
    /// Their API tokens, deleted with them.
    pub tokens: u64,
}

/// Removes the user `name`, ending their sessions and deleting their API tokens (explicitly, not
/// by trusting the schema's cascade), with its audit entry (`user.remove`) by `actor` in the same
/// transaction. What they did stays in the audit log and the risk register, by name.
pub async fn remove_user(
    db: &Db,
    name: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<Removed, UserError> {
    db.write(async |conn| {
        let found: Option<(String, String, String)> = sqlx::query_as(
            "SELECT u.id, u.role, o.name FROM users u JOIN organisations o ON o.id = u.org_id \
             WHERE u.name = $1",
        )
        .bind(name.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        let Some((id, role, org)) = found else {
            return Ok(Err(UserError::NoUser(name.to_string())));
        };
        let mut ended = [0u64; 2];
        for (i, table) in ["sessions", "api_tokens"].iter().enumerate() {
            ended[i] = sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                .bind(id.clone())
                .execute(&mut *conn)
                .await?
                .rows_affected();
        }
        sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.clone())
            .execute(&mut *conn)
            .await?;
        let removed = Removed {
            sessions: ended[0],
            tokens: ended[1],
        };
        let detail = serde_json::json!({
            "user": name, "role": role, "org": org,
            "sessions_ended": removed.sessions, "api_tokens_deleted": removed.tokens,
        });
        audit_on(conn, actor, "user.remove", &detail.to_string(), now).await?;
        Ok(Ok(removed))
    })
    .await?
}

/// A user's grant before and after a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleChange {
    /// The role they had.
    pub from_role: Role,
    /// The organisation they had it on.
    pub from_org: String,
    /// The organisation they have it on now.
    pub to_org: String,
}

/// Grants the user `name` `role`, on the organisation `org` names (`None`: the one they have),
/// with its audit entry (`user.role`) by `actor` in the same transaction. Their sessions and API
/// tokens stay: both read the user's grant on every request, so the change applies at once.
pub async fn set_user_role(
    db: &Db,
    name: &str,
    role: Role,
    org: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> std::result::Result<RoleChange, UserError> {
    #[derive(sqlx::FromRow)]
    struct Grant {
        id: String,
        #[sqlx(try_from = "super::ByName<Role>")]
        role: Role,
        org_id: String,
        org: String,
    }
    db.write(async |conn| {
        let found: Option<Grant> = sqlx::query_as(
            "SELECT u.id, u.role, o.id AS org_id, o.name AS org FROM users u \
             JOIN organisations o ON o.id = u.org_id WHERE u.name = $1",
        )
        .bind(name.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        let Some(grant) = found else {
            return Ok(Err(UserError::NoUser(name.to_string())));
        };
        let to = match org_or_root(conn, Some(org.unwrap_or(&grant.org_id))).await? {
            Ok(org) => org,
            Err(e) => return Ok(Err(UserError::Org(e))),
        };
        sqlx::query("UPDATE users SET role = $1, org_id = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(to.id.clone())
            .bind(grant.id.clone())
            .execute(&mut *conn)
            .await?;
        let detail = serde_json::json!({
            "user": name, "from_role": grant.role.as_str(), "role": role.as_str(),
            "from_org": grant.org, "org": to.name, "org_id": to.id,
        });
        audit_on(conn, actor, "user.role", &detail.to_string(), now).await?;
        Ok(Ok(RoleChange {
            from_role: grant.role,
            from_org: grant.org,
            to_org: to.name,
        }))
    })
    .await?
}
