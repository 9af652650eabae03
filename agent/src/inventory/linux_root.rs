//! A Linux system's inventory from its root directory (`/`, a chroot, or a mounted image): the OS
//! from os-release and the packages of every package manager found.

use std::path::Path;

use sunset_catalog::inventory::{OsFamily, Software, Source, Warning};

use super::Collected;
use crate::parse::{dpkg, flatpak, os_release, rpm, snap};

/// A package-database reader: entries found and problems met, under a root.
type Reader = fn(&Path) -> (Vec<Software>, Vec<Warning>);

/// Linux's package databases: each reader with the [`Source`] its entries carry, in reading order.
pub const PACKAGE_DATABASES: [(Source, Reader); 4] = [
    (dpkg::SOURCE, dpkg::read_status),
    (rpm::SOURCE, rpm::read_rpmdb),
    (flatpak::SOURCE, flatpak::read_installed),
    (snap::SOURCE, snap::read_installed),
];

/// Reads the OS and all package databases under `root`. Hardware is left to the caller: an image
/// has none to read.
pub fn collect(root: &Path) -> Collected {
    let mut collected = Collected::default();
    match os_release::read_os_release(root) {
        Ok(os) => collected.os = os,
        Err(warning) => {
            collected.os.family = Some(OsFamily::Linux);
            collected.warnings.push(warning);
        }
    }
    for (_, read) in &PACKAGE_DATABASES {
        let (software, warnings) = read(root);
        collected.software.extend(software);
        collected.warnings.extend(warnings);
    }
    collected
}
