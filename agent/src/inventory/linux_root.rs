//! A Linux system's inventory from its root directory (`/`, a chroot, or a mounted image): the OS
//! from os-release and the packages of every package manager found.

use std::path::Path;

use chrono::Utc;
use sunset_catalog::inventory::{Fact, OsFamily, Software, Source, Warning};

use super::{Collected, identity};
use crate::parse::{dpkg, flatpak, os_release, read_bounded, rpm, snap, ubuntu_pro, under_root};

/// A package-database reader: entries found and problems met, under a root.
type Reader = fn(&Path) -> (Vec<Software>, Vec<Warning>);

/// The OS installation's id, written at first boot (`uninitialized` until then).
pub const MACHINE_ID: &str = "/etc/machine-id";

/// Linux's package databases: each reader with the [`Source`] its entries carry, in reading order.
pub const PACKAGE_DATABASES: [(Source, Reader); 4] = [
    (dpkg::SOURCE, dpkg::read_status),
    (rpm::SOURCE, rpm::read_rpmdb),
    (flatpak::SOURCE, flatpak::read_installed),
    (snap::SOURCE, snap::read_installed),
];

/// Reads the OS, its machine id, Ubuntu Pro cover and all package databases under `root`. Hardware
/// is left to the caller: an image has none to read.
pub fn collect(root: &Path) -> Collected {
    let mut collected = Collected::default();
    match os_release::read_os_release(root) {
        Ok(os) => collected.os = os,
        Err(warning) => {
            collected.os.family = Some(OsFamily::Linux);
            collected.warnings.push(warning);
        }
    }
    collected.os.machine_id = match read_bounded(&under_root(root, MACHINE_ID), 4096) {
        Ok(bytes) => identity::machine_id(Some(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Fact::Absent,
        Err(_) => Fact::NotCollected,
    };
    if collected.os.distro_id.as_deref() == Some("ubuntu") {
        let (cover, warnings) = ubuntu_pro::read_cover(root, Utc::now());
        collected.cover = cover;
        collected.warnings.extend(warnings);
    }
    for (_, read) in &PACKAGE_DATABASES {
        let (software, warnings) = read(root);
        collected.software.extend(software);
        collected.warnings.extend(warnings);
    }
    collected
}
