//! Checking a person's password, for the login form and for HTTP Basic alike.
//!
//! In order: sizes (no argon2 on a megabyte of "password"), the throttle (a user or address in its
//! waiting time is refused without a check), a turn among the few concurrent argon2 checks
//! ([`crate::admission`]), the throttle again (the wait may have made it apply), then the check
//! itself, against a dummy hash when the user does not exist so timing does not tell. A failure is
//! counted by the throttle, logged and written to the audit log.

use std::net::IpAddr;
use std::time::Duration;

use crate::auth;
use crate::state::AppState;
use crate::store::{self, User};

/// Longest user name and password looked at.
const MAX_NAME: usize = 200;
const MAX_PASSWORD: usize = 1024;

/// Why a password check did not let the caller in.
#[derive(Debug)]
pub enum Refusal {
    /// Wrong user name or password.
    Wrong,
    /// Too many failures for this user or from this address: wait this long.
    Throttled(Duration),
    /// Too many password checks already running.
    Busy,
    /// The database failed.
    Db(sqlx::Error),
}

/// The user `name` if `password` is theirs. `via` (`form`, `basic`) goes into the audit log.
pub async fn check_password(
    state: &AppState,
    name: &str,
    password: String,
    address: Option<IpAddr>,
    via: &str,
) -> Result<User, Refusal> {
    if name.len() > MAX_NAME || password.len() > MAX_PASSWORD {
        failed(state, name, address, via).await;
        return Err(Refusal::Wrong);
    }
    if let Some(wait) = state.throttle.wait(name, address) {
        return Err(Refusal::Throttled(wait));
    }
    let turn = state
        .admission
        .passwords
        .turn()
        .await
        .map_err(|_| Refusal::Busy)?;
    if let Some(wait) = state.throttle.wait(name, address) {
        return Err(Refusal::Throttled(wait));
    }
    let found = store::user_by_name(&state.db, name)
        .await
        .map_err(Refusal::Db)?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, auth::dummy_hash().to_string()),
    };
    let ok = turn
        .run(move || auth::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match (ok, user) {
        (true, Some(user)) => {
            state.throttle.succeeded(name, address);
            Ok(user)
        }
        _ => {
            failed(state, name, address, via).await;
            Err(Refusal::Wrong)
        }
    }
}

async fn failed(state: &AppState, name: &str, address: Option<IpAddr>, via: &str) {
    state.throttle.failed(name, address);
    let name: String = name.chars().take(MAX_NAME).collect();
    let address = address.map_or_else(|| "unknown".to_string(), |a| a.to_string());
    tracing::warn!(user = %name, %address, via, "failed login");
    let detail = serde_json::json!({"address": address, "via": via}).to_string();
    if let Err(e) = store::audit_event(&state.db, &name, "login.failed", &detail, state.now()).await
    {
        tracing::error!(error = %e, "cannot write the audit log entry of a failed login");
    }
}
