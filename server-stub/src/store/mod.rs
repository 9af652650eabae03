//! Everything the collector reads from and writes to its database, one file per concern:
//!
//! - `orgs`: the organisation tree sites hang from and users are granted roles on;
//! - `sites`, `site_tokens`, `users`, `tokens`: who may report and who may look (sites, their
//!   enrolment tokens, users and sessions, API tokens);
//! - `ingest`: storing a report (host, findings, history) and retention;
//! - `inventory`: the stored inventory and how it is read back;
//! - `selection`, `queries`, `estate`, `evidence`: the read side (listings, the host page, the
//!   estate summary, the evidence pack read from one snapshot and streamed), every query inside a
//!   caller's `Scope`;
//! - `risks`, `audit`: the risk register and the audit log;
//! - `meta`: collector-wide values (the catalogue the verdicts rest on).
//!
//! Queries are written once for both back ends with bound `$n` parameters. Where a filter adds a
//! clause, the clause text comes from this module and only the value comes from the request. Writes
//! that belong together (a report, its findings and the host's history) share one transaction.

use chrono::{DateTime, Utc};

mod audit;
mod column;
pub(crate) use column::{ByName, NullableByName};
mod estate;
mod evidence;
mod ingest;
mod inventory;
mod meta;
mod orgs;
mod queries;
mod risks;
mod selection;
mod site_tokens;
mod sites;
mod sql;
pub mod tokens;
mod users;
mod verdicts;

pub(crate) use audit::audit_on;
pub use audit::{
    AuditEntry, AuditFilter, AuditRow, audit_actions, audit_entries, audit_event, audit_log,
    is_action_name,
};
pub use estate::{SiteSummary, Summary, summary};
pub use evidence::{
    AssetFacts, AssetRow, ITEM_STATUSES, ItemKey, ItemRow, PackReader, ProductInstalls, SiteHosts,
};
pub use ingest::{HostFacts, IngestJob, IngestOutcome, ingest, ingest_batch, purge};
pub use inventory::{
    InventoryToJudge, MAX_STORED_INVENTORY_BYTES, StoredInventory, inventories_after,
};
pub use meta::{meta_get, meta_set};
pub use orgs::{
    NewOrg, OrgError, OrgNode, Organisation, add_org, find_org, import_orgs, org_outline, org_tree,
};
pub use queries::{
    FindingListRow, HostDetail, HostRow, ProductRow, StatusChange, findings, host,
    host_status_counts, hosts, products, report_exists,
};
pub use risks::{Risk, delete_risk, risks, risks_for_host, save_risk};
pub use selection::{ROOT_ORG_ID, Scope, Selection};
pub use site_tokens::{
    LAST_USED_RESOLUTION, SiteCredential, SiteToken, TokenRefusal, TokenState, check_site_token,
    list_site_tokens,
};
pub use sites::{
    Rotated, Site, SiteError, add_site, enrol_site, list_sites, move_site, revoke_site,
    revoke_site_token, rotate_site_token,
};
pub use users::{
    Removed, RoleChange, Session, User, UserError, UserRow, create_session, delete_session,
    list_users, remove_user, session, set_user_role, upsert_user, user_by_name,
};
pub use verdicts::{Reevaluated, store_reevaluated};

/// A database failure; callers log it and answer 500 or exit.
pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// Formats an instant as stored: RFC 3339, UTC, whole seconds.
pub fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
