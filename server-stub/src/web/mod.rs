//! The dashboard: server-rendered HTML with maud (every interpolated string is escaped), no
//! JavaScript, no external assets, and a print stylesheet for audit evidence.
//!
//! Login creates a random session id; the browser gets it in a `Secure; HttpOnly; SameSite=Strict`
//! cookie and the database keeps only its hash. Every form carries the session's CSRF token; every
//! administrative form is checked by `admin::Admin::check` (CSRF, then role) and calls `admin`.
//!
//! One module per page or concern, each depending only on `page` and the ones listed before it:
//! - `page`: what every page shares — the layout, the error page, the stylesheet, status badges,
//!   links that keep a listing's filter.
//! - `session`: the login form, login and logout.
//! - `risk`: how the risk register reads against a finding, and the register's page.
//! - `lists`: hosts, findings, products and the audit log, with their filter form, pager and CSV
//!   exports.
//! - `summary`: the estate summary and its forecast chart.
//! - `inventory`: a stored inventory, rendered from the typed `Inventory`; `host`: one host's page.
//! - `evidence`: the assurance evidence pack, as a page and as CSV.
//! - `actions`: the administrative forms (risk register edits, catalogue reload).

use axum::Router;
use axum::routing::{get, post};

use crate::state::Shared;

mod actions;
mod evidence;
mod host;
mod inventory;
mod lists;
mod page;
mod risk;
mod session;
mod summary;

pub use risk::{RiskState, risk_state};

/// Dashboard routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(summary::summary_page))
        .route("/static/style.css", get(page::style))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/hosts", get(lists::hosts_page))
        .route("/hosts/{host_id}", get(host::host_page))
        .route("/hosts/{host_id}/risks", post(actions::save_risk))
        .route("/hosts/{host_id}/risks/delete", post(actions::delete_risk))
        .route("/findings", get(lists::findings_page))
        .route("/products", get(lists::products_page))
        .route("/risks", get(risk::risks_page))
        .route("/audit", get(lists::audit_page))
        .route("/evidence", get(evidence::evidence_page))
        .route("/evidence.csv", get(evidence::evidence_csv))
        .route("/exports/hosts.csv", get(lists::export_hosts))
        .route("/exports/findings.csv", get(lists::export_findings))
        .route("/admin/catalog/reload", post(actions::reload_catalog))
}
