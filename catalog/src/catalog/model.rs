//! The catalogue's data: products, their match rules and their release cycles with dates.
//!
//! These types are deserialised straight from the TOML files (`deny_unknown_fields`, so a typo'd key
//! is an error with its line) and then checked by the loader. Match rules are ours; dates come from
//! a cited source (see [`SourceRef`]).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::version::Scheme;

/// What a product is; decides which part of an inventory its rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An operating system; rules match the inventory's OS.
    Os,
    /// An application; rules match software entries.
    Application,
    /// A language runtime or framework (.NET, Java, Python); rules match software entries.
    Runtime,
    /// A web browser; rules match software entries.
    Browser,
    /// Server software (SQL Server, PostgreSQL); rules match software entries.
    Server,
    /// System firmware; rules match the hardware.
    Firmware,
    /// A hardware platform or processor; rules match the hardware.
    Hardware,
}

impl Kind {
    /// Which inventory part this kind is matched against.
    pub fn target(self) -> Target {
        match self {
            Kind::Os => Target::Os,
            Kind::Firmware | Kind::Hardware => Target::Hardware,
            Kind::Application | Kind::Runtime | Kind::Browser | Kind::Server => Target::Software,
        }
    }
}

/// The part of an inventory a product is matched against. Its name ([`Target::as_str`], the serde
/// tag) is also how the collector stores and filters it; `FromStr` reads it back.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Target {
    /// The operating system.
    Os,
    /// One software entry.
    Software,
    /// The hardware.
    Hardware,
}

impl Target {
    /// Every target, in the order reports list them.
    pub const ALL: [Target; 3] = [Target::Os, Target::Software, Target::Hardware];

    /// The target as written in JSON and shown to people (`os`, `software`, `hardware`).
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Os => "os",
            Target::Software => "software",
            Target::Hardware => "hardware",
        }
    }
}

/// One catalogue file: optional catalogue metadata and any number of products.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    pub catalog: Option<Spanned<Meta>>,
    #[serde(default)]
    pub product: Vec<Product>,
    #[serde(default)]
    pub readiness: Vec<Spanned<Readiness>>,
    pub firmware_age: Option<Spanned<FirmwareAge>>,
    pub updates: Option<Spanned<UpdateTable>>,
    pub secure_boot_certificates: Option<Spanned<SecureBootCertificates>>,
    #[serde(default)]
    pub reviewed: Vec<ReviewedSpec>,
}

/// A `[[reviewed]]` table as written: a software name an organisation decided needs no lifecycle
/// (checked into a `Reviewed` by the loader, `reviewed.rs`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewedSpec {
    pub name: Spanned<String>,
    pub publisher: Option<String>,
    pub reason: Spanned<String>,
    pub by: Option<String>,
    pub on: Option<Spanned<toml::value::Datetime>>,
}

/// Hardware requirements for an OS upgrade (Windows 11), judged on machines that run the OS before
/// it. A machine that fails them needs hardware replacement, which changes the budget, not the plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Readiness {
    /// Unique id, used as the finding's product id (`windows11-readiness`).
    pub id: String,
    /// Display name (`Windows 11 hardware readiness`).
    pub name: String,
    /// Which machines are judged: an OS rule (`os_family`, `installation_type`, …).
    pub applies_to: Rule,
    /// Which OS versions are judged (`<10.0.22000`: Windows 10 and older).
    pub os_versions: Spanned<String>,
    /// Minimum installed memory.
    pub min_memory_bytes: Option<u64>,
    /// Minimum system disk size.
    pub min_system_disk_bytes: Option<u64>,
    /// Minimum TPM major version.
    pub min_tpm_major: Option<u32>,
    /// Requires UEFI firmware with Secure Boot capability.
    #[serde(default)]
    pub secure_boot_capable: bool,
    /// Where the requirements come from.
    pub source: Option<SourceRef>,
    /// Reference page.
    pub link: Option<String>,
    /// Advice for machines that fail.
    pub replacement: Option<String>,
    /// Processor rules, first match decides; a processor no rule matches is `unknown`.
    #[serde(default)]
    pub cpu: Vec<CpuRule>,
}

/// One processor family's verdict, matched against the CPU brand string.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuRule {
    /// Brand-string regex, case-insensitive, unanchored (brand strings carry prefixes).
    pub regex: Spanned<String>,
    /// Whether the processors it matches are supported.
    pub supported: bool,
    /// Why, for the evidence (`Intel 7th generation`).
    pub note: String,
}

/// Firmware older than this is flagged: OEMs stop firmware (and so microcode) updates years earlier.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmwareAge {
    /// Age in years from the firmware date after which a machine is flagged.
    pub max_years: u32,
    /// Advice for flagged machines.
    pub replacement: Option<String>,
}

/// The expiry of Microsoft's 2011 Secure Boot certificate authorities (KB5062713): a machine that
/// boots with Secure Boot on and trusts only the 2011 CAs cannot take boot-manager, `db` or `dbx`
/// updates signed after they expire. Which CAs, their dates and their 2023 replacements are data;
/// the judgement is in `crate::secure_boot`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecureBootCertificates {
    /// Finding product id (`secure-boot-certificates`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// OS families whose machines are judged (Macs do not use Microsoft's UEFI keys).
    pub os_families: Vec<crate::inventory::OsFamily>,
    /// Where the dates come from.
    pub source: Option<SourceRef>,
    /// Reference page.
    pub link: Option<String>,
    /// Advice when the 2023 certificates are missing.
    pub missing_advice: String,
    /// Advice when Secure Boot is switched off.
    pub secure_boot_off_advice: String,
    /// Advice for a legacy BIOS boot, or UEFI firmware without Secure Boot.
    pub no_secure_boot_advice: String,
    /// The expiring CAs, each with the 2023 CAs that replace it.
    pub certificate: Vec<ExpiringCertificate>,
}

/// One expiring Secure Boot CA and its replacements.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpiringCertificate {
    /// The firmware variable that holds it.
    pub store: CertificateStore,
    /// Subject common name (`Microsoft Corporation KEK CA 2011`). Matched on the CN alone: the
    /// 2023 subjects drop the 2011 ones' `L=Redmond, ST=Washington`.
    pub name: String,
    /// Its `notAfter` date.
    pub expires: Spanned<toml::value::Datetime>,
    /// Common names of the CAs that replace it; the machine is ready when all are present.
    pub replaced_by: Vec<String>,
    /// Whether Windows' `WindowsUEFICA2023Capable` value (1 or 2) proves the replacements are in
    /// `db` when the firmware variables themselves could not be read.
    #[serde(default)]
    pub proven_by_windows_capable: bool,
}

/// A Secure Boot certificate list in firmware.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateStore {
    /// The signature database (`db`): CAs whose signatures boot.
    Db,
    /// The Key Exchange Keys (`KEK`): CAs allowed to update `db` and `dbx`.
    Kek,
}

impl CertificateStore {
    /// The variable's name (`db`, `KEK`).
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStore::Db => "db",
            CertificateStore::Kek => "KEK",
        }
    }
}

/// Catalogue-wide metadata; exactly one file of a catalogue carries it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Catalogue version, printed in every report (`2026.11.25`).
    pub version: String,
    /// The day the catalogue's bulk data was last read from its sources. Scans show it and warn
    /// when it is old; rolling-release policies trust the newest known release only for a while
    /// after it (a product's own `source.retrieved` wins where given).
    pub date: Option<toml::value::Datetime>,
    /// Attribution of the data sources, shipped with the data as their licences require.
    #[serde(default)]
    pub attribution: Vec<String>,
}

/// A product with end-of-support dates: Windows 10, Python, Adobe Acrobat Reader, …
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Unique id across the catalogue (`windows`, `python`).
    pub id: Spanned<String>,
    /// Display name.
    pub name: String,
    /// Kind, which decides the target of the rules.
    pub kind: Kind,
    /// How to order this product's versions.
    #[serde(default)]
    pub scheme: Scheme,
    /// Where the dates come from.
    pub source: Option<SourceRef>,
    /// Advice shown with unsupported findings, unless a release has its own.
    pub replacement: Option<String>,
    /// The vendor's lifecycle page.
    pub link: Option<String>,
    /// Rules that recognise the product; any one matching is enough.
    #[serde(rename = "match", default)]
    pub rules: Vec<Spanned<Rule>>,
    /// Who gives cover in the releases' extended windows, unless a release says otherwise.
    pub extended_cover: Option<ExtendedCover>,
    /// The vendor's support rule for a rolling-release product (browsers, Zoom, 7-Zip): which
    /// releases are supported at all, beyond the dates of individual cycles.
    pub policy: Option<Spanned<Policy>>,
    /// Release cycles with their dates.
    #[serde(rename = "release", default)]
    pub releases: Vec<Release>,
}

/// Where a product's dates come from, cited in every finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRef {
    /// `endoflife.date`, or `vendor` for a vendor's published lifecycle policy.
    pub name: String,
    /// The product id in that source.
    pub product: Option<String>,
    /// Source revision (an endoflife.date commit) the dates were imported from.
    pub revision: Option<String>,
    /// Page a reviewer can check.
    pub url: Option<String>,
    /// When the dates were read.
    pub retrieved: Option<Spanned<toml::value::Datetime>>,
}

/// A [`SourceRef`] as the loader checked it (`retrieved` is a calendar date), as findings cite it.
///
/// Its own type because a finding is JSON for the report, the collector's store and its API: a
/// TOML date serialises there as `{"$__toml_private_datetime": "2026-11-25"}` and does not read
/// back, where this is `"retrieved": "2026-11-25"`. Reading still accepts that old form, which
/// collectors stored before this type existed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateSource {
    /// `endoflife.date`, or `vendor` for a vendor's published lifecycle policy.
    pub name: String,
    /// The product id in that source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Source revision (an endoflife.date commit) the dates were imported from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Page a reviewer can check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When the dates were read.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "retrieved_date"
    )]
    pub retrieved: Option<NaiveDate>,
}

/// `retrieved` as written: a date, or the TOML date's serde form that earlier findings carried.
#[derive(Deserialize)]
#[serde(untagged)]
enum RetrievedOnWire {
    Date(NaiveDate),
    Toml(toml::value::Datetime),
}

/// Reads [`DateSource::retrieved`] in either form; a TOML date without a calendar date is an error.
fn retrieved_date<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<RetrievedOnWire>::deserialize(deserializer)? {
        None => Ok(None),
        Some(RetrievedOnWire::Date(date)) => Ok(Some(date)),
        Some(RetrievedOnWire::Toml(datetime)) => datetime
            .date
            .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()))
            .map(Some)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("retrieved '{datetime}' is not a calendar date"))
            }),
    }
}

/// One way to recognise a product. All conditions given must hold.
///
/// Software rules need a name or identifier condition: a publisher alone matches too much.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Software name, exact, case-insensitive. Several names may be given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<String>,
    /// Software name glob (`*` and `?`), case-insensitive, anchored.
    pub name_glob: Option<String>,
    /// Software name regex, case-insensitive, anchored. A named group `version` replaces the
    /// installed version for cycle mapping (Office 2016/2019/2021 all report 16.0.x).
    pub name_regex: Option<String>,
    /// Names this rule must not match (regex, case-insensitive, anchored): the software name, or
    /// for an OS rule the OS product name (`Red Hat Enterprise Linux Atomic Host …` is not RHEL).
    pub not_name_regex: Option<String>,
    /// Publisher regex, case-insensitive, anchored.
    pub publisher_regex: Option<String>,
    /// Platform identifier (macOS bundle id, Flatpak id), exact.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<String>,
    /// Install sources this rule applies to (`dpkg`, `hklm-uninstall`, …); empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Who must ship the package (`vendor`: a vendor's repository, as the agent found it;
    /// `distribution`: the OS distribution, the default for an unknown origin). Package sources
    /// only: a rule with an origin names `sources` among `dpkg` and `rpm`. A name that both a
    /// distribution and a vendor ship (`nodejs`, `dotnet-runtime-8.0`) is judged on upstream dates
    /// only with `origin = "vendor"`: the distribution patches its own for the life of the OS.
    pub origin: Option<String>,
    /// OS family (`windows`, `linux`, `macos`).
    pub os_family: Option<String>,
    /// OS product-name regex, case-insensitive, anchored.
    pub os_name_regex: Option<String>,
    /// Linux distribution ids (`ubuntu`, `rhel`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distro_id: Vec<String>,
    /// Installation type (`client`, `server`, or `unknown` for an OS whose type was not collected:
    /// a fallback rule that must not also claim machines known to be servers).
    pub installation_type: Option<String>,
    /// Hardware manufacturer regex, case-insensitive, anchored.
    pub manufacturer_regex: Option<String>,
    /// Hardware model regex, case-insensitive, anchored.
    pub model_regex: Option<String>,
    /// CPU brand-string regex, case-insensitive, anchored.
    pub cpu_regex: Option<String>,
}

/// A release cycle: which versions belong to it, and its dates.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// Cycle id, unique within the product (`10-22h2`, `3.12`).
    pub cycle: Spanned<String>,
    /// Display label (`Windows 10 22H2`).
    pub label: Option<String>,
    /// Installed versions that belong to this cycle (`3.12.*`, `>=10.0.19045, <10.0.19046`).
    pub versions: Spanned<String>,
    /// Editions this cycle is limited to (Windows `EditionID`s, case-insensitive). A cycle with
    /// editions takes precedence over one without for those editions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editions: Vec<String>,
    /// First release date.
    pub released: Option<Spanned<toml::value::Datetime>>,
    /// End of active (mainstream) support.
    pub active_support_end: Option<Spanned<DateOrFlag>>,
    /// End of security support: the date that makes a system unsupported. Required, except in a
    /// product whose policy keeps only the latest N releases: there it follows from the release
    /// dates when not given.
    pub security_support_end: Option<Spanned<DateOrFlag>>,
    /// End of paid extended support (ESU), where one exists.
    pub extended_support_end: Option<Spanned<DateOrFlag>>,
    /// Who gives cover in the extended window, overriding the product's.
    pub extended_cover: Option<ExtendedCover>,
    /// A component of the OS (Microsoft's component lifecycle: .NET Framework 4.5.2 and later,
    /// Internet Explorer 11 on LTSC and Server): on a machine whose OS is out of support, or in its
    /// extended window, the component is too, whatever its own dates say.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub follows_os: bool,
    /// With `follows_os`: only on Windows builds below this one (.NET Framework 3.5 SP1 is its own
    /// product from Windows 10 1809 / Server 2019, build 17763, and a component before).
    pub follows_os_below_build: Option<Spanned<u32>>,
    /// Long-term-support release.
    #[serde(default)]
    pub lts: bool,
    /// Latest known version in the cycle.
    pub latest: Option<String>,
    /// Advice for this cycle, overriding the product's.
    pub replacement: Option<String>,
    /// Reference page for this cycle's dates.
    pub link: Option<String>,
}

/// A support date as sources give it: a date, or only whether it has passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DateOrFlag {
    /// A known date.
    Date(toml::value::Datetime),
    /// `true`: support has ended, date unknown. `false`: no end announced.
    Flag(bool),
}

/// A checked support end, as evaluation uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "date")]
pub enum SupportEnd {
    /// Support ends (or ended) on this date; the date itself is the last supported day.
    On(NaiveDate),
    /// Support has ended; the source gives no date.
    Ended,
    /// No end has been announced.
    NotAnnounced,
}

impl fmt::Display for SupportEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupportEnd::On(date) => write!(f, "{date}"),
            SupportEnd::Ended => f.write_str("ended (date unknown)"),
            SupportEnd::NotAnnounced => f.write_str("not announced"),
        }
    }
}

/// What gives a machine cover in a release's extended (paid) support window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverKind {
    /// Every machine has it: the vendor (or the distribution's LTS team) keeps fixing it
    /// (Debian LTS).
    Automatic,
    /// An enrolment the agent can see on the machine: a licence or subscription attachment
    /// (Windows 10 ESU, Ubuntu Pro ESM). It is looked up in the inventory's `cover`.
    Enrolment,
    /// A contract only the organisation knows about (Oracle Java SE Subscription, RHEL ELS, SQL
    /// Server ESU): declared to the evaluation, never assumed.
    Contract,
}

impl CoverKind {
    /// The kind as written in the catalogue.
    pub fn as_str(self) -> &'static str {
        match self {
            CoverKind::Automatic => "automatic",
            CoverKind::Enrolment => "enrolment",
            CoverKind::Contract => "contract",
        }
    }
}

/// Who gives cover in an extended window, as written in the catalogue:
/// `extended_cover = { kind = "enrolment", program = "windows-10-esu", offer = "Windows 10 ESU licence" }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtendedCover {
    /// Automatic, an enrolment the agent can see, or a contract.
    pub kind: CoverKind,
    /// The programme id an agent reports in `Inventory.cover` (`windows-10-esu`,
    /// `ubuntu-pro-esm-infra`); required for enrolments.
    pub program: Option<String>,
    /// For a programme sold by the year: the last day each year covers (year 1 first). A licence
    /// for year N covers up to the Nth date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub years: Vec<toml::value::Datetime>,
    /// What an organisation buys, for the advice (`Windows 10 ESU licence`, `RHEL ELS add-on`).
    pub offer: Option<String>,
}

/// A rolling-release product's support rule, with its source:
/// `[product.policy] latest_releases = 1, cadence_days = 28` (only the newest release is fixed; a new
/// one ships every 4 weeks), or `minimum_version = "5.17.5", minimum_since = 2025-08-02,
/// cadence_days = 90` (the vendor refuses clients below a minimum it raises every 90 days).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Only the newest N releases (cycles) get security fixes.
    pub latest_releases: Option<u32>,
    /// The oldest version the vendor supports.
    pub minimum_version: Option<String>,
    /// When that minimum took effect.
    pub minimum_since: Option<toml::value::Datetime>,
    /// How often the vendor ships a release (or raises the minimum), in days: knowledge of the
    /// newest release (or the minimum) is trusted for `latest_releases` × this many days after the
    /// release list was complete, and no longer.
    pub cadence_days: u32,
    /// The day the product's release list was last complete (a vendor page's own date), when that
    /// is older than the catalogue's date; otherwise the product's `source.retrieved`, else the
    /// catalogue's date, is used.
    pub releases_as_of: Option<toml::value::Datetime>,
    /// Where the policy is stated, and when it was read.
    pub source: SourceRef,
    /// The policy in the vendor's words, for the evidence.
    pub note: Option<String>,
}

/// A table of Windows cumulative updates: which monthly patch level (UBR) each build reached when.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTable {
    /// Where the rows come from (Microsoft's update-history pages).
    pub source: SourceRef,
    /// The newest release date the table covers: an install at the table's latest update is
    /// current only as far as the table knows.
    pub data_until: toml::value::Datetime,
    /// One row per update.
    #[serde(default)]
    pub rows: Vec<UpdateRow>,
}

/// One cumulative update of one Windows build, as Microsoft lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateRow {
    /// The catalogue product whose OS reports this build (`windows`, `windows-server`): Windows
    /// 11 24H2 and Server 2025 share build 26100 but not their UBRs.
    pub product: String,
    /// Build number (`26100`).
    pub build: u32,
    /// Update build revision (UBR) after the update (`9168`).
    pub revision: u32,
    /// Release date.
    pub released: toml::value::Datetime,
    /// Knowledge-base article (`KB5121003`); empty for the release itself.
    #[serde(default)]
    pub kb: String,
    /// Microsoft's release type.
    pub kind: UpdateKind,
}

/// The release type of a Windows update.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateKind {
    /// The build's first release.
    Ga,
    /// The monthly security update (Patch Tuesday, "B" week).
    Standard,
    /// An optional non-security preview ("C"/"D" week).
    Preview,
    /// Out-of-band, which may fix security issues.
    OutOfBand,
    /// A hotpatch (its UBR can be lower than the baseline before it).
    Hotpatch,
    /// An out-of-band hotpatch.
    HotpatchOob,
}

impl UpdateKind {
    /// Whether installing it brings security fixes.
    pub fn is_security(self) -> bool {
        !matches!(self, UpdateKind::Preview)
    }
}
