//! The risk register as the pages read it: which record applies to a finding and whether it is
//! still in force, how a finding's status shows with it, and the register's own page.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use sunset_catalog::evaluate::Status;

use super::page::{PAGE, layout, page_error, pager, status_badge};
use crate::filter::Filter;
use crate::http::{ApiError, PageCaller};
use crate::state::Shared;
use crate::store::{self, FindingListRow, Risk};

/// How a finding reads once the risk register is taken into account.
#[derive(Debug, PartialEq, Eq)]
pub enum RiskState<'a> {
    /// No risk record applies.
    None,
    /// Accepted until the review date (inclusive).
    Accepted(&'a Risk),
    /// The review date has passed: the finding counts as its status again.
    Overdue(&'a Risk),
}

/// The risk record that applies to a finding (its own, else the host's) and whether it is in force.
pub fn risk_state<'a>(
    risks: &'a [Risk],
    host_id: &str,
    finding_key: &str,
    status: Status,
    today: NaiveDate,
) -> RiskState<'a> {
    if status == Status::Supported {
        return RiskState::None;
    }
    let risk = risks
        .iter()
        .find(|r| r.host_id == host_id && r.finding_key == finding_key)
        .or_else(|| {
            risks
                .iter()
                .find(|r| r.host_id == host_id && r.finding_key.is_empty())
        });
    match risk {
        None => RiskState::None,
        Some(r) if r.review_date.as_str() >= today.to_string().as_str() => RiskState::Accepted(r),
        Some(r) => RiskState::Overdue(r),
    }
}

/// A finding's status cell: its badge, or the risk accepted for it (or overdue).
pub(super) fn finding_status(risks: &[Risk], f: &FindingListRow, today: NaiveDate) -> Markup {
    match risk_state(risks, &f.host_id, &f.finding_key, f.status, today) {
        RiskState::None => status_badge(&f.status),
        RiskState::Accepted(r) => html! {
            span.status.status-accepted { "risk accepted until " (r.review_date) }
            br; span.muted { (f.status.as_str()) }
        },
        RiskState::Overdue(r) => html! {
            (status_badge(&f.status)) br;
            span.error { "risk review overdue since " (r.review_date) }
        },
    }
}

/// `GET /risks`: the records of the caller's hosts (or `?org=`'s), in force or overdue, a page at
/// a time.
pub(super) async fn risks_page(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    Query(filter): Query<Filter>,
) -> Response {
    let selection = match filter.page(PAGE, PAGE) {
        Ok(page) => filter
            .selection(&state.db, &caller)
            .await
            .map(|s| (page, s)),
        Err(e) => Err(e),
    };
    let ((limit, offset), selection) = match selection {
        Ok(x) => x,
        Err(e) => return page_error(e),
    };
    let risks = match store::risks(&state.db, &selection, &state.stale_cutoff()).await {
        Ok(r) => r,
        Err(e) => return page_error(ApiError::internal(e)),
    };
    let today = state.today().to_string();
    // The register is read whole (the findings pages need all of it too); the page shows a slice.
    let total = i64::try_from(risks.len()).unwrap_or(i64::MAX);
    let shown = usize::try_from(offset)
        .ok()
        .and_then(|o| risks.get(o..))
        .unwrap_or_default();
    let shown = &shown[..shown.len().min(usize::try_from(limit).unwrap_or(0))];
    let body = html! {
        h1 { "Risk register" }
        p.muted { "Accepted risks stay visible as “risk accepted until” their review date, then count as unsupported again." }
        (pager("/risks", &filter, total, limit, offset))
        div.table-wrap { table {
            thead { tr { th { "Host" } th { "Applies to" } th { "Owner" } th { "Mitigation" } th { "Review date" } th { "State" } th { "Recorded" } } }
            tbody { @for r in shown { tr {
                td { a href=(format!("/hosts/{}", r.host_id)) { (r.host_id) } }
                td { @if r.finding_key.is_empty() { "whole host" } @else { (r.finding_key) } }
                td { (r.owner) } td { (r.mitigation) } td { (r.review_date) }
                td { @if r.review_date >= today { span.status.status-accepted { "accepted" } } @else { span.error { "review overdue" } } }
                td { (r.updated_by) " " (r.updated_at) }
            } } }
        } }
        (pager("/risks", &filter, total, limit, offset))
    };
    layout("Risk register", &caller, &state, body).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn risk(finding_key: &str, review_date: &str) -> Risk {
        Risk {
            id: "r".into(),
            host_id: "h".into(),
            finding_key: finding_key.into(),
            owner: "Practice manager".into(),
            mitigation: "Isolated VLAN".into(),
            review_date: review_date.into(),
            updated_by: "alice".into(),
            updated_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn accepted_risk_reverts_to_unsupported_after_its_review_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let risks = [risk("", "2026-11-25")];
        assert!(matches!(
            risk_state(&risks, "h", "os|windows|x", Status::Unsupported, today),
            RiskState::Accepted(_)
        ));
        let tomorrow = today.succ_opt().unwrap();
        assert!(matches!(
            risk_state(&risks, "h", "os|windows|x", Status::Unsupported, tomorrow),
            RiskState::Overdue(_)
        ));
        assert_eq!(
            risk_state(&risks, "h", "k", Status::Supported, today),
            RiskState::None
        );
        assert_eq!(
            risk_state(&risks, "other", "k", Status::Unsupported, today),
            RiskState::None
        );
    }

    #[test]
    fn a_finding_risk_wins_over_the_host_risk() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let risks = [risk("", "2026-01-01"), risk("k", "2027-01-01")];
        match risk_state(&risks, "h", "k", Status::Unsupported, today) {
            RiskState::Accepted(r) => assert_eq!(r.review_date, "2027-01-01"),
            other => panic!("{other:?}"),
        }
    }
}
