//! A macOS system's inventory from its root directory: the OS from `SystemVersion.plist` and the
//! application bundles of `/Applications`, `/System/Applications` and each user's `~/Applications`.

use std::path::Path;

use sunset_catalog::inventory::OsFamily;

use super::Collected;
use crate::parse::macos_plist;

/// Where macOS records its version; its presence marks a macOS root.
pub const SYSTEM_VERSION: &str = "System/Library/CoreServices/SystemVersion.plist";

/// Reads the OS and applications under `root`.
pub fn collect(root: &Path) -> Collected {
    let mut collected = Collected::default();
    match macos_plist::read_system_version(root) {
        Ok(os) => collected.os = os,
        Err(warning) => {
            collected.os.family = Some(OsFamily::Macos);
            collected.warnings.push(warning);
        }
    }
    let (software, warnings) = macos_plist::read_applications(root);
    collected.software = software;
    collected.warnings.extend(warnings);
    collected
}
