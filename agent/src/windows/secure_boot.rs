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
//! The firmware's own `db`/`KEK` (read live by the platform layer) is the ground truth; this record
//! can lag it, and is what an offline scan has.

use sunset_catalog::inventory::{Fact, SecureBootServicing, ServicingStatus, Warning};

use super::{join, read_text, read_u32, warn};
use crate::registry::Key;

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
    use crate::windows::testing::BrokenKey;

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
