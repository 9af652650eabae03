//! Legacy systems on real files: a Windows NT 4.0 volume (its real SOFTWARE and SYSTEM hives),
//! client-or-server from the SYSTEM hive's ProductType on real XP and Windows 7 hives, Internet
//! Explorer's own key, and `SystemVersion.plist` files that are not macOS (GRUB's boot stub, an
//! iOS SDK's record), judged with the built-in catalogue on 2026-12-03.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

mod common;

use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sunset_agent::inventory;
use sunset_agent::inventory::windows::{extras, hardware, offline};
use sunset_agent::parse::macos_plist;
use sunset_agent::registry::Hive;
use sunset_catalog::builtin;
use sunset_catalog::catalog::Target;
use sunset_catalog::evaluate::{Options, Status, evaluate_with};
use sunset_catalog::inventory::{
    Hardware, Host, InstallationType, Inventory, Os, OsFamily, SCHEMA_VERSION, Source,
};

fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

fn unxz(path: &Path) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut BufReader::new(file), &mut out).unwrap();
    out
}

fn inventory(os: Os) -> Inventory {
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: "SERVER".into(),
            domain: None,
            fqdn: None,
            site: None,
            agent_version: "0.1.0".into(),
            host_id_source: None,
            collected_at: "2026-12-03T01:30:00Z".parse().unwrap(),
        },
        os,
        software: vec![],
        hardware: Hardware::default(),
        cover: vec![],
        warnings: vec![],
    }
}

/// aiowinreg's NT 4.0 Server hives (MIT; `tests/data/windows/nt4/`, see the README there), laid out
/// as NT 4.0 installs them: `WINNT\system32\config`.
#[test]
fn windows_nt_4_volume_is_nt_4_0_sp3_build_1381_and_unsupported() {
    let volume = tempfile::tempdir().unwrap();
    let config = volume.path().join("WINNT/system32/config");
    std::fs::create_dir_all(&config).unwrap();
    for hive in ["SOFTWARE", "SYSTEM"] {
        let bytes = unxz(&data(&format!("windows/nt4/{hive}.xz")));
        std::fs::write(config.join(hive), bytes).unwrap();
    }
    assert_eq!(
        inventory::detect(volume.path()),
        Some(inventory::Layout::Windows)
    );
    let inventory = offline::collect_volume(volume.path());
    let os = &inventory.os;
    assert_eq!(os.family, Some(OsFamily::Windows));
    assert_eq!(os.name, "Windows NT 4.0");
    assert_eq!(os.version, "4.0.1381");
    assert_eq!(os.build.as_deref(), Some("1381"));
    assert_eq!(os.display_version.as_deref(), Some("Service Pack 3"));
    // ProductType LanmanNT: a domain controller.
    assert_eq!(os.installation_type, Some(InstallationType::Server));
    assert_eq!(inventory.hostname.as_deref(), Some("SERVER"));
    // NT 4.0's Internet Explorer key holds only IVer: no IE entry.
    assert!(
        !inventory
            .software
            .iter()
            .any(|s| s.name == extras::INTERNET_EXPLORER),
        "{:?}",
        inventory.software
    );
    let catalog = builtin::catalog().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let findings =
        evaluate_with(&self::inventory(os.clone()), &catalog, &Options::new(today)).findings;
    let os_findings: Vec<_> = findings.iter().filter(|f| f.target == Target::Os).collect();
    assert_eq!(os_findings.len(), 1, "{os_findings:#?}");
    let finding = os_findings[0];
    assert_eq!(finding.product_id, "windows-server");
    assert_eq!(finding.cycle.as_deref(), Some("nt-4.0"));
    assert_eq!(finding.status, Status::Unsupported);
}

/// Client or server from `ProductType` on real SYSTEM hives: regipy's Windows 7 (WinNT) and the
/// damaged XP SP3 hive, which must still give what it can.
#[test]
fn product_type_tells_client_from_server_on_real_system_hives() {
    for (name, want) in [
        ("SYSTEM.xz", Some(InstallationType::Client)),
        ("aiowinreg-nt4/SYSTEM.xz", Some(InstallationType::Server)),
    ] {
        let Some(hive) = common::fixture_hive(name) else {
            return;
        };
        let mut warnings = Vec::new();
        let info = hardware::read_system(&hive.root(), &mut warnings);
        assert_eq!(info.installation_type(), want, "{name}: {info:?}");
    }
    let Some(bytes) = common::fixture_bytes("corrupted_system_hive.xz") else {
        return;
    };
    if let Ok(hive) = Hive::from_bytes(bytes, "corrupted_system_hive") {
        let mut warnings = Vec::new();
        let info = hardware::read_system(&hive.root(), &mut warnings);
        // Whatever the damage allows: never a server for this XP workstation.
        assert_ne!(
            info.installation_type(),
            Some(InstallationType::Server),
            "{info:?}"
        );
    }
}

#[test]
fn internet_explorer_is_read_from_its_own_key() {
    let hive = Hive::open(&data("windows/software-ie.hive")).unwrap();
    let mut warnings = Vec::new();
    let ie = extras::internet_explorer(&hive.root(), &mut warnings).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(ie.name, "Internet Explorer");
    // IE 11 writes 9.11.… in Version; svcVersion is the real one.
    assert_eq!(ie.version.as_deref(), Some("11.0.9600.19596"));
    assert_eq!(
        ie.source,
        Source::WindowsRegistry {
            path: r"HKLM\SOFTWARE\Microsoft\Internet Explorer".into()
        }
    );
    let hive = Hive::open(&data("windows/software-ie8.hive")).unwrap();
    let ie8 = extras::internet_explorer(&hive.root(), &mut warnings).unwrap();
    assert_eq!(ie8.version.as_deref(), Some("8.0.6001.18702"));
    // Judged by the OS edition it runs on: retired on Windows 10 Pro, follows Server 2016.
    let catalog = builtin::catalog().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let judge = |edition: &str, kind: InstallationType| {
        let mut inventory = inventory(Os {
            family: Some(OsFamily::Windows),
            name: "x".into(),
            version: "10.0.14393.7515".into(),
            build: Some("14393".into()),
            edition: Some(edition.into()),
            installation_type: Some(kind),
            ..Os::default()
        });
        inventory.software.push(ie.clone());
        evaluate_with(&inventory, &catalog, &Options::new(today))
            .findings
            .into_iter()
            .find(|f| f.target == Target::Software)
            .unwrap()
    };
    let client = judge("Professional", InstallationType::Client);
    assert_eq!(
        (client.cycle.as_deref(), client.status),
        (Some("11"), Status::Unsupported)
    );
    let server = judge("ServerStandard", InstallationType::Server);
    assert_eq!(server.cycle.as_deref(), Some("11-lts-server"));
}

#[test]
fn windows_11_reports_no_internet_explorer() {
    let windows_11 = Os {
        build: Some("22631".into()),
        installation_type: Some(InstallationType::Client),
        ..Os::default()
    };
    assert!(!extras::has_internet_explorer(&windows_11));
    let server_2025 = Os {
        build: Some("26100".into()),
        installation_type: Some(InstallationType::Server),
        ..Os::default()
    };
    assert!(extras::has_internet_explorer(&server_2025));
    let windows_7 = Os {
        build: Some("7601".into()),
        installation_type: Some(InstallationType::Client),
        ..Os::default()
    };
    assert!(extras::has_internet_explorer(&windows_7));
}

/// Scans a root whose `SystemVersion.plist` is `plist`: a warning saying `warning`, no OS, and so no
/// OS finding.
fn assert_no_macos_finding(plist: &[u8], warning: &str) {
    let root = tempfile::tempdir().unwrap();
    let target = root
        .path()
        .join("System/Library/CoreServices/SystemVersion.plist");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, plist).unwrap();
    let collected = inventory::collect_root(root.path());
    assert_eq!(collected.os.family, None);
    assert!(
        collected
            .warnings
            .iter()
            .any(|w| w.message.contains(warning)),
        "{:?}",
        collected.warnings
    );
    let catalog = builtin::catalog().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let findings = evaluate_with(&inventory(collected.os), &catalog, &Options::new(today)).findings;
    assert!(
        findings.iter().all(|f| f.target != Target::Os),
        "{findings:#?}"
    );
}

/// `grub-mkrescue` (GRUB 2.06-13+deb12u2, Debian 12) writes this `SystemVersion.plist` so that Apple
/// firmware boots it; an iOS SDK carries Apple's `iPhone OS` record under the same name. Neither is
/// macOS: a warning, and no OS (so no macOS finding).
#[test]
fn system_version_plists_that_are_not_macos_give_no_macos() {
    let grub = data("macos/SystemVersion/GRUB-2.06__grub-mkrescue__SystemVersion.plist");
    let error = macos_plist::parse_system_version(&std::fs::read(&grub).unwrap()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "ProductName \"GRUB\" is not macOS: not read as the OS"
    );
    // The same through a scan of the root that holds it.
    assert_no_macos_finding(&std::fs::read(&grub).unwrap(), "\"GRUB\" is not macOS");
    // The record of the iPhoneOS 9.3 SDK (ProductName "iPhone OS", ProductVersion 9.3, build 13E230).
    let iphone = br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>ProductBuildVersion</key>
	<string>13E230</string>
	<key>ProductName</key>
	<string>iPhone OS</string>
	<key>ProductVersion</key>
	<string>9.3</string>
</dict>
</plist>
"#;
    let error = macos_plist::parse_system_version(iphone).unwrap_err();
    assert!(error.to_string().contains("\"iPhone OS\" is not macOS"));
    assert_no_macos_finding(iphone, "\"iPhone OS\" is not macOS");
    // And a real macOS record still reads (no licence stated upstream: only read from ../shared).
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let real = dir.join("../macos/SystemVersion/macOS-12.3-21E5227a__SystemVersion.plist");
    let os = macos_plist::parse_system_version(&std::fs::read(real).unwrap()).unwrap();
    assert_eq!(
        (os.name.as_str(), os.family),
        ("macOS", Some(OsFamily::Macos))
    );
}
