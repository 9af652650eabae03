//! Flatpak: applications and runtimes installed system-wide (`/var/lib/flatpak`).
//!
//! Each deployment is a folder `<installation>/{app,runtime}/<id>/<arch>/<branch>/active/`
//! holding a `metadata` key file (`[Application]` or `[Runtime]` group, `name=<id>`). Flatpak keeps
//! no plain-text version: the `active` link points at an OSTree commit hash, and `deploy` is a
//! binary GVariant. So, kept simple:
//! - an **application's** version is the first `<release version="…">` of its AppStream file
//!   (`active/files/share/metainfo/<id>.metainfo.xml` or `.appdata.xml`, also under the older
//!   `share/appdata/`), newest first as AppStream requires; without one the version is unknown;
//! - a **runtime's** version is its branch (`23.08`, `45`, `5.15-23.08`), which is what runtime
//!   end-of-life is announced against; a non-numeric branch (`stable`) is no version.
//!
//! `name` and `identifier` are the Flatpak id (`org.gimp.GIMP`), `architecture` the arch folder,
//! `install_location` the `<arch>/<branch>` folder. Absent folders give no entries and no
//! warning. Per-user installations (`~/.local/share/flatpak`) can be read with
//! [`read_installation`].

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sunset_catalog::inventory::{Software, Source, Warning};

use super::{cap_warnings, machine_path, non_empty, read_bounded, under_root};

/// The system-wide installation.
pub const SYSTEM_INSTALLATION: &str = "/var/lib/flatpak";
/// The source of every entry read here; its name labels the warnings.
pub const SOURCE: Source = Source::Flatpak;
/// Largest metadata or AppStream file read.
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// What a deployment's `metadata` file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// `true` for `[Application]`, `false` for `[Runtime]`.
    pub is_application: bool,
    /// The `name=` key of that group.
    pub name: String,
}

/// Parses a deployment's `metadata` key file; `None` without an `[Application]` or `[Runtime]`
/// group holding a `name`.
pub fn parse_metadata(text: &str) -> Option<Metadata> {
    let mut group = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = match header {
                "Application" => Some(true),
                "Runtime" => Some(false),
                _ => None,
            };
            continue;
        }
        if let (Some(is_application), Some((key, value))) = (group, line.split_once('='))
            && key.trim() == "name"
        {
            return non_empty(value).map(|name| Metadata {
                is_application,
                name,
            });
        }
    }
    None
}

/// The `version` attribute of the first `<release>` element of an AppStream file.
pub fn parse_appstream_version(xml: &str) -> Option<String> {
    let mut rest = xml;
    while let Some(at) = rest.find("<release") {
        rest = &rest[at + "<release".len()..];
        // `<releases>` is the container, not a release.
        if !rest.starts_with(|c: char| c.is_whitespace() || c == '/' || c == '>') {
            continue;
        }
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        return attribute(tag, "version");
    }
    None
}

/// The value of `name="…"` or `name='…'` inside a tag's text.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || rest[..at].ends_with(char::is_whitespace);
        rest = &rest[at + name.len()..];
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix('=').filter(|_| before_ok) else {
            continue;
        };
        let after = after.trim_start();
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let value = &after[1..];
        let end = value.find(quote)?;
        return non_empty(&unescape(&value[..end]));
    }
    None
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Reads the system-wide installation under `root`.
pub fn read_installed(root: &Path) -> (Vec<Software>, Vec<Warning>) {
    read_installation(root, &under_root(root, SYSTEM_INSTALLATION))
}

/// Reads one installation folder (system-wide or per-user); `root` is only used to show paths as
/// they are on the scanned machine.
pub fn read_installation(root: &Path, installation: &Path) -> (Vec<Software>, Vec<Warning>) {
    let mut software = Vec::new();
    let mut warnings = Vec::new();
    for kind in ["app", "runtime"] {
        for id_dir in subdirectories(&installation.join(kind)) {
            for arch_dir in subdirectories(&id_dir) {
                // `app/<id>/current` is a link to the default `<arch>/<branch>`.
                if arch_dir.file_name().is_some_and(|n| n == "current") {
                    continue;
                }
                for branch_dir in subdirectories(&arch_dir) {
                    match read_deployment(root, &id_dir, &arch_dir, &branch_dir) {
                        Ok(Some(entry)) => software.push(entry),
                        Ok(None) => {}
                        Err(e) => warnings.push(Warning::new(
                            SOURCE.name(),
                            format!("{}: {e}", machine_path(root, &branch_dir)),
                        )),
                    }
                }
            }
        }
    }
    (software, cap_warnings(SOURCE.name(), warnings))
}

fn read_deployment(
    root: &Path,
    id_dir: &Path,
    arch_dir: &Path,
    branch_dir: &Path,
) -> io::Result<Option<Software>> {
    let active = branch_dir.join("active");
    let metadata = match read_bounded(&active.join("metadata"), MAX_FILE_BYTES) {
        Ok(bytes) => parse_metadata(&String::from_utf8_lossy(&bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let folder_name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let id = metadata
        .as_ref()
        .map(|m| m.name.clone())
        .or_else(|| folder_name(id_dir))
        .unwrap_or_default();
    let is_application = metadata.as_ref().map_or(
        id_dir
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|k| k == "app"),
        |m| m.is_application,
    );
    let branch = folder_name(branch_dir).unwrap_or_default();
    let version = if is_application {
        appstream_version(&active, &id)
    } else {
        branch
            .starts_with(|c: char| c.is_ascii_digit())
            .then(|| branch.clone())
    };
    let architecture = folder_name(arch_dir);
    let key = Software::identity_key(&id, version.as_deref(), architecture.as_deref());
    Ok(Some(Software {
        name: id.clone(),
        version,
        publisher: None,
        install_date: None,
        architecture,
        source: SOURCE,
        origin: None,
        install_location: Some(machine_path(root, branch_dir)),
        identifier: non_empty(&id),
        key,
    }))
}

fn appstream_version(active: &Path, id: &str) -> Option<String> {
    let share = active.join("files").join("share");
    let candidates: [PathBuf; 4] = [
        share.join("metainfo").join(format!("{id}.metainfo.xml")),
        share.join("metainfo").join(format!("{id}.appdata.xml")),
        share.join("appdata").join(format!("{id}.appdata.xml")),
        share.join("appdata").join(format!("{id}.metainfo.xml")),
    ];
    candidates.iter().find_map(|path| {
        read_bounded(path, MAX_FILE_BYTES)
            .ok()
            .and_then(|bytes| parse_appstream_version(&String::from_utf8_lossy(&bytes)))
    })
}

fn subdirectories(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_groups() {
        let app = "[Application]\nname=org.gimp.GIMP\nruntime=org.gnome.Platform/x86_64/45\n";
        assert_eq!(
            parse_metadata(app),
            Some(Metadata {
                is_application: true,
                name: "org.gimp.GIMP".into()
            })
        );
        let runtime = "[Runtime]\nname = org.gnome.Platform\n[Context]\nname=x\n";
        assert_eq!(
            parse_metadata(runtime).map(|m| m.is_application),
            Some(false)
        );
        assert_eq!(parse_metadata("[Context]\nname=x\n"), None);
    }

    #[test]
    fn first_release_version() {
        let xml = r#"<component><releases>
            <release date="2024-01-01" version='2.10.36'/>
            <release version="2.10.34" date="2023-01-01"/></releases></component>"#;
        assert_eq!(parse_appstream_version(xml).as_deref(), Some("2.10.36"));
        assert_eq!(parse_appstream_version("<releases></releases>"), None);
        assert_eq!(
            parse_appstream_version(r#"<release date="x" urgency="low"/>"#),
            None
        );
        assert_eq!(
            parse_appstream_version(r#"<release xversion="9" version="1&amp;2">"#).as_deref(),
            Some("1&2")
        );
    }
}
