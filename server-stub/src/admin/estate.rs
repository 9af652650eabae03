//! The estate's administration (the command line today): organisations, sites and their tokens,
//! hosts, users and API tokens. Each action is audited in its own transaction by the store.

use chrono::{DateTime, Utc};

use super::{Admin, AdminError, Role};
use crate::auth;
use crate::db::Db;
use crate::org::{OdsCode, OrgKind};
use crate::org_import::{self, ImportSummary};
use crate::ownership;
use crate::period::Period;
use crate::store::tokens as api_tokens;
use crate::store::{self, NewOrg, Organisation, Removed, RoleChange, Rotated, Site};

/// How long a rotated site token keeps working unless told otherwise: a week covers agents that
/// report nightly, a weekend and the time to push the new token to every PC of a site.
pub const DEFAULT_GRACE: Period = Period::days(7);

/// Adds an organisation under `parent` (its name, ODS code or id; `None`: directly under the
/// root). Audited as `org.add` in the same transaction.
pub async fn add_org(
    db: &Db,
    admin: &Admin,
    name: &str,
    kind: OrgKind,
    parent: Option<&str>,
    ods_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Organisation, AdminError> {
    let ods_code = ods_code
        .map(str::parse::<OdsCode>)
        .transpose()
        .map_err(store::OrgError::from)?;
    let new = NewOrg {
        name,
        kind,
        parent,
        ods_code: ods_code.as_ref(),
    };
    Ok(store::add_org(db, new, &admin.name, now).await?)
}

/// Imports organisations from a CSV file's bytes (see [`crate::org_import`]); `file` names it in
/// errors and the audit entry (`org.import`, in the same transaction). Every bad row is reported
/// and nothing is imported when there is one.
pub async fn import_orgs(
    db: &Db,
    admin: &Admin,
    file: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<ImportSummary, AdminError> {
    let parsed = org_import::parse(bytes);
    match store::import_orgs(db, &parsed, file, &admin.name, now).await? {
        Ok(summary) => Ok(summary),
        Err(errors) => Err(AdminError::Import {
            file: file.to_string(),
            errors,
        }),
    }
}

/// Enrols a site under `org` (its name, ODS code or id; `None`: the root, the whole estate) with a
/// token that does not expire: [`enrol_site`] without an expiry.
pub async fn add_site(
    db: &Db,
    admin: &Admin,
    name: &str,
    org: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Site, String), AdminError> {
    enrol_site(db, admin, name, org, None, now).await
}

/// Enrols a site under `org` (its name, ODS code or id; `None`: the root, the whole estate), or
/// a revoked site of that name again (with its hosts); returns it and its token (shown once),
/// which stops working after `expires` if given. Audited as `site.add` in the same transaction.
pub async fn enrol_site(
    db: &Db,
    admin: &Admin,
    name: &str,
    org: Option<&str>,
    expires: Option<Period>,
    now: DateTime<Utc>,
) -> Result<(Site, String), AdminError> {
    let expires_at = expires.map(|e| now + e.duration());
    Ok(store::enrol_site(db, name, org, expires_at, &admin.name, now).await?)
}

/// Gives a site a new token (shown once), expiring after `expires` if given; the site's tokens
/// still valid keep working for `grace`, then are refused. A revoked site is active again.
/// Audited as `site.rotate-token` in the same transaction.
pub async fn rotate_site_token(
    db: &Db,
    admin: &Admin,
    name: &str,
    grace: Period,
    expires: Option<Period>,
    now: DateTime<Utc>,
) -> Result<Rotated, AdminError> {
    let expires = expires.map(Period::duration);
    Ok(store::rotate_site_token(db, name, grace.duration(), expires, &admin.name, now).await?)
}

/// Revokes one of a site's tokens, named by its id or the id's first 8 or more characters;
/// returns its full id. Audited as `site.revoke-token` in the same transaction.
pub async fn revoke_site_token(
    db: &Db,
    admin: &Admin,
    name: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<String, AdminError> {
    Ok(store::revoke_site_token(db, name, token, &admin.name, now).await?)
}

/// Moves a site, with its hosts, to the organisation `org` names; returns the organisation it was
/// in. Audited as `site.move` in the same transaction.
pub async fn move_site(
    db: &Db,
    admin: &Admin,
    name: &str,
    org: &str,
    now: DateTime<Utc>,
) -> Result<String, AdminError> {
    Ok(store::move_site(db, name, org, &admin.name, now).await?)
}

/// Revokes a site's token: its agents are refused from now on. Audited as `site.revoke` in the
/// same transaction.
pub async fn revoke_site(
    db: &Db,
    admin: &Admin,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), AdminError> {
    if !store::revoke_site(db, name, &admin.name, now).await? {
        return Err(AdminError::NotFound(format!(
            "no active site named {name:?}"
        )));
    }
    Ok(())
}

/// Moves a host to the site named `site`; returns the site it was in. Audited as `host.move` in
/// the same transaction.
pub async fn move_host(
    db: &Db,
    admin: &Admin,
    host_id: &str,
    site: &str,
    now: DateTime<Utc>,
) -> Result<String, AdminError> {
    Ok(ownership::move_host(db, host_id, site, &admin.name, now).await?)
}

/// Adds a user with `role` on the organisation `org` names (`None`: the root, the whole estate),
/// or resets an existing user's password, role and organisation (ending their sessions); returns
/// the organisation's name. Audited as `user.add` in the same transaction.
pub async fn add_user(
    db: &Db,
    admin: &Admin,
    name: &str,
    role: Role,
    org: Option<&str>,
    password: String,
    now: DateTime<Utc>,
) -> Result<String, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(AdminError::Invalid(
            "a user name must be 1 to 200 characters".to_string(),
        ));
    }
    if password.chars().count() < super::MIN_PASSWORD_CHARS {
        return Err(AdminError::Invalid(format!(
            "the password must be at least {} characters",
            super::MIN_PASSWORD_CHARS
        )));
    }
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| AdminError::Failed(e.into()))?
        .map_err(AdminError::Failed)?;
    Ok(store::upsert_user(db, name, role, org, &hash, &admin.name, now).await?)
}

/// Removes a user: their sessions end and their API tokens are deleted. Audited as
/// `user.remove` in the same transaction.
pub async fn remove_user(
    db: &Db,
    admin: &Admin,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Removed, AdminError> {
    Ok(store::remove_user(db, name, &admin.name, now).await?)
}

/// Grants a user `role`, on the organisation `org` names (`None`: the one they have); it applies
/// to their sessions and API tokens at once. Audited as `user.role` in the same transaction.
pub async fn set_user_role(
    db: &Db,
    admin: &Admin,
    name: &str,
    role: Role,
    org: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RoleChange, AdminError> {
    Ok(store::set_user_role(db, name, role, org, &admin.name, now).await?)
}

/// Issues an API token acting as `user`; returns it (shown once). Audited as `token.add` in the
/// same transaction.
pub async fn issue_token(
    db: &Db,
    admin: &Admin,
    user: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<String, AdminError> {
    Ok(api_tokens::issue(db, user, name, &admin.name, now).await?)
}

/// Revokes `user`'s API token `name`. Audited as `token.revoke` in the same transaction.
pub async fn revoke_token(
    db: &Db,
    admin: &Admin,
    user: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), AdminError> {
    if !api_tokens::revoke(db, user, name, &admin.name, now).await? {
        return Err(AdminError::NotFound(format!(
            "{user} has no active token named {name:?}"
        )));
    }
    Ok(())
}
