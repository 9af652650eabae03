//! The assurance evidence pack for the annual data-security return (DSPT): totals, and every
//! unsupported or extended item with its risk record and the source of its dates, as a printable
//! page and as CSV.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::html;
use serde::{Deserialize, Serialize};
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::Status;

use super::page::{cite, layout, page_error, status_badge, with_query};
use super::risk::{RiskState, risk_state};
use crate::api;
use crate::csv::CsvWriter;
use crate::filter::Filter;
use crate::http::{ApiError, PageCaller};
use crate::state::Shared;
use crate::store::{self, FindingListRow, Risk, Selection};

/// One item of the pack.
struct EvidenceRow {
    finding: FindingListRow,
    source: String,
    risk: Option<Risk>,
    risk_in_force: bool,
}

/// Every unsupported or extended finding in the selection with its date source and the risk
/// record that applies.
async fn evidence_rows(
    state: &Shared,
    selection: &Selection,
) -> Result<Vec<EvidenceRow>, ApiError> {
    let cutoff = state.stale_cutoff();
    let (rows, risks) = tokio::try_join!(
        store::evidence_findings(&state.db, selection, &cutoff),
        store::risks(&state.db, selection, &cutoff)
    )?;
    let today = state.today();
    rows.into_iter()
        .map(|(finding, detail)| {
            let detail = api::finding_detail(&detail)?;
            let (risk, in_force) = match risk_state(
                &risks,
                &finding.host_id,
                &finding.finding_key,
                finding.status,
                today,
            ) {
                RiskState::None => (None, false),
                RiskState::Accepted(r) => (Some(r.clone()), true),
                RiskState::Overdue(r) => (Some(r.clone()), false),
            };
            Ok(EvidenceRow {
                finding,
                source: cite(detail.date_source.as_ref()),
                risk,
                risk_in_force: in_force,
            })
        })
        .collect()
}

/// `GET /evidence`: the pack as a printable page, for the caller's organisations (or `?org=`'s).
pub(super) async fn evidence_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let today = state.today();
    let cutoff = state.stale_cutoff();
    let selection = match filter.selection(&state.db, &caller).await {
        Ok(selection) => selection,
        Err(e) => return page_error(e),
    };
    let (summary, rows) = match tokio::try_join!(
        async {
            store::summary(&state.db, &selection, &cutoff, today)
                .await
                .map_err(ApiError::from)
        },
        evidence_rows(&state, &selection)
    ) {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let catalog = state.catalog();
    let attribution = &catalog.catalog.meta().attribution;
    let body = html! {
        h1 { "Assurance evidence pack — " (today) }
        p { "Unsupported and extended-support systems found by Sunset across " (summary.hosts) " hosts, for the annual data-security return. "
            "Verdicts rest on catalogue " strong { (catalog.version()) } " (" (catalog.origin) ")." }
        @if !attribution.is_empty() { p.muted { "Date sources: " (attribution.join("; ")) } }
        p.noprint { a href=(with_query("/evidence.csv", &filter)) { "Download CSV" } }
        h2 { "Totals" }
        table { tbody {
            tr { th { "Hosts" } td.num { (summary.hosts) } }
            @for (status, n) in &summary.by_status { tr { th { "Hosts " (status.as_str()) } td.num { (n) } } }
            tr { th { "Hosts with unsupported OS" } td.num { (summary.hosts_unsupported_os) } }
            tr { th { "Hosts with unsupported software" } td.num { (summary.hosts_unsupported_software) } }
            tr { th { "Hosts with unsupported hardware" } td.num { (summary.hosts_unsupported_hardware) } }
            tr { th { "Hosts unsupported with no accepted risk" } td.num { (summary.unsupported.no_accepted_risk) } }
            tr { th { "Hosts unsupported with every unsupported item's risk accepted" } td.num { (summary.unsupported.risk_accepted) } }
            tr { th { "Hosts unsupported whose risk acceptance expired" } td.num { (summary.unsupported.acceptance_expired) } }
            tr { th { "Risks accepted and in force" } td.num { (summary.risks_accepted) } }
            tr { th { "Hosts not reporting for " (state.config.stale_days) " days" } td.num { (summary.stale_hosts) } }
        } }
        h2 { "Unsupported items (" (rows.len()) ")" }
        table {
            thead { tr { th { "Status" } th { "Part" } th { "Product" } th { "Release" } th { "Host" } th { "Site" }
                         th { "First seen in this status" } th { "Security support ended" } th { "Risk record" } th { "Date source" } } }
            tbody { @for r in &rows { tr {
                td { (status_badge(&r.finding.status)) }
                td { (r.finding.target.as_str()) }
                td { (r.finding.product_name) " — " (r.finding.subject) " " (r.finding.installed_version.clone().unwrap_or_default()) }
                td { (r.finding.cycle_label.clone().or_else(|| r.finding.cycle.clone()).unwrap_or_default()) }
                td { (r.finding.hostname) }
                td { (r.finding.site) }
                td { (r.finding.status_since) }
                td { (r.finding.security_support_end.clone().unwrap_or_default()) }
                td { @if let Some(risk) = &r.risk {
                        @if r.risk_in_force { "Accepted until " } @else { "ACCEPTANCE EXPIRED on " }
                        (risk.review_date) "; owner " (risk.owner) "; " (risk.mitigation)
                     } @else { "none" } }
                td { (r.source) }
            } } }
        }
    };
    layout("Evidence pack", &caller, &state, body).into_response()
}

/// One line of the evidence pack's CSV (its fields are the columns).
#[derive(Serialize, Deserialize)]
struct EvidenceCsvRow<'a> {
    report_date: &'a str,
    catalog_version: &'a str,
    status: Status,
    target: Target,
    product: &'a str,
    subject: &'a str,
    installed_version: &'a str,
    release: &'a str,
    hostname: &'a str,
    site: &'a str,
    first_seen_in_status: &'a str,
    security_support_end: &'a str,
    extended_support_end: &'a str,
    risk_state: &'a str,
    risk_owner: &'a str,
    risk_mitigation: &'a str,
    risk_review_date: Option<NaiveDate>,
    date_source: &'a str,
}

/// `GET /evidence.csv`: the pack's items, one line each.
pub(super) async fn evidence_csv(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let selection = match filter.selection(&state.db, &caller).await {
        Ok(selection) => selection,
        Err(e) => return page_error(e),
    };
    let rows = match evidence_rows(&state, &selection).await {
        Ok(r) => r,
        Err(e) => return page_error(e),
    };
    let catalog = state.catalog();
    let today = state.today().to_string();
    let mut w = CsvWriter::for_rows::<EvidenceCsvRow>();
    for r in &rows {
        let f = &r.finding;
        let risk = r.risk.as_ref();
        let row = EvidenceCsvRow {
            report_date: &today,
            catalog_version: catalog.version(),
            status: f.status,
            target: f.target,
            product: &f.product_name,
            subject: &f.subject,
            installed_version: f.installed_version.as_deref().unwrap_or(""),
            release: f
                .cycle_label
                .as_deref()
                .or(f.cycle.as_deref())
                .unwrap_or(""),
            hostname: &f.hostname,
            site: &f.site,
            first_seen_in_status: &f.status_since,
            security_support_end: f.security_support_end.as_deref().unwrap_or(""),
            extended_support_end: f.extended_support_end.as_deref().unwrap_or(""),
            risk_state: match (risk, r.risk_in_force) {
                (None, _) => "none",
                (Some(_), true) => "accepted",
                (Some(_), false) => "overdue",
            },
            risk_owner: risk.map_or("", |x| x.owner.as_str()),
            risk_mitigation: risk.map_or("", |x| x.mitigation.as_str()),
            risk_review_date: risk.map(|x| x.review_date),
            date_source: &r.source,
        };
        if let Err(e) = w.serialize(&row) {
            return page_error(ApiError::internal(e));
        }
    }
    api::csv_response(&format!("sunset-evidence-{today}.csv"), w.finish())
}
