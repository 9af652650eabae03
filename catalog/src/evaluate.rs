//! Evaluation: an inventory and a catalogue in, findings out.
//!
//! Pure and deterministic: `today` is a parameter, output order is fixed, so the same input gives
//! byte-identical JSON. A product that is recognised but whose version maps to no release is
//! `unknown`, never silently supported.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{
    Catalog, CompiledRelease, Kind, Matched, RuleRef, SourceRef, SupportEnd, Target,
};
use crate::cover::{CoverCheck, DeclaredCover};
use crate::inventory::{Inventory, Packaging, Software};
use crate::judge::{self, Context};
use crate::patch::{self, PatchLevel};
use crate::readiness::{self, Check};
use crate::version;

/// How long before the end of security support a release counts as `expiring`, by default.
pub const DEFAULT_EXPIRING_DAYS: i64 = 180;

/// Support status of one finding, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Past the end of security support, with no extended support left.
    Unsupported,
    /// Past the end of security support but inside a paid extended (ESU) window.
    Extended,
    /// Security support ends within the expiring window.
    Expiring,
    /// Product recognised, but its version maps to no known release.
    Unknown,
    /// Supported beyond the expiring window.
    Supported,
}

impl Status {
    /// All statuses, most urgent first.
    pub const ALL: [Status; 5] = [
        Status::Unsupported,
        Status::Extended,
        Status::Expiring,
        Status::Unknown,
        Status::Supported,
    ];

    /// The status as written in JSON and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unsupported => "unsupported",
            Status::Extended => "extended",
            Status::Expiring => "expiring",
            Status::Unknown => "unknown",
            Status::Supported => "supported",
        }
    }
}

/// Knobs of an evaluation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The day to judge support on.
    pub today: NaiveDate,
    /// Days before end of security support that count as `expiring`.
    pub expiring_days: i64,
    /// Contract cover the organisation declares (the collector's configuration); empty for an
    /// agent. Only windows whose cover is a contract, or an enrolment the agent could not check,
    /// take it into account (see [`crate::cover`]).
    pub declared_cover: DeclaredCover,
}

impl Options {
    /// Options for `today` with the default expiring window and no declared cover.
    pub fn new(today: NaiveDate) -> Self {
        Options {
            today,
            expiring_days: DEFAULT_EXPIRING_DAYS,
            declared_cover: DeclaredCover::default(),
        }
    }

    /// These options with `declared` contract cover.
    pub fn with_declared_cover(mut self, declared: DeclaredCover) -> Self {
        self.declared_cover = declared;
        self
    }
}

/// Why a finding was made: which rule matched which inventory field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The matching rule, as written in the catalogue.
    pub rule: String,
    /// The inventory field the rule matched (`software.name`, `os.name`).
    pub field: String,
    /// That field's value.
    pub value: String,
    /// The version that was mapped to a release (after removing packaging such as dpkg epochs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The edition that selected an edition-specific release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Why the verdict is what it is when the cycle's dates alone do not say it ("older than 7.5,
    /// which ended 2023-12-07", "newer than catalogue 151", a rolling policy, a vendor minimum).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The dates a verdict rests on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dates {
    /// First release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<NaiveDate>,
    /// End of active support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_support_end: Option<SupportEnd>,
    /// End of security support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_support_end: Option<SupportEnd>,
    /// End of paid extended support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_support_end: Option<SupportEnd>,
}

/// One verdict: a part of the inventory, the product and release it is, and its support status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Which part of the inventory this is about.
    pub target: Target,
    /// What it is on the machine: OS product name, software name, or hardware description.
    pub subject: String,
    /// Version as installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed_version: Option<String>,
    /// For software: its identity key in the inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software_key: Option<String>,
    /// For software: where it was found (`hklm-uninstall`, `dpkg`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_source: Option<String>,
    /// Catalogue product id.
    pub product_id: String,
    /// Product display name.
    pub product_name: String,
    /// Product kind.
    pub kind: Kind,
    /// Release cycle id, when the version mapped to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<String>,
    /// Release label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle_label: Option<String>,
    /// The verdict.
    pub status: Status,
    /// The dates of the release.
    pub dates: Dates,
    /// Days from today to the end of security support; negative once it has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_until_eol: Option<i64>,
    /// Latest version of the release, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// Reference page for the dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Where the dates come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_source: Option<SourceRef>,
    /// Why the product matched.
    pub evidence: Evidence,
    /// Requirement checks behind a hardware-readiness verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Cover found (or not) for a release in its extended window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<CoverCheck>,
    /// Whether the install has its release's latest update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<PatchLevel>,
}

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
    /// How old the catalogue's data was on the scan's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_freshness: Option<crate::catalog::Freshness>,
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
    let ctx = Context {
        catalog,
        inventory,
        options,
    };
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
            push_once(&mut findings, verdict(&ctx, at, &subject, matched));
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
            push_once(&mut findings, verdict(&ctx, at, &subject, matched));
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
                // Software cycles limited to editions are about the OS the software runs on
                // (Internet Explorer 11 follows the OS on LTSC and Server editions).
                let subject = Subject {
                    target: Target::Software,
                    name: &software.name,
                    version: software.version.as_deref(),
                    packaging: software.source.packaging(),
                    edition: os.edition.as_deref(),
                    software: Some(software),
                };
                findings.push(verdict(&ctx, at, &subject, matched));
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

fn verdict(ctx: &Context<'_>, at: RuleRef, subject: &Subject, matched: Matched) -> Finding {
    let (entry, rule) = ctx.catalog.entry(at);
    let from_name = matched.version.is_some();
    let version = matched
        .version
        .clone()
        .or_else(|| {
            subject
                .version
                .map(|v| upstream(v, subject.packaging).to_string())
        })
        .filter(|v| !v.trim().is_empty());
    let (judgement, status) = judge::judge(ctx, entry, version.as_deref(), subject.edition);
    let release = judgement.release;
    let edition_used = release
        .filter(|r| !r.editions.is_empty())
        .and(subject.edition.map(str::to_string));
    let product = &entry.product;
    let patch = match (subject.target, release) {
        (Target::Os, _) => windows_patch(ctx, product.id.get_ref()),
        (Target::Software, Some(release)) if !from_name => release
            .latest
            .as_deref()
            .zip(version.as_deref())
            .and_then(|(latest, v)| patch::against_latest(product.scheme, v, latest)),
        _ => None,
    };
    let replacement = release
        .and_then(|r| r.replacement.clone())
        .or_else(|| product.replacement.clone());
    let replacement = match (judgement.advice, replacement) {
        (Some(advice), Some(replacement)) => Some(format!("{advice} {replacement}")),
        (advice, replacement) => advice.or(replacement),
    };
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
        days_until_eol: judgement.days,
        latest: release.and_then(|r| r.latest.clone()),
        replacement,
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
            notes: judgement.notes,
        },
        checks: Vec::new(),
        cover: judgement.cover,
        patch,
    }
}

/// The Windows patch level of the inventory's OS, from the catalogue's update table.
fn windows_patch(ctx: &Context<'_>, product: &str) -> Option<PatchLevel> {
    let os = &ctx.inventory.os;
    let build = os.build.as_deref()?.trim().parse().ok()?;
    let ubr = os.update_revision?;
    patch::windows(
        ctx.catalog.updates(),
        product,
        build,
        ubr,
        ctx.options.today,
    )
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
