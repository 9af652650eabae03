//! Evaluation: an inventory and a catalogue in, findings out.
//!
//! Pure and deterministic: `today` is a parameter, output order is fixed, so the same input gives
//! byte-identical JSON. A product that is recognised but whose version maps to no release is
//! `unknown`, never silently supported.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CompiledRelease, Matched, RuleRef, SupportEnd, Target};
use crate::inventory::{Inventory, Packaging, Software};
use crate::judge::{self, Context, Judgement};
use crate::patch::{self, PatchLevel};
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
    /// How the software entries were judged.
    pub software: SoftwareCounts,
    /// Which software entries are unknown to the catalogue (the `software.unknown` ones): their
    /// indices in the inventory's `software`, in order. The collector's triage lists them
    /// ([`unmatched_software`]). Distribution packages no rule matched are not among them: the
    /// OS verdict covers those.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched: Vec<usize>,
}

/// The software entries of `inventory` that no catalogue rule matched and that are not
/// distribution packages, as `evaluation` (of that inventory) found them.
pub fn unmatched_software<'a>(
    inventory: &'a Inventory,
    evaluation: &'a Evaluation,
) -> impl Iterator<Item = &'a Software> + 'a {
    evaluation
        .unmatched
        .iter()
        .filter_map(|&i| inventory.software.get(i))
}

/// How an inventory's software entries were judged: each entry is in exactly one of `judged`,
/// `distribution` and `unknown`, so "not in the catalogue" never reads like "all fine".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftwareCounts {
    /// Entries in the inventory.
    pub total: usize,
    /// Entries a catalogue product matched: each has a finding.
    pub judged: usize,
    /// Distribution packages no product matched: the distribution patches them for the life of
    /// the OS release, so the OS verdict covers them.
    pub distribution: usize,
    /// Other entries no product matched: unknown to the catalogue, so not judged at all.
    pub unknown: usize,
}

impl SoftwareCounts {
    /// Entries no product matched (distribution packages and unknown software).
    pub fn unmatched(&self) -> usize {
        self.distribution + self.unknown
    }
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
    /// Software entries no product matched (`software.distribution + software.unknown`; kept for
    /// readers of the first format).
    #[serde(default)]
    pub software_unmatched: usize,
    /// How the software entries were judged.
    #[serde(default)]
    pub software: SoftwareCounts,
}

/// Evaluates an inventory with the default expiring window.
pub fn evaluate(inventory: &Inventory, catalog: &Catalog, today: NaiveDate) -> Vec<Finding> {
    evaluate_with(inventory, catalog, &Options::new(today)).findings
}

/// Evaluates an inventory: the OS, every software entry and the hardware.
pub fn evaluate_with(inventory: &Inventory, catalog: &Catalog, options: &Options) -> Evaluation {
    let ctx = Context {
        catalog,
        inventory,
        options,
    };
    // The OS and the hardware: a few findings, written out at once.
    let mut built = Vec::new();
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
            push_once(&mut built, verdict(&ctx, at, subject, matched));
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
            push_once(&mut built, verdict(&ctx, at, subject, matched));
        }
    }
    // The OS's verdict, for components whose support follows it (the most urgent, should
    // several OS products match).
    let host = built
        .iter()
        .filter(|f| f.target == Target::Os)
        .min_by_key(|f| f.status)
        .cloned();
    let host_build = os.build.as_deref().and_then(|b| b.trim().parse().ok());
    let mut counts = SoftwareCounts {
        total: inventory.software.len(),
        ..SoftwareCounts::default()
    };
    let mut lookup = catalog.lookup();
    let mut software_verdicts = Vec::new();
    let mut unmatched = Vec::new();
    for (index, software) in inventory.software.iter().enumerate() {
        catalog.software_candidates(software, &mut lookup);
        let mut hit = false;
        let mut last_entry = None;
        for candidate in &lookup.candidates {
            let at = candidate.at;
            if last_entry == Some(at.entry) {
                continue;
            }
            let (_, rule) = catalog.entry(at);
            if let Some(matched) =
                rule.matches_software(software, &lookup.lower, candidate.by_pattern)
            {
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
                let mut assessment = assess(&ctx, at, subject, matched);
                if let Some(host) = &host
                    && follows_os(catalog, &assessment, host_build)
                {
                    assessment.host = Some(host);
                }
                software_verdicts.push(assessment);
            }
        }
        if hit {
            counts.judged += 1;
        } else if software.is_distribution_package() {
            counts.distribution += 1;
        } else {
            counts.unknown += 1;
            unmatched.push(index);
        }
    }
    let os_and_hardware = built.len();
    readiness::judge(inventory, catalog, options, &mut built);
    Evaluation {
        findings: in_order(&ctx, built, os_and_hardware, software_verdicts),
        software: counts,
        unmatched,
    }
}

/// A finding's place in the fixed order, most urgent first.
type OrderKey<'a> = (
    Status,
    Target,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
);

fn order_key(f: &Finding) -> OrderKey<'_> {
    (
        f.status,
        f.target,
        &f.product_id,
        &f.subject,
        f.installed_version.as_deref(),
        f.software_key.as_deref(),
    )
}

/// Where a finding comes from: written out already (OS, hardware, readiness), or a software
/// verdict still to write.
#[derive(Clone, Copy)]
enum Slot {
    Built(usize),
    Software(usize),
}

/// The findings in their fixed order, most urgent first; ties keep the order the findings were
/// made in (OS, hardware, software by entry, readiness). Software verdicts are put in order
/// before they are written out, so each finding is written once into a vector of its final size:
/// a finding is large, and growing the vector and then sorting it copied each one several times
/// (and, past glibc's 64 KiB consolidation threshold, made freeing it walk the allocator's bins).
fn in_order(
    ctx: &Context<'_>,
    built: Vec<Finding>,
    os_and_hardware: usize,
    software: Vec<Assessment<'_>>,
) -> Vec<Finding> {
    let mut slots: Vec<Slot> = (0..os_and_hardware).map(Slot::Built).collect();
    slots.extend((0..software.len()).map(Slot::Software));
    slots.extend((os_and_hardware..built.len()).map(Slot::Built));
    // Each key worked out once, not per comparison. Stable: equal keys keep the order above.
    let mut keyed: Vec<(OrderKey, Slot)> = slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Built(i) => (order_key(&built[i]), slot),
            Slot::Software(i) => (software[i].order_key(ctx), slot),
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let slots: Vec<Slot> = keyed.into_iter().map(|(_, slot)| slot).collect();
    let mut built: Vec<Option<Finding>> = built.into_iter().map(Some).collect();
    let mut software = software;
    let mut findings = Vec::with_capacity(slots.len());
    for slot in slots {
        match slot {
            Slot::Built(i) => findings.extend(built[i].take()),
            Slot::Software(i) => findings.push(software[i].finding(ctx)),
        }
    }
    findings
}

/// Whether the release a verdict was judged on is a component of the OS on this build.
fn follows_os(catalog: &Catalog, assessment: &Assessment, build: Option<u32>) -> bool {
    let Some(release) = assessment.judgement.release else {
        return false;
    };
    // The first release with the verdict's cycle id, as the finding names it.
    let (entry, _) = catalog.entry(assessment.at);
    entry
        .releases
        .iter()
        .find(|r| r.cycle == release.cycle)
        .is_some_and(|r| r.follows_os.applies(build))
}

/// Whether a component takes its OS's verdict: when the OS is worse off (out of support, in its
/// extended window, or expiring sooner).
fn os_is_worse(host: &Finding, status: Status) -> bool {
    matches!(
        host.status,
        Status::Unsupported | Status::Extended | Status::Expiring
    ) && host.status < status
}

/// A component is supported only while its OS is: when the OS is worse off, the component takes
/// the OS's verdict, with a note.
fn follow_os(finding: &mut Finding, host: &Finding) {
    if !os_is_worse(host, finding.status) {
        return;
    }
    let os = host
        .cycle_label
        .clone()
        .unwrap_or_else(|| host.subject.clone());
    let end = host.dates.security_support_end;
    let when = match (host.status, end) {
        (Status::Expiring, Some(SupportEnd::On(date))) => format!(", whose support ends {date}"),
        (Status::Extended, _) => ", in its extended-support window".to_string(),
        (_, Some(SupportEnd::On(date))) => format!(", whose support ended {date}"),
        _ => ", which is out of support".to_string(),
    };
    finding.status = host.status;
    finding.days_until_eol = host.days_until_eol;
    finding.cover.clone_from(&host.cover);
    finding.evidence.notes.push(format!(
        "a component of {os}{when}: supported only while the OS is"
    ));
    let advice = "Supported only as part of a supported OS:";
    finding.replacement = Some(match &host.replacement {
        Some(os_advice) => format!("{advice} {os_advice}"),
        None => format!("{advice} move the machine to a supported OS."),
    });
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

/// A verdict judged but not yet written out as a [`Finding`]: what puts it in order, and what
/// the finding is written from.
struct Assessment<'a> {
    at: RuleRef,
    subject: Subject<'a>,
    matched: Matched,
    /// The version mapped to a release ([`Evidence::version`]).
    version: Option<String>,
    /// Whether that version came from the name (a rule's `version` group).
    from_name: bool,
    judgement: Judgement<'a>,
    status: Status,
    /// The OS finding, for a release that follows the OS ([`follow_os`]).
    host: Option<&'a Finding>,
}

fn verdict(ctx: &Context<'_>, at: RuleRef, subject: Subject, matched: Matched) -> Finding {
    assess(ctx, at, subject, matched).finding(ctx)
}

fn assess<'a>(
    ctx: &Context<'a>,
    at: RuleRef,
    subject: Subject<'a>,
    mut matched: Matched,
) -> Assessment<'a> {
    let catalog: &'a Catalog = ctx.catalog;
    let (entry, _) = catalog.entry(at);
    let from_name = matched.version.is_some();
    let version = matched
        .version
        .take()
        .or_else(|| {
            subject
                .version
                .map(|v| upstream(v, subject.packaging).to_string())
        })
        .filter(|v| !v.trim().is_empty());
    let (judgement, status) = judge::judge(ctx, entry, version.as_deref(), subject.edition);
    Assessment {
        at,
        subject,
        matched,
        version,
        from_name,
        judgement,
        status,
        host: None,
    }
}

impl<'a> Assessment<'a> {
    /// The order key of the finding this will be, without writing it.
    fn order_key(&self, ctx: &Context<'a>) -> OrderKey<'a> {
        let catalog: &'a Catalog = ctx.catalog;
        let (entry, _) = catalog.entry(self.at);
        let status = match self.host {
            Some(host) if os_is_worse(host, self.status) => host.status,
            _ => self.status,
        };
        (
            status,
            self.subject.target,
            entry.product.id.get_ref(),
            self.subject.name,
            self.subject.version,
            self.subject.software.map(|s| s.key.as_str()),
        )
    }

    /// Writes the finding, moving out what it owns (it is written once).
    fn finding(&mut self, ctx: &Context<'_>) -> Finding {
        let subject = &self.subject;
        let version = self.version.take();
        let judgement = std::mem::take(&mut self.judgement);
        let (entry, rule) = ctx.catalog.entry(self.at);
        let release = judgement.release;
        let edition_used = release
            .filter(|r| !r.editions.is_empty())
            .and(subject.edition.map(str::to_string));
        let product = &entry.product;
        let patch = match (subject.target, release) {
            (Target::Os, _) => windows_patch(ctx, product.id.get_ref()),
            (Target::Software, Some(release)) if !self.from_name => release
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
        let mut notes = judgement.notes;
        if let Some(origin) = subject.software.and_then(vendor_origin) {
            notes.insert(0, origin);
        }
        let mut finding = Finding {
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
            status: self.status,
            dates: release.map(dates).unwrap_or_default(),
            days_until_eol: judgement.days,
            latest: release.and_then(|r| r.latest.clone()),
            replacement,
            link: release
                .and_then(|r| r.link.clone())
                .or_else(|| product.link.clone()),
            date_source: entry.source.clone(),
            evidence: Evidence {
                rule: rule.describe(),
                field: self.matched.field.to_string(),
                value: std::mem::take(&mut self.matched.value),
                version,
                edition: edition_used,
                notes,
            },
            checks: Vec::new(),
            cover: judgement.cover,
            patch,
            layer: release.map_or_else(|| entry.layer.clone(), |r| r.layer.clone()),
        };
        if let Some(host) = self.host {
            follow_os(&mut finding, host);
        }
        finding
    }
}

/// "a vendor's package (deb.nodesource.com: dpkg Maintainer …)": why a package is judged on its
/// vendor's dates rather than covered by the OS.
fn vendor_origin(software: &Software) -> Option<String> {
    let origin = software
        .origin
        .as_ref()
        .filter(|_| software.is_vendor_package())?;
    let evidence: Vec<String> = origin
        .evidence
        .iter()
        .map(|e| format!("{} {}", e.field.describe(), e.value))
        .collect();
    Some(format!(
        "a vendor's package, not the distribution's ({}{}{}): judged on the vendor's dates",
        origin.vendor.as_deref().unwrap_or("vendor"),
        if evidence.is_empty() { "" } else { ": " },
        evidence.join(", ")
    ))
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
