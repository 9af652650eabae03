//! Linux hardware and firmware facts from `/sys` and `/proc/cpuinfo`, read under a root directory so
//! tests can point it at a fixture tree.
//!
//! Each fact is `Known`, `Absent` (the kernel exposes the interface and there is nothing, e.g. no
//! `/sys/class/tpm/tpm0`) or `NotCollected` (the interface itself is missing or unreadable, as in a
//! container or an offline image). The serials and the system UUID are readable by root only: for
//! anyone else they are `NotCollected`, never `Absent`.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use chrono::NaiveDate;
use sunset_catalog::inventory::{Cpu, Fact, Hardware, SecureBoot, Tpm, Warning};

use crate::inventory::identity::{self, Field};
use crate::parse::{efi, read_bounded};

/// The EFI variable holding the Secure Boot state (4 attribute bytes, then 1 = on, 0 = off).
const SECURE_BOOT_VAR: &str =
    "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
/// The Secure Boot signature database.
pub const DB_VAR: &str = "sys/firmware/efi/efivars/db-d719b2cb-3d3a-4596-a3bc-dad00e67656f";
/// The Key Exchange Key list.
pub const KEK_VAR: &str = "sys/firmware/efi/efivars/KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c";
/// The network interfaces.
const NET_CLASS: &str = "sys/class/net";

fn read(root: &Path, path: &str) -> Option<String> {
    let text = fs::read_to_string(root.join(path)).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// A DMI field as text, or `None` when the DMI folder is missing or the file unreadable (the
/// serials and UUID need root) — we could not find out. An empty file is `Some("")`: a placeholder.
fn dmi_raw(root: &Path, field: &str) -> Option<String> {
    if !root.join("sys/class/dmi/id").is_dir() {
        return None;
    }
    fs::read_to_string(root.join(format!("sys/class/dmi/id/{field}"))).ok()
}

fn dmi(root: &Path, field: &str, kind: Field) -> Fact<String> {
    identity::text(kind, dmi_raw(root, field).as_deref())
}

/// Reads the hardware facts available under `root` (`/` on a live system); problems reading the
/// Secure Boot variables are added to `warnings`.
pub fn hardware(root: &Path, warnings: &mut Vec<Warning>) -> Hardware {
    let efi = root.join("sys/firmware/efi");
    let sys_present = root.join("sys/firmware").is_dir();
    let uefi = if efi.is_dir() {
        Fact::Known(true)
    } else if sys_present {
        Fact::Known(false)
    } else {
        Fact::NotCollected
    };
    Hardware {
        manufacturer: dmi(root, "sys_vendor", Field::Product),
        model: dmi(root, "product_name", Field::Product),
        serial: dmi(root, "product_serial", Field::Serial),
        system_uuid: identity::uuid(dmi_raw(root, "product_uuid").as_deref()),
        board_serial: dmi(root, "board_serial", Field::Serial),
        firmware_vendor: dmi(root, "bios_vendor", Field::Product),
        firmware_version: dmi(root, "bios_version", Field::Product),
        firmware_date: match dmi(root, "bios_date", Field::Product) {
            Fact::Known(date) => parse_bios_date(&date).map_or(Fact::NotCollected, Fact::Known),
            Fact::Absent => Fact::Absent,
            Fact::NotCollected => Fact::NotCollected,
        },
        secure_boot: secure_boot(root, &uefi),
        secure_boot_db: certificate_list(root, DB_VAR, &uefi, warnings),
        secure_boot_kek: certificate_list(root, KEK_VAR, &uefi, warnings),
        uefi,
        tpm: tpm(root),
        cpu: cpu(root),
        mac_addresses: mac_addresses(root),
        ..Hardware::default()
    }
}

/// The subjects of the certificates in a Secure Boot variable (`db`, `KEK`). Legacy BIOS, or UEFI
/// whose efivarfs lacks the variable: `Absent`. Not mounted, unreadable or unparsable:
/// `NotCollected`, with a warning when the file was there but could not be read.
pub fn certificate_list(
    root: &Path,
    variable: &str,
    uefi: &Fact<bool>,
    warnings: &mut Vec<Warning>,
) -> Fact<Vec<String>> {
    match uefi {
        Fact::Known(false) => return Fact::Absent,
        Fact::Known(true) => {}
        _ => return Fact::NotCollected,
    }
    let path = root.join(variable);
    let source = format!("efivars:/{variable}");
    let bytes = match read_bounded(&path, efi::MAX_VARIABLE_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let mounted = root.join("sys/firmware/efi/efivars").is_dir();
            return if mounted {
                Fact::Absent
            } else {
                Fact::NotCollected
            };
        }
        Err(e) => {
            warnings.push(Warning::new(source, e.to_string()));
            return Fact::NotCollected;
        }
    };
    let parsed = efi::efivarfs_value(&bytes).and_then(efi::certificates);
    match parsed {
        Ok(found) => {
            if found.unreadable > 0 {
                let message = format!(
                    "{} certificate(s) could not be read; the other {} were",
                    found.unreadable,
                    found.subjects.len()
                );
                warnings.push(Warning::new(source, message));
            }
            Fact::Known(found.subjects)
        }
        Err(e) => {
            warnings.push(Warning::new(source, e.to_string()));
            Fact::NotCollected
        }
    }
}

/// The MAC addresses of the physical network interfaces: those backed by a device (not `lo`,
/// bridges, bonds, VPNs or containers' veth pairs) whose address is not random
/// (`addr_assign_type` 1, as Wi-Fi privacy features set it).
fn mac_addresses(root: &Path) -> Fact<Vec<String>> {
    let Ok(entries) = fs::read_dir(root.join(NET_CLASS)) else {
        return Fact::NotCollected;
    };
    let mut addresses = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let interface = entry.path();
        if !interface.join("device").exists() {
            continue;
        }
        let assign = fs::read_to_string(interface.join("addr_assign_type")).unwrap_or_default();
        if assign.trim() == "1" {
            continue;
        }
        if let Ok(address) = fs::read_to_string(interface.join("address")) {
            addresses.push(address.trim().to_string());
        }
    }
    identity::macs(addresses.iter().map(String::as_str))
}

/// DMI dates are `MM/DD/YYYY`.
pub fn parse_bios_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%m/%d/%Y").ok()
}

fn secure_boot(root: &Path, uefi: &Fact<bool>) -> Fact<SecureBoot> {
    match uefi {
        Fact::Known(false) => return Fact::Absent,
        Fact::Known(true) => {}
        _ => return Fact::NotCollected,
    }
    match fs::read(root.join(SECURE_BOOT_VAR)) {
        Ok(bytes) => match bytes.get(4) {
            Some(1) => Fact::Known(SecureBoot::Enabled),
            Some(0) => Fact::Known(SecureBoot::Disabled),
            _ => Fact::NotCollected,
        },
        // UEFI without the variable: firmware without Secure Boot support.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if root.join("sys/firmware/efi/efivars").is_dir() {
                Fact::Absent
            } else {
                Fact::NotCollected
            }
        }
        Err(_) => Fact::NotCollected,
    }
}

fn tpm(root: &Path) -> Fact<Tpm> {
    let class = root.join("sys/class/tpm");
    let Ok(entries) = fs::read_dir(&class) else {
        return if root.join("sys/class").is_dir() {
            Fact::Absent
        } else {
            Fact::NotCollected
        };
    };
    let mut devices: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("tpm"))
        .collect();
    devices.sort();
    let Some(device) = devices.first() else {
        return Fact::Absent;
    };
    let major = read(root, &format!("sys/class/tpm/{device}/tpm_version_major"));
    Fact::Known(Tpm {
        // Kernels before 5.6 lack tpm_version_major; such TPMs are reported as version unknown.
        version: match major.as_deref() {
            Some("2") => "2.0".to_string(),
            Some("1") => "1.2".to_string(),
            Some(other) => other.to_string(),
            None => "unknown".to_string(),
        },
        manufacturer: None,
    })
}

fn cpu(root: &Path) -> Fact<Cpu> {
    match read(root, "proc/cpuinfo") {
        Some(text) => parse_cpuinfo(&text).map_or(Fact::NotCollected, Fact::Known),
        None => Fact::NotCollected,
    }
}

/// The first processor of `/proc/cpuinfo`: brand, vendor, family/model/stepping, counts.
pub fn parse_cpuinfo(text: &str) -> Option<Cpu> {
    let mut cpu = Cpu::default();
    let mut threads = 0u32;
    let mut seen_first = false;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key == "processor" {
            threads += 1;
            if seen_first {
                continue;
            }
        }
        if threads > 1 {
            continue;
        }
        seen_first = true;
        match key {
            "model name" => cpu.brand = value.to_string(),
            "vendor_id" => cpu.vendor = Some(value.to_string()),
            "cpu family" => cpu.family = value.parse().ok(),
            "model" => cpu.model = value.parse().ok(),
            "stepping" => cpu.stepping = value.parse().ok(),
            "cpu cores" => cpu.cores = value.parse().ok(),
            _ => {}
        }
    }
    cpu.threads = (threads > 0).then_some(threads);
    (!cpu.brand.is_empty()).then_some(cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CPUINFO: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 158\n\
model name\t: Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz\nstepping\t: 10\ncpu cores\t: 6\n\n\
processor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz\n";

    #[test]
    fn cpuinfo_first_processor_and_thread_count() {
        let cpu = parse_cpuinfo(CPUINFO).unwrap();
        assert_eq!(cpu.brand, "Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz");
        assert_eq!(cpu.vendor.as_deref(), Some("GenuineIntel"));
        assert_eq!(
            (cpu.family, cpu.model, cpu.stepping),
            (Some(6), Some(158), Some(10))
        );
        assert_eq!((cpu.cores, cpu.threads), (Some(6), Some(2)));
    }

    #[test]
    fn fixture_tree_with_tpm2_secure_boot_and_placeholders() {
        let root = tempfile::tempdir().unwrap();
        let put = |path: &str, bytes: &[u8]| {
            let path = root.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        };
        put("sys/class/dmi/id/sys_vendor", b"Dell Inc.\n");
        put("sys/class/dmi/id/product_name", b"OptiPlex 7060\n");
        put("sys/class/dmi/id/bios_vendor", b"Dell Inc.\n");
        put("sys/class/dmi/id/bios_version", b"1.25.0\n");
        put("sys/class/dmi/id/bios_date", b"07/12/2023\n");
        put(
            "sys/class/dmi/id/product_serial",
            b"To Be Filled By O.E.M.\n",
        );
        put("sys/class/tpm/tpm0/tpm_version_major", b"2\n");
        put(SECURE_BOOT_VAR, &[6, 0, 0, 0, 1]);
        put("proc/cpuinfo", CPUINFO.as_bytes());
        let hw = hardware(root.path(), &mut Vec::new());
        assert_eq!(hw.manufacturer, Fact::Known("Dell Inc.".into()));
        assert_eq!(hw.model, Fact::Known("OptiPlex 7060".into()));
        assert_eq!(hw.serial, Fact::Absent);
        assert_eq!(
            hw.firmware_date,
            Fact::Known(NaiveDate::from_ymd_opt(2023, 7, 12).unwrap())
        );
        assert_eq!(hw.uefi, Fact::Known(true));
        assert_eq!(hw.secure_boot, Fact::Known(SecureBoot::Enabled));
        assert_eq!(hw.tpm.known().map(|t| t.version.as_str()), Some("2.0"));
        assert_eq!(hw.memory_bytes, Fact::NotCollected);
    }

    #[test]
    fn an_offline_root_without_sys_collects_nothing() {
        let root = tempfile::tempdir().unwrap();
        let hw = hardware(root.path(), &mut Vec::new());
        assert_eq!(hw.uefi, Fact::NotCollected);
        assert_eq!(hw.tpm, Fact::NotCollected);
        assert_eq!(hw.manufacturer, Fact::NotCollected);
        assert_eq!(hw.secure_boot, Fact::NotCollected);
    }
}
