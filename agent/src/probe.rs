//! Live facts every platform reads the same way, through sysinfo: memory, the system disk, the CPU
//! brand and the host name. Only what the inventory needs is refreshed (no process list: that alone
//! would cost more than the rest of the scan).

use std::path::Path;

use sunset_catalog::inventory::{Cpu, Disk, Fact};
use sysinfo::{CpuRefreshKind, DiskRefreshKind, Disks, MemoryRefreshKind, System};

/// Installed memory in bytes.
pub fn memory() -> Fact<u64> {
    let Ok(mut system) = System::new() else {
        return Fact::NotCollected;
    };
    system.refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
    match system.total_memory() {
        0 => Fact::NotCollected,
        bytes => Fact::Known(bytes),
    }
}

/// The CPU as sysinfo sees it; platform code may add family/model/stepping.
pub fn cpu() -> Fact<Cpu> {
    let Ok(mut system) = System::new() else {
        return Fact::NotCollected;
    };
    system.refresh_cpu_list(CpuRefreshKind::nothing());
    let Some(first) = system.cpus().first() else {
        return Fact::NotCollected;
    };
    let threads = u32::try_from(system.cpus().len()).ok();
    Fact::Known(Cpu {
        brand: first.brand().trim().to_string(),
        vendor: Some(first.vendor_id().to_string()).filter(|v| !v.is_empty()),
        cores: System::physical_core_count()
            .ok()
            .and_then(|c| u32::try_from(c).ok()),
        threads,
        ..Cpu::default()
    })
}

/// Size and free space of the disk mounted at `mount_point` (`/`, or `C:\`).
pub fn system_disk(mount_point: &Path) -> Fact<Disk> {
    let Ok(disks) =
        Disks::new_with_refreshed_list_specifics(DiskRefreshKind::nothing().with_storage())
    else {
        return Fact::NotCollected;
    };
    disks
        .iter()
        .find(|d| d.mount_point() == mount_point)
        .map_or(Fact::NotCollected, |d| {
            Fact::Known(Disk {
                size_bytes: d.total_space(),
                free_bytes: d.available_space(),
            })
        })
}

/// The host name, without the domain.
pub fn hostname() -> Option<String> {
    System::host_name()
        .ok()
        .map(|name| name.split('.').next().unwrap_or_default().to_string())
        .filter(|name| !name.is_empty())
}
