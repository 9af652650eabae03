//! The end-of-support catalogue: a directory of TOML files, checked on load and indexed for matching.
//!
//! A catalogue is loaded once and then evaluated against many inventories, so loading compiles
//! every rule and builds an index: software names are looked up in a hash map (exact names) and one
//! set of regexes (globs and regexes, [`index`]), never by scanning every rule for every entry.

mod index;
mod layer;
mod lifecycle;
mod load;
mod load_hardware;
mod load_lifecycle;
pub mod model;
mod overlay;
mod pattern;
mod reviewed;
mod rule;

use std::borrow::Cow;

use chrono::NaiveDate;

use index::{Index, RuleKeys};
pub(crate) use index::{Lookup, RuleRef};
pub use layer::{Layer, OVERLAY_VERSION_MARK, UnknownLayer, base_version};
pub use lifecycle::{CompiledCover, CompiledPolicy, PolicyRule, Update, Updates};
pub use load::{LoadError, Problem};
pub use model::{
    CertificateStore, CoverKind, CpuRule, DateSource, ExpiringCertificate, FirmwareAge, Kind, Meta,
    Product, Readiness, Rule, SecureBootCertificates, SourceRef, SupportEnd, Target, UpdateKind,
};
pub use pattern::Pattern;
pub use reviewed::Reviewed;

use crate::inventory::{OriginKind, Software};
use crate::version::{Installed, Position, VersionRange};

/// A loaded, checked and indexed catalogue.
#[derive(Debug)]
pub struct Catalog {
    meta: Meta,
    /// `meta.version`, with the overlays' digest when there are any (`load::version`).
    version: String,
    /// `[[reviewed]]` entries of every layer, in load order.
    reviewed: Vec<Reviewed>,
    /// `meta.date`, checked.
    date: Option<NaiveDate>,
    entries: Vec<Entry>,
    updates: Updates,
    readiness: Vec<CompiledReadiness>,
    firmware_age: Option<FirmwareAge>,
    secure_boot: Option<CompiledSecureBoot>,
    index: Index,
}

/// The Secure Boot certificate policy with its dates checked.
#[derive(Debug)]
pub struct CompiledSecureBoot {
    /// The policy as written.
    pub spec: SecureBootCertificates,
    /// Where its dates come from, checked.
    pub source: Option<DateSource>,
    /// Each expiring CA's `notAfter` date, in `spec.certificate` order.
    pub expires: Vec<NaiveDate>,
}

/// Upgrade-readiness requirements with compiled rules.
#[derive(Debug)]
pub struct CompiledReadiness {
    /// The requirements as written.
    pub spec: Readiness,
    /// Where the requirements come from, checked.
    pub source: Option<DateSource>,
    pub(crate) rule: CompiledRule,
    pub(crate) versions: VersionRange,
    /// Processor regexes with the index of their rule in `spec.cpu`.
    pub(crate) cpu: Vec<(Pattern, usize)>,
}

/// A product with its compiled rules and checked releases.
#[derive(Debug)]
pub struct Entry {
    /// The product as written in the catalogue.
    pub product: Product,
    /// Where its dates come from, checked: what its findings cite.
    pub source: Option<DateSource>,
    pub(crate) rules: Vec<CompiledRule>,
    /// Its releases, in file order.
    pub releases: Vec<CompiledRelease>,
    /// A rolling-release product's policy.
    pub policy: Option<CompiledPolicy>,
    /// Which releases may hold a version, by its first number.
    pub(crate) majors: MajorIndex,
    /// Where the product comes from; a cycle an overlay replaced or added says so itself.
    pub layer: Layer,
}

/// The releases that may hold a version with a given first number, so that placing a version
/// tests a few cycles, not every one (browsers have a hundred). A release whose range fixes the
/// first number (`124.*`) is listed under it; one that does not (`>=1.2, <2`, `*`, semver) under
/// every number. Lists are ascending, so the first fit is the first in file order, as it would be
/// scanning every release.
#[derive(Debug, Default)]
pub(crate) struct MajorIndex {
    by_major: foldhash::HashMap<u64, Vec<usize>>,
    /// The releases that fix no first number: the candidates for a number no release fixes.
    unfixed: Vec<usize>,
}

impl MajorIndex {
    pub(crate) fn new(releases: &[CompiledRelease]) -> MajorIndex {
        let majors: Vec<Option<u64>> = releases.iter().map(|r| r.range.required_major()).collect();
        let mut index = MajorIndex::default();
        for (i, major) in majors.iter().enumerate() {
            match major {
                None => index.unfixed.push(i),
                Some(m) if !index.by_major.contains_key(m) => {
                    let list = majors
                        .iter()
                        .enumerate()
                        .filter(|(_, other)| other.is_none_or(|o| o == *m))
                        .map(|(j, _)| j)
                        .collect();
                    index.by_major.insert(*m, list);
                }
                Some(_) => {}
            }
        }
        index
    }

    /// Indices (ascending) of the releases that may hold a version whose first number is `major`.
    fn candidates(&self, major: u64) -> &[usize] {
        self.by_major.get(&major).unwrap_or(&self.unfixed)
    }
}

/// A release cycle with checked dates and a parsed version range.
#[derive(Clone, Debug)]
pub struct CompiledRelease {
    /// Cycle id.
    pub cycle: String,
    /// Display label.
    pub label: Option<String>,
    /// Installed versions that belong to the cycle.
    pub range: VersionRange,
    /// Lower-cased editions the cycle is limited to; empty = all others.
    pub editions: Vec<String>,
    /// First release date.
    pub released: Option<NaiveDate>,
    /// End of active support.
    pub active_support_end: Option<SupportEnd>,
    /// End of security support.
    pub security_support_end: SupportEnd,
    /// End of paid extended support.
    pub extended_support_end: Option<SupportEnd>,
    /// Who gives cover in the extended window (the release's own, else the product's).
    pub extended_cover: Option<CompiledCover>,
    /// Whether the release's support follows the OS it is installed on.
    pub follows_os: FollowsOs,
    /// Long-term-support release.
    pub lts: bool,
    /// Latest known version.
    pub latest: Option<String>,
    /// Cycle-specific advice.
    pub replacement: Option<String>,
    /// Cycle-specific reference.
    pub link: Option<String>,
    /// Which layer wrote this cycle: what its findings report.
    pub layer: Layer,
}

impl CompiledRelease {
    /// Whether two cycles of one product could both hold a version: they share editions (or
    /// both are for all) and their ranges overlap. A catalogue never has two that do.
    pub(crate) fn collides(&self, other: &CompiledRelease) -> bool {
        let shares_editions = self.editions.is_empty() && other.editions.is_empty()
            || self.editions.iter().any(|e| other.editions.contains(e));
        shares_editions && self.range.overlaps(&other.range)
    }
}

/// Whether a release is a component of the OS, supported only while the OS is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FollowsOs {
    /// Its own dates alone decide.
    #[default]
    No,
    /// On every OS.
    Always,
    /// On Windows builds below this one; its own product from this build on.
    BelowBuild(u32),
}

impl FollowsOs {
    /// Whether the release follows an OS of this Windows build (`None`: build unknown, which
    /// counts as below: the older case is the one that needs the OS).
    pub fn applies(self, build: Option<u32>) -> bool {
        match self {
            FollowsOs::No => false,
            FollowsOs::Always => true,
            FollowsOs::BelowBuild(below) => build.is_none_or(|b| b < below),
        }
    }
}

#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub rule: Rule,
    pub names: Vec<String>,
    pub name_pattern: Option<Pattern>,
    pub not_name: Option<Pattern>,
    pub publisher: Option<Pattern>,
    pub os_name: Option<Pattern>,
    pub manufacturer: Option<Pattern>,
    pub model: Option<Pattern>,
    pub cpu: Option<Pattern>,
    /// Who must ship a matching package.
    pub origin: Option<OriginKind>,
    /// The rule in words for a finding's evidence, written once at load ([`describe`]): every
    /// finding carries it, and formatting it per finding was an eighth of evaluation time.
    /// Matching against an inventory is in `rule.rs`.
    pub description: String,
}

/// What made a rule match: the inventory field and the value it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Matched {
    pub field: &'static str,
    pub value: String,
    /// The version to map to a cycle, when the rule takes it from somewhere else than the entry.
    pub version: Option<String>,
}

/// A catalogue whose data is older than this many days is reported as out of date: browsers
/// release every few weeks and vendors announce end dates months ahead.
pub const STALE_AFTER_DAYS: i64 = 60;

/// How old a catalogue's data is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Freshness {
    /// The day the data was read (`[catalog] date`), when the catalogue says.
    pub date: Option<NaiveDate>,
    /// Days from that day to today.
    pub age_days: Option<i64>,
    /// Older than [`STALE_AFTER_DAYS`], or undated.
    pub stale: bool,
}

impl Freshness {
    /// The warning to show, when stale.
    pub fn warning(&self) -> Option<String> {
        if !self.stale {
            return None;
        }
        Some(match (self.date, self.age_days) {
            (Some(date), Some(age)) => format!(
                "the catalogue's data is from {date}, {age} days old (more than {STALE_AFTER_DAYS}): \
                 newer releases and end dates are missing; update the catalogue \
                 (sunset-catalog import endoflife-date, or a newer agent or collector)"
            ),
            _ => "the catalogue does not say when its data was read: update it".to_string(),
        })
    }
}

/// Where an installed version lies relative to a product's release cycles.
#[derive(Clone, Copy, Debug)]
pub enum Placement<'a> {
    /// In this cycle.
    In(&'a CompiledRelease),
    /// Older than every cycle; the oldest is given.
    Older(&'a CompiledRelease),
    /// Newer than every cycle; the newest is given.
    Newer(&'a CompiledRelease),
    /// Between cycles, in none, or the product has no cycles.
    Unplaced,
}

impl Catalog {
    fn new(
        meta: Meta,
        date: Option<NaiveDate>,
        entries: Vec<Entry>,
        updates: Updates,
        readiness: Vec<CompiledReadiness>,
        firmware_age: Option<FirmwareAge>,
    ) -> Result<Catalog, String> {
        let index = Index::build(entries.iter().enumerate().flat_map(|(e, entry)| {
            entry
                .rules
                .iter()
                .enumerate()
                .map(move |(r, rule)| RuleKeys {
                    at: RuleRef { entry: e, rule: r },
                    target: entry.product.kind.target(),
                    names: &rule.names,
                    identifiers: &rule.rule.identifier,
                    pattern: rule.name_pattern.as_ref().map(Pattern::as_str),
                })
        }))?;
        Ok(Catalog {
            version: meta.version.clone(),
            reviewed: Vec::new(),
            meta,
            date,
            entries,
            updates,
            readiness,
            firmware_age,
            secure_boot: None,
            index,
        })
    }

    /// Compiles every pattern now and returns the ones the regex engine refuses (none, in a
    /// catalogue fit to ship: the tests check the built-in one).
    pub fn compile_all(&self) -> Vec<String> {
        let rules = self.entries.iter().flat_map(|e| &e.rules);
        let rule_patterns = rules.flat_map(|r| {
            [
                &r.name_pattern,
                &r.not_name,
                &r.publisher,
                &r.os_name,
                &r.manufacturer,
                &r.model,
                &r.cpu,
            ]
            .into_iter()
            .flatten()
        });
        let cpu_patterns = self
            .readiness
            .iter()
            .flat_map(|r| r.cpu.iter().map(|(p, _)| p));
        rule_patterns
            .chain(cpu_patterns)
            .filter(|p| !p.compiles())
            .map(|p| p.as_str().to_string())
            .collect()
    }

    /// The catalogue version, cited in every report: the base's `[catalog] version`, and with
    /// overlays `+overlay.<digest>` of their names and texts, so any change to an overlay is a
    /// new version (agents fetch a bundle whose version differs from theirs).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Software looked at and judged to need no lifecycle (`[[reviewed]]`), every layer's.
    pub fn reviewed(&self) -> &[Reviewed] {
        &self.reviewed
    }

    /// Whether a `[[reviewed]]` entry covers software with this name and publisher.
    pub fn is_reviewed(&self, name: &str, publisher: Option<&str>) -> bool {
        self.reviewed.iter().any(|r| r.covers(name, publisher))
    }

    /// Catalogue metadata.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The day the catalogue's bulk data was last read from its sources, when it says.
    pub fn date(&self) -> Option<NaiveDate> {
        self.date
    }

    /// How old the catalogue's data is on `today`, and whether that is too old to trust
    /// ([`STALE_AFTER_DAYS`]).
    pub fn freshness(&self, today: NaiveDate) -> Freshness {
        let age_days = self.date.map(|date| (today - date).num_days());
        Freshness {
            date: self.date,
            age_days,
            stale: age_days.is_none_or(|age| age > STALE_AFTER_DAYS),
        }
    }

    /// The day `entry`'s data was read: its source's `retrieved`, else the catalogue's date.
    pub fn data_date(&self, entry: &Entry) -> Option<NaiveDate> {
        entry
            .source
            .as_ref()
            .and_then(|s| s.retrieved)
            .or(self.date)
    }

    /// The Windows cumulative-update table.
    pub fn updates(&self) -> &Updates {
        &self.updates
    }

    /// All products with their checked releases, in load order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Upgrade-readiness requirements (Windows 11 hardware).
    pub fn readiness(&self) -> &[CompiledReadiness] {
        &self.readiness
    }

    /// The firmware age policy, if the catalogue sets one.
    pub fn firmware_age(&self) -> Option<&FirmwareAge> {
        self.firmware_age.as_ref()
    }

    /// The Secure Boot certificate expiry policy, if the catalogue sets one.
    pub fn secure_boot(&self) -> Option<&CompiledSecureBoot> {
        self.secure_boot.as_ref()
    }

    /// Looks a product up by id.
    pub fn product(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.product.id.get_ref() == id)
    }

    pub(crate) fn entry(&self, at: RuleRef) -> (&Entry, &CompiledRule) {
        let entry = &self.entries[at.entry];
        (entry, &entry.rules[at.rule])
    }

    pub(crate) fn os_rules(&self) -> &[RuleRef] {
        &self.index.os
    }

    pub(crate) fn hardware_rules(&self) -> &[RuleRef] {
        &self.index.hardware
    }

    /// Buffers for [`Catalog::software_candidates`], reused across the entries of an evaluation.
    pub(crate) fn lookup(&self) -> Lookup {
        self.index.lookup()
    }

    /// Rules that may match a software entry, into `lookup` ([`Index::software_candidates`]).
    pub(crate) fn software_candidates(&self, software: &Software, lookup: &mut Lookup) {
        self.index.software_candidates(software, lookup);
    }
}

impl Entry {
    /// The cycle an installed version belongs to: a cycle limited to the machine's edition wins
    /// over one for all editions.
    pub fn release_for(&self, version: &str, edition: Option<&str>) -> Option<&CompiledRelease> {
        match self.place(version, edition) {
            Placement::In(release) => Some(release),
            _ => None,
        }
    }

    /// Where an installed version lies among the cycles that apply to `edition` (those limited to
    /// it and those for all editions): in one, older or newer than all, or unplaced.
    pub fn place(&self, version: &str, edition: Option<&str>) -> Placement<'_> {
        // Editions are compiled lowercase; the machine's is compared without allocating (every
        // software verdict passes the OS's edition).
        let edition = edition.map(|e| {
            if e.is_ascii() {
                Cow::Borrowed(e)
            } else {
                Cow::Owned(e.to_lowercase())
            }
        });
        let for_edition = |r: &CompiledRelease| {
            edition
                .as_deref()
                .is_some_and(|e| r.editions.iter().any(|x| x.eq_ignore_ascii_case(e)))
        };
        let installed = Installed::new(self.product.scheme, version);
        let fits = |r: &&CompiledRelease| r.range.contains_installed(&installed);
        // Only the releases that can hold the version's first number (in file order).
        let candidates = || {
            self.majors
                .candidates(installed.major())
                .iter()
                .filter_map(|&i| self.releases.get(i))
        };
        let specific = candidates().filter(|r| for_edition(r)).find(fits);
        if let Some(release) =
            specific.or_else(|| candidates().filter(|r| r.editions.is_empty()).find(fits))
        {
            return Placement::In(release);
        }
        let applicable = || {
            self.releases
                .iter()
                .filter(|r| r.editions.is_empty() || for_edition(r))
        };
        let mut below = 0;
        let mut above = 0;
        let mut total = 0;
        for release in applicable() {
            total += 1;
            match release.range.position(&installed) {
                Some(Position::Below) => below += 1,
                Some(Position::Above) => above += 1,
                Some(Position::Inside) | None => {}
            }
        }
        if total == 0 {
            return Placement::Unplaced;
        }
        // The oldest and newest cycles by release date, else by file order (newest first).
        let by_age = |r: &&CompiledRelease| r.released;
        if below == total {
            let oldest = applicable()
                .filter(|r| r.released.is_some())
                .min_by_key(by_age)
                .or_else(|| applicable().next_back());
            return oldest.map_or(Placement::Unplaced, Placement::Older);
        }
        if above == total {
            let newest = applicable()
                .filter(|r| r.released.is_some())
                .max_by_key(by_age)
                .or_else(|| applicable().next());
            return newest.map_or(Placement::Unplaced, Placement::Newer);
        }
        Placement::Unplaced
    }
}
