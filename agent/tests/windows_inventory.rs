//! The Windows inventory (`sunset_agent::inventory::windows`) against real hives and hives built from `.reg` text.
//!
//! Real hives live in `../shared/fixtures/windows-hives/` beside the checkout (xz-compressed; sources,
//! licences and expected facts in `../shared/fixtures/PROVENANCE.md`); some are GPL test data, so they are
//! read from there and never copied here. Without that folder those tests say they were skipped, except
//! under `CI=true`, where a missing folder fails. Hives for cases no real hive has (a SOFTWARE hive's
//! `CurrentVersion`, browsers, .NET, Office, `WOW6432Node`, updates, packed versions, a whole volume) are
//! built by `tests/data/windows/make-hives.sh` with hivex and checked in; see the README there.
//!
//! Contents: helpers · real user hives · real SYSTEM hives and Windows' own CurrentVersion copies · real
//! HKLM Uninstall exports (glpi) · built hives: OS and extras · offline volume end to end · damaged input.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use proptest::prelude::*;
use sunset_agent::registry::{Hive, HiveKey, Key};

use common::{fixture_bytes, fixture_hive, fixtures_dir};
use sunset_agent::inventory::Collected;
use sunset_agent::inventory::windows::{
    self, Machine, UserHive, extras, hardware, offline, os, software, users,
};
use sunset_catalog::inventory::{Fact, InstallationType, OsFamily, SecureBoot, Software, Source};

// ---------------------------------------------------------------------------------------------------------
// Helpers

/// This crate's own test data folder.
fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/windows")
}

/// A hive built into `tests/data/windows/`.
fn data_hive(relative: &str) -> Hive {
    Hive::open(&data_dir().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn open<'h>(key: &HiveKey<'h>, path: &str) -> HiveKey<'h> {
    key.open(path)
        .unwrap()
        .unwrap_or_else(|| panic!("{path} missing under {:?}", key.path()))
}

/// Per-user installs of a whole user hive.
fn user_entries(root: &HiveKey<'_>, sid: Option<&str>, name: &str) -> (Vec<Software>, Vec<String>) {
    let user = UserHive {
        sid: sid.map(str::to_owned),
        name: Some(name.to_owned()),
        root,
    };
    let mut warnings = Vec::new();
    let found = users::collect(&user, &mut warnings);
    (
        found,
        warnings
            .into_iter()
            .map(|w| format!("{}: {}", w.source, w.message))
            .collect(),
    )
}

/// `(name, version)` pairs.
fn names_versions(found: &[Software]) -> Vec<(&str, Option<&str>)> {
    found
        .iter()
        .map(|s| (s.name.as_str(), s.version.as_deref()))
        .collect()
}

fn find<'a>(found: &'a [Software], name: &str) -> &'a Software {
    found
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} not in {:#?}", names_versions(found)))
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn machine_only<'a, K>(software: &'a K) -> Machine<'a, K> {
    Machine {
        software: Some(software),
        system: None,
        hardware: None,
    }
}

// ---------------------------------------------------------------------------------------------------------
// Real user hives (regipy, DFIRArtifactMuseum; PROVENANCE.md)

#[test]
fn ntuser_with_winscp_has_exactly_four_programs() {
    let Some(hive) = fixture_hive("NTUSER_with_winscp.DAT.xz") else {
        return;
    };
    let sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
    let (found, warnings) = user_entries(&hive.root(), Some(sid), "tony");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        names_versions(&found),
        [
            ("GitHub Desktop", Some("3.0.0")),
            ("Zoom", Some("5.9.3 (3169)")),
            ("JetBrains dotPeek 2021.3.3", Some("2021.3.3")),
            ("Python 3.10.2 (64-bit)", Some("3.10.2150.0")),
        ]
    );
    let source = Source::UserUninstall {
        user_sid: Some(sid.into()),
        user_name: Some("tony".into()),
    };
    assert!(
        found
            .iter()
            .all(|s| s.source == source && s.architecture.is_none())
    );
    let github = find(&found, "GitHub Desktop");
    assert_eq!(github.publisher.as_deref(), Some("GitHub, Inc."));
    assert_eq!(github.install_date, date(2022, 4, 28));
    assert_eq!(github.identifier, None);
    assert_eq!(
        find(&found, "Zoom").publisher.as_deref(),
        Some("Zoom Video Communications, Inc.")
    );
    let python = find(&found, "Python 3.10.2 (64-bit)");
    assert_eq!(
        python.identifier.as_deref(),
        Some("{c60fd5ac-367d-4e3a-a975-f157502ac30a}")
    );
    assert_eq!(python.key, "python 3.10.2 (64-bit)|3.10.2150.0|");
}

#[test]
fn partial_hive_rooted_at_software() {
    let Some(hive) = fixture_hive("ntuser_software_partial.xz") else {
        return;
    };
    // The root is the user's Software key, so Uninstall is at the SOFTWARE-relative path.
    let uninstall = open(&hive.root(), software::UNINSTALL);
    let source = Source::UserUninstall {
        user_sid: None,
        user_name: Some("tony".into()),
    };
    let mut warnings = Vec::new();
    let found = software::read_uninstall(
        &uninstall,
        r"HKU\tony\Software\…\Uninstall",
        &source,
        None,
        &mut warnings,
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut pairs = names_versions(&found);
    pairs.sort();
    assert_eq!(
        pairs,
        [
            ("GitKraken", Some("5.0.4")),
            ("Microsoft OneDrive", Some("20.028.0206.0009")),
            ("Microsoft Visual Studio Code (User)", Some("1.33.1")),
            ("Python 3.7 distorm3-3.3.4", None),
            ("Python 3.7.0 (Anaconda3 5.3.0 64-bit)", Some("5.3.0")),
        ]
    );
    // `{771FD6B0-…}_is1` is an Inno Setup key, not an MSI product code.
    assert_eq!(
        find(&found, "Microsoft Visual Studio Code (User)").identifier,
        None
    );
    assert_eq!(find(&found, "GitKraken").install_date, date(2019, 4, 10));
}

#[test]
fn single_onedrive_users() {
    for (name, version) in [
        ("NTUSER-WSL.DAT.xz", "21.220.1024.0005"),
        (
            "dfir-artifact-museum/Win10_RathbunVM_NTUSER.DAT.xz",
            "22.002.0103.0004",
        ),
        ("regipy-extra/transactions_NTUSER.DAT.xz", "17.3.6917.0607"),
    ] {
        let Some(hive) = fixture_hive(name) else {
            return;
        };
        let (found, warnings) = user_entries(&hive.root(), None, "user");
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(
            names_versions(&found),
            [("Microsoft OneDrive", Some(version))],
            "{name}"
        );
    }
}

#[test]
fn users_without_programs_give_nothing_and_no_warning() {
    for name in [
        "NTUSER.DAT.xz",                            // no Uninstall key (Windows 7)
        "dfir-artifact-museum/Win7_NTUSER1.DAT.xz", // Uninstall with 0 subkeys
        "dfir-artifact-museum/Win10_DefaultProfile_NTUSER.DAT.xz", // new-user template
        "dfir-artifact-museum/Win11_RathbunVM_DEFAULT.xz", // the .DEFAULT hive
    ] {
        let Some(hive) = fixture_hive(name) else {
            return;
        };
        let (found, warnings) = user_entries(&hive.root(), None, "user");
        assert!(
            found.is_empty() && warnings.is_empty(),
            "{name}: {found:?} {warnings:?}"
        );
    }
}

/// The `.DEFAULT` hive and the `Default` profile are not users: an offline scan of a volume that holds
/// them (real hives) reads only the real user's hive.
#[test]
fn default_hives_are_not_users() {
    assert!(!users::is_user_sid(".DEFAULT"));
    let (Some(default), Some(template), Some(tony)) = (
        fixture_bytes("dfir-artifact-museum/Win11_RathbunVM_DEFAULT.xz"),
        fixture_bytes("dfir-artifact-museum/Win10_DefaultProfile_NTUSER.DAT.xz"),
        fixture_bytes("NTUSER_with_winscp.DAT.xz"),
    ) else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let put = |relative: &str, bytes: &[u8]| {
        let path = volume.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    put("Windows/System32/config/DEFAULT", &default);
    put("Users/Default/NTUSER.DAT", &template);
    put("Users/Default User/NTUSER.DAT", &template);
    put("Users/tony/NTUSER.DAT", &tony);
    let inventory = offline::collect_volume(volume.path());
    assert_eq!(
        inventory.users,
        [sunset_agent::inventory::UserSummary {
            sid: None,
            name: Some("tony".into()),
            entries: 4
        }]
    );
    assert_eq!(inventory.software.len(), 4);
    // No SOFTWARE or SYSTEM hive on this volume: two warnings, and the scan went on.
    let sources: Vec<_> = inventory
        .warnings
        .iter()
        .map(|w| w.source.as_str())
        .collect();
    assert_eq!(
        sources,
        [
            "hive:Windows/System32/config/SOFTWARE",
            "hive:Windows/System32/config/SYSTEM"
        ]
    );
}

// ---------------------------------------------------------------------------------------------------------
// Real SYSTEM hives, and the CurrentVersion values Windows copied into one

#[test]
fn win7_system() {
    let Some(hive) = fixture_hive("SYSTEM.xz") else {
        return;
    };
    let mut warnings = Vec::new();
    let info = hardware::read_system(&hive.root(), &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(info.control_set.as_deref(), Some("ControlSet001"));
    assert_eq!(info.hostname.as_deref(), Some("WKS-WIN732BITA"));
    // Read with hivexget (an independent reader): Services\Tcpip\Parameters Domain.
    assert_eq!(info.domain.as_deref(), Some("shieldbase.local"));
    assert_eq!(info.processor_architecture.as_deref(), Some("x86"));
    assert_eq!(info.os_architecture(), Some("x86"));
    // No SecureBoot key at all: Windows 7 era, legacy BIOS.
    assert_eq!(info.secure_boot, Fact::Absent);
    assert_eq!(info.uefi, Fact::NotCollected);
}

#[test]
fn win10_system() {
    let Some(hive) = fixture_hive("SYSTEM_WIN_10_1709.xz") else {
        return;
    };
    let mut warnings = Vec::new();
    let info = hardware::read_system(&hive.root(), &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(info.hostname.as_deref(), Some("DESKTOP-2KGM189"));
    assert_eq!(info.domain, None); // stored as an empty string
    assert_eq!(info.os_architecture(), Some("x86_64"));
    // Control\SecureBoot exists but has no State subkey (the machine booted through BIOS).
    assert_eq!(info.secure_boot, Fact::Absent);
}

#[test]
fn other_real_system_hives() {
    for (name, hostname, arch) in [
        ("regipy-extra/SYSTEM_B.xz", "DESKTOP-PM6C56D", "AMD64"),
        ("aiowinreg-nt4/SYSTEM.xz", "SERVER", "x86"),
    ] {
        let Some(hive) = fixture_hive(name) else {
            return;
        };
        let mut warnings = Vec::new();
        let info = hardware::read_system(&hive.root(), &mut warnings);
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(info.hostname.as_deref(), Some(hostname), "{name}");
        assert_eq!(info.processor_architecture.as_deref(), Some(arch), "{name}");
    }
}

#[test]
fn corrupted_system_hive_reads_or_warns() {
    let Some(bytes) = fixture_bytes("corrupted_system_hive.xz") else {
        return;
    };
    let hive = Hive::from_bytes(bytes, "corrupted_system_hive").unwrap();
    let root = hive.root();
    let machine = Machine {
        software: None,
        system: Some(&root),
        hardware: None,
    };
    let inventory = windows::collect(&machine, &[]);
    // What regipy reads from it (PROVENANCE.md): ComputerName GINEVRA, x86.
    assert_eq!(inventory.hostname.as_deref(), Some("GINEVRA"));
    assert_eq!(inventory.os.architecture.as_deref(), Some("x86"));
    // What could not be read is a warning, and a fact behind damage is not guessed.
    for warning in &inventory.warnings {
        assert!(
            warning.source.starts_with(r"registry:HKLM\SYSTEM\"),
            "{warning:?}"
        );
        assert!(
            warning
                .message
                .contains("corrupt hive corrupted_system_hive"),
            "{warning:?}"
        );
    }
    if inventory
        .warnings
        .iter()
        .any(|w| w.source.contains("SecureBoot"))
    {
        assert_eq!(inventory.hardware.secure_boot, Fact::NotCollected);
    }
}

/// `Setup\Source OS (Updated on …)` holds Windows' own copy of `CurrentVersion` from before a feature
/// update: real inputs for the OS decoder.
#[test]
fn os_from_windows_own_current_version_copies() {
    let Some(hive) = fixture_hive("SYSTEM_WIN_10_1709.xz") else {
        return;
    };
    let setup = open(&hive.root(), "Setup");
    let decode = |prefix: &str| {
        let name = setup
            .subkeys()
            .unwrap()
            .into_iter()
            .find(|n| n.starts_with(prefix))
            .unwrap();
        let mut warnings = Vec::new();
        let values = os::CurrentVersion::read(&open(&setup, &name), &name, &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        values.decode()
    };
    let first = decode("Source OS (Updated on 1/6/2019");
    assert_eq!(first.family, Some(OsFamily::Windows));
    assert_eq!(first.name, "Windows 10 Pro");
    assert_eq!(first.version, "10.0.15063.1387");
    assert_eq!(first.kernel_version.as_deref(), Some("10.0.15063"));
    assert_eq!(first.build.as_deref(), Some("15063"));
    assert_eq!(first.update_revision, Some(1387));
    assert_eq!(first.display_version.as_deref(), Some("1703"));
    assert_eq!(first.edition.as_deref(), Some("Professional"));
    assert_eq!(first.installation_type, Some(InstallationType::Client));
    let second = decode("Source OS (Updated on 5/16/2019");
    assert_eq!(second.version, "10.0.17134.765");
    assert_eq!(second.display_version.as_deref(), Some("1803"));
}

// ---------------------------------------------------------------------------------------------------------
// Real HKLM Uninstall exports (glpi-agent), built into SOFTWARE-shaped hives

/// One key of a `.reg` export: its path and values (names lower-cased).
struct RegKey {
    path: String,
    values: HashMap<String, RegValue>,
}

#[derive(Debug, Clone)]
enum RegValue {
    Text(String),
    Dword(u32),
    Other,
}

/// A minimal, independent reader of regedit exports (UTF-16LE with BOM, `\` line continuations).
fn parse_reg(bytes: &[u8]) -> Vec<RegKey> {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units)
        .unwrap()
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n");
    let text = text.replace("\\\n  ", "");
    let mut keys: Vec<RegKey> = Vec::new();
    for line in text.lines() {
        if let Some(path) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            keys.push(RegKey {
                path: path.to_owned(),
                values: HashMap::new(),
            });
            continue;
        }
        let (Some(key), Some(rest)) = (keys.last_mut(), line.strip_prefix('"')) else {
            continue;
        };
        let Some((name, data)) = rest.split_once("\"=") else {
            continue;
        };
        let value = if let Some(s) = data.strip_prefix('"').and_then(|d| d.strip_suffix('"')) {
            RegValue::Text(s.replace("\\\"", "\"").replace("\\\\", "\\"))
        } else if let Some(hex) = data.strip_prefix("dword:") {
            RegValue::Dword(u32::from_str_radix(hex, 16).unwrap())
        } else if let Some(hex) = data.strip_prefix("hex(2):") {
            let bytes: Vec<u8> = hex
                .split(',')
                .map(|b| u8::from_str_radix(b.trim(), 16).unwrap())
                .collect();
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .collect();
            RegValue::Text(
                String::from_utf16_lossy(&units)
                    .trim_end_matches('\0')
                    .to_owned(),
            )
        } else {
            RegValue::Other
        };
        key.values.insert(name.to_lowercase(), value);
    }
    keys
}

/// Programs in a glpi export by the Programs-and-Features rules, computed from the text.
fn expected_from_reg(keys: &[RegKey]) -> Vec<(String, Option<String>)> {
    const PREFIX: &str = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\";
    let mut out = Vec::new();
    for key in keys {
        let Some(sub) = key.path.strip_prefix(PREFIX) else {
            continue;
        };
        assert!(!sub.contains('\\'), "nested key {sub}");
        let text = |n: &str| match key.values.get(n) {
            Some(RegValue::Text(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            _ => None,
        };
        let dword = |n: &str| match key.values.get(n) {
            Some(RegValue::Dword(v)) => Some(*v),
            _ => None,
        };
        let Some(name) = text("displayname") else {
            continue;
        };
        let update_types = [
            "update",
            "hotfix",
            "security update",
            "service pack",
            "update rollup",
        ];
        if dword("systemcomponent") == Some(1)
            || key.values.contains_key("parentkeyname")
            || text("releasetype")
                .is_some_and(|t| update_types.contains(&t.to_lowercase().as_str()))
            || dword("isminorupgrade") == Some(1)
        {
            continue;
        }
        out.push((name, text("displayversion")));
    }
    out.sort();
    out
}

#[test]
fn glpi_uninstall_exports() {
    for (name, count) in [
        ("10_russian-Uninstall", 2),
        ("mssql-Uninstall", 7),
        ("mssql_engine-Uninstall", 2),
    ] {
        let Some(dir) = fixtures_dir() else { return };
        let reg = std::fs::read(dir.join(format!("glpi-uninstall-reg/{name}.reg"))).unwrap();
        let keys = parse_reg(&reg);
        let expected = expected_from_reg(&keys);
        assert_eq!(expected.len(), count, "{name}: PROVENANCE count");

        // Real packed `Version` values decode to the DisplayVersion written beside them.
        for key in &keys {
            if let (Some(RegValue::Dword(packed)), Some(RegValue::Text(display))) =
                (key.values.get("version"), key.values.get("displayversion"))
            {
                assert_eq!(&software::unpack_version(*packed), display, "{}", key.path);
            }
        }

        let hive = fixture_hive(&format!("glpi-uninstall-reg/{name}.hive.xz")).unwrap();
        let root = hive.root();
        let inventory = windows::collect(&machine_only(&root), &[]);
        let mut got: Vec<_> = inventory
            .software
            .iter()
            .map(|s| (s.name.clone(), s.version.clone()))
            .collect();
        got.sort();
        assert_eq!(got, expected, "{name}");
        assert!(
            inventory
                .software
                .iter()
                .all(|s| s.source == Source::HklmUninstall)
        );
        // No WOW6432Node and no SYSTEM: the view's architecture is unknown, not guessed.
        assert!(inventory.software.iter().all(|s| s.architecture.is_none()));
        // The hive has no Windows NT\CurrentVersion: one warning, nothing else.
        let sources: Vec<_> = inventory
            .warnings
            .iter()
            .map(|w| w.source.as_str())
            .collect();
        assert_eq!(
            sources,
            [r"registry:HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"],
            "{name}"
        );
        assert_eq!(inventory.os.version, "");

        match name {
            "10_russian-Uninstall" => {
                let csp = find(&inventory.software, "КриптоПро CSP");
                assert_eq!(csp.version.as_deref(), Some("5.0.12000"));
                assert_eq!(csp.publisher.as_deref(), Some("Компания КриптоПро"));
                assert_eq!(
                    csp.identifier.as_deref(),
                    Some("{50F91F80-D397-437C-B0C8-62128DE3B55E}")
                );
                assert_eq!(csp.install_date, date(2021, 7, 24));
                let one_c = find(&inventory.software, "1C Предприятие 7.7");
                assert_eq!(
                    (one_c.version.as_deref(), one_c.publisher.as_deref()),
                    (Some("77.27"), None)
                );
            }
            "mssql-Uninstall" => {
                let git = find(&inventory.software, "Git version 2.12.2.2");
                assert_eq!(git.install_date, date(2017, 5, 2));
                assert_eq!(
                    git.install_location.as_deref(),
                    Some(r"C:\Program Files\Git\")
                );
                let perl = find(&inventory.software, "Strawberry Perl (64-bit)");
                assert_eq!(perl.version.as_deref(), Some("5.24.1"));
                assert_eq!(
                    perl.identifier.as_deref(),
                    Some("{532C05E1-7376-1014-987E-E28031843670}")
                );
                assert_eq!(
                    find(&inventory.software, "Mozilla Firefox 57.0.2 (fr)")
                        .version
                        .as_deref(),
                    Some("57.0.2")
                );
            }
            _ => {
                let engine = find(&inventory.software, "SQL Server Database Engine Services");
                assert_eq!(engine.version.as_deref(), Some("17.77.6700.34"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Built hives: OS and the products outside Uninstall

#[test]
fn windows_11_software_hive() {
    let hive = data_hive("software-win11.hive");
    let root = hive.root();
    let inventory = windows::collect(&machine_only(&root), &[]);
    let os = &inventory.os;
    assert_eq!(os.name, "Windows 11 Pro");
    assert_eq!(os.version, "10.0.22631.4460");
    assert_eq!(os.display_version.as_deref(), Some("23H2"));
    assert_eq!(os.installation_type, Some(InstallationType::Client));
    assert_eq!(os.architecture, None); // no SYSTEM hive given
    assert!(inventory.warnings.is_empty(), "{:#?}", inventory.warnings);

    let rows: Vec<_> = inventory
        .software
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.version.as_deref(),
                s.architecture.as_deref(),
                s.identifier.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Microsoft Edge", Some("131.0.2903.70"), None, None),
            // Chrome's client key has an empty `pv`: no entry.
            ("Mozilla Firefox", Some("128.5.1"), Some("x86"), None),
            ("Microsoft .NET Framework 4", Some("4.0"), None, None),
            (
                "Microsoft Office LTSC Professional Plus 2021",
                Some("16.0.14332.20812"),
                Some("x86"),
                Some("ProPlus2021Volume")
            ),
            (
                "Microsoft Office (SomethingNew2030Retail)",
                Some("16.0.14332.20812"),
                Some("x86"),
                Some("SomethingNew2030Retail")
            ),
        ]
    );
    let paths: Vec<_> = inventory
        .software
        .iter()
        .map(|s| match &s.source {
            Source::WindowsRegistry { path } => path.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        paths,
        [
            r"HKLM\SOFTWARE\Microsoft\EdgeUpdate\Clients\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062}",
            r"HKLM\SOFTWARE\WOW6432Node\Mozilla\Mozilla Firefox",
            r"HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full",
            r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration",
            r"HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration",
        ]
    );
}

#[test]
fn extras_alone_on_the_windows_10_software_hive() {
    let hive = data_hive("volume/Windows/System32/config/SOFTWARE");
    let mut warnings = Vec::new();
    let found = extras::collect(&hive.root(), &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    let rows: Vec<_> = found
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.version.as_deref(),
                s.architecture.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Microsoft Edge", Some("120.0.2210.91"), None),
            ("Google Chrome", Some("120.0.6099.130"), None),
            ("Mozilla Firefox ESR", Some("115.5.0esr"), Some("x64")),
            ("Microsoft .NET Framework 4.8.1", Some("4.8.1"), None),
            (
                "Microsoft .NET Runtime - 6.0.25 (x64)",
                Some("6.0.25"),
                Some("x64")
            ),
            (
                "Microsoft .NET Runtime - 8.0.11 (x64)",
                Some("8.0.11"),
                Some("x64")
            ),
            (
                "Microsoft .NET Runtime - 8.0.11 (x86)",
                Some("8.0.11"),
                Some("x86")
            ),
            (
                "Microsoft ASP.NET Core 8.0.11 - Shared Framework (x64)",
                Some("8.0.11"),
                Some("x64")
            ),
            (
                "Microsoft Windows Desktop Runtime - 8.0.11 (x64)",
                Some("8.0.11"),
                Some("x64")
            ),
            (
                "Microsoft 365 Apps for enterprise",
                Some("16.0.17029.20108"),
                Some("x64")
            ),
            (
                "Microsoft Visio Professional",
                Some("16.0.17029.20108"),
                Some("x64")
            ),
        ]
    );
    assert_eq!(
        found[4].identifier.as_deref(),
        Some("Microsoft.NETCore.App")
    );
    assert!(found.iter().all(|s| s.publisher.is_some()));
}

// ---------------------------------------------------------------------------------------------------------
// Offline volume, end to end

/// One line per software entry: `name | version | source | architecture` (`-` when absent).
fn rows(inventory: &Collected) -> Vec<String> {
    inventory
        .software
        .iter()
        .map(|s| {
            let source = match &s.source {
                Source::UserUninstall {
                    user_sid,
                    user_name,
                } => format!(
                    "user:{}:{}",
                    user_sid.as_deref().unwrap_or("-"),
                    user_name.as_deref().unwrap_or("-")
                ),
                Source::WindowsRegistry { path } => format!("registry:{path}"),
                other => other.name().to_owned(),
            };
            let version = s.version.as_deref().unwrap_or("-");
            let arch = s.architecture.as_deref().unwrap_or("-");
            format!("{} | {version} | {source} | {arch}", s.name)
        })
        .collect()
}

#[test]
fn offline_volume_end_to_end() {
    let root = data_dir().join("volume");
    assert!(offline::find_hive(&root, "SOFTWARE").is_some());
    assert!(offline::find_hive(&root, "system").is_some());
    let inventory = offline::collect_volume(&root);

    const ALICE: &str = "S-1-5-21-1004336348-1177238915-682003330-1001";
    let expected: [&str; 24] = [
        // 64-bit view, subkey order. Skipped: AddressBook and IE40 (no DisplayName), SQL Server 2008
        // (SystemComponent), the Office update (ParentKeyName), KB976902 (ReleaseType), the Adobe MUI
        // (IsMinorUpgrade). Replaced by the products' own records: Firefox 57.0.2 and the Microsoft 365
        // Apps language entry.
        "FusionInventory Agent 2.4.x-build-26 (x64 edition) | 2.4.x-build-26 | hklm-uninstall | x64",
        "Git version 2.12.2.2 | 2.12.2.2 | hklm-uninstall | x64",
        "Microsoft SQL Server 2017 | 17.77.6700.34 | hklm-uninstall | x64",
        "Python 3.10.2 (64-bit) | 3.10.2150.0 | hklm-uninstall | x64",
        "КриптоПро CSP | 5.0 | hklm-uninstall | x64",
        "Strawberry Perl (64-bit) | 5.24.1 | hklm-uninstall | x64",
        // WOW6432Node: SQL Server 2017 is the same program as above; Chrome, Edge and the .NET runtime
        // bundle are replaced by their own records.
        "1C Предприятие 7.7 | 77.27 | wow6432-uninstall | x86",
        "Microsoft Edge Update | 1.3.181.5 | wow6432-uninstall | x86",
        "Microsoft SQL Server 2005 | 10.53.6000.34 | wow6432-uninstall | x86",
        // Products' own records.
        r"Microsoft Edge | 120.0.2210.91 | registry:HKLM\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{56EB18F8-B008-4CBD-B6D2-8C97FE7E9062} | -",
        r"Google Chrome | 120.0.6099.130 | registry:HKLM\SOFTWARE\WOW6432Node\Google\Update\Clients\{8A69D345-D564-463c-AFF1-A69D9E530F96} | -",
        r"Mozilla Firefox ESR | 115.5.0esr | registry:HKLM\SOFTWARE\Mozilla\Mozilla Firefox | x64",
        r"Microsoft .NET Framework 4.8.1 | 4.8.1 | registry:HKLM\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full | -",
        r"Microsoft .NET Runtime - 6.0.25 (x64) | 6.0.25 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.NETCore.App | x64",
        r"Microsoft .NET Runtime - 8.0.11 (x64) | 8.0.11 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.NETCore.App | x64",
        r"Microsoft .NET Runtime - 8.0.11 (x86) | 8.0.11 | registry:HKLM\SOFTWARE\WOW6432Node\dotnet\Setup\InstalledVersions\x86\sharedfx\Microsoft.NETCore.App | x86",
        r"Microsoft ASP.NET Core 8.0.11 - Shared Framework (x64) | 8.0.11 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.AspNetCore.App | x64",
        r"Microsoft Windows Desktop Runtime - 8.0.11 (x64) | 8.0.11 | registry:HKLM\SOFTWARE\dotnet\Setup\InstalledVersions\x64\sharedfx\Microsoft.WindowsDesktop.App | x64",
        r"Microsoft 365 Apps for enterprise | 16.0.17029.20108 | registry:HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration | x64",
        r"Microsoft Visio Professional | 16.0.17029.20108 | registry:HKLM\SOFTWARE\Microsoft\Office\ClickToRun\Configuration | x64",
        // Users: Alice (ProfileList says C:\Users\Alice; the folder is `alice`), whose Python is the
        // machine-wide one; Dave (not in ProfileList), whose per-user Chrome is kept.
        &format!("GitHub Desktop | 3.0.0 | user:{ALICE}:Alice | -"),
        &format!("Zoom | 5.9.3 (3169) | user:{ALICE}:Alice | -"),
        &format!("JetBrains dotPeek 2021.3.3 | 2021.3.3 | user:{ALICE}:Alice | -"),
        "Google Chrome | 120.0.6099.110 | user:-:dave | -",
    ];
    assert_eq!(rows(&inventory), expected);
    let keys: std::collections::HashSet<_> =
        inventory.software.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys.len(), inventory.software.len(), "keys are unique");

    let perl = find(&inventory.software, "Strawberry Perl (64-bit)");
    assert_eq!(perl.install_date, date(2017, 6, 22));
    assert_eq!(
        perl.identifier.as_deref(),
        Some("{532C05E1-7376-1014-987E-E28031843670}")
    );
    assert_eq!(
        find(&inventory.software, "КриптоПро CSP").install_date,
        None
    ); // "2021-07-24" is not YYYYMMDD
    assert_eq!(
        find(&inventory.software, "1C Предприятие 7.7").install_date,
        None
    ); // "junk"

    // Users read: Alice and Dave; not Default, Public, carol (no folder) or bob (unreadable).
    let users: Vec<_> = inventory
        .users
        .iter()
        .map(|u| (u.sid.as_deref(), u.name.as_deref(), u.entries))
        .collect();
    assert_eq!(
        users,
        [(Some(ALICE), Some("Alice"), 4), (None, Some("dave"), 1)]
    );
    let warnings: Vec<_> = inventory
        .warnings
        .iter()
        .map(|w| (w.source.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].0, "hive:Users/bob/ntuser.dat");
    assert!(
        warnings[0]
            .1
            .contains("shorter than the 4096-byte base block"),
        "{}",
        warnings[0].1
    );

    // OS: the real CurrentVersion values of a Windows 10 1803 machine; architecture from SYSTEM.
    let os = &inventory.os;
    assert_eq!(
        (os.name.as_str(), os.version.as_str()),
        ("Windows 10 Pro", "10.0.17134.765")
    );
    assert_eq!(os.display_version.as_deref(), Some("1803"));
    assert_eq!(os.architecture.as_deref(), Some("x86_64"));
    assert_eq!(os.family, Some(OsFamily::Windows));

    // SYSTEM: Select\Current = 2, so ControlSet002, not the stale ControlSet001.
    assert_eq!(inventory.hostname.as_deref(), Some("WKS-0042"));
    assert_eq!(inventory.domain.as_deref(), Some("ward7.trust.example"));
    let hw = &inventory.hardware;
    assert_eq!(hw.secure_boot, Fact::Known(SecureBoot::Enabled));
    assert_eq!(hw.uefi, Fact::Known(true));
    // HARDWARE exists only on a running machine: nothing else is collected offline.
    assert_eq!(
        (&hw.manufacturer, &hw.cpu, &hw.tpm),
        (
            &Fact::NotCollected,
            &Fact::NotCollected,
            &Fact::NotCollected
        )
    );

    // The `scan --root` entry point gives the same inventory.
    let collected = sunset_agent::inventory::collect_root(&root);
    assert_eq!(collected, inventory);
}

/// The live side hands over keys of different readers; `Collector` takes them one by one.
#[test]
fn collector_mixes_readers_and_keeps_the_order() {
    let software = data_hive("volume/Windows/System32/config/SOFTWARE");
    let system = data_hive("volume/Windows/System32/config/system");
    let alice = data_hive("volume/Users/alice/NTUSER.DAT");
    let (software_root, system_root, alice_root) = (software.root(), system.root(), alice.root());
    let mut collector = windows::Collector::new();
    collector.machine(&Machine {
        software: Some(&software_root),
        system: Some(&system_root),
        hardware: None,
    });
    let profiles = users::profiles(&software_root, collector.warnings_mut());
    let names: Vec<_> = profiles.iter().map(|p| p.user_name.as_str()).collect();
    assert_eq!(names, ["Alice", "bob", "carol"]);
    let alice_profile = &profiles[0];
    collector.user(&UserHive {
        sid: Some(alice_profile.sid.clone()),
        name: Some("Alice".into()),
        root: &alice_root,
    });
    let inventory = collector.finish();
    // The same as the offline scan, without Dave (not handed over here).
    let volume = offline::collect_volume(&data_dir().join("volume"));
    let (dave, without_dave) = volume.software.split_last().unwrap();
    assert_eq!(dave.source.name(), "user-uninstall");
    assert_eq!(inventory.software, without_dave);
    assert!(inventory.warnings.is_empty(), "{:#?}", inventory.warnings);
}

// ---------------------------------------------------------------------------------------------------------
// Damaged input never panics the inventory code

/// Runs every reader over `bytes` taken as SOFTWARE, SYSTEM, HARDWARE and a user hive at once.
fn inventory_of_bytes(bytes: Vec<u8>) {
    let Ok(hive) = Hive::from_bytes(bytes, "fuzzed") else {
        return;
    };
    let root = hive.root();
    let machine = Machine {
        software: Some(&root),
        system: Some(&root),
        hardware: Some(&root),
    };
    let user = UserHive {
        sid: None,
        name: Some("fuzz".into()),
        root: &root,
    };
    let inventory = windows::collect(&machine, std::slice::from_ref(&user));
    // Whatever was read is well formed: unique keys.
    let keys: std::collections::HashSet<_> =
        inventory.software.iter().map(|s| s.key.clone()).collect();
    assert_eq!(keys.len(), inventory.software.len());
}

fn built_software_hive() -> Vec<u8> {
    std::fs::read(data_dir().join("volume/Windows/System32/config/SOFTWARE")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn flipped_bytes_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = built_software_hive();
        for (at, value) in flips {
            let at = 4096 + at.index(bytes.len() - 4096);
            bytes[at] = value;
        }
        inventory_of_bytes(bytes);
    }

    #[test]
    fn truncation_never_panics(len in 4096usize..28672) {
        let mut bytes = built_software_hive();
        bytes.truncate(len);
        inventory_of_bytes(bytes);
    }
}

#[test]
fn every_single_byte_of_the_root_key_damaged() {
    // The root key node and its first subkey list: damaging each byte in turn never panics.
    let original = built_software_hive();
    for at in 4096..4096 + 512 {
        for value in [0x00, 0xFF, 0x80] {
            let mut bytes = original.clone();
            bytes[at] = value;
            inventory_of_bytes(bytes);
        }
    }
}
