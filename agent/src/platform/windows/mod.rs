//! The live Windows machine: open the registry keys and hand them to the shared inventory code in
//! `crate::inventory::windows`, then add what only the running system can tell (TPM, memory, disk).
//! Which user hives are read is decided by `live_users` (shared, tested on Linux): logged-on users'
//! hives under `HKU`, logged-off users' `NTUSER.DAT` with the offline hive reader (a locked file is
//! a warning, not a failure).

mod firmware;
pub mod registry;
mod secure_boot;
pub mod service;
mod wmi;

pub use service::{run as run_service, stop_requested};

use std::path::Path;

use sunset_catalog::inventory::Warning;

use crate::inventory::Collected;
use crate::inventory::windows::live_users::{self, LiveUserHive};
use crate::inventory::windows::secure_boot::{FIRMWARE_DB, FIRMWARE_KEK, certificate_list};
use crate::inventory::windows::users::{self, UserHive};
use crate::inventory::windows::wmi::{
    self as queries, AdapterRow, BaseBoardRow, LicenseRow, ProductRow,
};
use crate::inventory::windows::{Collector, Machine};
use crate::probe;
use crate::registry::{Hive, Key, RegistryError};
use registry::{LiveKey, View};

/// `HKLM`, in the 64-bit view.
pub fn local_machine() -> Result<Option<impl Key>, RegistryError> {
    LiveKey::local_machine(View::Native64).map(Some)
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
    let system_drive = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".to_string());
    let hku = LiveKey::users()
        .map_err(|e| collector.warning(Warning::new("registry:HKU", e.to_string())))
        .ok();
    let loaded = match &hku {
        Some(hku) => hku.subkeys().unwrap_or_else(|e| {
            collector.warning(Warning::new("registry:HKU", e.to_string()));
            Vec::new()
        }),
        None => Vec::new(),
    };
    for user in live_users::live_user_hives(&loaded, &profiles, &system_drive) {
        match user {
            LiveUserHive::Loaded { sid, name } => {
                let Some(hku) = &hku else { continue };
                match hku.open(&sid) {
                    Ok(Some(root)) => collector.user(&UserHive {
                        sid: Some(sid),
                        name,
                        root: &root,
                    }),
                    Ok(None) => {}
                    Err(e) => collector
                        .warning(Warning::new(format!("registry:HKU\\{sid}"), e.to_string())),
                }
            }
            LiveUserHive::File { sid, name, path } => match Hive::open(Path::new(&path)) {
                Ok(hive) => collector.user(&UserHive {
                    sid: Some(sid),
                    name: Some(name),
                    root: &hive.root(),
                }),
                Err(e) => collector.warning(Warning::new(
                    format!("hive:{path}"),
                    format!("profile of {name} not read: {e}"),
                )),
            },
        }
    }
    let mut inventory = collector.finish();
    inventory.hardware.tpm = firmware::tpm();
    secure_boot::enable_firmware_privilege();
    let uefi = inventory.hardware.uefi.clone();
    for (variable, fact) in [
        (FIRMWARE_DB, &mut inventory.hardware.secure_boot_db),
        (FIRMWARE_KEK, &mut inventory.hardware.secure_boot_kek),
    ] {
        let read = secure_boot::read_variable(variable);
        *fact = certificate_list(variable, read, &uefi, &mut inventory.warnings);
    }
    from_wmi(&mut inventory);
    // UEFI comes from SYSTEM's PEFirmwareType, which Windows sets at every boot (shared code).
    // GetFirmwareType is not called: Wine 8 aborts the process on it, and it adds nothing.
    inventory.hardware.memory_bytes = probe::memory();
    inventory.hardware.system_disk = probe::system_disk(Path::new(&format!("{system_drive}\\")));
    if inventory.hardware.cpu.known().is_none() {
        inventory.hardware.cpu = probe::cpu();
    }
    if inventory.hostname.is_none() {
        inventory.hostname = probe::hostname();
    }
    inventory
}

/// The facts only WMI has: ESU licences and the SMBIOS identity. WMI unavailable: ESU stays
/// `not-collected` (with the reason) and a warning says why.
fn from_wmi(inventory: &mut Collected) {
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
