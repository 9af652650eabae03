//! Everything the collector reads from and writes to its database, one file per concern:
//!
//! - `orgs`: the organisation tree sites hang from and users are granted roles on;
//! - `sites`, `users`, `tokens`: who may report and who may look (sites and their tokens, users
//!   and sessions, API tokens);
//! - `ingest`: storing a report (host, findings, history) and retention;
//! - `inventory`: the stored inventory and how it is read back;
//! - `selection`, `queries`, `estate`, `forecast`: the read side (listings, the host page, the
//!   estate summary, what loses support when), every query inside a caller's `Scope`;
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
mod forecast;
mod ingest;
mod inventory;
mod meta;
mod orgs;
mod queries;
mod risks;
mod selection;
mod sites;
mod sql;
pub mod tokens;
mod users;
mod verdicts;

pub(crate) use audit::audit_on;
pub use audit::{AuditEntry, audit_event, audit_log};
pub use estate::{SiteSummary, Summary, summary};
pub use forecast::{
    ENDING_NEXT_MONTHS, EndingRelease, FORECAST_MONTHS, Forecast, ForecastRow, Release,
    ReleaseForecast, SiteCount, forecast,
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
    FindingListRow, HostDetail, HostRow, ProductRow, StatusChange, evidence_findings, findings,
    host, host_status_counts, hosts, products, report_exists,
};
pub use risks::{Risk, delete_risk, risks, risks_for_host, save_risk};
pub use selection::{ROOT_ORG_ID, Scope, Selection};
pub use sites::{Site, SiteError, add_site, list_sites, move_site, revoke_site, site_for_token};
pub use users::{
    Session, User, create_session, delete_session, session, upsert_user, user_by_name,
};
pub use verdicts::{Reevaluated, store_reevaluated};

/// A database failure; callers log it and answer 500 or exit.
pub type Result<T> = std::result::Result<T, sqlx::Error>;

/// Formats an instant as stored: RFC 3339, UTC, whole seconds.
pub fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
