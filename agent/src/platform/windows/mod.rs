//! The live Windows machine: open the registry keys and hand them to the shared inventory code in
//! `crate::windows`, then add what only the running system can tell (TPM, memory, disk).
//! Logged-on users' hives are read under `HKU`; logged-off users' `NTUSER.DAT` files are read with
//! the offline hive reader (a locked file is a warning, not a failure).

mod firmware;
pub mod registry;
mod secure_boot;
pub mod service;
mod wmi;

pub use service::{machine_overrides, run as run_service};

use std::path::{Path, PathBuf};

use sunset_catalog::inventory::Warning;

use crate::probe;
use crate::registry::{Hive, Key};
use crate::scan::Collected;
use crate::windows::users::{self, UserHive};
use crate::windows::wmi::{self as queries, AdapterRow, BaseBoardRow, LicenseRow, ProductRow};
use crate::windows::{Collector, Machine, WindowsInventory};
use registry::{LiveKey, View};

/// Never resolves: a Windows service is stopped through the service control manager.
pub async fn terminate_signal() {
    std::future::pending::<()>().await;
}

/// Collects this machine's inventory.
pub fn collect_live() -> Collected {
    let mut collector = Collector::new();
    let hklm = match LiveKey::local_machine(View::Native64) {
        Ok(key) => Some(key),
        Err(e) => {
            collector.warning(Warning::new("registry:HKLM", e.to_string()));
            None
        }
    };
    let open = |collector: &mut Collector, name: &str| {
        let key = hklm.as_ref()?;
        match key.open(name) {
            Ok(found) => found,
            Err(e) => {
                collector.warning(Warning::new(
                    format!("registry:HKLM\\{name}"),
                    e.to_string(),
                ));
                None
            }
        }
    };
    let software = open(&mut collector, "SOFTWARE");
    let system = open(&mut collector, "SYSTEM");
    let hardware = open(&mut collector, "HARDWARE");
    collector.machine(&Machine {
        software: software.as_ref(),
        system: system.as_ref(),
        hardware: hardware.as_ref(),
    });
    let profiles = match &software {
        Some(software) => users::profiles(software, collector.warnings_mut()),
        None => Vec::new(),
    };
    let loaded = loaded_users(&mut collector);
    for (sid, root) in &loaded {
        let name = profiles
            .iter()
            .find(|p| p.sid.eq_ignore_ascii_case(sid))
            .map(|p| p.user_name.clone());
        collector.user(&UserHive {
            sid: Some(sid.clone()),
            name,
            root,
        });
    }
    for profile in &profiles {
        if loaded
            .iter()
            .any(|(sid, _)| sid.eq_ignore_ascii_case(&profile.sid))
        {
            continue;
        }
        let path = PathBuf::from(expand_system_drive(&profile.profile_path)).join("NTUSER.DAT");
        read_offline_user(&mut collector, &path, profile);
    }
    let mut inventory = collector.finish();
    inventory.hardware.tpm = firmware::tpm();
    let (db, kek) =
        secure_boot::secure_boot_lists(&inventory.hardware.uefi, &mut inventory.warnings);
    inventory.hardware.secure_boot_db = db;
    inventory.hardware.secure_boot_kek = kek;
    from_wmi(&mut inventory);
    // UEFI comes from SYSTEM's PEFirmwareType, which Windows sets at every boot (shared code).
    // GetFirmwareType is not called: Wine 8 aborts the process on it, and it adds nothing.
    let system_drive = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".to_string());
    inventory.hardware.memory_bytes = probe::memory();
    inventory.hardware.system_disk = probe::system_disk(Path::new(&format!("{system_drive}\\")));
    if inventory.hardware.cpu.known().is_none() {
        inventory.hardware.cpu = probe::cpu();
    }
    if inventory.hostname.is_none() {
        inventory.hostname = probe::hostname();
    }
    inventory.into()
}

/// The facts only WMI has: ESU licences and the SMBIOS identity. WMI unavailable: ESU stays
/// `not-collected` (with the reason) and a warning says why.
fn from_wmi(inventory: &mut WindowsInventory) {
    let session = match wmi::Session::connect() {
        Ok(session) => session,
        Err(e) => {
            let why = format!("WMI unavailable: {e}");
            inventory.cover = queries::esu_not_collected(&inventory.os, &why);
            inventory.warnings.push(Warning::new("wmi", e));
            return;
        }
    };
    if queries::esu_applies(&inventory.os) {
        let rows = session.query::<LicenseRow>(&queries::esu_query());
        inventory.cover = queries::esu(&inventory.os, rows.as_deref().map_err(Clone::clone));
    }
    let identity = queries::identity(
        session.query::<ProductRow>(queries::PRODUCT_QUERY),
        session.query::<BaseBoardRow>(queries::BASEBOARD_QUERY),
        session.query::<AdapterRow>(queries::ADAPTER_QUERY),
        &mut inventory.warnings,
    );
    let hardware = &mut inventory.hardware;
    hardware.system_uuid = identity.system_uuid;
    hardware.serial = identity.serial;
    hardware.board_serial = identity.board_serial;
    hardware.mac_addresses = identity.mac_addresses;
}

/// The real users whose hives are loaded under `HKU` (logged on, or running a process).
fn loaded_users(collector: &mut Collector) -> Vec<(String, LiveKey)> {
    let users = match LiveKey::users() {
        Ok(users) => users,
        Err(e) => {
            collector.warning(Warning::new("registry:HKU", e.to_string()));
            return Vec::new();
        }
    };
    let names = users.subkeys().unwrap_or_else(|e| {
        collector.warning(Warning::new("registry:HKU", e.to_string()));
        Vec::new()
    });
    names
        .into_iter()
        .filter(|sid| users::is_user_sid(sid))
        .filter_map(|sid| match users.open(&sid) {
            Ok(Some(key)) => Some((sid, key)),
            Ok(None) => None,
            Err(e) => {
                collector.warning(Warning::new(format!("registry:HKU\\{sid}"), e.to_string()));
                None
            }
        })
        .collect()
}

fn read_offline_user(collector: &mut Collector, path: &Path, profile: &users::Profile) {
    match Hive::open(path) {
        Ok(hive) => {
            let root = hive.root();
            collector.user(&UserHive {
                sid: Some(profile.sid.clone()),
                name: Some(profile.user_name.clone()),
                root: &root,
            });
        }
        Err(e) => collector.warning(Warning::new(
            format!("hive:{}", path.display()),
            format!("profile of {} not read: {e}", profile.user_name),
        )),
    }
}

/// `ProfileImagePath` is REG_EXPAND_SZ and usually starts with `%SystemDrive%`.
fn expand_system_drive(path: &str) -> String {
    let drive = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".to_string());
    let lower = path.to_ascii_lowercase();
    match lower.strip_prefix("%systemdrive%") {
        Some(_) => format!("{drive}{}", &path["%systemdrive%".len()..]),
        None => path.to_string(),
    }
}
