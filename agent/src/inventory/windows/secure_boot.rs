//! Windows' record of the 2023 Secure Boot certificate update, from a `SYSTEM` control set: the
//! values under `Control\SecureBoot\Servicing` that Microsoft documents for IT-managed devices
//! (KB5068202). Read the same way from the live registry and from an offline `SYSTEM` hive.
//!
//! - no `Servicing` key: **Absent** (no update with the servicing task has reached this Windows —
//!   Windows 7, an unpatched Windows 10, or a machine not yet touched);
//! - the key: **Known**, each value `None` when missing; `UEFICA2023Status` (REG_SZ) is
//!   `NotStarted`, `InProgress` or `Updated`, anything else is kept as `Other`;
//! - the key cannot be read: **NotCollected**, with a warning.
//!
//! The firmware's own `db`/`KEK` is the ground truth; this record can lag it, and is what an
//! offline scan has. The live platform layer reads the variables (`GetFirmwareEnvironmentVariableW`)
//! and hands each outcome to [`certificate_list`], which decides what it means:
//! - a value: its certificates' subjects (parsed by `crate::parse::efi`), **Known**;
//! - the variable does not exist, or the firmware is legacy BIOS (the registry's `PEFirmwareType`,
//!   or — when that is unknown — the call answering "not UEFI"): **Absent**;
//! - no `SeSystemEnvironmentPrivilege` (a user who is not elevated): **NotCollected**, silently;
//! - "not UEFI" on a machine the registry says is UEFI, any other error, or a value that is not a
//!   signature list: **NotCollected**, with a warning.

use sunset_catalog::inventory::{Fact, SecureBootServicing, ServicingStatus, Warning};

use super::{join, read_text, read_u32, warn};
use crate::parse::efi;
use crate::registry::Key;

/// `db`: the variable name and its vendor GUID, as the live read asks for them.
pub const FIRMWARE_DB: (&str, &str) = ("db", efi::IMAGE_SECURITY_DATABASE);
/// `KEK`.
pub const FIRMWARE_KEK: (&str, &str) = ("KEK", efi::GLOBAL_VARIABLE);

/// Largest value the live read accepts (the buffer grows up to this).
pub const MAX_VARIABLE_BYTES: u64 = efi::MAX_VARIABLE_BYTES;

/// What one live read of a firmware variable gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableRead {
    /// The value (no attributes: Windows returns the value alone).
    Value(Vec<u8>),
    /// `ERROR_ENVVAR_NOT_FOUND`: the firmware has no such variable.
    Missing,
    /// `ERROR_INVALID_FUNCTION`: not UEFI, or the OS cannot reach the firmware.
    NotUefi,
    /// `ERROR_PRIVILEGE_NOT_HELD`: the process may not read firmware variables.
    NoPrivilege,
    /// Any other Win32 error.
    Failed(u32),
}

/// The subjects of a `db`/`KEK` read live, by the rules in the module documentation.
pub fn certificate_list(
    variable: (&str, &str),
    read: VariableRead,
    uefi: &Fact<bool>,
    warnings: &mut Vec<Warning>,
) -> Fact<Vec<String>> {
    if uefi == &Fact::Known(false) {
        return Fact::Absent;
    }
    let source = format!("firmware:{}-{}", variable.0, variable.1);
    let mut warn = |message: String| {
        warnings.push(Warning::new(source.clone(), message));
        Fact::NotCollected
    };
    match read {
        VariableRead::Value(value) => match efi::certificates(&value) {
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
            Err(e) => warn(e.to_string()),
        },
        VariableRead::Missing => Fact::Absent,
        VariableRead::NotUefi if uefi != &Fact::Known(true) => Fact::Absent,
        VariableRead::NotUefi => warn(
            "GetFirmwareEnvironmentVariableW: not UEFI (error 1), though PEFirmwareType says UEFI"
                .to_string(),
        ),
        VariableRead::NoPrivilege => Fact::NotCollected,
        VariableRead::Failed(code) => warn(format!(
            "GetFirmwareEnvironmentVariableW failed: error {code}"
        )),
    }
}

/// The servicing key, relative to a control set.
pub const SERVICING: &str = r"Control\SecureBoot\Servicing";

/// The servicing record of the control set `set`, which is at logical path `at`.
pub fn servicing<K: Key>(
    set: &K,
    at: &str,
    warnings: &mut Vec<Warning>,
) -> Fact<SecureBootServicing> {
    let key = match set.open(SERVICING) {
        Ok(Some(key)) => key,
        Ok(None) => return Fact::Absent,
        Err(e) => {
            warn(warnings, &join(at, SERVICING), &e);
            return Fact::NotCollected;
        }
    };
    let at = join(at, SERVICING);
    let status = read_text(&key, &at, "UEFICA2023Status", warnings);
    Fact::Known(SecureBootServicing {
        status: status.as_deref().map(ServicingStatus::from_registry),
        error: read_u32(&key, &at, "UEFICA2023Error", warnings),
        capable: read_u32(&key, &at, "WindowsUEFICA2023Capable", warnings),
        available_updates: read_u32(&key, &at, "AvailableUpdates", warnings),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::windows::testing::BrokenKey;

    #[test]
    fn a_broken_key_is_not_collected_with_a_warning() {
        let mut warnings = Vec::new();
        assert_eq!(
            servicing(&BrokenKey, r"HKLM\SYSTEM\ControlSet001", &mut warnings),
            Fact::NotCollected
        );
        assert_eq!(
            warnings[0].source,
            r"registry:HKLM\SYSTEM\ControlSet001\Control\SecureBoot\Servicing"
        );
    }

    #[test]
    fn live_reads_become_facts() {
        let mut warnings = Vec::new();
        let uefi = Fact::Known(true);
        // A KEK holding one CA, as Windows returns it: the VMware dump without its 4 attribute bytes.
        let kek = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/secureboot/efivars-vmware-2011/KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c"
        ))
        .unwrap();
        let read = VariableRead::Value(kek[4..].to_vec());
        assert_eq!(
            certificate_list(FIRMWARE_KEK, read, &uefi, &mut warnings),
            Fact::Known(vec!["Microsoft Corporation KEK CA 2011".to_string()])
        );
        assert!(warnings.is_empty());
        let missing = certificate_list(FIRMWARE_DB, VariableRead::Missing, &uefi, &mut warnings);
        assert_eq!(missing, Fact::Absent);
        let bios = Fact::Known(false);
        let value = VariableRead::Value(vec![1, 2, 3]);
        assert_eq!(
            certificate_list(FIRMWARE_DB, value, &bios, &mut warnings),
            Fact::Absent
        );
        let unknown = Fact::NotCollected;
        let not_uefi =
            certificate_list(FIRMWARE_DB, VariableRead::NotUefi, &unknown, &mut warnings);
        assert_eq!(not_uefi, Fact::Absent);
        let denied = certificate_list(FIRMWARE_DB, VariableRead::NoPrivilege, &uefi, &mut warnings);
        assert_eq!(denied, Fact::NotCollected);
        assert!(warnings.is_empty(), "{warnings:?}");
        // Under Wine: UEFI by the registry, "not UEFI" by the call.
        let odd = certificate_list(FIRMWARE_DB, VariableRead::NotUefi, &uefi, &mut warnings);
        assert_eq!(odd, Fact::NotCollected);
        let failed = certificate_list(FIRMWARE_DB, VariableRead::Failed(5), &uefi, &mut warnings);
        assert_eq!(failed, Fact::NotCollected);
        let garbage = VariableRead::Value(vec![0xff; 40]);
        assert_eq!(
            certificate_list(FIRMWARE_DB, garbage, &uefi, &mut warnings),
            Fact::NotCollected
        );
        assert_eq!(warnings.len(), 3);
        assert_eq!(
            warnings[0].source,
            "firmware:db-d719b2cb-3d3a-4596-a3bc-dad00e67656f"
        );
        assert!(warnings[1].message.contains("error 5"));
    }

    #[test]
    fn status_texts() {
        assert_eq!(
            ServicingStatus::from_registry("NotStarted"),
            ServicingStatus::NotStarted
        );
        assert_eq!(
            ServicingStatus::from_registry(" updated "),
            ServicingStatus::Updated
        );
        assert_eq!(
            ServicingStatus::from_registry("InProgress"),
            ServicingStatus::InProgress
        );
        assert_eq!(
            ServicingStatus::from_registry("Failed"),
            ServicingStatus::Other
        );
    }
}
