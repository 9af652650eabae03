//! Offline scan of a mounted Windows volume (a disk image, or the disk of a machine that no longer boots).
//!
//! Reads `Windows/System32/config/SOFTWARE` and `SYSTEM` and every user's `NTUSER.DAT` with the offline
//! hive reader and hands them to the same [`Collector`] the live agent uses. Paths are looked up
//! case-insensitively (Windows does not care, so real volumes mix `SOFTWARE` and `software`,
//! `NTUSER.DAT` and `ntuser.dat`).
//!
//! Which user hives: first every real user in `ProfileList` (SID and name known) whose profile folder
//! exists on the volume (the drive letter or `%SystemDrive%` of `ProfileImagePath` is dropped), then
//! every other folder in `Users/` that holds an `NTUSER.DAT` (SID unknown, name = folder), except the
//! non-user folders (`Default`, `Default User`, `All Users`, `Public`) and symbolic links. The
//! `config/DEFAULT` hive is never read: it is not a user. Users are read in order of their folder path.
//!
//! Not collected offline: everything from `HARDWARE` (it exists only while Windows runs), the TPM,
//! memory and disks. An unreadable or missing hive is a warning (`hive:<path on the volume>`); the scan
//! goes on with the rest.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use sunset_catalog::inventory::Warning;

use super::users::{self, Profile, UserHive};
use super::{Collected, Collector, Machine};
use crate::registry::{Hive, names_equal};

/// The `SOFTWARE` hive, relative to the volume root.
pub const SOFTWARE_HIVE: &str = "Windows/System32/config/SOFTWARE";
/// The `SYSTEM` hive, relative to the volume root.
pub const SYSTEM_HIVE: &str = "Windows/System32/config/SYSTEM";
/// The profiles folder, relative to the volume root.
pub const USERS_DIR: &str = "Users";
/// A user's hive, relative to the profile folder.
pub const NTUSER_DAT: &str = "NTUSER.DAT";

/// The hive folder, relative to the volume root.
pub const CONFIG_DIR: &str = "Windows/System32/config";

/// The machine hive called `name` (`SOFTWARE`, `SYSTEM`) in `Windows/System32/config` below `root`, found
/// case-insensitively; `None` when there is none (so `root` is not a Windows volume).
pub fn find_hive(root: &Path, name: &str) -> Option<PathBuf> {
    find_path(root, &format!("{CONFIG_DIR}/{name}")).filter(|p| p.is_file())
}

/// Scans the Windows installation whose volume is mounted at `root`, with the list of users read.
pub fn collect_volume(root: &Path) -> Collected {
    let mut collector = Collector::new();
    let software = open_hive(root, SOFTWARE_HIVE, &mut collector);
    let system = open_hive(root, SYSTEM_HIVE, &mut collector);
    let software_root = software.as_ref().map(Hive::root);
    let system_root = system.as_ref().map(Hive::root);
    collector.machine(&Machine {
        software: software_root.as_ref(),
        system: system_root.as_ref(),
        hardware: None,
    });
    let profiles = match &software_root {
        Some(software) => users::profiles(software, collector.warnings_mut()),
        None => Vec::new(),
    };
    for user in user_hive_files(root, &profiles) {
        let Some(hive) = open_hive(root, &user.relative, &mut collector) else {
            continue;
        };
        let hive_root = hive.root();
        collector.user(&UserHive {
            sid: user.sid,
            name: Some(user.name),
            root: &hive_root,
        });
    }
    collector.finish()
}

/// A user's `NTUSER.DAT` found on the volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserHiveFile {
    /// The hive's path relative to the volume root, with `/` separators and the names as found.
    pub relative: String,
    /// The SID from `ProfileList`, when the folder is listed there.
    pub sid: Option<String>,
    /// The profile folder name.
    pub name: String,
}

/// The user hives on the volume at `root`, by the rules in the module documentation.
pub fn user_hive_files(root: &Path, profiles: &[Profile]) -> Vec<UserHiveFile> {
    let mut out = Vec::new();
    let mut folders = HashSet::new();
    for profile in profiles {
        let Some(relative) = volume_relative(&profile.profile_path) else {
            continue;
        };
        let Some(folder) = find_path(root, &relative).filter(|f| f.is_dir()) else {
            tracing::debug!(sid = %profile.sid, path = %profile.profile_path, "profile folder not on this volume");
            continue;
        };
        let Some(hive) = find_path(&folder, NTUSER_DAT) else {
            continue;
        };
        folders.insert(folder);
        out.push(UserHiveFile {
            relative: relative_label(root, &hive),
            sid: Some(profile.sid.clone()),
            name: profile.user_name.clone(),
        });
    }
    if let Some(users) = find_path(root, USERS_DIR) {
        for entry in std::fs::read_dir(&users).into_iter().flatten().flatten() {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let is_dir = entry
                .file_type()
                .is_ok_and(|t| t.is_dir() && !t.is_symlink());
            if !is_dir || users::is_non_user_folder(&name) || folders.contains(&path) {
                continue;
            }
            if let Some(hive) = find_path(&path, NTUSER_DAT) {
                out.push(UserHiveFile {
                    relative: relative_label(root, &hive),
                    sid: None,
                    name,
                });
            }
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative));
    out
}

/// `ProfileImagePath` relative to its volume: `C:\Users\alice` and `%SystemDrive%\Users\alice` both give
/// `Users\alice`; a UNC or relative path gives `None`.
pub fn volume_relative(profile_path: &str) -> Option<String> {
    let path = profile_path.trim();
    let rest = if path.len() >= 13
        && path
            .get(..13)
            .is_some_and(|p| p.eq_ignore_ascii_case("%SystemDrive%"))
    {
        path.get(13..)?
    } else {
        let mut chars = path.chars();
        match (chars.next(), chars.next()) {
            (Some(drive), Some(':')) if drive.is_ascii_alphabetic() => chars.as_str(),
            _ => return None,
        }
    };
    let rest = rest.trim_start_matches(['\\', '/']);
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// Finds `relative` (separated by `/` or `\`) below `root`, each component case-insensitively (an exact
/// match first). `..` is refused, so the result never leaves `root`.
pub fn find_path(root: &Path, relative: &str) -> Option<PathBuf> {
    let mut current = root.to_path_buf();
    for part in relative
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
    {
        if part == ".." {
            return None;
        }
        let exact = current.join(part);
        if exact.symlink_metadata().is_ok() {
            current = exact;
            continue;
        }
        let mut matches: Vec<PathBuf> = std::fs::read_dir(&current)
            .ok()?
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| names_equal(n.chars(), part.chars()))
            })
            .map(|e| e.path())
            .collect();
        matches.sort();
        current = matches.into_iter().next()?;
    }
    Some(current)
}

/// Opens the hive at `relative` below `root`; a missing or unreadable hive is a warning.
fn open_hive(root: &Path, relative: &str, collector: &mut Collector) -> Option<Hive> {
    let source = format!("hive:{relative}");
    let Some(path) = find_path(root, relative) else {
        collector.warning(Warning::new(
            source,
            format!("not found under {}", root.display()),
        ));
        return None;
    };
    match Hive::open(&path) {
        Ok(hive) => {
            if hive.is_dirty() {
                tracing::info!(hive = %path.display(), "hive was not cleanly flushed; changes only in its logs are not read");
            }
            Some(hive)
        }
        Err(e) => {
            collector.warning(Warning::new(source, e.to_string()));
            None
        }
    }
}

/// `path` relative to `root`, with `/` separators.
fn relative_label(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .iter()
        .map(|c| c.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_paths_relative_to_the_volume() {
        assert_eq!(
            volume_relative(r"C:\Users\alice").as_deref(),
            Some(r"Users\alice")
        );
        assert_eq!(
            volume_relative(r"%SystemDrive%\Users\bob").as_deref(),
            Some(r"Users\bob")
        );
        assert_eq!(
            volume_relative(r"%systemdrive%\Users\bob").as_deref(),
            Some(r"Users\bob")
        );
        assert_eq!(volume_relative(r"\\server\profiles\carol"), None);
        assert_eq!(volume_relative(r"Users\carol"), None);
        assert_eq!(volume_relative("C:"), None);
        assert_eq!(volume_relative(""), None);
    }

    #[test]
    fn find_path_is_case_insensitive_and_stays_inside() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let config = dir.path().join("Windows/system32/CONFIG");
        std::fs::create_dir_all(&config).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(config.join("software"), b"x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            find_path(dir.path(), SOFTWARE_HIVE),
            Some(config.join("software"))
        );
        assert_eq!(
            find_path(dir.path(), r"windows\System32\config\SOFTWARE"),
            Some(config.join("software"))
        );
        assert_eq!(find_path(dir.path(), SYSTEM_HIVE), None);
        assert_eq!(
            find_hive(dir.path(), "software"),
            Some(config.join("software"))
        );
        assert_eq!(find_hive(dir.path(), "SYSTEM"), None);
        assert_eq!(find_hive(dir.path(), ""), None);
        assert_eq!(find_path(&config, "../../../Windows"), None);
        assert_eq!(
            relative_label(dir.path(), &config.join("software")),
            "Windows/system32/CONFIG/software"
        );
    }

    #[test]
    fn empty_volume_gives_warnings_not_panics() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let inventory = collect_volume(dir.path());
        let sources: Vec<_> = inventory
            .warnings
            .iter()
            .map(|w| w.source.as_str())
            .collect();
        assert_eq!(
            sources,
            [
                "hive:Windows/System32/config/SOFTWARE",
                "hive:Windows/System32/config/SYSTEM"
            ]
        );
        assert!(inventory.software.is_empty() && inventory.users.is_empty());
    }
}
