//! Issue 14's live facts under Wine: the real WMI query for Windows 10 ESU licences, the Secure Boot
//! servicing values Microsoft documents (KB5068202) set with `reg add`, and the verdict they lead to.
//!
//! Wine is not Windows. What is asserted is what the agent does with whatever Wine answers: Wine 8's
//! `SoftwareLicensingProduct` has no `ID` column, so the ESU query fails (`WBEM_E_INVALID_QUERY`) and
//! the cover must say `not-collected` with the reason — never `not-licensed`, never `licensed`; and
//! Wine cannot read firmware variables, so the Secure Boot verdict must come from the registry.
//! The prefix presents itself as Windows 7 (no ESU); `winecfg /v win10` makes it Windows 10 for this
//! step and `/v win7` puts it back, and the keys added are removed again.

use serde_json::Value;

use super::{Prefix, say};

const CONTROL: &str = r"HKLM\SYSTEM\CurrentControlSet\Control";
const SERVICING: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\SecureBoot\Servicing";
const STATE: &str = r"HKLM\SYSTEM\CurrentControlSet\Control\SecureBoot\State";

/// `(key, value name, type, data)` added for the step.
const VALUES: [(&str, &str, &str, &str); 5] = [
    (SERVICING, "UEFICA2023Status", "REG_SZ", "NotStarted"),
    (SERVICING, "WindowsUEFICA2023Capable", "REG_DWORD", "1"),
    // E_FAIL, as a failed servicing attempt records it.
    (SERVICING, "UEFICA2023Error", "REG_DWORD", "2147500037"),
    (STATE, "UEFISecureBootEnabled", "REG_DWORD", "1"),
    (CONTROL, "PEFirmwareType", "REG_DWORD", "2"),
];

/// Runs the step with the installed agent (`exe`, a Windows path) and always restores the prefix.
pub(super) fn check(wine: &Prefix, exe: &str) -> Result<(), String> {
    let result = scan_with_facts(wine, exe);
    let mut restore = vec![
        wine.run(&["winecfg", "/v", "win7"]),
        wine.run(&[
            "reg",
            "delete",
            r"HKLM\SYSTEM\CurrentControlSet\Control\SecureBoot\Servicing",
            "/f",
        ]),
        wine.run(&["reg", "delete", STATE, "/f"]),
    ];
    restore.push(wine.run(&["reg", "delete", CONTROL, "/v", "PEFirmwareType", "/f"]));
    if let Some(failed) = restore.iter().find(|r| !r.ok()) {
        say(&format!(
            "restoring the prefix after the facts step failed: {failed}"
        ));
    }
    result
}

fn scan_with_facts(wine: &Prefix, exe: &str) -> Result<(), String> {
    let version = wine.run(&["winecfg", "/v", "win10"]);
    if !version.ok() {
        return Err(format!("winecfg /v win10: {version}"));
    }
    for (key, name, kind, data) in VALUES {
        let added = wine.run(&["reg", "add", key, "/v", name, "/t", kind, "/d", data, "/f"]);
        if !added.ok() {
            return Err(format!("reg add {key} {name}: {added}"));
        }
    }
    let scan = wine.run(&[exe, "scan", "--format", "json", "--today", "2026-12-03"]);
    if !scan.ok() {
        return Err(format!("scan failed: {scan}"));
    }
    let result: Value =
        serde_json::from_str(&scan.stdout).map_err(|e| format!("scan JSON: {e}: {scan}"))?;
    let inventory = &result["inventory"];
    let mut problems = Vec::new();

    // ESU: three entries, one per year, whatever WMI answered — and never "licensed" here.
    let cover = inventory["cover"].as_array().cloned().unwrap_or_default();
    let years: Vec<(String, u64, String)> = cover
        .iter()
        .map(|c| {
            (
                c["program"].as_str().unwrap_or_default().to_string(),
                c["year"].as_u64().unwrap_or_default(),
                c["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let shape: Vec<(&str, u64)> = years.iter().map(|(p, y, _)| (p.as_str(), *y)).collect();
    if shape
        != [
            ("windows-10-esu", 1),
            ("windows-10-esu", 2),
            ("windows-10-esu", 3),
        ]
    {
        problems.push(format!(
            "cover for a Windows 10 prefix: {years:?}, expected windows-10-esu years 1-3 (os {})",
            inventory["os"]
        ));
    }
    for c in &cover {
        let state = c["state"].as_str().unwrap_or_default();
        let evidence = c["evidence"].as_str().unwrap_or_default();
        if !matches!(state, "not-collected" | "not-licensed") {
            problems.push(format!(
                "Wine holds no ESU licence, yet cover says {state}: {c}"
            ));
        }
        if !evidence.contains("WMI SoftwareLicensingProduct") {
            problems.push(format!("cover evidence does not name the query: {c}"));
        }
    }
    say(&format!(
        "Wine's answer to the ESU query: {}",
        cover
            .first()
            .and_then(|c| c["evidence"].as_str())
            .unwrap_or("(none)")
    ));

    // The servicing values as set, read through the live registry adapter.
    let hardware = &inventory["hardware"];
    let servicing = serde_json::json!({
        "state": "known",
        "value": {"status": "NotStarted", "error": 2147500037u32, "capable": 1}
    });
    if hardware["secure_boot_servicing"] != servicing {
        problems.push(format!(
            "secure_boot_servicing: {}, expected {servicing}",
            hardware["secure_boot_servicing"]
        ));
    }
    if hardware["secure_boot"]["value"] != "enabled" || hardware["uefi"]["value"] != true {
        problems.push(format!(
            "Secure Boot state from the registry: uefi {}, secure_boot {}",
            hardware["uefi"], hardware["secure_boot"]
        ));
    }
    // Wine cannot read firmware variables: never "known" from nothing.
    for store in ["secure_boot_db", "secure_boot_kek"] {
        if hardware[store]["state"] == "known" {
            problems.push(format!("{store} known under Wine: {}", hardware[store]));
        }
    }
    let finding = result["findings"].as_array().and_then(|f| {
        f.iter()
            .find(|f| f["product_id"] == "secure-boot-certificates")
    });
    match finding {
        Some(f)
            if f["status"] == "unsupported"
                && f["cycle_label"] == "cannot receive Secure Boot updates after 2026-06-24"
                && f["evidence"]["field"] == "hardware.secure_boot_servicing" => {}
        other => problems.push(format!(
            "Secure Boot finding from UEFICA2023Status NotStarted: {other:?}"
        )),
    }
    say(&format!(
        "not asserted under Wine: system_uuid {}, serial {}, board_serial {}, mac_addresses {}, machine_id {}",
        hardware["system_uuid"],
        hardware["serial"],
        hardware["board_serial"],
        hardware["mac_addresses"],
        inventory["os"]["machine_id"]
    ));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}
