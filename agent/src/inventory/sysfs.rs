//! Linux hardware and firmware facts from `/sys` and `/proc/cpuinfo`, read under a root directory so
//! tests can point it at a fixture tree.
//!
//! Each fact is `Known`, `Absent` (the kernel exposes the interface and there is nothing, e.g. no
//! `/sys/class/tpm/tpm0`) or `NotCollected` (the interface itself is missing or unreadable, as in a
//! container or an offline image).

use std::fs;
use std::path::Path;

use chrono::NaiveDate;
use sunset_catalog::inventory::{Cpu, Fact, Hardware, SecureBoot, Tpm};

/// The EFI variable holding the Secure Boot state (4 attribute bytes, then 1 = on, 0 = off).
const SECURE_BOOT_VAR: &str =
    "sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

fn read(root: &Path, path: &str) -> Option<String> {
    let text = fs::read_to_string(root.join(path)).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn dmi(root: &Path, field: &str) -> Fact<String> {
    if !root.join("sys/class/dmi/id").is_dir() {
        return Fact::NotCollected;
    }
    match read(root, &format!("sys/class/dmi/id/{field}")) {
        Some(value) if !is_placeholder(&value) => Fact::Known(value),
        Some(_) => Fact::Absent,
        // Unreadable (serial numbers need root) or missing: we could not find out.
        None => Fact::NotCollected,
    }
}

/// OEMs leave these strings in unused DMI fields.
fn is_placeholder(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    [
        "to be filled by o.e.m.",
        "default string",
        "system product name",
        "not specified",
        "none",
    ]
    .contains(&lower.as_str())
}

/// Reads the hardware facts available under `root` (`/` on a live system).
pub fn hardware(root: &Path) -> Hardware {
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
        manufacturer: dmi(root, "sys_vendor"),
        model: dmi(root, "product_name"),
        serial: dmi(root, "product_serial"),
        firmware_vendor: dmi(root, "bios_vendor"),
        firmware_version: dmi(root, "bios_version"),
        firmware_date: match dmi(root, "bios_date") {
            Fact::Known(date) => parse_bios_date(&date).map_or(Fact::NotCollected, Fact::Known),
            Fact::Absent => Fact::Absent,
            Fact::NotCollected => Fact::NotCollected,
        },
        secure_boot: secure_boot(root, &uefi),
        uefi,
        tpm: tpm(root),
        cpu: cpu(root),
        ..Hardware::default()
    }
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
        let hw = hardware(root.path());
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
        let hw = hardware(root.path());
        assert_eq!(hw.uefi, Fact::NotCollected);
        assert_eq!(hw.tpm, Fact::NotCollected);
        assert_eq!(hw.manufacturer, Fact::NotCollected);
        assert_eq!(hw.secure_boot, Fact::NotCollected);
    }
}
