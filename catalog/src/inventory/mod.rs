//! The inventory model: what an agent saw on one machine, as it travels to the collector.
//!
//! These types are the wire schema shared by agent and collector. They are versioned by
//! [`SCHEMA_VERSION`]; readers ignore fields they do not know, so an older collector accepts a report
//! from a newer agent. A fact the agent could not learn is [`Fact::NotCollected`], which is different
//! from [`Fact::Absent`] (looked, and there is none): an offline scan cannot know the TPM, and that
//! must not read as "this PC has no TPM".

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub mod identity;
mod software;

pub use software::{Origin, OriginEvidence, OriginField, OriginKind, Packaging, Software, Source};

/// The schema version this crate writes. Bumped when a field changes meaning, not when one is added.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything one scan of one machine found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// Schema version of this document ([`SCHEMA_VERSION`] when written by this crate).
    pub schema_version: u32,
    /// Which machine, when, and by which agent.
    pub host: Host,
    /// The operating system.
    pub os: Os,
    /// Installed software, de-duplicated by [`Software::key`].
    #[serde(default)]
    pub software: Vec<Software>,
    /// Firmware, processor, memory, disk and security hardware.
    #[serde(default)]
    pub hardware: Hardware,
    /// Support cover (licences, subscriptions) the agent looked for, found or could not read.
    /// Evaluation counts a paid extended-support window only where cover is `Licensed` here or
    /// declared by the organisation; an empty list means the agent did not look.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cover: Vec<Cover>,
    /// Sources that failed during the scan; the rest of the inventory is still valid.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// Identity of the scanned machine and of the scan itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Stable id, generated once by the agent and kept in its state directory.
    pub host_id: Uuid,
    /// Unique id of this scan; the collector stores a report once per id.
    pub report_id: Uuid,
    /// Short host name (e.g. `WKS-0042`).
    pub hostname: String,
    /// DNS or Active Directory domain, when joined to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Fully qualified name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    /// Site tag from the agent's configuration (e.g. a GP practice or ward).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Version of the agent that produced this inventory.
    pub agent_version: String,
    /// When the scan ran.
    pub collected_at: DateTime<Utc>,
    /// Where `host_id` came from (`state directory /var/lib/sunset`, or why a one-off id was made),
    /// so a person can tell a stable id from one that will change on the next run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_id_source: Option<String>,
}

/// Operating-system family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OsFamily {
    /// Microsoft Windows, client or server.
    Windows,
    /// Any Linux distribution.
    Linux,
    /// Apple macOS (and Mac OS X).
    Macos,
    /// Anything else, including families added by newer agents.
    #[serde(other)]
    Other,
}

/// Client or server installation (Windows `InstallationType`, or inferred elsewhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallationType {
    /// A workstation: Windows 10/11, macOS, desktop Linux.
    Client,
    /// A server, including Server Core.
    Server,
    /// A value added by a newer agent.
    #[serde(other)]
    Other,
}

/// The operating system as the machine reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Os {
    /// Family; decides which catalogue products can match.
    pub family: Option<OsFamily>,
    /// Product name as reported (`Windows 10 Pro` even on Windows 11, `Debian GNU/Linux 12 (bookworm)`).
    #[serde(default)]
    pub name: String,
    /// Comparable version: `10.0.22631.4460` on Windows (major.minor.build.UBR), `VERSION_ID` on
    /// Linux (`12`, `22.04`), `ProductVersion` on macOS (`14.2`).
    #[serde(default)]
    pub version: String,
    /// Marketing release (`22H2`, from DisplayVersion or ReleaseId).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_version: Option<String>,
    /// Build number (`22631` on Windows, `23B92` on macOS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// Windows update build revision (UBR), the monthly patch level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_revision: Option<u32>,
    /// Edition id (`Professional`, `Enterprise`, `EnterpriseS` for LTSC, `ServerStandard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Client or server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation_type: Option<InstallationType>,
    /// CPU architecture of the OS (`x86_64`, `aarch64`, `x86`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// Kernel version (`6.1.0-26-amd64`, `10.0.22631`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_version: Option<String>,
    /// Linux `ID` from os-release (`debian`, `ubuntu`, `rhel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro_id: Option<String>,
    /// Linux `VERSION_ID` from os-release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro_version_id: Option<String>,
    /// Linux `VERSION_CODENAME` from os-release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro_codename: Option<String>,
    /// Linux `ID_LIKE` from os-release (`rhel fedora`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distro_id_like: Vec<String>,
    /// The installation's own id: Windows `HKLM\SOFTWARE\Microsoft\Cryptography\MachineGuid`, Linux
    /// `/etc/machine-id`. A reinstall (or sysprep) makes a new one, so with [`Hardware::system_uuid`]
    /// it tells a re-imaged PC (same hardware, new id) from a clone (same id, other hardware).
    /// Lower case; placeholder values are `Absent`.
    #[serde(default)]
    pub machine_id: Fact<String>,
}

/// A hardware fact that distinguishes "looked and found nothing" from "could not look".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum Fact<T> {
    /// The agent read the value.
    Known(T),
    /// The agent looked, and there is none (no TPM; legacy BIOS has no Secure Boot).
    Absent,
    /// The agent could not find out (offline scan, missing permission, unsupported platform).
    #[default]
    NotCollected,
}

impl<T> Fact<T> {
    /// The value, if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(value) => Some(value),
            _ => None,
        }
    }

    /// `Known` from a `Some`, `NotCollected` from a `None`.
    pub fn from_option(value: Option<T>) -> Self {
        value.map_or(Fact::NotCollected, Fact::Known)
    }
}

/// Secure Boot as the firmware reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecureBoot {
    /// Secure Boot is on.
    Enabled,
    /// Capable but switched off (still meets Windows 11's "Secure Boot capable").
    Disabled,
}

/// A Trusted Platform Module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tpm {
    /// Specification version (`2.0`, `1.2`).
    pub version: String,
    /// Manufacturer id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
}

/// The main processor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cpu {
    /// Brand string (`Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz`).
    pub brand: String,
    /// Vendor id (`GenuineIntel`, `AuthenticAMD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// CPUID family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<u32>,
    /// CPUID model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<u32>,
    /// CPUID stepping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stepping: Option<u32>,
    /// Physical cores, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    /// Logical processors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
}

/// The disk the OS boots from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    /// Capacity in bytes.
    pub size_bytes: u64,
    /// Free space in bytes.
    pub free_bytes: u64,
}

/// The machine's hardware and firmware.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hardware {
    /// System manufacturer (`Dell Inc.`, `HP`, `LENOVO`).
    #[serde(default)]
    pub manufacturer: Fact<String>,
    /// System model (`OptiPlex 7060`).
    #[serde(default)]
    pub model: Fact<String>,
    /// System serial number (SMBIOS type 1; `Win32_ComputerSystemProduct.IdentifyingNumber`,
    /// `/sys/class/dmi/id/product_serial`). OEM placeholders ("To be filled by O.E.M.",
    /// "System Serial Number", …) are `Absent`; Linux shows it to root only, so it is often `NotCollected`.
    #[serde(default)]
    pub serial: Fact<String>,
    /// SMBIOS system UUID, lower-case and hyphenated (`Win32_ComputerSystemProduct.UUID`,
    /// `/sys/class/dmi/id/product_uuid`, root only). It survives re-imaging; all-zero and all-F
    /// placeholders are `Absent`.
    #[serde(default)]
    pub system_uuid: Fact<String>,
    /// Baseboard serial number (SMBIOS type 2; `Win32_BaseBoard.SerialNumber`,
    /// `/sys/class/dmi/id/board_serial`, root only); placeholders are `Absent`.
    #[serde(default)]
    pub board_serial: Fact<String>,
    /// MAC addresses of the physical network adapters (no loopback, bridges, VPN or virtual
    /// switches), lower-case `aa:bb:cc:dd:ee:ff`, sorted. `Absent`: the machine has none.
    #[serde(default)]
    pub mac_addresses: Fact<Vec<String>>,
    /// BIOS/UEFI firmware vendor.
    #[serde(default)]
    pub firmware_vendor: Fact<String>,
    /// Firmware version string.
    #[serde(default)]
    pub firmware_version: Fact<String>,
    /// Firmware release date.
    #[serde(default)]
    pub firmware_date: Fact<NaiveDate>,
    /// Booted through UEFI (`false` = legacy BIOS).
    #[serde(default)]
    pub uefi: Fact<bool>,
    /// Secure Boot state; `Absent` when the firmware has no Secure Boot.
    #[serde(default)]
    pub secure_boot: Fact<SecureBoot>,
    /// TPM; `Absent` = no TPM.
    #[serde(default)]
    pub tpm: Fact<Tpm>,
    /// Main processor.
    #[serde(default)]
    pub cpu: Fact<Cpu>,
    /// Installed memory in bytes.
    #[serde(default)]
    pub memory_bytes: Fact<u64>,
    /// System (boot) disk.
    #[serde(default)]
    pub system_disk: Fact<Disk>,
    /// Subject common names of the X.509 certificates in the firmware's Secure Boot signature
    /// database (`db`), in firmware order (`Microsoft Windows Production PCA 2011`,
    /// `Windows UEFI CA 2023`, …). The ground truth for the 2026 CA expiry: Windows' servicing
    /// status can lag it. `Absent`: legacy BIOS, or UEFI without the variable; `NotCollected`:
    /// offline, firmware type unknown, or no permission to read firmware variables.
    #[serde(default)]
    pub secure_boot_db: Fact<Vec<String>>,
    /// Subject common names of the certificates in the firmware's Key Exchange Key list (`KEK`):
    /// `Microsoft Corporation KEK CA 2011`, `Microsoft Corporation KEK 2K CA 2023`, ….
    #[serde(default)]
    pub secure_boot_kek: Fact<Vec<String>>,
    /// Windows' own record of the 2023 Secure Boot certificate update
    /// (`HKLM\SYSTEM\CurrentControlSet\Control\SecureBoot\Servicing`, KB5068202), live and
    /// offline. `Absent`: Windows without that key (no update has reached it); not Windows: `NotCollected`.
    #[serde(default)]
    pub secure_boot_servicing: Fact<SecureBootServicing>,
}

impl Hardware {
    /// "Manufacturer Model" as far as known, or "this machine": how findings name the hardware.
    pub fn name(&self) -> String {
        let parts: Vec<&str> = [&self.manufacturer, &self.model]
            .iter()
            .filter_map(|f| f.known().map(String::as_str))
            .collect();
        if parts.is_empty() {
            "this machine".to_string()
        } else {
            parts.join(" ")
        }
    }
}

/// Windows' servicing state of the 2023 Secure Boot certificates, as the values under
/// `…\Control\SecureBoot\Servicing` record it (Microsoft KB5068202). Each value is `None` when absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecureBootServicing {
    /// `UEFICA2023Status`: how far the update got.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ServicingStatus>,
    /// `UEFICA2023Error`: the error code of the last failed attempt (non-zero when it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<u32>,
    /// `WindowsUEFICA2023Capable`: 0 = "Windows UEFI CA 2023" not in `db`, 1 = in `db`, 2 = in
    /// `db` and the machine boots the 2023-signed boot manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capable: Option<u32>,
    /// `AvailableUpdates`: the update steps still pending, a bitmask (0x5944 asks for all of them;
    /// each bit is cleared as its step is done).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_updates: Option<u32>,
}

/// `UEFICA2023Status` (REG_SZ): the 2023 certificate update's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ServicingStatus {
    /// The update has not begun.
    NotStarted,
    /// Begun, not finished (typically waiting for restarts).
    InProgress,
    /// The 2023 certificates and boot manager are in place.
    Updated,
    /// A value this version does not know.
    #[serde(other)]
    Other,
}

impl ServicingStatus {
    /// The registry's text (`NotStarted`, `InProgress`, `Updated`); anything else is `Other`.
    pub fn from_registry(text: &str) -> ServicingStatus {
        match text.trim() {
            t if t.eq_ignore_ascii_case("NotStarted") => ServicingStatus::NotStarted,
            t if t.eq_ignore_ascii_case("InProgress") => ServicingStatus::InProgress,
            t if t.eq_ignore_ascii_case("Updated") => ServicingStatus::Updated,
            _ => ServicingStatus::Other,
        }
    }

    /// As the registry writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServicingStatus::NotStarted => "NotStarted",
            ServicingStatus::InProgress => "InProgress",
            ServicingStatus::Updated => "Updated",
            ServicingStatus::Other => "(other)",
        }
    }
}

/// One support programme the agent checked for: a licence or subscription that extends security
/// updates past a product's standard end (Windows 10 ESU, Ubuntu Pro ESM).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    /// Programme id as the catalogue's extended windows name it (`windows-10-esu`,
    /// `ubuntu-pro-esm-infra`, `ubuntu-pro-esm-apps`).
    pub program: String,
    /// Year of a programme sold by the year (Windows 10 ESU years 1 to 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u32>,
    /// What the agent found.
    pub state: CoverState,
    /// Where it was read (`WMI SoftwareLicensingProduct f520e45e-…`, `/var/lib/ubuntu-advantage/status.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// Whether a cover programme is in force on the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverState {
    /// The licence or subscription is active.
    Licensed,
    /// The agent looked and the machine has no active licence for it.
    NotLicensed,
    /// The agent could not find out (offline scan, query failed): never read as "not licensed".
    NotCollected,
    /// A state added by a newer agent.
    #[serde(other)]
    Other,
}

/// A source that could not be read; the scan went on without it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What was being read (`dpkg`, `hive:Users/alice/NTUSER.DAT`).
    pub source: String,
    /// What went wrong, for a person.
    pub message: String,
}

impl Warning {
    /// A warning about `source`.
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> Self {
        Warning {
            source: source.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_variants_from_newer_agents_are_tolerated() {
        let json = r#"{
            "schema_version": 2,
            "host": {"host_id": "6f0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11",
                     "report_id": "0a0d3f6c-3c5e-4f55-9d7e-3f1f5f0b1a11",
                     "hostname": "WKS-1", "agent_version": "9.0.0",
                     "collected_at": "2026-11-25T01:00:00Z", "future_field": 1},
            "os": {"family": "plan9", "name": "x", "version": "1"},
            "software": [{"name": "A", "source": {"kind": "winget"}, "key": "a||"}],
            "hardware": {"tpm": {"state": "absent"}, "new_probe": {"state": "known", "value": 1}},
            "warnings": []
        }"#;
        let inventory: Inventory = serde_json::from_str(json).unwrap();
        assert_eq!(inventory.os.family, Some(OsFamily::Other));
        assert_eq!(inventory.software[0].source, Source::Other);
        assert_eq!(inventory.hardware.tpm, Fact::Absent);
        assert_eq!(inventory.hardware.uefi, Fact::NotCollected);
    }

    #[test]
    fn a_full_inventory_round_trips_through_json_with_snake_case_fields() {
        let inventory = Inventory {
            schema_version: SCHEMA_VERSION,
            host: Host {
                host_id: Uuid::from_u128(1),
                report_id: Uuid::from_u128(2),
                hostname: "WKS-0042".into(),
                domain: Some("riverside.nhs.example".into()),
                fqdn: Some("WKS-0042.riverside.nhs.example".into()),
                site: Some("Riverside Surgery".into()),
                agent_version: "0.1.0".into(),
                collected_at: "2026-11-25T01:30:00Z".parse().unwrap(),
                host_id_source: None,
            },
            os: Os {
                family: Some(OsFamily::Windows),
                name: "Windows 10 Pro".into(),
                version: "10.0.19045.5247".into(),
                display_version: Some("22H2".into()),
                build: Some("19045".into()),
                update_revision: Some(5247),
                edition: Some("Professional".into()),
                installation_type: Some(InstallationType::Client),
                architecture: Some("x86_64".into()),
                kernel_version: Some("10.0.19045".into()),
                ..Os::default()
            },
            software: vec![Software {
                name: "Zoom".into(),
                version: Some("5.9.3 (3169)".into()),
                publisher: Some("Zoom Video Communications, Inc.".into()),
                install_date: NaiveDate::from_ymd_opt(2022, 1, 20),
                architecture: Some("x86".into()),
                source: Source::UserUninstall {
                    user_sid: Some("S-1-5-21-1-2-3-1001".into()),
                    user_name: Some("alice".into()),
                },
                origin: None,
                install_location: Some(r"C:\Users\alice\AppData\Roaming\Zoom\bin".into()),
                identifier: None,
                key: Software::identity_key("Zoom", Some("5.9.3 (3169)"), None),
            }],
            hardware: Hardware {
                manufacturer: Fact::Known("Dell Inc.".into()),
                tpm: Fact::Absent,
                secure_boot: Fact::Known(SecureBoot::Disabled),
                memory_bytes: Fact::Known(8 << 30),
                system_disk: Fact::Known(Disk {
                    size_bytes: 256_000_000_000,
                    free_bytes: 100_000_000_000,
                }),
                ..Hardware::default()
            },
            cover: Vec::new(),
            warnings: vec![Warning::new("hive:Users/bob/NTUSER.DAT", "truncated")],
        };
        let json = serde_json::to_value(&inventory).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "hardware",
                "host",
                "os",
                "schema_version",
                "software",
                "warnings"
            ]
        );
        assert_eq!(json["software"][0]["source"]["kind"], "user-uninstall");
        assert_eq!(
            json["hardware"]["tpm"],
            serde_json::json!({"state": "absent"})
        );
        assert_eq!(
            json["hardware"]["serial"],
            serde_json::json!({"state": "not_collected"})
        );
        let back: Inventory = serde_json::from_value(json).unwrap();
        assert_eq!(back, inventory);
    }
}
