//! The live Mac: the root volume plus what only the running system can tell.

use std::path::Path;

use crate::inventory::{Collected, macos_volume};
use crate::probe;

/// Collects this machine's inventory.
pub fn collect_live() -> Collected {
    let root = Path::new("/");
    let mut collected = macos_volume::collect(root);
    collected.os.kernel_version = sysinfo::System::kernel_version().ok();
    collected.os.architecture = Some(std::env::consts::ARCH.to_string());
    collected.hardware.memory_bytes = probe::memory();
    collected.hardware.system_disk = probe::system_disk(root);
    collected.hardware.cpu = probe::cpu();
    collected.hostname = probe::hostname();
    collected
}
