//! Snap: packages installed by snapd.
//!
//! The version is only inside the package, in `meta/snap.yaml` (`version: 1.2.3`), which snapd
//! mounts at `/snap/<name>/current/meta/snap.yaml` (`current` links to the active revision). The
//! package files themselves, `/var/lib/snapd/snaps/<name>_<revision>.snap`, carry only the name
//! and a store revision (not a version). So:
//! - every `/snap/<name>/current/meta/snap.yaml` gives an entry with its `name` and `version`;
//! - a snap that has a `.snap` file but is not mounted (an offline disk image) still gives an
//!   entry, with an unknown version, so it is not hidden.
//!
//! Only the top-level `name:` and `version:` lines of snap.yaml are read (plain or quoted scalars);
//! a full YAML parser is not needed for that. Absent folders give no entries and no warning.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

use sunset_catalog::inventory::{Software, Source, Warning};

use super::{cap_warnings, machine_path, non_empty, read_bounded, under_root};

/// Where snapd mounts snaps.
pub const SNAP_MOUNT_DIR: &str = "/snap";
/// Where snapd keeps the package files.
pub const SNAPS_DIR: &str = "/var/lib/snapd/snaps";
/// The source of every entry read here; its name labels the warnings.
pub const SOURCE: Source = Source::Snap;
/// Largest snap.yaml read.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The facts read from `meta/snap.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapYaml {
    /// `name:`.
    pub name: Option<String>,
    /// `version:`.
    pub version: Option<String>,
}

/// Reads the top-level `name:` and `version:` scalars of a snap.yaml.
pub fn parse_snap_yaml(text: &str) -> SnapYaml {
    let mut out = SnapYaml::default();
    for line in text.lines() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let slot = match key.trim() {
            "name" => &mut out.name,
            "version" => &mut out.version,
            _ => continue,
        };
        if slot.is_none() {
            *slot = scalar(value);
        }
    }
    out
}

/// A YAML scalar on one line: `'…'` (with `''` for a quote), `"…"`, or plain text up to a ` #`
/// comment.
fn scalar(value: &str) -> Option<String> {
    let value = value.trim();
    if let Some(inner) = value.strip_prefix('\'') {
        let end = inner.rfind('\'')?;
        return non_empty(&inner[..end].replace("''", "'"));
    }
    if let Some(inner) = value.strip_prefix('"') {
        let end = inner.rfind('"')?;
        return non_empty(&inner[..end].replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    let plain = value.split(" #").next().unwrap_or_default();
    non_empty(plain)
}

/// `name_revision.snap` → (`name`, `revision`); `None` for other file names.
pub fn parse_snap_file_name(file_name: &str) -> Option<(String, String)> {
    let stem = file_name.strip_suffix(".snap")?;
    let (name, revision) = stem.rsplit_once('_')?;
    (!name.is_empty() && !revision.is_empty()).then(|| (name.to_string(), revision.to_string()))
}

/// Reads the snaps of the machine whose file system starts at `root`, sorted by name.
pub fn read_installed(root: &Path) -> (Vec<Software>, Vec<Warning>) {
    let mut software = Vec::new();
    let mut warnings = Vec::new();
    let mut seen = BTreeSet::new();
    let mount_dir = under_root(root, SNAP_MOUNT_DIR);
    for folder in sorted_entries(&mount_dir)
        .into_iter()
        .filter(|p| p.is_dir())
    {
        let Some(folder_name) = folder.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let current = folder.join("current");
        let yaml_path = current.join("meta").join("snap.yaml");
        let yaml = match read_bounded(&yaml_path, MAX_FILE_BYTES) {
            Ok(bytes) => parse_snap_yaml(&String::from_utf8_lossy(&bytes)),
            // `/snap/bin` and `/snap/README` are not snaps.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                warnings.push(Warning::new(
                    SOURCE.name(),
                    format!("{}: {e}", machine_path(root, &yaml_path)),
                ));
                continue;
            }
        };
        let name = yaml.name.unwrap_or(folder_name);
        seen.insert(name.clone());
        software.push(entry(
            name,
            yaml.version,
            Some(machine_path(root, &current)),
        ));
    }
    let mut unmounted = BTreeSet::new();
    for file in sorted_entries(&under_root(root, SNAPS_DIR)) {
        let file_name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some((name, _revision)) = file_name.as_deref().and_then(parse_snap_file_name)
            && !seen.contains(&name)
        {
            unmounted.insert(name);
        }
    }
    software.extend(unmounted.into_iter().map(|name| entry(name, None, None)));
    software.sort_by(|a, b| a.name.cmp(&b.name));
    (software, cap_warnings(SOURCE.name(), warnings))
}

fn entry(name: String, version: Option<String>, location: Option<String>) -> Software {
    let key = Software::identity_key(&name, version.as_deref(), None);
    Software {
        identifier: Some(name.clone()),
        name,
        version,
        publisher: None,
        install_date: None,
        architecture: None,
        source: SOURCE,
        origin: None,
        install_location: location,
        key,
    }
}

fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_scalars() {
        let text = "name: firefox\nversion: '128.0.3-1'\nsummary: x\napps:\n  firefox:\n    \
                    version: 9\n";
        let yaml = parse_snap_yaml(text);
        assert_eq!(yaml.name.as_deref(), Some("firefox"));
        assert_eq!(yaml.version.as_deref(), Some("128.0.3-1"));
        assert_eq!(
            parse_snap_yaml("version: \"1.0\" \n").version.as_deref(),
            Some("1.0")
        );
        assert_eq!(
            parse_snap_yaml("version: 2.1 # c\n").version.as_deref(),
            Some("2.1")
        );
        assert_eq!(
            parse_snap_yaml("version: 'it''s'\n").version.as_deref(),
            Some("it's")
        );
        assert_eq!(parse_snap_yaml("version: '\n").version, None);
    }

    #[test]
    fn file_names() {
        assert_eq!(
            parse_snap_file_name("core22_1380.snap"),
            Some(("core22".into(), "1380".into()))
        );
        assert_eq!(
            parse_snap_file_name("gnome-42-2204_x1.snap"),
            Some(("gnome-42-2204".into(), "x1".into()))
        );
        assert_eq!(parse_snap_file_name("partial"), None);
        assert_eq!(parse_snap_file_name("_1.snap"), None);
    }
}
