//! The live Linux machine: the root file system plus what only the running kernel can tell.

use std::path::Path;

use crate::inventory::{Collected, linux_root, sysfs};
use crate::probe;

/// Collects this machine's inventory.
pub fn collect_live() -> Collected {
    let root = Path::new("/");
    let mut collected = linux_root::collect(root);
    collected.os.kernel_version = sysinfo::System::kernel_version().ok();
    collected.os.architecture = Some(std::env::consts::ARCH.to_string());
    collected.os.installation_type = None;
    let mut hardware = sysfs::hardware(root, &mut collected.warnings);
    hardware.memory_bytes = probe::memory();
    hardware.system_disk = probe::system_disk(root);
    if hardware.cpu.known().is_none() {
        hardware.cpu = probe::cpu();
    }
    collected.hardware = hardware;
    collected.hostname = probe::hostname();
    collected
}
