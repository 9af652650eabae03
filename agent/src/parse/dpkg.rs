//! dpkg's status database (`/var/lib/dpkg/status`): the packages installed on Debian and Ubuntu.
//!
//! The file is a list of deb822 stanzas (`Field: value` lines, continuation lines starting with a
//! space or tab, stanzas separated by blank lines). A package counts as installed when its
//! `Status:` is `install ok installed` or `hold ok installed` (held packages are installed too);
//! `deinstall ok config-files`, `install ok unpacked`, `purge ok installed` and the rest are not.
//!
//! Decisions:
//! - **Publisher is left `None`.** `Maintainer:` names the person or team who packaged it for the
//!   distribution (`Guillem Jover <guillem@debian.org>` for `acl`), not the software's publisher;
//!   reporting it as the publisher would mislead vendor matching.
//! - **An installed package without `Version:` is kept, with `version: None`, and a warning.** It
//!   is installed, so hiding it would under-report the machine; an unknown version becomes an
//!   `unknown` verdict that a person can check. (osv-scalibr skips such packages; dpkg itself never
//!   writes one, so the warning points at a damaged database.)
//! - **Damaged stanzas give one warning each and never stop the parse.** A stanza with lines that
//!   are neither `Field: value` nor continuations, or without a package name, is reported; if it
//!   still has a package name and an installed status, the package is kept.
//! - Lines may end in CRLF; field names are compared without regard to case, as dpkg does.
//! - **Every package records its origin** ([`Origin`]): a vendor's when apt's list of a
//!   repository that is not the distribution's offers the installed version
//!   ([`super::apt`], read by [`read_status`] under a root), or when dpkg's own `Maintainer:` or
//!   version carries a vendor's mark ([`super::package_vendors`]); otherwise the distribution's,
//!   the default that raises no false alarm.

use std::collections::HashSet;
use std::io;
use std::path::Path;

use sunset_catalog::inventory::{Origin, Software, Source, Warning};

use super::package_vendors::dpkg_origin;
use super::{apt, cap_warnings, non_empty, os_release, read_bounded, under_root};

/// The status file, relative to the machine's root.
pub const STATUS_PATH: &str = "/var/lib/dpkg/status";
/// The source of every entry read here; its name labels the warnings.
pub const SOURCE: Source = Source::Dpkg;
/// Largest status file read (a desktop's is a few MiB).
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// One stanza as written: its first line number (1-based), its fields and the lines that were
/// neither a field nor a continuation.
#[derive(Debug, Default)]
struct Stanza<'a> {
    line: usize,
    fields: Vec<(&'a str, &'a str)>,
    broken_lines: Vec<usize>,
}

impl<'a> Stanza<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| *value)
    }
}

/// Whether a `Status:` value means the package is installed (`install ok installed` or
/// `hold ok installed`).
pub fn is_installed_status(status: &str) -> bool {
    let words: Vec<&str> = status.split_whitespace().collect();
    matches!(words.as_slice(), ["install" | "hold", "ok", "installed"])
}

/// Parses the text of a dpkg status file into the installed packages and one warning per damaged
/// stanza (at most [`super::MAX_WARNINGS_PER_SOURCE`], then a count).
pub fn parse_status(text: &str) -> (Vec<Software>, Vec<Warning>) {
    let mut software = Vec::new();
    let mut warnings = Vec::new();
    for stanza in stanzas(text) {
        let package = stanza.get("Package").and_then(non_empty);
        let mut problems = Vec::new();
        if !stanza.broken_lines.is_empty() {
            let lines: Vec<String> = stanza.broken_lines.iter().map(usize::to_string).collect();
            problems.push(format!("malformed line(s) {}", lines.join(", ")));
        }
        let Some(name) = package else {
            problems.push("no package name (Package field missing or empty)".to_string());
            warnings.push(Warning::new(
                SOURCE.name(),
                format!(
                    "stanza at line {}: {}; skipped",
                    stanza.line,
                    problems.join("; ")
                ),
            ));
            continue;
        };
        let installed = stanza.get("Status").is_some_and(is_installed_status);
        let version = stanza.get("Version").and_then(non_empty);
        if installed && version.is_none() {
            problems
                .push("installed but has no Version field; kept with an unknown version".into());
        }
        if !problems.is_empty() {
            warnings.push(Warning::new(
                SOURCE.name(),
                format!(
                    "package {name} (stanza at line {}): {}",
                    stanza.line,
                    problems.join("; ")
                ),
            ));
        }
        if !installed {
            continue;
        }
        let architecture = stanza.get("Architecture").and_then(non_empty);
        let origin = dpkg_origin(stanza.get("Maintainer"), version.as_deref());
        let key = Software::identity_key(&name, version.as_deref(), architecture.as_deref());
        software.push(Software {
            name,
            version,
            publisher: None,
            install_date: None,
            architecture,
            source: SOURCE,
            origin: Some(origin),
            install_location: None,
            identifier: None,
            key,
        });
    }
    (software, cap_warnings(SOURCE.name(), warnings))
}

/// Reads `/var/lib/dpkg/status` under `root`, and the apt lists beside it for the origin of each
/// package ([`with_apt_origins`]). No file → no packages and no warning (not a dpkg system); an
/// unreadable file → a warning.
pub fn read_status(root: &Path) -> (Vec<Software>, Vec<Warning>) {
    let (mut software, mut warnings) = read_status_file(&under_root(root, STATUS_PATH));
    if !software.is_empty() {
        warnings.extend(with_apt_origins(root, &mut software));
    }
    (software, warnings)
}

/// Marks as a vendor's every package whose installed version apt's lists under `root` find in a
/// repository that is not the distribution's (which one, from os-release's `ID` and `ID_LIKE`).
/// apt's evidence comes first; what dpkg's record showed is kept after it.
pub fn with_apt_origins(root: &Path, software: &mut [Software]) -> Vec<Warning> {
    let distro_ids: Vec<String> = os_release::read_os_release(root)
        .ok()
        .map(|os| os.distro_id.into_iter().chain(os.distro_id_like).collect())
        .unwrap_or_default();
    let installed: HashSet<(&str, &str)> = software
        .iter()
        .filter_map(|s| Some((s.name.as_str(), s.version.as_deref()?)))
        .collect();
    let (index, warnings) = apt::read_vendor_index(root, &installed, &distro_ids);
    if index.repositories().is_empty() {
        return warnings;
    }
    for entry in software.iter_mut() {
        let Some(version) = entry.version.as_deref() else {
            continue;
        };
        let Some(repository) = index.repository(&entry.name, version) else {
            continue;
        };
        let mut origin = repository.origin();
        if let Some(Origin { evidence, .. }) = entry.origin.take().filter(|o| o.vendor.is_some()) {
            origin.evidence.extend(evidence);
        }
        entry.origin = Some(origin);
    }
    warnings
}

/// Reads a status file at an explicit path; see [`read_status`].
pub fn read_status_file(path: &Path) -> (Vec<Software>, Vec<Warning>) {
    match read_bounded(path, MAX_FILE_BYTES) {
        Ok(bytes) => parse_status(&String::from_utf8_lossy(&bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (Vec::new(), Vec::new()),
        Err(e) => (
            Vec::new(),
            vec![Warning::new(
                SOURCE.name(),
                format!("cannot read {}: {e}", path.display()),
            )],
        ),
    }
}

/// Splits the text into stanzas. Blank (or all-white) lines separate stanzas.
fn stanzas(text: &str) -> Vec<Stanza<'_>> {
    let mut out = Vec::new();
    let mut current: Option<Stanza<'_>> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            out.extend(current.take());
            continue;
        }
        let stanza = current.get_or_insert_with(|| Stanza {
            line: number,
            ..Stanza::default()
        });
        if line.starts_with([' ', '\t']) {
            // A continuation line belongs to the previous field; one before any field is broken.
            if stanza.fields.is_empty() {
                stanza.broken_lines.push(number);
            }
            continue;
        }
        match line.split_once(':') {
            Some((field, value)) if is_field_name(field) => {
                stanza.fields.push((field, value.trim()));
            }
            _ => stanza.broken_lines.push(number),
        }
    }
    out.extend(current);
    out
}

/// deb822 field names: printable ASCII without spaces or `:`, not starting with `#` or `-`.
fn is_field_name(field: &str) -> bool {
    !field.is_empty()
        && !field.starts_with(['#', '-'])
        && field.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_statuses() {
        assert!(is_installed_status("install ok installed"));
        assert!(is_installed_status("hold ok installed"));
        assert!(!is_installed_status("deinstall ok config-files"));
        assert!(!is_installed_status("purge ok installed"));
        assert!(!is_installed_status("install reinstreq installed"));
        assert!(!is_installed_status("install ok unpacked"));
        assert!(!is_installed_status(""));
    }

    #[test]
    fn crlf_continuations_and_case() {
        let text = "package: a\r\nstatus: hold ok installed\r\nVersion: 1:2.0-1\r\nDescription: x\r\n \
                    more\r\n .\r\nArchitecture: amd64\r\n\r\n\r\n";
        let (software, warnings) = parse_status(text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(software.len(), 1);
        assert_eq!(software[0].name, "a");
        assert_eq!(software[0].version.as_deref(), Some("1:2.0-1"));
        assert_eq!(software[0].architecture.as_deref(), Some("amd64"));
        assert_eq!(software[0].key, "a|1:2.0-1|amd64");
        assert_eq!(software[0].source, Source::Dpkg);
    }

    #[test]
    fn broken_stanza_is_reported_and_the_rest_parsed() {
        let text = "Package: good\nStatus: install ok installed\nVersion: 1\n\n\
                    Pakij: bad\nno colon here\n\nPackage: b\nStatus: install ok installed\n";
        let (software, warnings) = parse_status(text);
        let names: Vec<_> = software.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["good", "b"]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].message.contains("line 5"));
        assert!(warnings[0].message.contains("malformed line(s) 6"));
        assert!(warnings[1].message.contains("no Version"));
        assert_eq!(software[1].version, None);
    }
}
