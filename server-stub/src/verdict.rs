//! From one inventory to what the collector stores: findings as rows, and the host's roll-up.
//!
//! Pure glue over `sunset_catalog::evaluate`: the catalogue decides each finding; this module only
//! keys the findings, picks the host's worst status and the day it will next become unsupported,
//! and writes each finding as the JSON `detail` that [`stored_finding`] reads back.

use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use sunset_catalog::Catalog;
use sunset_catalog::catalog::{Layer, SupportEnd, Target};
use sunset_catalog::cover::{CoverCheck, DeclaredCover};
use sunset_catalog::evaluate::{Dates, Finding, Options, Status, evaluate_with};
use sunset_catalog::inventory::Inventory;

use crate::triage::{self, UnmatchedEntry};

/// Status of a host with no finding at all: nothing on it is in the catalogue, so it cannot be
/// vouched for.
pub const NO_FINDINGS_STATUS: Status = Status::Unknown;

/// One finding as stored: written from a verdict, read back (`FromRow`) to see what changed.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FindingRow {
    /// Stable key of the finding within its host (`software|python|python 3.8|3.8.10|x64`).
    #[sqlx(rename = "finding_key")]
    pub key: String,
    /// Which part of the inventory it judges.
    #[sqlx(try_from = "crate::store::ByName<Target>")]
    pub target: Target,
    /// Catalogue product kind.
    pub kind: String,
    /// Catalogue product id.
    pub product_id: String,
    /// Product display name.
    pub product_name: String,
    /// What it is on the machine.
    pub subject: String,
    /// Version as installed.
    pub installed_version: Option<String>,
    /// Release cycle.
    pub cycle: Option<String>,
    /// Release label.
    pub cycle_label: Option<String>,
    /// Status.
    #[sqlx(try_from = "crate::store::ByName<Status>")]
    pub status: Status,
    /// End of security support (`YYYY-MM-DD`, `ended`), when known.
    pub security_support_end: Option<String>,
    /// End of extended support for this host, when any: the window's end, or the last day of
    /// the cover found when that comes first (a Windows 10 ESU licence for year 2 ends
    /// 2027-10-13, not with the window in 2028). See [`extended_end`].
    pub extended_support_end: Option<String>,
    /// The whole finding as JSON (dates, evidence, advice).
    pub detail: String,
    /// Which catalogue layer decided it (also in `detail`; a column for lists and exports).
    #[sqlx(try_from = "crate::store::ByName<Layer>")]
    pub layer: Layer,
}

/// Reads a stored [`FindingRow::detail`] back: the [`Finding`] it was written from. Details that
/// collectors wrote before findings carried a checked `DateSource` (their `retrieved` date in TOML's
/// serde form, `{"$__toml_private_datetime": "2026-11-01"}`) still read.
pub fn stored_finding(detail: &str) -> Result<Finding, serde_json::Error> {
    serde_json::from_str(detail)
}

/// What one evaluation of a host produced.
#[derive(Clone, Debug)]
pub struct HostVerdict {
    /// Worst status of any finding (`unknown` when there is none).
    pub status: Status,
    /// Worst status of the OS findings.
    pub os_status: Option<Status>,
    /// Worst status of the software findings.
    pub software_status: Option<Status>,
    /// Worst status of the hardware findings.
    pub hardware_status: Option<Status>,
    /// Findings, de-duplicated by key, most urgent first.
    pub findings: Vec<FindingRow>,
    /// Number of unsupported findings.
    pub unsupported_count: i64,
    /// First day on which something on the host that is not yet unsupported will be.
    pub next_unsupported_on: Option<NaiveDate>,
    /// Software no catalogue rule matched, bounded (`crate::triage`), stored for the triage.
    pub unmatched: Vec<UnmatchedEntry>,
}

/// Evaluates an inventory and rolls the findings up.
pub fn judge(
    inventory: &Inventory,
    catalog: &Catalog,
    today: NaiveDate,
    expiring_days: u32,
    declared: DeclaredCover,
) -> HostVerdict {
    let options = Options {
        expiring_days: i64::from(expiring_days),
        ..Options::new(today)
    }
    .with_declared_cover(declared);
    let mut evaluation = evaluate_with(inventory, catalog, &options);
    let unmatched = triage::unmatched_entries(inventory, &evaluation);
    HostVerdict {
        unmatched,
        ..roll_up(std::mem::take(&mut evaluation.findings), today)
    }
}

fn roll_up(findings: Vec<Finding>, today: NaiveDate) -> HostVerdict {
    let mut seen = HashSet::new();
    let mut rows = Vec::with_capacity(findings.len());
    let mut worst: [Option<Status>; 3] = [None, None, None];
    let mut unsupported = 0;
    let mut next: Option<NaiveDate> = None;
    for finding in findings {
        let key = finding_key(&finding);
        if !seen.insert(key.clone()) {
            continue;
        }
        let slot = match finding.target {
            Target::Os => 0,
            Target::Software => 1,
            Target::Hardware => 2,
        };
        worst[slot] = Some(worst[slot].map_or(finding.status, |w| w.min(finding.status)));
        if finding.status == Status::Unsupported {
            unsupported += 1;
        } else if let Some(day) =
            becomes_unsupported_on(finding.status, &finding.dates, finding.cover.as_ref())
            && day > today
        {
            next = Some(next.map_or(day, |n| n.min(day)));
        }
        rows.push(row(key, &finding));
    }
    let status = worst
        .iter()
        .flatten()
        .min()
        .copied()
        .unwrap_or(NO_FINDINGS_STATUS);
    HostVerdict {
        status,
        os_status: worst[0],
        software_status: worst[1],
        hardware_status: worst[2],
        findings: rows,
        unsupported_count: unsupported,
        next_unsupported_on: next,
        unmatched: Vec::new(),
    }
}

/// The day an item that is not yet unsupported becomes unsupported on its host: the day after
/// the end of its extended window when it is in one with cover (`extended`) — or of the cover
/// itself when that ends first ([`extended_end`]) —, else the day after its security support ends. A paid window the host has no cover for is no support (see
/// `sunset_catalog::judge`): counting to its end put Oracle Java 8, still supported in 2021 and
/// with no contract declared, at 2031-01-01 instead of 2022-04-01.
/// `None` when no end is announced. The forecast's query (`store::forecast`) picks the same date.
pub fn becomes_unsupported_on(
    status: Status,
    dates: &Dates,
    cover: Option<&CoverCheck>,
) -> Option<NaiveDate> {
    let end = match status {
        Status::Unsupported => return None,
        Status::Extended => extended_end(dates, cover),
        _ => dates.security_support_end,
    };
    match end? {
        SupportEnd::On(last) => last.checked_add_days(Days::new(1)),
        SupportEnd::Ended | SupportEnd::NotAnnounced => None,
    }
}

/// The last day of a finding's extended support on its host: the window's end, or the last day
/// of the cover the evaluation found (`CoverCheck::until`: a licence's year, a contract's end)
/// when that comes first. The catalogue's `dates` are the release's, the same for every host;
/// the cover is this host's. Stored as the finding's `extended_support_end`, so the forecast
/// (`store::forecast`) counts a host in the month its own cover runs out: counting to the
/// window's end put a Windows 10 PC with a year-2 ESU licence (to 2027-10-13) in October 2028.
pub fn extended_end(dates: &Dates, cover: Option<&CoverCheck>) -> Option<SupportEnd> {
    let window = dates.extended_support_end;
    match (
        window,
        cover.and_then(|c| c.until.filter(|_| c.found.covers())),
    ) {
        (Some(SupportEnd::On(end)), Some(until)) => Some(SupportEnd::On(end.min(until))),
        _ => window,
    }
}

/// Stable identity of a finding within its host, used to keep first-seen dates and risk records
/// across reports.
pub fn finding_key(finding: &Finding) -> String {
    let target = finding.target.as_str();
    let what = finding
        .software_key
        .clone()
        .unwrap_or_else(|| finding.subject.to_lowercase());
    format!("{target}|{}|{what}", finding.product_id)
}

fn support_end(end: Option<SupportEnd>) -> Option<String> {
    match end? {
        SupportEnd::On(date) => Some(date.to_string()),
        SupportEnd::Ended => Some("ended".to_string()),
        SupportEnd::NotAnnounced => None,
    }
}

fn row(key: String, finding: &Finding) -> FindingRow {
    let kind = serde_json::to_value(finding.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    FindingRow {
        key,
        target: finding.target,
        kind,
        product_id: finding.product_id.clone(),
        product_name: finding.product_name.clone(),
        subject: finding.subject.clone(),
        installed_version: finding.installed_version.clone(),
        cycle: finding.cycle.clone(),
        cycle_label: finding.cycle_label.clone(),
        status: finding.status,
        security_support_end: support_end(finding.dates.security_support_end),
        extended_support_end: support_end(extended_end(&finding.dates, finding.cover.as_ref())),
        detail: serde_json::to_string(finding).unwrap_or_else(|_| "{}".to_string()),
        layer: finding.layer.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use sunset_catalog::catalog::SourceRef;

    /// Findings of a realistic host judged with the built-in catalogue on 2026-11-25.
    fn findings(catalog: &Catalog) -> Vec<Finding> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let inventory = sunset_loadgen::fake::inventory(1, 12, "Riverside", chrono::Utc::now());
        evaluate_with(&inventory, catalog, &Options::new(today)).findings
    }

    /// The catalogue's source of a finding's dates as written in its TOML, which is what
    /// collectors stored as the finding's `date_source` before it was a checked `DateSource`.
    fn source_as_written<'a>(catalog: &'a Catalog, finding: &Finding) -> Option<&'a SourceRef> {
        let id = finding.product_id.as_str();
        let product = catalog.product(id).map(|e| &e.product.source);
        let readiness = catalog.readiness().iter().find(|r| r.spec.id == id);
        let secure_boot = catalog.secure_boot().filter(|s| s.spec.id == id);
        product
            .or(readiness.map(|r| &r.spec.source))
            .or(secure_boot.map(|s| &s.spec.source))
            .and_then(Option::as_ref)
    }

    /// An item not yet unsupported becomes so the day after its security support ends, or,
    /// in an extended window it has cover for, the day after that window ends; a paid window
    /// without cover does not count, and an unsupported item has no such day.
    #[test]
    fn an_item_becomes_unsupported_when_its_own_support_ends() {
        let day = |text: &str| text.parse::<NaiveDate>().unwrap();
        let dates = Dates {
            security_support_end: Some(SupportEnd::On(day("2025-10-14"))),
            extended_support_end: Some(SupportEnd::On(day("2028-10-10"))),
            ..Dates::default()
        };
        for status in [Status::Supported, Status::Expiring, Status::Unknown] {
            assert_eq!(
                becomes_unsupported_on(status, &dates, None),
                Some(day("2025-10-15")),
                "{status:?}"
            );
        }
        assert_eq!(
            becomes_unsupported_on(Status::Extended, &dates, None),
            Some(day("2028-10-11"))
        );
        // A year-2 Windows 10 ESU licence ends before the window: the host's support ends with it.
        let licence = CoverCheck {
            kind: sunset_catalog::catalog::CoverKind::Enrolment,
            program: Some("windows-10-esu".into()),
            found: sunset_catalog::cover::CoverFound::Licensed,
            until: Some(day("2027-10-13")),
            evidence: None,
        };
        assert_eq!(
            becomes_unsupported_on(Status::Extended, &dates, Some(&licence)),
            Some(day("2027-10-14"))
        );
        assert_eq!(
            extended_end(&dates, Some(&licence)),
            Some(SupportEnd::On(day("2027-10-13")))
        );
        // A licence found expired gives no cover, and never shortens the window's dates.
        let expired = CoverCheck {
            found: sunset_catalog::cover::CoverFound::Expired,
            ..licence
        };
        assert_eq!(
            extended_end(&dates, Some(&expired)),
            dates.extended_support_end
        );
        assert_eq!(
            becomes_unsupported_on(Status::Unsupported, &dates, None),
            None
        );
        let unannounced = Dates {
            security_support_end: Some(SupportEnd::NotAnnounced),
            ..Dates::default()
        };
        assert_eq!(
            becomes_unsupported_on(Status::Supported, &unannounced, None),
            None
        );
    }

    #[test]
    fn a_stored_finding_reads_back_as_the_finding() {
        let catalog = sunset_catalog::builtin::catalog().unwrap();
        let findings = findings(&catalog);
        let mut dated = 0;
        for finding in &findings {
            let stored = row(finding_key(finding), finding);
            assert!(!stored.detail.contains("$__toml"), "{}", stored.detail);
            assert_eq!(&stored_finding(&stored.detail).unwrap(), finding);
            if let Some(retrieved) = finding.date_source.as_ref().and_then(|s| s.retrieved) {
                dated += 1;
                let plain = format!(r#""retrieved":"{retrieved}""#);
                assert!(stored.detail.contains(&plain), "{}", stored.detail);
            }
        }
        assert!(dated > 0, "{findings:?}");
    }

    /// Databases hold details written before findings carried a checked `DateSource`: their
    /// `date_source` is the catalogue's `SourceRef` as serde_json wrote it, with the TOML date's
    /// private form. They read back as the same finding.
    #[test]
    fn a_detail_stored_with_a_toml_date_still_reads() {
        let catalog = sunset_catalog::builtin::catalog().unwrap();
        let findings = findings(&catalog);
        let mut old_form = 0;
        for finding in &findings {
            let Some(source) = source_as_written(&catalog, finding) else {
                assert_eq!(finding.date_source, None);
                continue;
            };
            let mut detail = serde_json::to_value(finding).unwrap();
            detail["date_source"] = serde_json::to_value(source).unwrap();
            let detail = detail.to_string();
            if source.retrieved.is_some() {
                old_form += 1;
                assert!(
                    detail.contains(r#""retrieved":{"$__toml_private_datetime":"#),
                    "{detail}"
                );
            }
            assert_eq!(&stored_finding(&detail).unwrap(), finding, "{detail}");
        }
        assert!(old_form > 0, "{findings:?}");
    }
}
