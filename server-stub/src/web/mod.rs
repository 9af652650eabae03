//! The dashboard: server-rendered HTML with maud (every interpolated string is escaped), no
//! JavaScript, no external assets, and a print stylesheet for audit evidence.
//!
//! Login creates a random session id; the browser gets it in a `Secure; HttpOnly; SameSite=Strict`
//! cookie and the database keeps only its hash. Every form carries the session's CSRF token; every
//! administrative form is checked by `admin::Admin::check` (CSRF, then role) and calls `admin`.
//!
//! Every page answers inside the caller's scope (their organisation subtree, narrowed by `?org=`);
//! a host outside it is "No such host.", as one that does not exist.
//!
//! One module per page or concern, each depending only on `page` and the ones listed before it:
//! - `page`: what every page shares — the layout, the error page, the stylesheet, status badges,
//!   links that keep a listing's filter.
//! - `format`: values as people read them — times with how long ago, sizes in GiB, yes/no,
//!   release labels' edition marks in words.
//! - `session`: the login form, login and logout.
//! - `risk`: how the risk register reads against a finding, and the register's page.
//! - `lists`: hosts, findings and products, with their filter form, sortable headers, pager and
//!   CSV exports.
//! - `audit`: the audit log (whole-estate users only), filtered, paged and exported as CSV.
//! - `trend`: an organisation's twelve-month trend chart and the trend's CSV export;
//!   `clones`: the clone flags' summary card and host-page notice;
//!   `summary`: the estate summary, with the trend and a link to the forecast; `forecast`: what
//!   loses support when, its chart, table and CSV.
//! - `triage`: software no catalogue rule matches, by hosts and organisations, its CSV and each
//!   row's overlay snippet.
//! - `inventory`: a stored inventory, rendered from the typed `Inventory`; `host`: one host's page.
//! - `evidence/`: the assurance evidence pack — pages, CSV sections and one zip, streamed — and
//!   which section answers which DSPT 2025-26 / CAF requirement.
//! - `actions`: the administrative forms (risk register edits, catalogue reload).

use axum::Router;

use crate::openapi::{self, Endpoint};
use crate::state::Shared;

mod actions;
mod audit;
mod clones;
mod evidence;
mod forecast;
mod format;
mod host;
mod inventory;
mod lists;
mod page;
mod risk;
mod session;
mod summary;
mod trend;
mod triage;

pub use risk::{RiskState, risk_state};

/// Dashboard routes.
pub fn routes() -> Router<Shared> {
    openapi::router(endpoints())
}

/// Every dashboard route, as a table (the router is built from it, and the scope test tries each
/// one as a user of another organisation). Not in the OpenAPI document: pages are for browsers.
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/", summary::summary_page),
        Endpoint::get("/static/style.css", page::style),
        Endpoint::get("/login", session::login_page),
        Endpoint::post("/login", session::login),
        Endpoint::post("/logout", session::logout),
        Endpoint::get("/hosts", lists::hosts_page),
        Endpoint::get("/hosts/{host_id}", host::host_page),
        Endpoint::post("/hosts/{host_id}/risks", actions::save_risk),
        Endpoint::post("/hosts/{host_id}/risks/delete", actions::delete_risk),
        Endpoint::post("/hosts/{host_id}/clones/dismiss", actions::dismiss_clones),
        Endpoint::get("/findings", lists::findings_page),
        Endpoint::get("/products", lists::products_page),
        Endpoint::get("/forecast", forecast::forecast_page),
        Endpoint::get("/triage", triage::triage_page),
        Endpoint::get("/triage/snippet.toml", triage::snippet_download),
        Endpoint::get("/risks", risk::risks_page),
        Endpoint::get("/audit", audit::audit_page),
        Endpoint::get("/evidence", evidence::evidence_page),
        Endpoint::get("/evidence.csv", evidence::items_csv),
        Endpoint::get("/evidence.zip", evidence::evidence_zip),
        Endpoint::get("/evidence/assets", evidence::assets_page),
        Endpoint::get("/evidence/assets.csv", evidence::assets_csv),
        Endpoint::get("/evidence/sites.csv", evidence::sites_csv),
        Endpoint::get("/evidence/products.csv", evidence::products_csv),
        Endpoint::get("/evidence/requirements.csv", evidence::requirements_csv),
        Endpoint::get("/exports/hosts.csv", lists::export_hosts),
        Endpoint::get("/exports/findings.csv", lists::export_findings),
        Endpoint::get("/exports/forecast.csv", forecast::export_forecast),
        Endpoint::get("/exports/audit.csv", audit::export_audit),
        Endpoint::get("/exports/trend.csv", trend::export_trend),
        Endpoint::get("/exports/triage.csv", triage::export_triage),
        Endpoint::post("/admin/catalog/reload", actions::reload_catalog),
    ]
}
