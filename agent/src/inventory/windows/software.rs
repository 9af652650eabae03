//! Installed programs from `Uninstall` keys, as "Programs and Features" lists them.
//!
//! An `Uninstall` key has one subkey per program. A subkey is a program when it has a `DisplayName`
//! and is neither a hidden component (`SystemComponent` = 1) nor an update of another program
//! (`ParentKeyName` present, `ReleaseType` one of [`UPDATE_RELEASE_TYPES`], or `IsMinorUpgrade` = 1).
//!
//! Version: `DisplayVersion`; else the `Version` DWORD packed as `major << 24 | minor << 16 | build`
//! (`major.minor.build`; a `Version` string is taken as it is); else `VersionMajor`/`VersionMinor` (or
//! Inno Setup's `MajorVersion`/`MinorVersion`) as `major.minor`. The packed value comes before the pair
//! because Windows Installer writes all three from the same ProductVersion and only the packed one keeps
//! the build (Strawberry Perl's real entry: `Version` 0x05180001 = 5.24.1, `VersionMajor`/`Minor` 5/24).
//! `InstallDate` is `YYYYMMDD`; anything else is dropped. The subkey name is kept as the identifier when it is an MSI product code (`{GUID}`).
//!
//! Architecture comes from the view: on 64-bit Windows the native view holds 64-bit programs (`x64`)
//! and `WOW6432Node` 32-bit ones (`x86`); on 32-bit Windows the native view is `x86`. On ARM64 the native
//! view holds both arm64 and x64 programs, so it gets no architecture. When the processor architecture is
//! unknown, a `WOW6432Node` key means a 64-bit OS (`x64`); otherwise the native view gets none.
//! Identity keys leave the architecture out (see the parent module) so one program listed in both views
//! is one entry.

use chrono::NaiveDate;
use sunset_catalog::inventory::{Software, Source, Warning};

use super::{HKLM_SOFTWARE, join, open, subkeys, text, warn};
use crate::registry::{Key, Value};

/// The `Uninstall` key, relative to the `SOFTWARE` root (and to a user's `Software` key).
pub const UNINSTALL: &str = r"Microsoft\Windows\CurrentVersion\Uninstall";
/// The 32-bit view's `Uninstall` key on 64-bit Windows, relative to the `SOFTWARE` root.
pub const WOW_UNINSTALL: &str = r"WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall";
/// The 32-bit view's root below `SOFTWARE`.
pub const WOW6432NODE: &str = "WOW6432Node";
/// `ReleaseType` values that mark an update rather than a program (compared case-insensitively).
pub const UPDATE_RELEASE_TYPES: [&str; 5] = [
    "Update",
    "Hotfix",
    "Security Update",
    "Service Pack",
    "Update Rollup",
];

/// Why an `Uninstall` subkey is not listed as a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// No (or an empty) `DisplayName`: Programs and Features hides it.
    NoDisplayName,
    /// `SystemComponent` = 1: a hidden part of another product.
    SystemComponent,
    /// An update, hotfix or service pack of another program.
    Update,
}

/// Architectures of the native (64-bit) and `WOW6432Node` views, from `PROCESSOR_ARCHITECTURE`
/// (`AMD64`, `x86`, `ARM64`) and whether a `WOW6432Node` key exists; see the module documentation.
pub fn view_architectures(
    processor_architecture: Option<&str>,
    has_wow: bool,
) -> (Option<&'static str>, &'static str) {
    let native = match processor_architecture
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("AMD64") => Some("x64"),
        Some("X86") => Some("x86"),
        Some("IA64") => Some("ia64"),
        Some("ARM64") => None,
        _ if has_wow => Some("x64"),
        _ => None,
    };
    (native, "x86")
}

/// Machine-wide programs below a `SOFTWARE` root: the native `Uninstall` view, then `WOW6432Node`'s.
/// Entries are in that order and not yet de-duplicated.
pub fn collect_machine<K: Key>(
    software: &K,
    processor_architecture: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Vec<Software> {
    let wow = open(software, HKLM_SOFTWARE, WOW6432NODE, warnings);
    let (native_arch, wow_arch) = view_architectures(processor_architecture, wow.is_some());
    let mut found = Vec::new();
    if let Some(uninstall) = open(software, HKLM_SOFTWARE, UNINSTALL, warnings) {
        let at = join(HKLM_SOFTWARE, UNINSTALL);
        found.extend(read_uninstall(
            &uninstall,
            &at,
            &Source::HklmUninstall,
            native_arch,
            warnings,
        ));
    }
    if wow.is_some()
        && let Some(uninstall) = open(software, HKLM_SOFTWARE, WOW_UNINSTALL, warnings)
    {
        let at = join(HKLM_SOFTWARE, WOW_UNINSTALL);
        found.extend(read_uninstall(
            &uninstall,
            &at,
            &Source::Wow6432Uninstall,
            Some(wow_arch),
            warnings,
        ));
    }
    found
}

/// The programs of one `Uninstall` key at logical path `at`, in subkey order.
pub fn read_uninstall<K: Key>(
    uninstall: &K,
    at: &str,
    source: &Source,
    architecture: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Vec<Software> {
    subkeys(uninstall, at, warnings)
        .iter()
        .filter_map(|name| {
            let entry = open(uninstall, at, name, warnings)?;
            read_entry(
                &entry,
                name,
                &join(at, name),
                source,
                architecture,
                warnings,
            )
            .ok()
        })
        .collect()
}

/// One `Uninstall` subkey called `subkey`, at logical path `at`: a program, or why it is not one.
/// A value that cannot be read counts as absent, with one warning for the entry.
pub fn read_entry<K: Key>(
    entry: &K,
    subkey: &str,
    at: &str,
    source: &Source,
    architecture: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Result<Software, Skipped> {
    let mut first_error = None;
    let mut get = |name: &str| match entry.value(name) {
        Ok(value) => value,
        Err(e) => {
            first_error.get_or_insert(e);
            None
        }
    };
    let name = text(get("DisplayName"));
    let system_component = get("SystemComponent").and_then(|v| v.as_u32()) == Some(1);
    let update = get("ParentKeyName").is_some()
        || text(get("ReleaseType")).is_some_and(|t| is_update_release_type(&t))
        || get("IsMinorUpgrade").and_then(|v| v.as_u32()) == Some(1);
    let result = match name {
        None => Err(Skipped::NoDisplayName),
        Some(_) if system_component => Err(Skipped::SystemComponent),
        Some(_) if update => Err(Skipped::Update),
        Some(name) => {
            let version = text(get("DisplayVersion")).or_else(|| {
                let packed = match get("Version") {
                    Some(Value::Dword(packed)) if packed != 0 => Some(unpack_version(packed)),
                    Some(Value::Dword(_)) => None,
                    other => text(other),
                };
                packed.or_else(|| {
                    [
                        ("VersionMajor", "VersionMinor"),
                        ("MajorVersion", "MinorVersion"),
                    ]
                    .into_iter()
                    .find_map(|(major, minor)| {
                        let major = get(major).and_then(|v| v.as_u32())?;
                        Some(match get(minor).and_then(|v| v.as_u32()) {
                            Some(minor) => format!("{major}.{minor}"),
                            None => major.to_string(),
                        })
                    })
                })
            });
            let key = Software::identity_key(&name, version.as_deref(), None);
            Ok(Software {
                version,
                publisher: text(get("Publisher")),
                install_date: text(get("InstallDate"))
                    .as_deref()
                    .and_then(parse_install_date),
                architecture: architecture.map(str::to_owned),
                source: source.clone(),
                origin: None,
                install_location: text(get("InstallLocation")),
                identifier: is_msi_product_code(subkey).then(|| subkey.to_owned()),
                key,
                name,
            })
        }
    };
    if let Some(e) = first_error {
        warn(warnings, at, &e);
    }
    result
}

/// Whether a `ReleaseType` marks an update ([`UPDATE_RELEASE_TYPES`]).
pub fn is_update_release_type(release_type: &str) -> bool {
    UPDATE_RELEASE_TYPES
        .iter()
        .any(|t| t.eq_ignore_ascii_case(release_type.trim()))
}

/// The `major.minor.build` of a packed `Version` DWORD (`0x0A00_61A8` → `10.0.25000`).
pub fn unpack_version(packed: u32) -> String {
    format!(
        "{}.{}.{}",
        packed >> 24,
        (packed >> 16) & 0xff,
        packed & 0xffff
    )
}

/// An `InstallDate` of exactly eight digits, `YYYYMMDD`, that is a real date.
pub fn parse_install_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").ok()
}

/// Whether a subkey name is an MSI product code: `{` 8-4-4-4-12 hexadecimal digits `}`.
pub fn is_msi_product_code(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('{').and_then(|n| n.strip_suffix('}')) else {
        return false;
    };
    let groups: Vec<&str> = inner.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::windows::testing::BrokenKey;

    #[test]
    fn packed_versions() {
        // Real pairs of `Version` and `DisplayVersion` from glpi-agent's Uninstall exports.
        assert_eq!(unpack_version(0x0500_2EE0), "5.0.12000");
        assert_eq!(unpack_version(0x0518_0001), "5.24.1");
        assert_eq!(unpack_version(0x0A00_61A8), "10.0.25000");
        assert_eq!(unpack_version(0x0E1D_7809), "14.29.30729");
        assert_eq!(unpack_version(u32::MAX), "255.255.65535");
    }

    #[test]
    fn install_dates() {
        assert_eq!(
            parse_install_date("20170502"),
            NaiveDate::from_ymd_opt(2017, 5, 2)
        );
        assert_eq!(
            parse_install_date(" 20240229 "),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for junk in [
            "20230229",
            "2017-05-02",
            "5/2/2017",
            "201705",
            "2017050",
            "0",
            "",
            "２０１７０５０２",
        ] {
            assert_eq!(parse_install_date(junk), None, "{junk}");
        }
    }

    #[test]
    fn msi_product_codes() {
        assert!(is_msi_product_code(
            "{532C05E1-7376-1014-987E-E28031843670}"
        ));
        assert!(is_msi_product_code(
            "{50f91f80-d397-437c-b0c8-62128de3b55e}"
        ));
        for not in [
            "Git_is1",
            "{532C05E1-7376-1014-987E-E28031843670",
            "{532C05E1-7376-1014-987E-E2803184367G}",
            "{}",
            "",
        ] {
            assert!(!is_msi_product_code(not), "{not}");
        }
    }

    #[test]
    fn update_release_types() {
        assert!(is_update_release_type("Security Update"));
        assert!(is_update_release_type("hotfix"));
        assert!(is_update_release_type("Update Rollup "));
        assert!(!is_update_release_type("Application"));
        assert!(!is_update_release_type(""));
    }

    #[test]
    fn view_architecture_rules() {
        assert_eq!(
            view_architectures(Some("AMD64"), true),
            (Some("x64"), "x86")
        );
        assert_eq!(view_architectures(Some("x86"), false), (Some("x86"), "x86"));
        assert_eq!(view_architectures(Some("ARM64"), true), (None, "x86"));
        assert_eq!(view_architectures(None, true), (Some("x64"), "x86"));
        assert_eq!(view_architectures(None, false), (None, "x86"));
    }

    #[test]
    fn unreadable_entry_is_skipped_with_one_warning() {
        let mut warnings = Vec::new();
        let result = read_entry(
            &BrokenKey,
            "X",
            r"HKLM\X",
            &Source::HklmUninstall,
            None,
            &mut warnings,
        );
        assert_eq!(result, Err(Skipped::NoDisplayName));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(collect_machine(&BrokenKey, None, &mut warnings).is_empty());
    }
}
