//! Software entries: what was found, where ([`Source`]) and, for packages, who ships them
//! ([`Origin`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a software entry was found. Kept on every entry so a finding can say where to look.
///
/// The one list of software sources: [`Source::known`] iterates it (a new variant is in it
/// without further edits), catalogue rules' `sources` are checked against it, and the agent's test
/// `every_source_has_a_collector` fails until some collector produces a new one.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, strum::EnumIter,
)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// `HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall` (64-bit view).
    HklmUninstall,
    /// `HKLM\SOFTWARE\WOW6432Node\…\Uninstall` (32-bit programs on 64-bit Windows).
    Wow6432Uninstall,
    /// A user's `Software\Microsoft\Windows\CurrentVersion\Uninstall` (per-user install).
    UserUninstall {
        /// The user's SID, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_sid: Option<String>,
        /// The user's account or profile folder name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_name: Option<String>,
    },
    /// A product Windows registers outside Uninstall (browsers, .NET, Office click-to-run).
    WindowsRegistry {
        /// Registry path the version was read from.
        path: String,
    },
    /// Debian's dpkg database.
    Dpkg,
    /// The RPM database.
    Rpm,
    /// A Flatpak application or runtime.
    Flatpak,
    /// A Snap package.
    Snap,
    /// A macOS application bundle.
    MacosApp,
    /// A source added by a newer agent.
    #[serde(other)]
    #[strum(disabled)]
    Other,
}

impl Source {
    /// Every source this version knows, in declaration order (not [`Source::Other`]); variants
    /// with data carry empty values.
    pub fn known() -> impl Iterator<Item = Source> {
        <Source as strum::IntoEnumIterator>::iter()
    }

    /// Short stable name (`hklm-uninstall`, `dpkg`, …) used in evidence, keys and catalogue rules.
    pub fn name(&self) -> &'static str {
        match self {
            Source::HklmUninstall => "hklm-uninstall",
            Source::Wow6432Uninstall => "wow6432-uninstall",
            Source::UserUninstall { .. } => "user-uninstall",
            Source::WindowsRegistry { .. } => "windows-registry",
            Source::Dpkg => "dpkg",
            Source::Rpm => "rpm",
            Source::Flatpak => "flatpak",
            Source::Snap => "snap",
            Source::MacosApp => "macos-app",
            Source::Other => "other",
        }
    }

    /// How the source packages versions, which decides how to get the upstream version out of it.
    pub fn packaging(&self) -> Packaging {
        match self {
            Source::Dpkg => Packaging::Debian,
            Source::Rpm => Packaging::Rpm,
            _ => Packaging::Plain,
        }
    }
}

/// How a source wraps an upstream version (`1:2.4.7-1ubuntu0.2` is upstream `2.4.7` in dpkg).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packaging {
    /// The version is the vendor's own.
    Plain,
    /// `[epoch:]upstream[-revision]`.
    Debian,
    /// `[epoch:]version[-release]`.
    Rpm,
}

/// One installed program or package.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Software {
    /// Name as the system shows it (DisplayName, package name, bundle name).
    pub name: String,
    /// Version as the system reports it, unaltered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Publisher or vendor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Install date, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_date: Option<NaiveDate>,
    /// Architecture (`x64`, `x86`, `amd64`, `noarch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Where it was found.
    pub source: Source,
    /// Who ships it, for a package (dpkg, rpm): the distribution or a vendor's repository. `None`
    /// for other sources, and from agents that did not record it (read as the distribution's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// Install folder, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_location: Option<String>,
    /// A platform identifier: macOS bundle id, MSI product code, Flatpak app id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Stable identity for de-duplication across views and scans; see [`Software::identity_key`].
    pub key: String,
}

impl Software {
    /// The identity key of a program: lower-cased name, version and architecture. Two Uninstall
    /// entries with the same key (say, in the 64-bit and 32-bit views) are one program.
    pub fn identity_key(name: &str, version: Option<&str>, architecture: Option<&str>) -> String {
        let mut key = name.trim().to_lowercase();
        for part in [version, architecture] {
            key.push('|');
            key.push_str(&part.unwrap_or("").trim().to_lowercase());
        }
        key
    }

    /// A package of the OS distribution (dpkg or rpm, not known to come from a vendor): patched by
    /// the distribution for the life of the OS release, so the OS verdict covers it and upstream
    /// dates do not apply. An unknown origin counts as the distribution's: no false alarms.
    pub fn is_distribution_package(&self) -> bool {
        matches!(self.source, Source::Dpkg | Source::Rpm) && !self.is_vendor_package()
    }

    /// A package the agent found to come from a vendor's repository rather than the distribution.
    pub fn is_vendor_package(&self) -> bool {
        self.origin
            .as_ref()
            .is_some_and(|o| o.kind == OriginKind::Vendor)
    }
}

/// Who ships a package. A distribution package is patched by the distribution for the life of the
/// OS release; a vendor's package (NodeSource's `nodejs`, Google's `google-chrome-stable`, PGDG's
/// `postgresql-16`) is the vendor's release, supported on the vendor's dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Distribution or vendor.
    pub kind: OriginKind,
    /// The vendor as its evidence names it (`deb.nodesource.com`, `Google LLC`), for a vendor's
    /// package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The facts the decision rests on, strongest first. Empty for a distribution package: nothing
    /// pointed elsewhere, and that is the default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<OriginEvidence>,
}

impl Origin {
    /// A distribution package: no evidence of a vendor.
    pub fn distribution() -> Origin {
        Origin {
            kind: OriginKind::Distribution,
            vendor: None,
            evidence: Vec::new(),
        }
    }

    /// A vendor's package, with what shows it.
    pub fn vendor(vendor: impl Into<String>, evidence: Vec<OriginEvidence>) -> Origin {
        Origin {
            kind: OriginKind::Vendor,
            vendor: Some(vendor.into()),
            evidence,
        }
    }
}

/// Whether a package comes from the distribution or from a vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginKind {
    /// The OS distribution (also: no evidence either way).
    Distribution,
    /// A vendor's own repository or package.
    Vendor,
    /// A value added by a newer agent (read as the distribution's).
    #[serde(other)]
    Other,
}

impl OriginKind {
    /// As written in the inventory and the catalogue (`distribution`, `vendor`).
    pub fn as_str(self) -> &'static str {
        match self {
            OriginKind::Distribution => "distribution",
            OriginKind::Vendor => "vendor",
            OriginKind::Other => "other",
        }
    }
}

/// One fact about where a package came from, as the package database or apt recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginEvidence {
    /// Which fact.
    pub field: OriginField,
    /// Its value, as written (`Docker`, `NodeSource Support <support@nodesource.com>`, `pgdg`).
    pub value: String,
}

impl OriginEvidence {
    /// Evidence `field` = `value`.
    pub fn new(field: OriginField, value: impl Into<String>) -> OriginEvidence {
        OriginEvidence {
            field,
            value: value.into(),
        }
    }
}

/// The kinds of evidence of a package's origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OriginField {
    /// `Origin:` of the apt `Release` file of the list that has the installed version.
    AptOrigin,
    /// `Label:` of that `Release` file.
    AptLabel,
    /// The apt list that has the installed version (its file name in `/var/lib/apt/lists`).
    AptList,
    /// dpkg's `Maintainer:` field.
    DpkgMaintainer,
    /// A vendor's mark in the package version (`nodesource`, `pgdg`).
    VersionMark,
    /// The rpm `VENDOR` tag.
    RpmVendor,
    /// The rpm `PACKAGER` tag.
    RpmPackager,
    /// The rpm `DISTRIBUTION` tag.
    RpmDistribution,
    /// The vendor of the OS's own packages, which the package's was compared with.
    OsVendor,
    /// A kind added by a newer agent.
    #[serde(other)]
    Other,
}

impl OriginField {
    /// How a person reads it (`apt Origin`, `dpkg Maintainer`).
    pub fn describe(self) -> &'static str {
        match self {
            OriginField::AptOrigin => "apt Origin",
            OriginField::AptLabel => "apt Label",
            OriginField::AptList => "apt list",
            OriginField::DpkgMaintainer => "dpkg Maintainer",
            OriginField::VersionMark => "version mark",
            OriginField::RpmVendor => "rpm Vendor",
            OriginField::RpmPackager => "rpm Packager",
            OriginField::RpmDistribution => "rpm Distribution",
            OriginField::OsVendor => "OS vendor",
            OriginField::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_source_is_named_as_serde_tags_it_and_reads_back() {
        let known: Vec<Source> = Source::known().collect();
        assert!(!known.contains(&Source::Other));
        let mut names: Vec<&str> = known.iter().map(Source::name).collect();
        for source in &known {
            let json = serde_json::to_value(source).unwrap();
            assert_eq!(json["kind"], source.name(), "{source:?}");
            let back: Source = serde_json::from_value(json).unwrap();
            assert_eq!(&back, source);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), known.len(), "two sources share a name");
        assert_eq!(
            serde_json::from_str::<Source>(r#"{"kind": "from-a-newer-agent"}"#).unwrap(),
            Source::Other
        );
    }

    #[test]
    fn identity_key_ignores_case_and_whitespace() {
        assert_eq!(
            Software::identity_key(" 7-Zip 23.01 (x64) ", Some("23.01"), Some("x64")),
            Software::identity_key("7-zip 23.01 (X64)", Some("23.01 "), Some("X64"))
        );
    }

    #[test]
    fn origin_is_optional_and_tolerates_newer_values() {
        let old: Software =
            serde_json::from_str(r#"{"name": "nodejs", "source": {"kind": "dpkg"}, "key": "k"}"#)
                .unwrap();
        assert_eq!(old.origin, None);
        assert!(old.is_distribution_package());
        let newer: Software = serde_json::from_str(
            r#"{"name": "nodejs", "source": {"kind": "dpkg"}, "key": "k",
                "origin": {"kind": "community", "evidence": [{"field": "sbom", "value": "x"}]}}"#,
        )
        .unwrap();
        let origin = newer.origin.as_ref().unwrap();
        assert_eq!(origin.kind, OriginKind::Other);
        assert_eq!(origin.evidence[0].field, OriginField::Other);
        assert!(
            newer.is_distribution_package(),
            "an unknown origin is the distribution's"
        );
        let vendor = Software {
            origin: Some(Origin::vendor(
                "deb.nodesource.com",
                vec![OriginEvidence::new(OriginField::VersionMark, "nodesource")],
            )),
            ..old
        };
        assert!(vendor.is_vendor_package() && !vendor.is_distribution_package());
        let json = serde_json::to_value(&vendor).unwrap();
        assert_eq!(
            json["origin"],
            serde_json::json!({"kind": "vendor", "vendor": "deb.nodesource.com",
                "evidence": [{"field": "version-mark", "value": "nodesource"}]})
        );
        assert_eq!(
            serde_json::to_value(Origin::distribution()).unwrap(),
            serde_json::json!({"kind": "distribution"})
        );
    }
}
