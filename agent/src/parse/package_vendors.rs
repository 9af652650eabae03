//! Vendors recognised from what dpkg itself records about a package — its `Maintainer:` address
//! or a mark in its version — for machines whose apt lists cannot say where a package came from
//! (lists deleted, a `.deb` installed by hand, an offline image).
//!
//! The table is data (`agent/data/package-vendors.toml`, with where each value was seen), so a
//! new vendor is one entry, not code. Only positive evidence is recognised: a package no entry
//! matches stays the distribution's, which is the default that raises no false alarm.

use std::sync::OnceLock;

use serde::Deserialize;
use sunset_catalog::inventory::{Origin, OriginEvidence, OriginField};

const TABLE: &str = include_str!("../../data/package-vendors.toml");

/// One vendor and the marks its packages carry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    /// The vendor's name, as reported (`NodeSource`).
    pub name: String,
    /// E-mail domains of its `Maintainer:` (a subdomain matches too).
    #[serde(default)]
    pub maintainer_domains: Vec<String>,
    /// Whole `Maintainer:` addresses, where the domain is shared with others.
    #[serde(default)]
    pub maintainer_addresses: Vec<String>,
    /// Words in the Debian revision that only its packages use (`nodesource`, `pgdg`).
    #[serde(default)]
    pub version_marks: Vec<String>,
    /// Where the values were seen.
    pub seen: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    vendor: Vec<Vendor>,
}

/// The built-in table. A table that does not parse is a build defect the tests catch; the agent
/// then recognises no vendor by these marks rather than failing a scan.
pub fn vendors() -> &'static [Vendor] {
    static VENDORS: OnceLock<Vec<Vendor>> = OnceLock::new();
    VENDORS.get_or_init(|| {
        toml::from_str::<Table>(TABLE)
            .map(|t| t.vendor)
            .unwrap_or_default()
    })
}

/// The e-mail address in a `Maintainer:` value (`Name <user@example.com>` or a bare address),
/// lower-cased.
fn address(maintainer: &str) -> Option<String> {
    let inner = match (maintainer.rfind('<'), maintainer.rfind('>')) {
        (Some(open), Some(close)) if open < close => &maintainer[open + 1..close],
        _ => maintainer,
    };
    let inner = inner.trim();
    inner.contains('@').then(|| inner.to_ascii_lowercase())
}

/// The vendor whose maintainer address or domain this `Maintainer:` value carries.
pub fn by_maintainer(maintainer: &str) -> Option<&'static Vendor> {
    let address = address(maintainer)?;
    let domain = address.rsplit_once('@').map(|(_, d)| d)?;
    vendors().iter().find(|v| {
        v.maintainer_addresses
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&address))
            || v.maintainer_domains.iter().any(|d| {
                let d = d.to_ascii_lowercase();
                domain == d || domain.ends_with(&format!(".{d}"))
            })
    })
}

/// The vendor whose mark is in the Debian revision of `version` (after the last `-`), with the
/// mark.
pub fn by_version_mark(version: &str) -> Option<(&'static Vendor, &'static str)> {
    let (_, revision) = version.rsplit_once('-')?;
    let revision = revision.to_ascii_lowercase();
    vendors().iter().find_map(|v| {
        v.version_marks
            .iter()
            .find(|m| revision.contains(&m.to_ascii_lowercase()))
            .map(|m| (v, m.as_str()))
    })
}

/// A Debian package's origin from dpkg's own record: a vendor's version mark or maintainer
/// address, else the distribution's.
pub fn dpkg_origin(maintainer: Option<&str>, version: Option<&str>) -> Origin {
    let by_mark = version.and_then(by_version_mark);
    let by_maintainer = maintainer.and_then(by_maintainer);
    let Some(vendor) = by_mark.map(|(v, _)| v).or(by_maintainer) else {
        return Origin::distribution();
    };
    let mut evidence = Vec::new();
    if let Some((_, mark)) = by_mark {
        evidence.push(OriginEvidence::new(OriginField::VersionMark, mark));
    }
    if let (Some(maintainer), Some(_)) = (maintainer, by_maintainer) {
        evidence.push(OriginEvidence::new(
            OriginField::DpkgMaintainer,
            maintainer.trim(),
        ));
    }
    Origin::vendor(vendor.name.clone(), evidence)
}

#[cfg(test)]
mod tests {
    use sunset_catalog::inventory::OriginKind;

    use super::*;

    #[test]
    fn the_table_parses_and_every_entry_has_a_mark_and_a_source() {
        let table: Table = toml::from_str(TABLE).expect("package-vendors.toml");
        assert!(table.vendor.len() >= 7);
        for vendor in &table.vendor {
            let marks = vendor.maintainer_domains.len()
                + vendor.maintainer_addresses.len()
                + vendor.version_marks.len();
            assert!(marks > 0, "{} has nothing to match", vendor.name);
            assert!(
                !vendor.seen.trim().is_empty(),
                "{} says not where",
                vendor.name
            );
        }
        assert_eq!(vendors().len(), table.vendor.len());
    }

    #[test]
    fn every_entry_recognises_the_real_values_it_cites() {
        let cases = [
            ("NodeSource Support <support@nodesource.com>", "NodeSource"),
            ("Ivan Iguaran <ivan@nodesource.com>", "NodeSource"),
            ("Chrome Linux Team <chromium-dev@chromium.org>", "Google"),
            (
                "Microsoft Edge for Linux Team <EdgeLinuxDev@microsoft.com>",
                "Microsoft",
            ),
            ("PowerShell Team <PowerShellTeam@hotmail.com>", "Microsoft"),
            ("Docker <support@docker.com>", "Docker"),
            (
                "Eclipse Adoptium Package Maintainers <temurin-dev@eclipse.org>",
                "Eclipse Adoptium",
            ),
            (
                "TeamViewer Germany GmbH <service@teamviewer.com>",
                "TeamViewer",
            ),
        ];
        for (maintainer, vendor) in cases {
            assert_eq!(
                by_maintainer(maintainer).map(|v| v.name.as_str()),
                Some(vendor),
                "{maintainer}"
            );
        }
        for (version, mark) in [
            ("20.20.2-1nodesource1+repack1", "nodesource"),
            ("18.14.0-deb-1nodesource1", "nodesource"),
            ("17.2-1.pgdg120+1", "pgdg"),
            ("16.1-1.pgdg22.04+1", "pgdg"),
        ] {
            assert_eq!(by_version_mark(version).map(|(_, m)| m), Some(mark));
        }
    }

    #[test]
    fn distribution_maintainers_and_versions_are_not_vendors() {
        for maintainer in [
            "Debian Javascript Maintainers <pkg-javascript-devel@lists.alioth.debian.org>",
            "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>",
            "Debian Chromium Team <chromium@packages.debian.org>",
            "Debian PostgreSQL Maintainers <team+postgresql@tracker.debian.org>",
            "someone@gmail.com",
            "no address at all",
            "Evil <x@notmicrosoft.com>",
        ] {
            assert!(by_maintainer(maintainer).is_none(), "{maintainer}");
        }
        // The mark must be in the revision, not in the upstream part.
        for version in [
            "18.19.0+dfsg-6~deb12u2",
            "11.22-0+deb10u2",
            "1.0pgdg",
            "pgdg-1",
        ] {
            assert!(by_version_mark(version).is_none(), "{version}");
        }
        assert_eq!(
            dpkg_origin(
                Some(
                    "Debian Javascript Maintainers <pkg-javascript-devel@lists.alioth.debian.org>"
                ),
                Some("18.19.0+dfsg-6~deb12u2")
            ),
            Origin::distribution()
        );
        assert_eq!(dpkg_origin(None, None), Origin::distribution());
    }

    #[test]
    fn a_vendor_origin_carries_both_kinds_of_evidence() {
        let origin = dpkg_origin(
            Some("NodeSource Support <support@nodesource.com>"),
            Some("20.20.2-1nodesource1+repack1"),
        );
        assert_eq!(origin.kind, OriginKind::Vendor);
        assert_eq!(origin.vendor.as_deref(), Some("NodeSource"));
        let fields: Vec<OriginField> = origin.evidence.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [OriginField::VersionMark, OriginField::DpkgMaintainer]
        );
        // PGDG: Debian's maintainer, PGDG's mark.
        let pgdg = dpkg_origin(
            Some("Debian PostgreSQL Maintainers <team+postgresql@tracker.debian.org>"),
            Some("16.4-1.pgdg120+1"),
        );
        assert_eq!(pgdg.kind, OriginKind::Vendor);
        assert_eq!(pgdg.evidence.len(), 1);
    }
}
