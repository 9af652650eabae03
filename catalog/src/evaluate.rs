//! Evaluation: an inventory and a catalogue in, findings out.
//!
//! Pure and deterministic: `today` is a parameter, output order is fixed, so the same input gives
//! byte-identical JSON. A product that is recognised but whose version maps to no release is
//! `unknown`, never silently supported.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CompiledRelease, Matched, RuleRef, SupportEnd, Target};
use crate::inventory::{Inventory, Packaging, Software};
use crate::readiness;
use crate::version;

/// The verdict types are defined in [`crate::finding`]; they are re-exported here because they
/// are this module's inputs and outputs, so callers name one module.
pub use crate::finding::{DEFAULT_EXPIRING_DAYS, Dates, Evidence, Finding, Options, Status};

/// Findings plus how much of the software the catalogue recognised.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// All findings, most urgent first.
    pub findings: Vec<Finding>,
    /// Software entries in the inventory.
    pub software_total: usize,
    /// Software entries no product matched (no finding, only counted).
    pub software_unmatched: usize,
}

/// What `sunset-agent scan --format json` prints: the inventory, its findings and the catalogue
/// version the verdicts rest on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScanResult {
    /// What was seen.
    pub inventory: Inventory,
    /// The verdicts.
    pub findings: Vec<Finding>,
    /// Catalogue version used.
    pub catalog_version: String,
    /// Software entries no product matched.
    #[serde(default)]
    pub software_unmatched: usize,
}

/// Evaluates an inventory with the default expiring window.
pub fn evaluate(inventory: &Inventory, catalog: &Catalog, today: NaiveDate) -> Vec<Finding> {
    evaluate_with(inventory, catalog, &Options::new(today)).findings
}

/// Evaluates an inventory: the OS, every software entry and the hardware.
pub fn evaluate_with(inventory: &Inventory, catalog: &Catalog, options: &Options) -> Evaluation {
    let mut findings = Vec::new();
    let os = &inventory.os;
    for &at in catalog.os_rules() {
        let (_, rule) = catalog.entry(at);
        if let Some(matched) = rule.matches_os(os) {
            let subject = Subject {
                target: Target::Os,
                name: &os.name,
                version: Some(os.version.as_str()),
                packaging: Packaging::Plain,
                edition: os.edition.as_deref(),
                software: None,
            };
            push_once(
                &mut findings,
                verdict(catalog, at, &subject, matched, options),
            );
        }
    }
    for &at in catalog.hardware_rules() {
        let (_, rule) = catalog.entry(at);
        if let Some(matched) = rule.matches_hardware(&inventory.hardware) {
            let name = matched.value.clone();
            let subject = Subject {
                target: Target::Hardware,
                name: &name,
                version: inventory
                    .hardware
                    .firmware_version
                    .known()
                    .map(String::as_str),
                packaging: Packaging::Plain,
                edition: None,
                software: None,
            };
            push_once(
                &mut findings,
                verdict(catalog, at, &subject, matched, options),
            );
        }
    }
    let mut unmatched = 0;
    let mut candidates = Vec::new();
    for software in &inventory.software {
        catalog.software_candidates(software, &mut candidates);
        let mut hit = false;
        let mut last_entry = None;
        for &at in &candidates {
            if last_entry == Some(at.entry) {
                continue;
            }
            let (_, rule) = catalog.entry(at);
            if let Some(matched) = rule.matches_software(software) {
                last_entry = Some(at.entry);
                hit = true;
                let subject = Subject {
                    target: Target::Software,
                    name: &software.name,
                    version: software.version.as_deref(),
                    packaging: software.source.packaging(),
                    edition: None,
                    software: Some(software),
                };
                findings.push(verdict(catalog, at, &subject, matched, options));
            }
        }
        unmatched += usize::from(!hit);
    }
    readiness::judge(inventory, catalog, options, &mut findings);
    findings.sort_by(|a, b| {
        (
            a.status,
            a.target,
            &a.product_id,
            &a.subject,
            &a.installed_version,
            &a.software_key,
        )
            .cmp(&(
                b.status,
                b.target,
                &b.product_id,
                &b.subject,
                &b.installed_version,
                &b.software_key,
            ))
    });
    Evaluation {
        findings,
        software_total: inventory.software.len(),
        software_unmatched: unmatched,
    }
}

/// One product is judged once per OS or hardware, even when several of its rules match.
fn push_once(findings: &mut Vec<Finding>, finding: Finding) {
    if !findings
        .iter()
        .any(|f| f.target == finding.target && f.product_id == finding.product_id)
    {
        findings.push(finding);
    }
}

struct Subject<'a> {
    target: Target,
    name: &'a str,
    version: Option<&'a str>,
    packaging: Packaging,
    edition: Option<&'a str>,
    software: Option<&'a Software>,
}

fn verdict(
    catalog: &Catalog,
    at: RuleRef,
    subject: &Subject,
    matched: Matched,
    options: &Options,
) -> Finding {
    let (entry, rule) = catalog.entry(at);
    let version = matched
        .version
        .clone()
        .or_else(|| {
            subject
                .version
                .map(|v| upstream(v, subject.packaging).to_string())
        })
        .filter(|v| !v.trim().is_empty());
    let release = version
        .as_deref()
        .and_then(|v| entry.release_for(v, subject.edition));
    let edition_used = release
        .filter(|r| !r.editions.is_empty())
        .and(subject.edition.map(str::to_string));
    let (status, days) = match release {
        Some(release) => release.status(options),
        None => (Status::Unknown, None),
    };
    let product = &entry.product;
    Finding {
        target: subject.target,
        subject: subject.name.to_string(),
        installed_version: subject.version.map(str::to_string),
        software_key: subject.software.map(|s| s.key.clone()),
        install_source: subject.software.map(|s| s.source.name().to_string()),
        product_id: product.id.get_ref().clone(),
        product_name: product.name.clone(),
        kind: product.kind,
        cycle: release.map(|r| r.cycle.clone()),
        cycle_label: release.and_then(|r| r.label.clone()),
        status,
        dates: release.map(dates).unwrap_or_default(),
        days_until_eol: days,
        latest: release.and_then(|r| r.latest.clone()),
        replacement: release
            .and_then(|r| r.replacement.clone())
            .or_else(|| product.replacement.clone()),
        link: release
            .and_then(|r| r.link.clone())
            .or_else(|| product.link.clone()),
        date_source: product.source.clone(),
        evidence: Evidence {
            rule: rule.describe(),
            field: matched.field.to_string(),
            value: matched.value,
            version,
            edition: edition_used,
        },
        checks: Vec::new(),
    }
}

/// The version a catalogue range is compared with: the upstream part of a packaged version.
fn upstream(version: &str, packaging: Packaging) -> &str {
    match packaging {
        Packaging::Plain => version,
        Packaging::Debian => version::debian::upstream(version),
        Packaging::Rpm => version::rpm::upstream(version),
    }
}

fn dates(release: &CompiledRelease) -> Dates {
    Dates {
        released: release.released,
        active_support_end: release.active_support_end,
        security_support_end: Some(release.security_support_end),
        extended_support_end: release.extended_support_end,
    }
}

impl CompiledRelease {
    /// The status of this release on `options.today`, and the days until (or, negative, since) its
    /// end of security support. The end date itself is the last supported day.
    pub fn status(&self, options: &Options) -> (Status, Option<i64>) {
        let today = options.today;
        // Only a dated extended-support window counts: an open-ended offer (third-party support for
        // Node.js or OpenSSL, say) is not cover an estate can be assumed to have bought.
        let within_extended = || match self.extended_support_end {
            Some(SupportEnd::On(end)) => today <= end,
            Some(SupportEnd::NotAnnounced | SupportEnd::Ended) | None => false,
        };
        match self.security_support_end {
            SupportEnd::NotAnnounced => (Status::Supported, None),
            SupportEnd::Ended if within_extended() => (Status::Extended, None),
            SupportEnd::Ended => (Status::Unsupported, None),
            SupportEnd::On(end) => {
                let days = (end - today).num_days();
                let status = if today > end {
                    if within_extended() {
                        Status::Extended
                    } else {
                        Status::Unsupported
                    }
                } else if days <= options.expiring_days {
                    Status::Expiring
                } else {
                    Status::Supported
                };
                (status, Some(days))
            }
        }
    }
}
