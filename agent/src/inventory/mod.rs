//! The inventory of one system, before the host identity is stamped on it: [`Collected`], and the
//! collectors that fill it from a root directory or registry keys — Windows over the [`crate::registry::Key`]
//! trait (`windows/`), a Linux root (`linux_root`, with `sysfs` for hardware) and a macOS volume
//! (`macos_volume`). All of it is platform-independent and tested on Linux against real files; the
//! live machine is read by `crate::platform`, which hands its keys and paths to these collectors.
//!
//! Which collector reads a mounted root is decided once here ([`detect`], [`collect_root`]).

mod collected;
pub mod linux_root;
pub mod macos_volume;
pub mod sysfs;
pub mod windows;

use std::path::Path;

use sunset_catalog::inventory::Warning;

pub use collected::{Collected, UserSummary};
/// Identity facts are spelled and filtered by the catalogue's rules, which the collector applies
/// again: one placeholder table for both sides.
pub use sunset_catalog::inventory::identity;

/// The kinds of system a `--root` can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// A Windows volume (`Windows/System32/config/SOFTWARE`).
    Windows,
    /// A Linux root (`etc/os-release`, `usr/lib/os-release` or `var/lib/dpkg/status`).
    Linux,
    /// A macOS volume (`System/Library/CoreServices/SystemVersion.plist`).
    Macos,
}

/// Recognises what a mounted root holds.
pub fn detect(root: &Path) -> Option<Layout> {
    if windows::offline::find_hive(root, "SOFTWARE").is_some() {
        return Some(Layout::Windows);
    }
    if root.join(macos_volume::SYSTEM_VERSION).is_file() {
        return Some(Layout::Macos);
    }
    let linux_markers = [
        "etc/os-release",
        "usr/lib/os-release",
        "var/lib/dpkg/status",
    ];
    linux_markers
        .iter()
        .any(|m| root.join(m).exists())
        .then_some(Layout::Linux)
}

/// Collects from a mounted root. Facts an image cannot tell (TPM, memory) stay "not collected".
pub fn collect_root(root: &Path) -> Collected {
    match detect(root) {
        Some(Layout::Windows) => windows::offline::collect_volume(root),
        Some(Layout::Linux) => linux_root::collect(root),
        Some(Layout::Macos) => macos_volume::collect(root),
        None => Collected {
            warnings: vec![Warning::new(
                "root",
                format!(
                    "{} holds no Windows volume (Windows/System32/config/SOFTWARE), Linux root \
                     (etc/os-release, var/lib/dpkg/status) or macOS volume ({})",
                    root.display(),
                    macos_volume::SYSTEM_VERSION
                ),
            )],
            ..Collected::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use sunset_catalog::inventory::Source;

    use super::linux_root;

    use crate::parse::macos_plist;

    /// Every software source the catalogue knows has a collector. The `match` is exhaustive on
    /// purpose: a new `Source` variant does not compile here until it is given one.
    #[test]
    fn every_source_has_a_collector() {
        for source in Source::known() {
            let collected = match &source {
                // windows::software::collect_machine, the 64- and 32-bit Uninstall views.
                Source::HklmUninstall | Source::Wow6432Uninstall => true,
                // windows::users: each user hive's Uninstall key.
                Source::UserUninstall { .. } => true,
                // windows::extras: products that hide from Uninstall.
                Source::WindowsRegistry { .. } => true,
                Source::Dpkg | Source::Rpm | Source::Flatpak | Source::Snap => {
                    linux_root::PACKAGE_DATABASES
                        .iter()
                        .any(|(s, _)| *s == source)
                }
                Source::MacosApp => macos_plist::SOURCE == source,
                Source::Other => false,
            };
            assert!(collected, "no collector produces {source:?}");
        }
    }
}
