//! Windows inventory from the registry: OS, installed software, hardware facts, host name.
//!
//! Shared, platform-independent code: everything here is generic over [`Key`], so the same decisions run
//! on the live registry (the thin adapter in `platform/windows`) and on offline hive files
//! ([`crate::registry::Hive`]), and are tested on Linux with real hives. Nothing here is `cfg(windows)`.
//!
//! The entry points are [`collect`] (one key type for everything, as an offline scan has) and
//! [`Collector`] (when the machine keys and the user hives come from different readers, as on a live
//! machine: logged-on users' hives under `HKU` are live keys, logged-off users' `NTUSER.DAT` are hive files).
//! [`offline::collect_volume`] reads a mounted Windows volume with them.
//!
//! Partial failure is data: a key or value that cannot be read becomes a [`Warning`] and the scan goes on
//! with the rest. Nothing here panics on registry data. Warnings are traced here at DEBUG only: the scan
//! (`crate::scan`) logs every warning of an inventory once, at WARN.
//!
//! Software order and de-duplication: the 64-bit `Uninstall` view, then `WOW6432Node`, then the
//! products read from their own keys ([`extras`]; they replace the machine `Uninstall` entries of the same
//! product), then each user's `Uninstall`. Two entries with the same [`Software::identity_key`] of name
//! and version (no architecture, so a program listed in both views is one program) are one: the first
//! seen wins and keeps its source. Warnings name the key as `registry:HKLM\SOFTWARE\…` (or `HKU\<SID>`);
//! an error from an offline hive also names the hive file.

pub mod extras;
pub mod hardware;
pub mod live_users;
pub mod offline;
pub mod os;
pub mod secure_boot;
pub mod software;
pub mod users;
pub mod wmi;

use std::collections::HashSet;

use sunset_catalog::inventory::{Os, OsFamily, Software, Warning};

use super::{Collected, UserSummary};
use crate::registry::{HiveKey, Key, RegistryError, Value};

pub use users::UserHive;

/// Logical path of the `SOFTWARE` root, used to name keys in warnings and sources.
pub const HKLM_SOFTWARE: &str = r"HKLM\SOFTWARE";
/// Logical path of the `SYSTEM` root.
pub const HKLM_SYSTEM: &str = r"HKLM\SYSTEM";
/// Logical path of the `HARDWARE` root (live registry only; it is rebuilt at every boot).
pub const HKLM_HARDWARE: &str = r"HKLM\HARDWARE";

/// Why ESU cover is `not-collected` when only the registry was read.
pub const OFFLINE_COVER: &str = "not read: the licence store is only readable on the running Windows (WMI SoftwareLicensingProduct)";

/// Keys whose value *names* can be listed. The .NET runtimes record their versions as value names
/// (`…\sharedfx\Microsoft.NETCore.App` holds a value `8.0.11`), which [`Key`] cannot enumerate.
///
/// Implemented here for [`HiveKey`]; the live adapter implements it with `windows_registry::Key::values`.
/// (If [`Key`] gains a `value_names` method, this trait can become a blanket impl over it.)
pub trait ValueNames {
    /// Names of the key's values ("" for the default value).
    fn value_names(&self) -> Result<Vec<String>, RegistryError>;
}

impl ValueNames for HiveKey<'_> {
    fn value_names(&self) -> Result<Vec<String>, RegistryError> {
        HiveKey::value_names(self)
    }
}

/// The machine-wide keys of one Windows installation. Each is optional: a missing one leaves its facts
/// not collected (and is reported by whoever could not open it).
///
/// Live: `HKLM\SOFTWARE` opened in the 64-bit view (where `WOW6432Node` is visible as a subkey),
/// `HKLM\SYSTEM`, `HKLM\HARDWARE`. Offline: the roots of the `SOFTWARE` and `SYSTEM` hive files, no
/// `HARDWARE` (it exists only in memory).
#[derive(Debug, Clone, Copy)]
pub struct Machine<'a, K> {
    /// `HKLM\SOFTWARE`, or the root of a `SOFTWARE` hive.
    pub software: Option<&'a K>,
    /// `HKLM\SYSTEM`, or the root of a `SYSTEM` hive.
    pub system: Option<&'a K>,
    /// `HKLM\HARDWARE` (live only).
    pub hardware: Option<&'a K>,
}

/// Builds a [`Collected`] from keys of possibly different reader types.
///
/// Call [`Collector::machine`] first, then [`Collector::user`] once per user hive, then
/// [`Collector::finish`]. The live side only opens keys and hands them over.
#[derive(Debug, Default)]
pub struct Collector {
    inventory: Collected,
    seen: HashSet<String>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Reads the machine-wide facts: `SYSTEM` (control set, host name, domain, architecture, Secure
    /// Boot), the OS from `SOFTWARE`, hardware, and machine-wide software (both `Uninstall` views and
    /// the [`extras`], which replace the `Uninstall` entries of the browsers).
    pub fn machine<K: Key + ValueNames>(&mut self, machine: &Machine<'_, K>) {
        let warnings = &mut self.inventory.warnings;
        let system = match machine.system {
            Some(system) => hardware::read_system(system, warnings),
            None => hardware::SystemInfo::default(),
        };
        let mut os = match machine.software {
            Some(software) => os::collect(software, warnings),
            None => Os::default(),
        };
        os.family = Some(OsFamily::Windows);
        os.architecture = system.os_architecture().map(str::to_owned);
        if os.installation_type.is_none() {
            os.installation_type = system.installation_type();
        }
        if let Some(software) = machine.software {
            os.machine_id = os::machine_guid(software, warnings);
        }
        self.inventory.cover = wmi::esu_not_collected(&os, OFFLINE_COVER);
        let hardware = hardware::collect(machine.hardware, &system, warnings);
        let mut found = Vec::new();
        if let Some(software) = machine.software {
            found = software::collect_machine(
                software,
                system.processor_architecture.as_deref(),
                warnings,
            );
            let mut extra = extras::collect(software, warnings);
            if extras::has_internet_explorer(&os) {
                extra.extend(extras::internet_explorer(software, warnings));
            }
            extras::replace_uninstall_entries(&mut found, extra);
        }
        self.inventory.os = os;
        self.inventory.hardware = hardware;
        self.inventory.hostname = system.hostname;
        self.inventory.domain = system.domain;
        for entry in found {
            self.push(entry);
        }
    }

    /// Reads one user's per-user installs and records the user.
    pub fn user<U: Key>(&mut self, user: &UserHive<'_, U>) {
        let found = users::collect(user, &mut self.inventory.warnings);
        self.inventory.users.push(UserSummary {
            sid: user.sid.clone(),
            name: user.name.clone(),
            entries: found.len(),
        });
        for entry in found {
            self.push(entry);
        }
    }

    /// Records a problem found outside the registry (an unreadable hive file, say).
    pub fn warning(&mut self, warning: Warning) {
        tracing::debug!(source = %warning.source, message = %warning.message, "inventory source skipped");
        self.inventory.warnings.push(warning);
    }

    /// The warnings so far, for helpers such as [`users::profiles`] that take a warning list.
    pub fn warnings_mut(&mut self) -> &mut Vec<Warning> {
        &mut self.inventory.warnings
    }

    /// The inventory.
    pub fn finish(self) -> Collected {
        self.inventory
    }

    /// Adds an entry unless one with the same key was seen.
    fn push(&mut self, entry: Software) {
        if self.seen.insert(entry.key.clone()) {
            self.inventory.software.push(entry);
        }
    }
}

/// Collects one Windows installation whose keys all come from one reader (an offline scan, or a live
/// scan that reads only loaded user hives).
pub fn collect<K: Key + ValueNames>(
    machine: &Machine<'_, K>,
    users: &[UserHive<'_, K>],
) -> Collected {
    let mut collector = Collector::new();
    collector.machine(machine);
    for user in users {
        collector.user(user);
    }
    collector.finish()
}

// ---------------------------------------------------------------------------------------------------------
// Reading helpers shared by the submodules: every failure becomes a warning named after the key.

/// `parent\child` (either side may be empty).
pub(crate) fn join(parent: &str, child: &str) -> String {
    match (parent.is_empty(), child.is_empty()) {
        (true, _) => child.to_owned(),
        (_, true) => parent.to_owned(),
        _ => format!("{parent}\\{child}"),
    }
}

/// Records a warning about the registry key at logical path `at`.
pub(crate) fn warn(warnings: &mut Vec<Warning>, at: &str, error: &dyn std::fmt::Display) {
    let source = format!("registry:{at}");
    let message = error.to_string();
    tracing::debug!(source = %source, error = %message, "registry read failed; skipping");
    warnings.push(Warning::new(source, message));
}

/// Opens `path` below `key` (which is at logical path `at`); a failure is a warning and `None`.
pub(crate) fn open<K: Key>(
    key: &K,
    at: &str,
    path: &str,
    warnings: &mut Vec<Warning>,
) -> Option<K> {
    match key.open(path) {
        Ok(found) => found,
        Err(e) => {
            warn(warnings, &join(at, path), &e);
            None
        }
    }
}

/// The subkey names of `key`; a failure is a warning and an empty list.
pub(crate) fn subkeys<K: Key>(key: &K, at: &str, warnings: &mut Vec<Warning>) -> Vec<String> {
    key.subkeys().unwrap_or_else(|e| {
        warn(warnings, at, &e);
        Vec::new()
    })
}

/// One value of `key`; a failure is a warning and `None`.
pub(crate) fn value<K: Key>(
    key: &K,
    at: &str,
    name: &str,
    warnings: &mut Vec<Warning>,
) -> Option<Value> {
    key.value(name).unwrap_or_else(|e| {
        warn(warnings, at, &e);
        None
    })
}

/// A string value as text: trimmed, `None` when empty. A multi-string counts as its non-empty parts
/// joined by spaces; numbers and binary data are not text.
pub(crate) fn text(value: Option<Value>) -> Option<String> {
    let text = match value? {
        Value::String(s) => s.trim().to_owned(),
        Value::MultiString(parts) => parts
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// A string value of `key` as [`text`]; a read failure is a warning.
pub(crate) fn read_text<K: Key>(
    key: &K,
    at: &str,
    name: &str,
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    text(value(key, at, name, warnings))
}

/// A number value of `key` (`REG_DWORD`, `REG_QWORD` that fits, or a numeric string); a read failure is a
/// warning.
pub(crate) fn read_u32<K: Key>(
    key: &K,
    at: &str,
    name: &str,
    warnings: &mut Vec<Warning>,
) -> Option<u32> {
    value(key, at, name, warnings).and_then(|v| v.as_u32())
}

#[cfg(test)]
pub(crate) mod testing {
    //! A key whose every read fails, to check that failures become warnings.

    use super::*;

    /// Every operation fails like a damaged hive.
    #[derive(Debug, Clone)]
    pub struct BrokenKey;

    fn broken() -> RegistryError {
        RegistryError::Corrupt {
            hive: "broken".into(),
            key: String::new(),
            offset: 0,
            what: "test damage".into(),
        }
    }

    impl Key for BrokenKey {
        fn open(&self, _path: &str) -> Result<Option<Self>, RegistryError> {
            Err(broken())
        }
        fn subkeys(&self) -> Result<Vec<String>, RegistryError> {
            Err(broken())
        }
        fn value(&self, _name: &str) -> Result<Option<Value>, RegistryError> {
            Err(broken())
        }
    }

    impl ValueNames for BrokenKey {
        fn value_names(&self) -> Result<Vec<String>, RegistryError> {
            Err(broken())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::BrokenKey;
    use super::*;
    use sunset_catalog::inventory::Fact;

    #[test]
    fn broken_keys_become_warnings_not_panics() {
        let key = BrokenKey;
        let machine = Machine {
            software: Some(&key),
            system: Some(&key),
            hardware: Some(&key),
        };
        let user = UserHive {
            sid: Some("S-1-5-21-1-2-3-1001".into()),
            name: Some("alice".into()),
            root: &key,
        };
        let inventory = collect(&machine, std::slice::from_ref(&user));
        assert!(inventory.software.is_empty());
        assert_eq!(inventory.os.family, Some(OsFamily::Windows));
        assert_eq!(inventory.hostname, None);
        assert_eq!(inventory.hardware.secure_boot, Fact::NotCollected);
        assert_eq!(inventory.users.len(), 1);
        assert!(inventory.warnings.len() >= 5, "{:#?}", inventory.warnings);
        assert!(
            inventory
                .warnings
                .iter()
                .all(|w| w.source.starts_with("registry:"))
        );
        let damaged = inventory
            .warnings
            .iter()
            .filter(|w| w.message.contains("test damage"))
            .count();
        assert!(
            damaged + 1 >= inventory.warnings.len(),
            "{:#?}",
            inventory.warnings
        );
    }

    #[test]
    fn text_trims_and_drops_empty_strings() {
        assert_eq!(
            text(Some(Value::String("  Zoom ".into()))),
            Some("Zoom".into())
        );
        assert_eq!(text(Some(Value::String("   ".into()))), None);
        assert_eq!(
            text(Some(Value::MultiString(vec![
                "a".into(),
                "".into(),
                "b".into()
            ]))),
            Some("a b".into())
        );
        assert_eq!(text(Some(Value::Dword(1))), None);
        assert_eq!(text(None), None);
    }

    #[test]
    fn join_paths() {
        assert_eq!(join(HKLM_SOFTWARE, "Microsoft"), r"HKLM\SOFTWARE\Microsoft");
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("a", ""), "a");
    }
}
