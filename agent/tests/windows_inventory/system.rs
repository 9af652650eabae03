//! Real SYSTEM hives, and the copies of `CurrentVersion` Windows keeps from before a feature
//! update: real inputs for the OS decoder.

use sunset_agent::inventory::windows::{self, Machine, hardware, os};
use sunset_agent::registry::{Hive, Key};
use sunset_catalog::inventory::{Fact, InstallationType, OsFamily};

use crate::common::{fixture_bytes, fixture_hive};
use crate::util::open;

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
