//! Which rpm packages are the distribution's and which a vendor's: a package whose `VENDOR` (else
//! `PACKAGER`, else `DISTRIBUTION`) differs from the OS's own is a vendor's.
//!
//! The OS's own value of each tag is the one most of the database's packages carry: an
//! installation is the distribution's packages plus a few others, so the majority is the OS
//! (`Red Hat, Inc.` on RHEL, `SUSE LLC <https://www.suse.com/>` on SLES, `Microsoft Corporation`
//! on Azure Linux, where Microsoft is the distribution), whatever the distribution is called. A
//! tie leaves that tag out of the comparison. A package without the tag, or a database where
//! nothing differs, is the distribution's: no false alarms.

use std::collections::HashMap;

use sunset_catalog::inventory::{Origin, OriginEvidence, OriginField};

use super::RpmPackage;

/// The OS's own values of the tags compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OsMarks {
    /// The most common `VENDOR`.
    pub vendor: Option<String>,
    /// The most common `PACKAGER`.
    pub packager: Option<String>,
    /// The most common `DISTRIBUTION`.
    pub distribution: Option<String>,
}

/// Letters and digits, lower-cased: `Red Hat, Inc.` and `Red Hat Inc` are one vendor.
fn normalise(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The most common non-empty value, unless two values tie for it.
fn majority<'a>(values: impl Iterator<Item = Option<&'a str>>) -> Option<String> {
    let mut counts: HashMap<String, (usize, &'a str)> = HashMap::new();
    for value in values.flatten().map(str::trim).filter(|v| !v.is_empty()) {
        counts.entry(normalise(value)).or_insert((0, value)).0 += 1;
    }
    let mut ranked: Vec<(usize, &str)> = counts.into_values().collect();
    ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    match ranked.as_slice() {
        [(first, value), (second, _), ..] if first > second => Some(value.to_string()),
        [(_, value)] => Some(value.to_string()),
        _ => None,
    }
}

/// The OS's own tag values in a database's packages.
pub fn os_marks(packages: &[RpmPackage]) -> OsMarks {
    OsMarks {
        vendor: majority(packages.iter().map(|p| p.vendor.as_deref())),
        packager: majority(packages.iter().map(|p| p.packager.as_deref())),
        distribution: majority(packages.iter().map(|p| p.distribution.as_deref())),
    }
}

/// A package's origin against the OS's marks: the first tag both carry decides.
pub fn origin(package: &RpmPackage, os: &OsMarks) -> Origin {
    let tags = [
        (OriginField::RpmVendor, &package.vendor, &os.vendor),
        (OriginField::RpmPackager, &package.packager, &os.packager),
        (
            OriginField::RpmDistribution,
            &package.distribution,
            &os.distribution,
        ),
    ];
    for (field, own, os_value) in tags {
        let (Some(own), Some(os_value)) = (own.as_deref().map(str::trim), os_value) else {
            continue;
        };
        if own.is_empty() {
            continue;
        }
        if normalise(own) == normalise(os_value) {
            return Origin::distribution();
        }
        return Origin::vendor(
            own,
            vec![
                OriginEvidence::new(field, own),
                OriginEvidence::new(OriginField::OsVendor, os_value.as_str()),
            ],
        );
    }
    Origin::distribution()
}

#[cfg(test)]
mod tests {
    use sunset_catalog::inventory::OriginKind;

    use super::*;

    fn package(name: &str, vendor: Option<&str>, packager: Option<&str>) -> RpmPackage {
        RpmPackage {
            name: name.into(),
            vendor: vendor.map(str::to_string),
            packager: packager.map(str::to_string),
            ..RpmPackage::default()
        }
    }

    #[test]
    fn the_majority_vendor_is_the_os_and_the_others_are_vendors() {
        let red_hat = Some("Red Hat, Inc.");
        let bugzilla = Some("Red Hat, Inc. <http://bugzilla.redhat.com/bugzilla>");
        let packages = vec![
            package("bash", red_hat, bugzilla),
            package("glibc", red_hat, bugzilla),
            package("openssl", Some("Red Hat Inc"), bugzilla),
            package("google-chrome-stable", Some("Google Inc."), None),
            package("dive", None, None),
            package("fpm-built", None, Some("someone@example.com")),
        ];
        let os = os_marks(&packages);
        assert_eq!(os.vendor.as_deref(), Some("Red Hat, Inc."));
        let kinds: Vec<OriginKind> = packages.iter().map(|p| origin(p, &os).kind).collect();
        use OriginKind::{Distribution as D, Vendor as V};
        assert_eq!(kinds, [D, D, D, V, D, V]);
        let chrome = origin(&packages[3], &os);
        assert_eq!(chrome.vendor.as_deref(), Some("Google Inc."));
        assert_eq!(chrome.evidence[0].field, OriginField::RpmVendor);
        assert_eq!(chrome.evidence[1].value, "Red Hat, Inc.");
    }

    #[test]
    fn a_tie_or_a_single_package_raises_no_alarm() {
        let one = vec![package("libuuid", Some("Red Hat, Inc."), None)];
        assert_eq!(origin(&one[0], &os_marks(&one)), Origin::distribution());
        let tie = vec![
            package("a", Some("One"), None),
            package("b", Some("Two"), None),
        ];
        let os = os_marks(&tie);
        assert_eq!(os.vendor, None);
        assert!(tie.iter().all(|p| origin(p, &os) == Origin::distribution()));
    }
}
