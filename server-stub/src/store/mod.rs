//! Everything the collector reads from and writes to its database, one file per concern:
//!
//! - `orgs`: the organisation tree sites hang from and users are granted roles on;
//! - `sites`, `site_tokens`, `users`, `tokens`: who may report and who may look (sites, their
//!   enrolment tokens, users and sessions, API tokens);
//! - `ingest`: storing a report (host, findings, history) and retention;
//! - `identity`: each report's hardware identity, re-imaged hosts merged and clones flagged at
//!   ingest, and the flags as pages show them; `clone_review`: flags an admin dismissed after review;
//! - `inventory`: the stored inventory and how it is read back;
//! - `selection`, `sort`, `queries`, `estate`, `forecast`, `evidence`: the read side (listings,
//!   their order, the host page, the estate summary, what loses support when, the evidence pack
//!   read from one snapshot and streamed), every query inside a caller's `Scope`;
//! - `trend`: the daily snapshot of hosts by organisation, part and status, and its read side;
//! - `risks`, `audit`: the risk register and the audit log; `acceptance`: when a risk record
//!   covers a finding (the one definition) and the summary's split of unsupported hosts by it;
//! - `meta`: collector-wide values (the catalogue the verdicts rest on).
//!
//! Queries are written once for both back ends with bound `$n` parameters. Where a filter adds a
//! clause, the clause text comes from this module and only the value comes from the request. Writes
//! that belong together (a report, its findings and the host's history) share one transaction.

use chrono::{DateTime, Utc};

mod acceptance;
mod audit;
mod clone_review;
mod column;
pub(crate) use column::{ByName, DateText, NullableByName, NullableDateText};
mod estate;
mod evidence;
mod forecast;
mod identity;
mod ingest;
mod inventory;
mod meta;
mod orgs;
mod queries;
mod risks;
mod selection;
mod site_tokens;
mod sites;
mod sort;
mod sql;
pub mod tokens;
mod trend;
mod triage;
mod users;
mod verdicts;

pub use acceptance::{RiskState, UnsupportedHosts, risk_state};
pub(crate) use audit::audit_on;
pub use audit::{
    AuditEntry, AuditFilter, AuditRow, audit_actions, audit_entries, audit_event, audit_log,
    is_action_name,
};
pub use clone_review::{CloneDismissal, clone_dismissal, dismiss_clone_flags};
pub use estate::{SiteSummary, Summary, summary};
pub use evidence::{
    AssetFacts, AssetRow, ITEM_STATUSES, ItemKey, ItemRow, PackReader, ProductInstalls, SiteHosts,
};
pub use forecast::{
    ENDING_NEXT_MONTHS, EndingRelease, FORECAST_MONTHS, Forecast, ForecastRow, Release,
    ReleaseForecast, SiteCount, forecast,
};
pub use identity::{CloneOf, Clones, MachineSeen, TWO_MACHINES, clone_count, clones_of};
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
pub use risks::{
    RegisterRow, ReviewWindow, Risk, RiskFilter, delete_risk, risk_register, risks, risks_for_host,
    save_risk,
};
pub use selection::{ROOT_ORG_ID, Scope, Selection};
pub use site_tokens::{
    LAST_USED_RESOLUTION, SiteCredential, SiteToken, TokenRefusal, TokenState, check_site_token,
    list_site_tokens,
};
pub use sites::{
    Rotated, Site, SiteError, add_site, enrol_site, list_sites, move_site, revoke_site,
    revoke_site_token, rotate_site_token,
};
pub use sort::{
    Direction, FindingSort, HostSort, ProductSort, Sort, SortKey, TriageSort, sort_key,
};
pub use trend::{
    KEEP_MONTHS as TREND_KEEP_MONTHS, Part, SnapshotReport, StatusMix, Trend, TrendRow, record_day,
    snapshot_taken, status_mix, take_snapshot, trend,
};
pub use triage::{
    TOP_VERSIONS, TriageCsvRow, TriageFilter, TriagePage, TriageRow, VersionCount, triage,
    triage_entry,
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
