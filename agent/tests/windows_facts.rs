//! `sunset-agent scan --root` over a Windows volume: the facts issue 14 added (ESU cover, the Secure
//! Boot servicing record, MachineGuid) and the Secure Boot verdict they lead to.
//!
//! The volume is the test one in `tests/data/windows/volume` (hives built from `.reg` text, see its
//! README). For the Secure Boot record, its `SYSTEM` hive is replaced by a **real** Windows 10 one
//! (regipy's `SYSTEM_WIN_10_1709`, MIT, from `../shared/fixtures`) into which `hivexregedit --merge` —
//! an independent registry writer — adds `SecureBoot\State`, `PEFirmwareType` and the
//! `SecureBoot\Servicing` values Microsoft documents (KB5068202), as Windows would have written them.
//! `today` is fixed: the 2011 CAs had all expired by 2026-12-03.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const TODAY: &str = "2026-12-03";

fn volume() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/windows/volume")
}

fn scan(root: &Path) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_sunset-agent"))
        .args(["scan", "--format", "json", "--today", TODAY, "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn secure_boot_finding(result: &Value) -> &Value {
    result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["product_id"] == "secure-boot-certificates")
        .unwrap_or_else(|| panic!("no Secure Boot finding in {:#}", result["findings"]))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn offline_cover_is_not_collected_and_machine_guid_is_read() {
    let result = scan(&volume());
    let inventory = &result["inventory"];
    let cover = inventory["cover"].as_array().unwrap();
    assert_eq!(cover.len(), 3, "{cover:#?}");
    for (n, entry) in cover.iter().enumerate() {
        assert_eq!(entry["program"], "windows-10-esu");
        assert_eq!(entry["year"], n + 1);
        // Offline is never "not licensed".
        assert_eq!(entry["state"], "not-collected");
        assert!(entry["evidence"].as_str().unwrap().contains("WMI"));
    }
    assert_eq!(
        inventory["os"]["machine_id"],
        serde_json::json!({"state": "known", "value": "5b8d1f2c-3a4e-4f6b-9c7d-2e1f0a9b8c7d"})
    );
    let hardware = &inventory["hardware"];
    // The test SYSTEM hive has Secure Boot on but no Servicing key.
    assert_eq!(hardware["secure_boot"]["value"], "enabled");
    assert_eq!(hardware["secure_boot_servicing"]["state"], "absent");
    for offline in [
        "system_uuid",
        "board_serial",
        "mac_addresses",
        "secure_boot_db",
        "secure_boot_kek",
    ] {
        assert_eq!(hardware[offline]["state"], "not_collected", "{offline}");
    }
    let finding = secure_boot_finding(&result);
    assert_eq!(finding["status"], "unknown");
    assert_eq!(
        finding["cycle_label"],
        "Secure Boot certificates not collected"
    );
}

/// The volume with a real Windows 10 `SYSTEM` hive carrying `values` (a `.reg` fragment below
/// `ControlSet001`, the hive's current control set).
fn volume_with_servicing(dir: &Path, values: &str) -> Option<PathBuf> {
    let system = common::fixture_bytes("SYSTEM_WIN_10_1709.xz")?;
    // A test skipped for a missing tool would pass without checking anything: fail instead.
    assert!(
        Command::new("hivexregedit").arg("--help").output().is_ok(),
        "hivexregedit is missing: install Debian's libwin-hivex-perl (ci/test.sh does)"
    );
    let root = dir.join("volume");
    copy_dir(&volume(), &root);
    let config = root.join("Windows/System32/config");
    fs::remove_file(config.join("system")).unwrap();
    let hive = config.join("SYSTEM");
    fs::write(&hive, system).unwrap();
    let reg = dir.join("secure-boot.reg");
    let set = r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control";
    let text = format!(
        "Windows Registry Editor Version 5.00\r\n\r\n[{set}]\r\n\"PEFirmwareType\"=dword:00000002\r\n\r\n\
         [{set}\\SecureBoot\\State]\r\n\"UEFISecureBootEnabled\"=dword:00000001\r\n\r\n\
         [{set}\\SecureBoot\\Servicing]\r\n{values}\r\n"
    );
    fs::write(&reg, text).unwrap();
    let merged = Command::new("hivexregedit")
        .args(["--merge", "--prefix", r"HKEY_LOCAL_MACHINE\SYSTEM"])
        .arg(&hive)
        .arg(&reg)
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "hivexregedit: {}",
        String::from_utf8_lossy(&merged.stderr)
    );
    Some(root)
}

#[test]
fn not_started_with_secure_boot_on_is_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let values = "\"UEFICA2023Status\"=\"NotStarted\"\r\n\"AvailableUpdates\"=dword:00005944";
    let Some(root) = volume_with_servicing(dir.path(), values) else {
        return;
    };
    let result = scan(&root);
    let hardware = &result["inventory"]["hardware"];
    assert_eq!(result["inventory"]["host"]["hostname"], "DESKTOP-2KGM189");
    assert_eq!(hardware["uefi"]["value"], true);
    assert_eq!(hardware["secure_boot"]["value"], "enabled");
    assert_eq!(
        hardware["secure_boot_servicing"],
        serde_json::json!({"state": "known", "value": {"status": "NotStarted", "available_updates": 0x5944}})
    );
    let finding = secure_boot_finding(&result);
    assert_eq!(finding["status"], "unsupported");
    assert_eq!(
        finding["cycle_label"],
        "cannot receive Secure Boot updates after 2026-06-24"
    );
    assert_eq!(
        finding["evidence"]["field"],
        "hardware.secure_boot_servicing"
    );
    assert!(finding["replacement"].as_str().unwrap().contains("0x5944"));
}

#[test]
fn updated_is_not_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let values = "\"UEFICA2023Status\"=\"Updated\"\r\n\"WindowsUEFICA2023Capable\"=dword:00000002\r\n\
                  \"UEFICA2023Error\"=dword:00000000\r\n\"AvailableUpdates\"=dword:00004000";
    let Some(root) = volume_with_servicing(dir.path(), values) else {
        return;
    };
    let result = scan(&root);
    assert_eq!(
        result["inventory"]["hardware"]["secure_boot_servicing"]["value"],
        serde_json::json!({"status": "Updated", "error": 0, "capable": 2, "available_updates": 0x4000})
    );
    let finding = secure_boot_finding(&result);
    assert_eq!(finding["status"], "supported");
    assert_eq!(
        finding["cycle_label"],
        "2023 Secure Boot certificates present"
    );
    let labels: Vec<&str> = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["cycle_label"].as_str())
        .collect();
    assert!(
        !labels
            .iter()
            .any(|l| l.starts_with("cannot receive Secure Boot updates")),
        "{labels:?}"
    );
}
