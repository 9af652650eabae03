//! Hardware and host facts from the registry: firmware and processor from `HARDWARE` (live only), and
//! from `SYSTEM` the host name, domain, processor architecture, firmware type and Secure Boot state.
//!
//! The current control set is `ControlSet00n` with n = `Select\Current` (an offline `SYSTEM` hive has no
//! `CurrentControlSet` link; the live registry has both), falling back to `CurrentControlSet`.
//!
//! Secure Boot, from `<control set>\Control\SecureBoot\State\UEFISecureBootEnabled` and
//! `<control set>\Control\PEFirmwareType` (1 = BIOS, 2 = UEFI), as of the last boot of that Windows:
//! - `PEFirmwareType` = 1 (legacy BIOS boot): **Absent**, whatever `State` says;
//! - no `SecureBoot\State` key (Windows 7 and earlier, or a BIOS boot), or the key without the value:
//!   **Absent**;
//! - the value 1: **Enabled**; 0: **Disabled** (UEFI, Secure Boot capable but off);
//! - any other value, or the keys cannot be read, or no `SYSTEM`: **NotCollected** (with a warning when
//!   something failed).
//!
//! UEFI is known only from `PEFirmwareType` (2 → true, 1 → false). Fields no source here can give
//! (serial, TPM, memory, disk) stay `NotCollected`, as does everything from `HARDWARE` in an offline scan.

use chrono::NaiveDate;
use sunset_catalog::inventory::{Cpu, Fact, Hardware, SecureBoot, SecureBootServicing, Warning};

use super::{HKLM_HARDWARE, HKLM_SYSTEM, join, open, read_text, read_u32, subkeys, warn};
use crate::registry::Key;

/// Firmware description, relative to the `HARDWARE` root.
pub const BIOS: &str = r"DESCRIPTION\System\BIOS";
/// The processors, one numbered subkey each, relative to the `HARDWARE` root.
pub const CENTRAL_PROCESSOR: &str = r"DESCRIPTION\System\CentralProcessor";
/// The configured computer name, relative to a control set.
pub const COMPUTER_NAME: &str = r"Control\ComputerName\ComputerName";
/// TCP/IP parameters (primary DNS domain), relative to a control set.
pub const TCPIP_PARAMETERS: &str = r"Services\Tcpip\Parameters";
/// The system environment (`PROCESSOR_ARCHITECTURE`), relative to a control set.
pub const ENVIRONMENT: &str = r"Control\Session Manager\Environment";
/// The Secure Boot state, relative to a control set.
pub const SECURE_BOOT_STATE: &str = r"Control\SecureBoot\State";

/// What the `SYSTEM` hive says about the host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemInfo {
    /// The control set read (`ControlSet001`), when one was found.
    pub control_set: Option<String>,
    /// `ComputerName`.
    pub hostname: Option<String>,
    /// `Services\Tcpip\Parameters\Domain`, when not empty.
    pub domain: Option<String>,
    /// `PROCESSOR_ARCHITECTURE` as stored (`AMD64`, `x86`, `ARM64`).
    pub processor_architecture: Option<String>,
    /// Booted through UEFI.
    pub uefi: Fact<bool>,
    /// Secure Boot, by the rules in the module documentation.
    pub secure_boot: Fact<SecureBoot>,
    /// `Control\ProductOptions\ProductType`: `WinNT` (a workstation), `ServerNT` or `LanmanNT` (a
    /// server, `LanmanNT` a domain controller). Every Windows since NT has it, so it tells client
    /// from server where `CurrentVersion` has no `InstallationType` (NT 4.0 to 2003).
    pub product_type: Option<String>,
    /// The 2023 certificate update's record ([`super::secure_boot`]).
    pub secure_boot_servicing: Fact<SecureBootServicing>,
}

impl SystemInfo {
    /// Client or server from `ProductType`.
    pub fn installation_type(&self) -> Option<sunset_catalog::inventory::InstallationType> {
        use sunset_catalog::inventory::InstallationType;
        match self.product_type.as_deref()?.to_ascii_lowercase().as_str() {
            "winnt" => Some(InstallationType::Client),
            "servernt" | "lanmannt" => Some(InstallationType::Server),
            _ => None,
        }
    }

    /// The OS architecture in the inventory's terms (`x86_64`, `x86`, `aarch64`).
    pub fn os_architecture(&self) -> Option<&'static str> {
        match self
            .processor_architecture
            .as_deref()?
            .to_ascii_uppercase()
            .as_str()
        {
            "AMD64" => Some("x86_64"),
            "X86" => Some("x86"),
            "ARM64" => Some("aarch64"),
            "IA64" => Some("ia64"),
            _ => None,
        }
    }
}

/// The current control set of a `SYSTEM` root and its name; `None` (with a warning) when there is none.
pub fn current_control_set<K: Key>(system: &K, warnings: &mut Vec<Warning>) -> Option<(K, String)> {
    let select = open(system, HKLM_SYSTEM, "Select", warnings);
    let current =
        select.and_then(|s| read_u32(&s, &join(HKLM_SYSTEM, "Select"), "Current", warnings));
    let names = current
        .map(|n| format!("ControlSet{n:03}"))
        .into_iter()
        .chain(["CurrentControlSet".to_owned()]);
    for name in names {
        if let Some(key) = open(system, HKLM_SYSTEM, &name, warnings) {
            return Some((key, name));
        }
    }
    warn(
        warnings,
        &join(HKLM_SYSTEM, "Select"),
        &"no current control set (Select\\Current names none)",
    );
    None
}

/// Host facts from a `SYSTEM` root.
pub fn read_system<K: Key>(system: &K, warnings: &mut Vec<Warning>) -> SystemInfo {
    let Some((set, name)) = current_control_set(system, warnings) else {
        return SystemInfo::default();
    };
    let at = join(HKLM_SYSTEM, &name);
    let mut value_at = |path: &str, value: &str| {
        let key = open(&set, &at, path, warnings)?;
        read_text(&key, &join(&at, path), value, warnings)
    };
    let hostname = value_at(COMPUTER_NAME, "ComputerName");
    let domain = value_at(TCPIP_PARAMETERS, "Domain");
    let processor_architecture = value_at(ENVIRONMENT, "PROCESSOR_ARCHITECTURE");
    let product_type = value_at(r"Control\ProductOptions", "ProductType");
    let control_at = join(&at, "Control");
    let firmware_type = open(&set, &at, "Control", warnings)
        .and_then(|control| read_u32(&control, &control_at, "PEFirmwareType", warnings));
    let state_at = join(&at, SECURE_BOOT_STATE);
    let secure_boot = match set.open(SECURE_BOOT_STATE) {
        Ok(state) => {
            let enabled = state.as_ref().map(|s| s.value("UEFISecureBootEnabled"));
            match enabled {
                Some(Err(e)) => {
                    warn(warnings, &state_at, &e);
                    Fact::NotCollected
                }
                Some(Ok(value)) => secure_boot(true, value.map(|v| v.as_u32()), firmware_type),
                None => secure_boot(false, None, firmware_type),
            }
        }
        Err(e) => {
            warn(warnings, &state_at, &e);
            Fact::NotCollected
        }
    };
    let uefi = match firmware_type {
        Some(1) => Fact::Known(false),
        Some(2) => Fact::Known(true),
        _ => Fact::NotCollected,
    };
    SystemInfo {
        secure_boot_servicing: super::secure_boot::servicing(&set, &at, warnings),
        control_set: Some(name),
        hostname,
        domain,
        processor_architecture,
        uefi,
        secure_boot,
        product_type,
    }
}

/// The Secure Boot rule of the module documentation. `enabled` is `None` when the value is absent and
/// `Some(None)` when it is not a number.
pub fn secure_boot(
    state_key: bool,
    enabled: Option<Option<u32>>,
    firmware_type: Option<u32>,
) -> Fact<SecureBoot> {
    if firmware_type == Some(1) || !state_key {
        return Fact::Absent;
    }
    match enabled {
        None => Fact::Absent,
        Some(Some(1)) => Fact::Known(SecureBoot::Enabled),
        Some(Some(0)) => Fact::Known(SecureBoot::Disabled),
        Some(_) => Fact::NotCollected,
    }
}

/// Hardware facts: firmware and processor from a `HARDWARE` root when there is one, Secure Boot and
/// UEFI from `system`.
pub fn collect<K: Key>(
    hardware: Option<&K>,
    system: &SystemInfo,
    warnings: &mut Vec<Warning>,
) -> Hardware {
    let mut out = Hardware {
        secure_boot: system.secure_boot.clone(),
        secure_boot_servicing: system.secure_boot_servicing.clone(),
        uefi: system.uefi.clone(),
        ..Hardware::default()
    };
    let Some(hardware) = hardware else { return out };
    if let Some(bios) = open(hardware, HKLM_HARDWARE, BIOS, warnings) {
        let at = join(HKLM_HARDWARE, BIOS);
        let mut text = |name| Fact::from_option(read_text(&bios, &at, name, warnings));
        out.manufacturer = text("SystemManufacturer");
        out.model = text("SystemProductName");
        out.firmware_vendor = text("BIOSVendor");
        out.firmware_version = text("BIOSVersion");
        let date = read_text(&bios, &at, "BIOSReleaseDate", warnings);
        out.firmware_date = Fact::from_option(date.as_deref().and_then(parse_bios_date));
    }
    out.cpu = Fact::from_option(read_cpu(hardware, warnings));
    out
}

/// The first processor's description; `threads` counts the numbered processor subkeys.
fn read_cpu<K: Key>(hardware: &K, warnings: &mut Vec<Warning>) -> Option<Cpu> {
    let processors = open(hardware, HKLM_HARDWARE, CENTRAL_PROCESSOR, warnings)?;
    let at = join(HKLM_HARDWARE, CENTRAL_PROCESSOR);
    let threads = subkeys(&processors, &at, warnings)
        .iter()
        .filter(|n| n.parse::<u32>().is_ok())
        .count();
    let first = open(&processors, &at, "0", warnings)?;
    let at = join(&at, "0");
    let identifier = read_text(&first, &at, "Identifier", warnings);
    let brand =
        read_text(&first, &at, "ProcessorNameString", warnings).or_else(|| identifier.clone())?;
    let (family, model, stepping) = identifier
        .as_deref()
        .map(parse_cpu_identifier)
        .unwrap_or_default();
    Some(Cpu {
        brand,
        vendor: read_text(&first, &at, "VendorIdentifier", warnings),
        family,
        model,
        stepping,
        cores: None,
        threads: u32::try_from(threads).ok().filter(|&t| t > 0),
    })
}

/// Family, model and stepping from a processor `Identifier`
/// (`Intel64 Family 6 Model 158 Stepping 10`); each is `None` when missing or not decimal.
pub fn parse_cpu_identifier(identifier: &str) -> (Option<u32>, Option<u32>, Option<u32>) {
    let words: Vec<&str> = identifier.split_whitespace().collect();
    let field = |label: &str| {
        let at = words.iter().position(|w| w.eq_ignore_ascii_case(label))?;
        words.get(at + 1)?.trim_end_matches(',').parse().ok()
    };
    (field("Family"), field("Model"), field("Stepping"))
}

/// A `BIOSReleaseDate` (`MM/DD/YYYY`, or `MM/DD/YY` on old firmware).
pub fn parse_bios_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let year = text.rsplit('/').next()?;
    let format = if year.len() == 2 {
        "%m/%d/%y"
    } else {
        "%m/%d/%Y"
    };
    NaiveDate::parse_from_str(text, format).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::windows::testing::BrokenKey;

    #[test]
    fn cpu_identifiers() {
        assert_eq!(
            parse_cpu_identifier("Intel64 Family 6 Model 158 Stepping 10"),
            (Some(6), Some(158), Some(10))
        );
        assert_eq!(
            parse_cpu_identifier("AMD64 Family 23 Model 113 Stepping 0"),
            (Some(23), Some(113), Some(0))
        );
        assert_eq!(
            parse_cpu_identifier("x86 Family 7 Model 1 Stepping 0, AuthenticAMD"),
            (Some(7), Some(1), Some(0))
        );
        assert_eq!(
            parse_cpu_identifier("ARMv8 (64-bit) Family 8 Model D4B Revision   0"),
            (Some(8), None, None)
        );
        assert_eq!(parse_cpu_identifier(""), (None, None, None));
    }

    #[test]
    fn bios_dates() {
        assert_eq!(
            parse_bios_date("08/22/2023"),
            NaiveDate::from_ymd_opt(2023, 8, 22)
        );
        assert_eq!(
            parse_bios_date("06/12/98"),
            NaiveDate::from_ymd_opt(1998, 6, 12)
        );
        assert_eq!(parse_bios_date("2023-08-22"), None);
        assert_eq!(parse_bios_date("13/45/2023"), None);
        assert_eq!(parse_bios_date(""), None);
    }

    #[test]
    fn secure_boot_rule() {
        assert_eq!(
            secure_boot(true, Some(Some(1)), Some(2)),
            Fact::Known(SecureBoot::Enabled)
        );
        assert_eq!(
            secure_boot(true, Some(Some(0)), Some(2)),
            Fact::Known(SecureBoot::Disabled)
        );
        assert_eq!(
            secure_boot(true, Some(Some(1)), None),
            Fact::Known(SecureBoot::Enabled)
        );
        assert_eq!(secure_boot(true, Some(Some(0)), Some(1)), Fact::Absent);
        assert_eq!(secure_boot(false, None, None), Fact::Absent);
        assert_eq!(secure_boot(true, None, Some(2)), Fact::Absent);
        assert_eq!(
            secure_boot(true, Some(Some(7)), Some(2)),
            Fact::NotCollected
        );
        assert_eq!(secure_boot(true, Some(None), Some(2)), Fact::NotCollected);
    }

    #[test]
    fn architectures() {
        let arch = |a: &str| SystemInfo {
            processor_architecture: Some(a.into()),
            ..SystemInfo::default()
        };
        assert_eq!(arch("AMD64").os_architecture(), Some("x86_64"));
        assert_eq!(arch("x86").os_architecture(), Some("x86"));
        assert_eq!(arch("ARM64").os_architecture(), Some("aarch64"));
        assert_eq!(arch("MIPS").os_architecture(), None);
    }

    #[test]
    fn broken_system_is_not_collected() {
        let mut warnings = Vec::new();
        let info = read_system(&BrokenKey, &mut warnings);
        assert_eq!(info, SystemInfo::default());
        assert!(!warnings.is_empty());
        let hw = collect(Some(&BrokenKey), &info, &mut warnings);
        assert_eq!(hw, Hardware::default());
    }
}
