//! The risk register as the pages read it: how a finding's status shows with the record that
//! applies (the rules themselves are `store::risk_state`, the one definition the summary's SQL
//! restates), and the register's own page, filtered by owner and review date.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};

use super::page::{PAGE, layout, page_error, pager_by, status_badge, with_query};
use crate::filter::{DUE_DAYS_DEFAULT, Filter, RiskQuery};
use crate::http::{ApiError, PageCaller};
use crate::state::Shared;
use crate::store::{self, FindingListRow, RegisterRow, Risk};
pub use crate::store::{RiskState, risk_state};

/// A finding's status cell: its badge, or the risk accepted for it (or its badge and the
/// acceptance that expired).
pub(super) fn finding_status(risks: &[Risk], f: &FindingListRow, today: NaiveDate) -> Markup {
    match risk_state(risks, &f.host_id, &f.finding_key, f.status, today) {
        RiskState::None => status_badge(&f.status),
        RiskState::Accepted(r) => html! {
            span.status.status-accepted { "risk accepted until " (r.review_date) }
            br; span.muted { (f.status.as_str()) }
        },
        RiskState::Overdue(r) => html! {
            (status_badge(&f.status)) br;
            span.error { "acceptance expired on " (r.review_date) }
        },
    }
}

/// What a register record is about: the whole host, or its finding's product and release (never
/// the internal finding key).
fn applies_to(row: &RegisterRow) -> Markup {
    if row.risk.finding_key.is_empty() {
        return html! { "whole host" };
    }
    match &row.product {
        Some(product) => html! {
            (product) @if let Some(release) = &row.release { " — " (release) }
            @if let Some(subject) = &row.subject { br; span.muted { (subject) } }
        },
        None => html! { span.muted { "a finding the host no longer reports" } },
    }
}

/// A record's state on `today`: accepted until its review date, or expired on it.
fn record_state(risk: &Risk, today: NaiveDate) -> Markup {
    if risk.in_force(today) {
        html! { span.status.status-accepted { "accepted until " (risk.review_date) } }
    } else {
        html! { span.error { "acceptance expired on " (risk.review_date) } }
    }
}

/// The register's filter form: organisation (when the caller has more than one), owner, and
/// review date.
fn register_form(
    filter: &Filter,
    query: &RiskQuery,
    orgs: &[(usize, store::Organisation)],
) -> Markup {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    let review = query.review.as_deref().unwrap_or("");
    html! {
        form.filters method="get" action="/risks" {
            @if orgs.len() > 1 {
                label { "Organisation" select name="org" {
                    @for (depth, org) in orgs {
                        option value=(if *depth == 0 { "" } else { org.id.as_str() })
                            selected[*depth > 0 && filter.org.as_deref() == Some(org.id.as_str())] {
                            (" ".repeat(depth * 2)) (org.label())
                        }
                    }
                } }
            }
            label { "Owner" input type="search" name="owner" value=(v(&query.owner)) size="16"; }
            label { "Review" select name="review" {
                option value="" { "Any review date" }
                option value="overdue" selected[review == "overdue"] { "Overdue (acceptance expired)" }
                option value="due" selected[review == "due"] { "Due within the days given" }
                option value="before" selected[review == "before"] { "Before the date given" }
            } }
            label { "Days" input type="number" name="days" min="0" value=(query.days.clone().unwrap_or_else(|| DUE_DAYS_DEFAULT.to_string())) size="4"; }
            label { "Date" input type="date" name="date" value=(v(&query.date)); }
            button.primary type="submit" { "Filter" }
        }
    }
}

/// `GET /risks`: the records of the caller's hosts (or `?org=`'s), in force or expired, each with
/// its host, site, organisation and the product and release it covers; filtered by owner and
/// review date; a page at a time.
pub(super) async fn risks_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
    Query(query): Query<RiskQuery>,
) -> Response {
    let today = state.today();
    let (limit, offset) = match filter.page(PAGE, PAGE) {
        Ok(page) => page,
        Err(e) => return page_error(e),
    };
    let (selection, risk_filter) = match filter.selection(&state.db, &caller).await {
        Ok(selection) => match query.risk_filter() {
            Ok(risk_filter) => (selection, risk_filter),
            Err(e) => return page_error(e),
        },
        Err(e) => return page_error(e),
    };
    let cutoff = state.stale_cutoff();
    let (rows, orgs) = match tokio::try_join!(
        store::risk_register(&state.db, &selection, &cutoff, &risk_filter, today),
        store::org_outline(&state.db, &caller.user.scope),
    ) {
        Ok(x) => x,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    // The register is read whole (the summary counts it, the findings pages apply all of it); a
    // page shows a slice, its links keep the register's own filters as well as the listing's.
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let shown = usize::try_from(offset)
        .ok()
        .and_then(|o| rows.get(o..))
        .unwrap_or_default();
    let shown = &shown[..shown.len().min(usize::try_from(limit).unwrap_or(0))];
    let register = serde_urlencoded::to_string(&query).unwrap_or_default();
    let link = |offset| {
        let page = with_query(
            "/risks",
            &Filter {
                offset: Some(offset),
                ..filter.clone()
            },
        );
        if register.is_empty() {
            page
        } else {
            format!("{page}&{register}")
        }
    };
    let pager = pager_by(total, limit, offset, link);
    let body = html! {
        h1 { "Risk register" }
        p.muted { "An accepted risk shows as “risk accepted until” its review date; after it, the acceptance has expired and the host counts as unsupported again." }
        (register_form(&filter, &query, &orgs))
        p { (rows.len()) " record" @if rows.len() != 1 { "s" } }
        (pager)
        div.table-wrap { table {
            thead { tr { th { "Host" } th { "Site" } th { "Organisation" } th { "Applies to" } th { "Owner" } th { "Mitigation" }
                         th { "Review date" } th { "State" } th { "Recorded" } } }
            tbody { @for r in shown { tr {
                td { a href=(format!("/hosts/{}", r.risk.host_id)) {
                    (r.hostname.clone().unwrap_or_else(|| r.risk.host_id.clone())) } }
                td { (r.site.clone().unwrap_or_default()) }
                td { (r.organisation.clone().unwrap_or_default())
                     @if let Some(code) = &r.organisation_ods_code { " [" (code) "]" } }
                td { (applies_to(r)) @if let Some(status) = &r.finding_status { br; (status_badge(status)) } }
                td { (r.risk.owner) } td { (r.risk.mitigation) } td { (r.risk.review_date) }
                td { (record_state(&r.risk, today)) }
                td { (r.risk.updated_by) " " (r.risk.updated_at) }
            } } }
        } }
        (pager)
    };
    layout("Risk register", &caller, &state, body).into_response()
}
