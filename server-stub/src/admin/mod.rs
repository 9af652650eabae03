//! Administrative actions, each written once whichever door it comes through: the dashboard's
//! forms (`web`), the JSON API (`api`) and the command line (`cli`).
//!
//! Every action takes an [`Admin`], which only [`Admin::check`] (a person or tool over HTTP) and
//! [`Admin::operator`] (the command line, run on the collector's machine with its configuration and
//! database in reach) make, so no door can skip a check or run the checks in another order: first
//! that the request is not forged (a session's CSRF token), then the role and scope — a forged
//! request learns nothing about the victim's role. An `Admin` carries its caller's scope: a risk
//! owner or admin changes the risk register of the hosts in their organisation subtree only (one
//! outside is "no such host", as one that does not exist), and only an admin of the whole estate
//! reloads the catalogue. Every action is audited in the action's own transaction (risk register,
//! organisations, sites and their tokens, host move, users, API tokens), except a catalogue reload,
//! which changes the in-memory catalogue and re-judges hosts page by page: its entry is written
//! right after, where a failed audit write is an error the caller sees (and the log records),
//! never ignored.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::json;
use tracing::{error, info};

use crate::auth;
use crate::db::Db;
use crate::http::{ApiError, Caller};
use crate::org_import::RowError;
use crate::ownership::MoveError;
use crate::reevaluate::ReevaluateReport;
use crate::state::AppState;
use crate::store::tokens::TokenError;
use crate::store::{self, OrgError, Scope, SiteError, UserError};

mod estate;

pub use crate::org::Role;
pub use estate::{
    DEFAULT_GRACE, add_org, add_site, add_user, enrol_site, import_orgs, issue_token, move_host,
    move_site, remove_user, revoke_site, revoke_site_token, revoke_token, rotate_site_token,
    set_user_role,
};

/// Longest owner or mitigation text accepted in the risk register.
pub const MAX_RISK_TEXT: usize = 2000;
/// Longest finding key looked up (real ones are product and program names, far shorter).
const MAX_FINDING_KEY: usize = 1024;
/// Furthest a risk's review date may be.
const MAX_REVIEW_DAYS: i64 = 3 * 366;
/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Who the command line acts as in the audit log.
const OPERATOR: &str = "cli";

/// What an HTTP caller asks to do, for the refusal's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Reload the catalogue and re-judge every host.
    ReloadCatalog,
    /// Record or delete an accepted risk.
    ChangeRiskRegister,
    /// Dismiss a host's clone flags after review.
    ReviewClones,
}

impl Action {
    /// Why a caller may not: who may.
    fn refusal(self) -> &'static str {
        match self {
            Action::ReloadCatalog => "Only admins of the whole estate can reload the catalogue.",
            Action::ChangeRiskRegister => {
                "Only risk owners and admins can change the risk register."
            }
            Action::ReviewClones => "Only admins can dismiss a clone flag.",
        }
    }

    /// Whether a user with `role` on `scope` may.
    fn allowed(self, role: Role, scope: &Scope) -> bool {
        match self {
            Action::ReloadCatalog => role.is_admin() && scope.is_estate(),
            Action::ChangeRiskRegister => role.may_change_risks(),
            Action::ReviewClones => role.is_admin(),
        }
    }
}

/// How an HTTP request shows it was not forged by another site.
#[derive(Clone, Copy, Debug)]
pub enum Proof<'a> {
    /// A dashboard form's `csrf` field. Forms are for logged-in sessions only.
    Form(&'a str),
    /// The API's `X-CSRF-Token` header, required when the caller uses a session cookie (API
    /// tokens and HTTP Basic are for tools, which send no cookie).
    Header(Option<&'a str>),
}

/// Proof that the bearer may take an administrative action, who they are for the audit log, and
/// the organisation subtree they may act on.
#[derive(Debug)]
pub struct Admin {
    name: String,
    scope: Scope,
}

impl Admin {
    /// Checks an HTTP caller, in this order: the request is not forged, then the user's role and
    /// scope allow `action`.
    pub fn check(caller: &Caller, proof: Proof<'_>, action: Action) -> Result<Admin, AdminError> {
        not_forged(caller, proof)?;
        if !action.allowed(caller.user.role, &caller.user.scope) {
            return Err(AdminError::NotAllowed(action));
        }
        Ok(Admin {
            name: caller.user.name.clone(),
            scope: caller.user.scope.clone(),
        })
    }

    /// The operator at the command line, on the whole estate.
    pub fn operator() -> Admin {
        Admin {
            name: OPERATOR.to_string(),
            scope: Scope::estate(),
        }
    }

    /// The name the audit log records.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The organisation subtree it may act on.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
}

/// Whether a request that changes something carries its caller's proof of not being forged
/// (every form post, logging out included, and every administrative API call).
pub fn not_forged(caller: &Caller, proof: Proof<'_>) -> Result<(), AdminError> {
    match (&caller.csrf_token, proof) {
        (Some(expected), Proof::Form(given) | Proof::Header(Some(given)))
            if auth::same(expected, given) =>
        {
            Ok(())
        }
        (Some(_), Proof::Form(_)) => Err(AdminError::Forged(
            "The form expired (CSRF check failed); reload and try again.",
        )),
        (Some(_), Proof::Header(_)) => Err(AdminError::Forged("missing or wrong X-CSRF-Token")),
        (None, Proof::Form(_)) => Err(AdminError::NoSession),
        (None, Proof::Header(_)) if caller.basic => Err(AdminError::Forged(
            "HTTP Basic cannot change anything (a browser resends it on forged requests): use an API token (Authorization: Bearer sut_…)",
        )),
        (None, Proof::Header(_)) => Ok(()),
    }
}

/// Why an administrative action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request may be forged (CSRF).
    #[error("{0}")]
    Forged(&'static str),
    /// A form posted without a login session (HTTP Basic).
    #[error("Log in through the login page to change things.")]
    NoSession,
    /// The caller's role or scope does not allow the action.
    #[error("{}", .0.refusal())]
    NotAllowed(Action),
    /// The input is not acceptable; the message says why.
    #[error("{0}")]
    Invalid(String),
    /// What the action names does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The configured catalogue cannot be loaded; the one in force stays.
    #[error("{0:#}")]
    Catalog(anyhow::Error),
    /// A site cannot be added or moved.
    #[error(transparent)]
    Site(#[from] SiteError),
    /// An organisation cannot be added or used.
    #[error(transparent)]
    Org(#[from] OrgError),
    /// An organisation import has bad rows; nothing was imported.
    #[error("{}\n{} bad row(s); nothing was imported", .errors.iter().map(|e| e.in_file(.file)).collect::<Vec<_>>().join("\n"), .errors.len())]
    Import {
        /// The file, as named.
        file: String,
        /// Every bad row, by line.
        errors: Vec<RowError>,
    },
    /// A token cannot be issued.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A user cannot be removed or changed.
    #[error(transparent)]
    User(#[from] UserError),
    /// A host cannot be moved.
    #[error(transparent)]
    Move(#[from] MoveError),
    /// The database failed; nothing was done (or the action's transaction was rolled back).
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// The action failed part way (a re-evaluation stops between pages; each page is whole).
    #[error("{0:#}")]
    Failed(anyhow::Error),
    /// The action was done but its audit entry could not be written.
    #[error("{done}, but its audit log entry could not be written")]
    Unaudited {
        /// What was done.
        done: String,
        /// Why the entry could not be written.
        #[source]
        error: sqlx::Error,
    },
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> ApiError {
        use axum::http::StatusCode;
        let status = match e {
            AdminError::Db(db)
            | AdminError::Site(SiteError::Db(db) | SiteError::Org(OrgError::Db(db)))
            | AdminError::Org(OrgError::Db(db))
            | AdminError::Token(TokenError::Db(db))
            | AdminError::User(UserError::Db(db) | UserError::Org(OrgError::Db(db)))
            | AdminError::Move(MoveError::Db(db)) => return ApiError::from(db),
            AdminError::Failed(e) => {
                return match e.downcast::<sqlx::Error>() {
                    Ok(db) => ApiError::from(db),
                    Err(e) => ApiError::internal(format!("{e:#}")),
                };
            }
            // Logged in full where it happened; the administrator must know it took effect.
            AdminError::Unaudited { .. } => {
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("{e}; see the collector's log"),
                );
            }
            AdminError::Forged(_) | AdminError::NoSession | AdminError::NotAllowed(_) => {
                StatusCode::FORBIDDEN
            }
            AdminError::Invalid(_)
            | AdminError::Catalog(_)
            | AdminError::Import { .. }
            | AdminError::Site(SiteError::BadName | SiteError::AmbiguousToken { .. })
            | AdminError::Token(TokenError::BadName) => StatusCode::UNPROCESSABLE_ENTITY,
            AdminError::NotFound(_)
            | AdminError::Token(TokenError::NoUser(_))
            | AdminError::User(UserError::NoUser(_))
            | AdminError::Site(
                SiteError::NoSite(_) | SiteError::Unknown(_) | SiteError::NoToken { .. },
            )
            | AdminError::Move(MoveError::NoHost(_) | MoveError::NoSite(_)) => {
                StatusCode::NOT_FOUND
            }
            AdminError::Site(SiteError::Exists(_))
            | AdminError::Token(TokenError::Exists { .. }) => StatusCode::CONFLICT,
            AdminError::Org(ref org)
            | AdminError::Site(SiteError::Org(ref org))
            | AdminError::User(UserError::Org(ref org)) => match org {
                OrgError::NotFound(_) => StatusCode::NOT_FOUND,
                OrgError::OdsTaken { .. } | OrgError::NameTaken { .. } => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
        };
        ApiError::new(status, e.to_string())
    }
}

/// Writes the audit entry of an action already done on its own; a failure is
/// [`AdminError::Unaudited`], logged with everything the entry would have said.
async fn audit_after(
    db: &Db,
    admin: &Admin,
    action: &str,
    detail: serde_json::Value,
    now: DateTime<Utc>,
    done: impl FnOnce() -> String,
) -> Result<(), AdminError> {
    let detail = detail.to_string();
    match store::audit_event(db, &admin.name, action, &detail, now).await {
        Ok(()) => Ok(()),
        Err(error) => {
            error!(actor = %admin.name, action, %detail, error = %error, "administrative action done but not audited");
            Err(AdminError::Unaudited {
                done: done(),
                error,
            })
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Catalogue

/// Loads the configured catalogue (checked and, with a key, signed), puts it in force and
/// re-judges every host (waiting for a re-evaluation another collector may be running); audited
/// as `catalog.reload`. A catalogue that does not load changes nothing.
pub async fn reload_catalog(
    state: &AppState,
    admin: &Admin,
) -> Result<ReevaluateReport, AdminError> {
    let config = state.config.clone();
    let loaded =
        tokio::task::spawn_blocking(move || crate::catalog_source::load_configured(&config))
            .await
            .map_err(|e| AdminError::Failed(e.into()))?
            .map_err(AdminError::Catalog)?;
    let origin = loaded.origin.clone();
    info!(version = %loaded.version(), origin = %origin, by = %admin.name, "catalogue loaded");
    state.set_catalog(loaded);
    let report = state.reevaluate_all().await.map_err(AdminError::Failed)?;
    let detail = json!({
        "catalog_version": report.catalog_version, "origin": origin,
        "hosts": report.hosts, "unreadable": report.unreadable,
    });
    audit_after(
        &state.db,
        admin,
        "catalog.reload",
        detail,
        state.now(),
        || {
            format!(
                "catalogue {} is in force and {} host(s) were re-evaluated",
                report.catalog_version, report.hosts
            )
        },
    )
    .await?;
    Ok(report)
}

// ----------------------------------------------------------------------------------------------
// Risk register

/// An accepted risk as entered.
#[derive(Clone, Copy, Debug)]
pub struct RiskEntry<'a> {
    /// The finding it covers; empty for the whole host.
    pub finding_key: &'a str,
    /// Who owns the risk.
    pub owner: &'a str,
    /// What reduces it meanwhile.
    pub mitigation: &'a str,
    /// When it is looked at again (`YYYY-MM-DD`, from today to three years on).
    pub review_date: &'a str,
}

/// Records (or replaces) an accepted risk for a host or one of its findings; audited as
/// `risk.save` in the same transaction.
pub async fn save_risk(
    state: &AppState,
    admin: &Admin,
    host_id: &str,
    entry: RiskEntry<'_>,
) -> Result<(), AdminError> {
    let now = state.now();
    let (owner, mitigation) = (entry.owner.trim(), entry.mitigation.trim());
    let review = checked_risk(
        owner,
        mitigation,
        entry.review_date.trim(),
        now.date_naive(),
    )?;
    if entry.finding_key.len() > MAX_FINDING_KEY {
        return Err(no_such_finding());
    }
    let Some(detail) = store::host(&state.db, &admin.scope, host_id).await? else {
        return Err(no_such_host());
    };
    // A risk is recorded for the whole host or for one of its findings, nothing else.
    if !entry.finding_key.is_empty()
        && !detail
            .findings
            .iter()
            .any(|(f, _)| f.finding_key == entry.finding_key)
    {
        return Err(no_such_finding());
    }
    let saved = store::save_risk(
        &state.db,
        &admin.scope,
        host_id,
        entry.finding_key,
        owner,
        mitigation,
        review,
        &admin.name,
        now,
    )
    .await?;
    if !saved {
        return Err(no_such_host());
    }
    Ok(())
}

/// Dismisses a host's clone flags after review (a VDI pool sharing one image by design, say), with
/// the reason; audited as `host.clone_dismissed` in the same transaction. Returns how many flags.
pub async fn dismiss_clone_flags(
    state: &AppState,
    admin: &Admin,
    host_id: &str,
    reason: &str,
) -> Result<u64, AdminError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.len() > MAX_RISK_TEXT {
        return Err(AdminError::Invalid(
            "Say why the flag is dismissed (at most 2000 characters).".to_string(),
        ));
    }
    let dismissed = store::dismiss_clone_flags(
        &state.db,
        &admin.scope,
        host_id,
        reason,
        &admin.name,
        state.now(),
    )
    .await?;
    dismissed.ok_or_else(no_such_host)
}

/// A host that does not exist, or is outside the caller's scope: the same answer, so a host id is
/// never confirmed to someone who may not see it.
fn no_such_host() -> AdminError {
    AdminError::NotFound("No such host.".to_string())
}

fn no_such_finding() -> AdminError {
    AdminError::Invalid("This host has no such finding; reload the host page.".to_string())
}

/// The review date of a risk whose owner and mitigation are acceptable.
fn checked_risk(
    owner: &str,
    mitigation: &str,
    review_date: &str,
    today: NaiveDate,
) -> Result<NaiveDate, AdminError> {
    let invalid = |message: &str| Err(AdminError::Invalid(message.to_string()));
    if owner.is_empty()
        || owner.len() > MAX_RISK_TEXT
        || mitigation.is_empty()
        || mitigation.len() > MAX_RISK_TEXT
    {
        return invalid("Owner and mitigation are required (at most 2000 characters).");
    }
    match NaiveDate::parse_from_str(review_date, "%Y-%m-%d") {
        Ok(d) if d < today => invalid("The review date is in the past."),
        Ok(d) if d > today + Duration::days(MAX_REVIEW_DAYS) => {
            invalid("The review date is more than three years away.")
        }
        Ok(d) => Ok(d),
        Err(_) => invalid("The review date must be YYYY-MM-DD."),
    }
}

/// Deletes the accepted risk of a host (`finding_key` empty) or of one of its findings; audited as
/// `risk.delete` in the same transaction. Deleting what is not there does nothing; a host outside
/// the caller's scope is no such host.
pub async fn delete_risk(
    state: &AppState,
    admin: &Admin,
    host_id: &str,
    finding_key: &str,
) -> Result<(), AdminError> {
    if finding_key.len() > MAX_FINDING_KEY {
        return Err(no_such_finding());
    }
    let deleted = store::delete_risk(
        &state.db,
        &admin.scope,
        host_id,
        finding_key,
        &admin.name,
        state.now(),
    )
    .await?;
    match deleted {
        Some(_) => Ok(()),
        None => Err(no_such_host()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::User;

    fn caller(role: Role, session_csrf: Option<&str>) -> Caller {
        Caller {
            user: User {
                id: "u".into(),
                name: "alice".into(),
                role,
                org_name: "Estate".into(),
                scope: Scope::estate(),
            },
            csrf_token: session_csrf.map(str::to_string),
            basic: false,
        }
    }

    #[test]
    fn http_basic_can_read_but_never_change_anything() {
        let basic = Caller {
            basic: true,
            ..caller(Role::Admin, None)
        };
        assert!(matches!(
            Admin::check(&basic, Proof::Header(None), Action::ReloadCatalog),
            Err(AdminError::Forged(message)) if message.contains("API token")
        ));
    }

    #[test]
    fn a_forged_request_is_refused_before_the_role_is_looked_at() {
        let csrf = "a".repeat(64);
        let viewer = caller(Role::Viewer, Some(&csrf));
        let action = Action::ReloadCatalog;
        for proof in [Proof::Form("forged"), Proof::Header(None)] {
            assert!(matches!(
                Admin::check(&viewer, proof, action),
                Err(AdminError::Forged(_))
            ));
        }
        for proof in [Proof::Form(&csrf), Proof::Header(Some(&csrf))] {
            assert!(matches!(
                Admin::check(&viewer, proof, action),
                Err(AdminError::NotAllowed(Action::ReloadCatalog))
            ));
            let admin = Admin::check(&caller(Role::Admin, Some(&csrf)), proof, action).unwrap();
            assert_eq!(admin.name(), "alice");
        }
    }

    #[test]
    fn forms_need_a_session_and_tools_need_no_csrf_token() {
        let tool = caller(Role::Admin, None);
        assert!(matches!(
            Admin::check(&tool, Proof::Form(""), Action::ChangeRiskRegister),
            Err(AdminError::NoSession)
        ));
        assert!(Admin::check(&tool, Proof::Header(None), Action::ReloadCatalog).is_ok());
        assert!(matches!(
            Admin::check(
                &caller(Role::Viewer, None),
                Proof::Header(None),
                Action::ReloadCatalog
            ),
            Err(AdminError::NotAllowed(_))
        ));
    }

    #[test]
    fn a_risk_needs_an_owner_a_mitigation_and_a_review_date_within_three_years() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let ok = checked_risk("Practice manager", "Isolated VLAN", "2027-01-31", today);
        assert_eq!(ok.unwrap().to_string(), "2027-01-31");
        for (owner, mitigation, date) in [
            ("", "Isolated VLAN", "2027-01-31"),
            (
                "Practice manager",
                &"x".repeat(MAX_RISK_TEXT + 1),
                "2027-01-31",
            ),
            ("Practice manager", "Isolated VLAN", "2026-11-30"),
            ("Practice manager", "Isolated VLAN", "2030-01-01"),
            ("Practice manager", "Isolated VLAN", "31/01/2027"),
        ] {
            assert!(
                matches!(
                    checked_risk(owner, mitigation, date, today),
                    Err(AdminError::Invalid(_))
                ),
                "{owner:?} {date}"
            );
        }
    }
}
