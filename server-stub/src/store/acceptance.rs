//! When an accepted risk covers a finding, and the unsupported hosts split by it for the summary's
//! headline: "unsupported — no accepted risk", "risk accepted (until …)", "acceptance expired".
//!
//! The rules are written here once. [`risk_state`] is the **authoritative** definition: the pages
//! apply it to one host's or one listing's findings in Rust. The summary cannot: at 100,000 hosts
//! it must answer in SQL over the roll-up without reading findings and risks into memory, so
//! [`acceptance_by_site`] restates the same rules as SQL, next to them so a change to one is seen
//! to need the other, and `tests/it/headline.rs` (`the_headline_agrees_with_risk_state`) computes
//! the split both ways over one estate and requires them to agree.
//!
//! The rules: a finding that is `supported` has no risk state; otherwise the record that applies
//! is the finding's own (same host, same `finding_key`), else the host's (empty `finding_key`); it
//! is in force while its review date is today or later ([`Risk::in_force`]), and once that has
//! passed the finding counts as its status again.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{Any, Executor, FromRow};
use sunset_catalog::evaluate::Status;

use super::Result;
use super::risks::Risk;
use super::selection::Selection;
use super::sql::{Builder, Statement};

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

impl Risk {
    /// Whether the acceptance still holds on `today`: its review date is inclusive.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        self.review_date >= today
    }
}

/// The risk record that applies to a finding (its own, else the host's) and whether it is in force.
/// The one definition; the summary's SQL ([`acceptance_by_site`]) restates it.
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
        Some(r) if r.in_force(today) => RiskState::Accepted(r),
        Some(r) => RiskState::Overdue(r),
    }
}

/// Unsupported hosts (worst status `unsupported`) split by the risk register.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UnsupportedHosts {
    /// Hosts with at least one unsupported finding that no risk in force covers (those whose
    /// acceptance expired included): what is really exposed.
    pub no_accepted_risk: i64,
    /// Hosts every unsupported finding of which a risk in force covers.
    pub risk_accepted: i64,
    /// The earliest review date of those acceptances: when the first of them is due again.
    pub risk_accepted_until: Option<NaiveDate>,
    /// Of `no_accepted_risk`, hosts with an unsupported finding whose acceptance expired (its
    /// record's review date has passed).
    pub acceptance_expired: i64,
    /// The earliest review date that has passed among them.
    pub acceptance_expired_on: Option<NaiveDate>,
}

/// The earlier of two optional dates.
fn earliest(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl UnsupportedHosts {
    /// Adds `other`'s hosts (a site's to its organisation's, each site's to the total).
    pub fn add(&mut self, other: &UnsupportedHosts) {
        self.no_accepted_risk += other.no_accepted_risk;
        self.risk_accepted += other.risk_accepted;
        self.risk_accepted_until = earliest(self.risk_accepted_until, other.risk_accepted_until);
        self.acceptance_expired += other.acceptance_expired;
        self.acceptance_expired_on =
            earliest(self.acceptance_expired_on, other.acceptance_expired_on);
    }
}

/// One site's unsupported hosts that have a risk record, by how the records cover them.
#[derive(FromRow)]
pub(super) struct SiteAcceptance {
    site: String,
    accepted_n: i64,
    #[sqlx(try_from = "super::NullableDateText")]
    accepted_until: Option<NaiveDate>,
    expired_n: i64,
    #[sqlx(try_from = "super::NullableDateText")]
    expired_on: Option<NaiveDate>,
}

impl UnsupportedHosts {
    /// A site's `unsupported` hosts (from the roll-up), split by what its risk records cover.
    pub(super) fn split(unsupported: i64, acceptance: Option<&SiteAcceptance>) -> UnsupportedHosts {
        let Some(a) = acceptance else {
            return UnsupportedHosts {
                no_accepted_risk: unsupported,
                ..UnsupportedHosts::default()
            };
        };
        UnsupportedHosts {
            no_accepted_risk: unsupported - a.accepted_n,
            risk_accepted: a.accepted_n,
            risk_accepted_until: a.accepted_until,
            acceptance_expired: a.expired_n,
            acceptance_expired_on: a.expired_on,
        }
    }
}

/// Pushes, per host with a risk record (and worst status unsupported): `total`, its unsupported
/// findings (the roll-up's `unsupported_count`, written with them); `host_review`, its host
/// record's review date; and of its unsupported findings that have their own record, how many
/// (`own_n`), how many of those are in force (`own_held`), the earliest review date in force
/// (`own_first`) and the earliest passed (`own_expired`). Each finding record costs one
/// primary-key lookup of its finding, whose status must still be unsupported; no other finding is
/// read. Left open for the selection's clauses and the `GROUP BY`.
fn push_per_host(sql: &mut Builder, today: &str) {
    let held = "f.finding_key IS NOT NULL AND rf.review_date";
    sql.push(format!(
        "SELECT s.name AS site, h.host_id AS host_id, h.unsupported_count AS total, \
         rh.review_date AS host_review, COUNT(f.finding_key) AS own_n, \
         SUM(CASE WHEN {held} >= "
    ))
    .push_bind(today.to_string())
    .push(format!(
        " THEN 1 ELSE 0 END) AS own_held, MIN(CASE WHEN {held} >= "
    ))
    .push_bind(today.to_string())
    .push(format!(
        " THEN rf.review_date END) AS own_first, MIN(CASE WHEN {held} < "
    ))
    .push_bind(today.to_string())
    .push(
        " THEN rf.review_date END) AS own_expired \
         FROM (SELECT DISTINCT rk.host_id FROM risks rk) rk CROSS JOIN hosts h \
         JOIN sites s ON s.id = h.site_id \
         LEFT JOIN risks rh ON rh.host_id = h.host_id AND rh.finding_key = '' \
         LEFT JOIN risks rf ON rf.host_id = h.host_id AND rf.finding_key <> '' \
         LEFT JOIN findings f ON f.host_id = rf.host_id AND f.finding_key = rf.finding_key \
         AND f.status = ",
    )
    .push_bind(Status::Unsupported.as_str())
    .push(" WHERE h.host_id = rk.host_id AND h.status = ")
    .push_bind(Status::Unsupported.as_str());
}

/// Pushes [`risk_state`] over [`push_per_host`]'s counts (`y`), per host. A finding's own record
/// wins, so the `own_n` findings with one are covered exactly when it is in force (`own_held` of
/// them), and the `total - own_n` others fall to the host record. So a host is `accepted` when
/// all its own records hold and, if any finding is left to the host record, that holds too; it is
/// `expired` when an own record has passed, or the host record has and some finding fell to it
/// (the two exclude each other). `first_review` (of an accepted host: the earliest review date of
/// the records covering it) and `first_expired` count the host record's date only when it governs
/// a finding.
fn push_per_host_state(sql: &mut Builder, today: &str) {
    sql.push(
        "SELECT y.site AS site, CASE WHEN y.own_held = y.own_n \
         AND (y.total = y.own_n OR y.host_review >= ",
    )
    .push_bind(today.to_string())
    .push(
        ") THEN 1 ELSE 0 END AS accepted, \
         CASE WHEN y.total = y.own_n OR y.own_first < y.host_review THEN y.own_first \
         ELSE y.host_review END AS first_review, \
         CASE WHEN y.own_held < y.own_n OR (y.total > y.own_n AND y.host_review < ",
    )
    .push_bind(today.to_string())
    .push(") THEN 1 ELSE 0 END AS expired, CASE WHEN y.total > y.own_n AND y.host_review < ")
    .push_bind(today.to_string())
    .push(
        " AND (y.own_expired IS NULL OR y.host_review < y.own_expired) THEN y.host_review \
         ELSE y.own_expired END AS first_expired FROM (",
    );
}

/// By site, how the risk register covers the unsupported hosts of a selection that have a record.
/// Only hosts with a record can be anything but "no accepted risk", so the query starts from the
/// register (hundreds of rows, not the estate's hosts) and reads the findings its records name;
/// [`UnsupportedHosts::split`] takes the rest from the roll-up's counts.
///
/// `CROSS JOIN` keeps that order on SQLite, which otherwise (no statistics) led with the
/// `findings_status` index: every unsupported finding of the estate (466,666 rows at 100,000
/// hosts) instead of a primary-key lookup per record. PostgreSQL plans a `CROSS JOIN` with its
/// `WHERE` like any inner join, from its statistics.
///
/// `executor` is the pool (the summary) or a read snapshot (the evidence pack's totals by site,
/// which carry the same split so the pack and the summary give one answer).
pub(super) async fn acceptance_by_site<'c>(
    executor: impl Executor<'c, Database = Any>,
    selection: &Selection,
    stale_cutoff: &str,
    today: NaiveDate,
) -> Result<HashMap<String, SiteAcceptance>> {
    let today = today.to_string();
    let mut sql = Builder::new(
        "SELECT x.site AS site, CAST(SUM(x.accepted) AS BIGINT) AS accepted_n, \
         MIN(CASE WHEN x.accepted = 1 THEN x.first_review END) AS accepted_until, \
         CAST(SUM(x.expired) AS BIGINT) AS expired_n, MIN(x.first_expired) AS expired_on FROM (",
    );
    push_per_host_state(&mut sql, &today);
    push_per_host(&mut sql, &today);
    selection.push_host_clauses(&mut sql, stale_cutoff);
    sql.push(
        " GROUP BY s.name, h.host_id, h.unsupported_count, rh.review_date) y) x GROUP BY x.site",
    );
    let rows: Vec<SiteAcceptance> = Statement::new(sql).fetch_all(executor).await?;
    Ok(rows.into_iter().map(|r| (r.site.clone(), r)).collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn risk(finding_key: &str, review_date: &str) -> Risk {
        Risk {
            id: "r".into(),
            host_id: "h".into(),
            finding_key: finding_key.into(),
            owner: "Practice manager".into(),
            mitigation: "Isolated VLAN".into(),
            review_date: date(review_date),
            updated_by: "alice".into(),
            updated_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn accepted_risk_reverts_to_unsupported_after_its_review_date() {
        let today = date("2026-11-25");
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
        let today = date("2026-11-25");
        let risks = [risk("", "2026-01-01"), risk("k", "2027-01-01")];
        match risk_state(&risks, "h", "k", Status::Unsupported, today) {
            RiskState::Accepted(r) => assert_eq!(r.review_date, date("2027-01-01")),
            other => panic!("{other:?}"),
        }
        // … even when the finding's own has expired and the host's is in force.
        let risks = [risk("", "2027-01-01"), risk("k", "2026-01-01")];
        assert!(matches!(
            risk_state(&risks, "h", "k", Status::Unsupported, today),
            RiskState::Overdue(_)
        ));
    }

    #[test]
    fn splits_add_up_keeping_the_earliest_dates() {
        let mut total = UnsupportedHosts {
            no_accepted_risk: 2,
            risk_accepted: 1,
            risk_accepted_until: Some(date("2027-03-01")),
            acceptance_expired: 0,
            acceptance_expired_on: None,
        };
        total.add(&UnsupportedHosts {
            no_accepted_risk: 1,
            risk_accepted: 2,
            risk_accepted_until: Some(date("2027-02-01")),
            acceptance_expired: 1,
            acceptance_expired_on: Some(date("2026-10-01")),
        });
        assert_eq!(
            total,
            UnsupportedHosts {
                no_accepted_risk: 3,
                risk_accepted: 3,
                risk_accepted_until: Some(date("2027-02-01")),
                acceptance_expired: 1,
                acceptance_expired_on: Some(date("2026-10-01")),
            }
        );
    }
}
