//! apt's package lists (`/var/lib/apt/lists`): which repository offers the version of a package
//! that is installed, and whether that repository is the distribution's.
//!
//! apt keeps, per repository, its `Release` (or PGP-signed `InRelease`) file, whose `Origin:` and
//! `Label:` name who publishes it (`Debian`, `Ubuntu`, `Docker`, `Google LLC`), and one `Packages`
//! list per component and architecture, file names made from the repository's URI
//! (`download.docker.com_linux_debian_dists_bookworm_stable_binary-amd64_Packages`, next to
//! `download.docker.com_linux_debian_dists_bookworm_InRelease`). An installed version found in the
//! list of a repository that is not the distribution's came from a vendor.
//!
//! Decisions:
//! - **Only repositories that are not the distribution's are read.** The distribution's lists
//!   are large (Debian's main list is 50 MB) and can only confirm the default; a vendor's are small.
//!   A repository is the distribution's when its `Origin` or `Label` begins with the OS's `ID` or
//!   one of its `ID_LIKE` (`Debian`, `Debian Backports`, `Ubuntu`, `UbuntuESMApps` on Ubuntu),
//!   or names a known distribution archive ([`DISTRIBUTION_ORIGINS`]).
//! - **A list is matched on package name and exact version.** A repository that offers another
//!   version of the package says nothing about the installed one.
//! - **Bounded:** at most [`MAX_LISTS`] lists, each read as a stream (nothing kept but the matches)
//!   up to [`MAX_LIST_BYTES`] after decompression; only the first [`MAX_RELEASE_BYTES`] of a
//!   `Release` file, where its fields are. Plain and gzip lists are read; others (`.lz4`, `.xz`,
//!   `.zst`, written when apt is told to keep lists compressed) are skipped and counted in a warning.
//! - A list that cannot be read is a warning; the packages keep what dpkg says of them.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use sunset_catalog::inventory::{Origin, OriginEvidence, OriginField, Warning};

use super::{read_bounded_prefix, under_root};

/// Where apt keeps its lists, relative to the machine's root.
pub const LISTS_DIR: &str = "/var/lib/apt/lists";
/// The name warnings carry.
pub const WARNING_SOURCE: &str = "apt-lists";
/// Most `Packages` lists read.
pub const MAX_LISTS: usize = 512;
/// Most bytes read from one list, after decompression.
pub const MAX_LIST_BYTES: u64 = 512 * 1024 * 1024;
/// Longest line kept from a list; the rest of a longer line is skipped (no field the agent
/// reads is that long).
pub const MAX_LINE_BYTES: u64 = 64 * 1024;
/// Most bytes read from the start of a `Release` file.
pub const MAX_RELEASE_BYTES: u64 = 64 * 1024;
/// Distribution archives whose `Origin` is not the OS's `ID` (normalised: lower case, letters and
/// digits only). Raspberry Pi OS has `ID=raspbian`-family archives from the Foundation too.
pub const DISTRIBUTION_ORIGINS: [&str; 4] =
    ["debian", "ubuntu", "raspbian", "raspberrypifoundation"];

/// One repository's list, with what its `Release` file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    /// The list's file name (`deb.nodesource.com_node%5f20.x_dists_nodistro_main_binary-amd64_Packages`).
    pub list: String,
    /// The host it was fetched from (`deb.nodesource.com`).
    pub host: String,
    /// `Origin:` of its `Release` file.
    pub origin: Option<String>,
    /// `Label:` of its `Release` file.
    pub label: Option<String>,
}

impl Repository {
    /// The origin of a package found in this (vendor) repository.
    pub fn origin(&self) -> Origin {
        let mut evidence = Vec::new();
        if let Some(origin) = &self.origin {
            evidence.push(OriginEvidence::new(OriginField::AptOrigin, origin));
        }
        if let Some(label) = &self.label {
            evidence.push(OriginEvidence::new(OriginField::AptLabel, label));
        }
        evidence.push(OriginEvidence::new(OriginField::AptList, &self.list));
        Origin::vendor(self.host.clone(), evidence)
    }
}

/// Installed versions found in vendor repositories' lists.
#[derive(Debug, Default)]
pub struct VendorIndex {
    repositories: Vec<Repository>,
    found: HashMap<(String, String), usize>,
}

impl VendorIndex {
    /// The vendor repository whose list offers exactly this package version.
    pub fn repository(&self, package: &str, version: &str) -> Option<&Repository> {
        let at = self
            .found
            .get(&(package.to_string(), version.to_string()))?;
        self.repositories.get(*at)
    }

    /// The vendor repositories read.
    pub fn repositories(&self) -> &[Repository] {
        &self.repositories
    }
}

/// The `Origin:`, `Label:` of a `Release` or `InRelease` file (its first stanza; a PGP armour
/// header is skipped).
pub fn parse_release(text: &str) -> (Option<String>, Option<String>) {
    let mut lines = text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut origin = None;
    let mut label = None;
    let mut first = true;
    while let Some(line) = lines.next() {
        if first && line.starts_with("-----BEGIN PGP SIGNED MESSAGE-----") {
            // Armour headers (`Hash: SHA512`) run to the first blank line.
            for header in lines.by_ref() {
                if header.trim().is_empty() {
                    break;
                }
            }
            first = false;
            continue;
        }
        first = false;
        if line.trim().is_empty() || line.starts_with("-----BEGIN PGP SIGNATURE") {
            break;
        }
        if let Some((field, value)) = line.split_once(':') {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            if field.eq_ignore_ascii_case("Origin") {
                origin = Some(value.to_string());
            } else if field.eq_ignore_ascii_case("Label") {
                label = Some(value.to_string());
            }
        }
    }
    (origin, label)
}

/// Lower-cased letters and digits only: `Debian Backports` → `debianbackports`.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a repository with this `Origin`/`Label` is the distribution's, for an OS whose
/// os-release `ID` and `ID_LIKE` are `distro_ids`.
pub fn is_distribution(origin: Option<&str>, label: Option<&str>, distro_ids: &[String]) -> bool {
    let names: Vec<String> = DISTRIBUTION_ORIGINS
        .iter()
        .map(|s| s.to_string())
        .chain(distro_ids.iter().map(|id| normalise(id)))
        .filter(|n| n.len() >= 3)
        .collect();
    [origin, label]
        .into_iter()
        .flatten()
        .map(normalise)
        .any(|value| names.iter().any(|n| value.starts_with(n.as_str())))
}

/// The `Release` file beside a list: the longest prefix of its name (cut at `_`) with an
/// `InRelease` or `Release` file.
fn release_for(dir: &Path, list: &str) -> Option<std::path::PathBuf> {
    let mut base = list;
    while let Some((prefix, _)) = base.rsplit_once('_') {
        for name in ["InRelease", "Release"] {
            let path = dir.join(format!("{prefix}_{name}"));
            if path.is_file() {
                return Some(path);
            }
        }
        base = prefix;
    }
    None
}

/// A list's reader: plain or gzip; `None` for another compression.
fn open_list(path: &Path, name: &str) -> io::Result<Option<Box<dyn Read>>> {
    let file = File::open(path)?;
    if name.ends_with("_Packages") {
        Ok(Some(Box::new(file.take(MAX_LIST_BYTES))))
    } else if name.ends_with("_Packages.gz") {
        Ok(Some(Box::new(GzDecoder::new(file).take(MAX_LIST_BYTES))))
    } else {
        Ok(None)
    }
}

/// Streams a `Packages` list, calling `found` for each (package, version) stanza that `wanted`
/// holds.
fn scan_packages(
    reader: impl Read,
    wanted: &HashSet<(&str, &str)>,
    mut found: impl FnMut(&str, &str),
) -> io::Result<()> {
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    let (mut package, mut version) = (String::new(), String::new());
    let mut check = |package: &mut String, version: &mut String| {
        if !package.is_empty() && wanted.contains(&(package.as_str(), version.as_str())) {
            found(package, version);
        }
        package.clear();
        version.clear();
    };
    loop {
        line.clear();
        let read = reader.by_ref().take(MAX_LINE_BYTES).read_line(&mut line)?;
        if read == 0 {
            check(&mut package, &mut version);
            return Ok(());
        }
        if !line.ends_with('\n') && read as u64 == MAX_LINE_BYTES {
            // Too long for any field read here: skip to its end.
            let mut rest = Vec::new();
            loop {
                rest.clear();
                let n = reader
                    .by_ref()
                    .take(MAX_LINE_BYTES)
                    .read_until(b'\n', &mut rest)?;
                if n == 0 || rest.ends_with(b"\n") {
                    break;
                }
            }
            continue;
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            check(&mut package, &mut version);
        } else if let Some((field, value)) = text.split_once(':')
            && !field.starts_with([' ', '\t'])
        {
            if field.eq_ignore_ascii_case("Package") {
                value.trim().clone_into(&mut package);
            } else if field.eq_ignore_ascii_case("Version") {
                value.trim().clone_into(&mut version);
            }
        }
    }
}

/// Reads the lists under `root` of every repository that is not the distribution's, and finds
/// the `installed` (package, version) pairs in them. No lists directory: an empty index and no
/// warning.
pub fn read_vendor_index(
    root: &Path,
    installed: &HashSet<(&str, &str)>,
    distro_ids: &[String],
) -> (VendorIndex, Vec<Warning>) {
    let dir = under_root(root, LISTS_DIR);
    let mut index = VendorIndex::default();
    let mut warnings = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (index, warnings);
    };
    let mut lists: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("_Packages"))
        .collect();
    lists.sort();
    let mut skipped = 0usize;
    if lists.len() > MAX_LISTS {
        warnings.push(Warning::new(
            WARNING_SOURCE,
            format!(
                "{} holds {} package lists; only the first {MAX_LISTS} were read",
                dir.display(),
                lists.len()
            ),
        ));
        lists.truncate(MAX_LISTS);
    }
    for name in lists {
        let Some(release) = release_for(&dir, &name) else {
            continue;
        };
        let (origin, label) = match read_bounded_prefix(&release, MAX_RELEASE_BYTES) {
            Ok(bytes) => parse_release(&String::from_utf8_lossy(&bytes)),
            Err(e) => {
                let message = format!("cannot read {}: {e}", release.display());
                warnings.push(Warning::new(WARNING_SOURCE, message));
                continue;
            }
        };
        if is_distribution(origin.as_deref(), label.as_deref(), distro_ids) {
            continue;
        }
        let path = dir.join(&name);
        let reader = match open_list(&path, &name) {
            Ok(Some(reader)) => reader,
            Ok(None) => {
                let compressed = [".lz4", ".xz", ".zst", ".bz2", ".lzma"];
                skipped += usize::from(compressed.iter().any(|c| name.ends_with(c)));
                continue;
            }
            Err(e) => {
                let message = format!("cannot read {}: {e}", path.display());
                warnings.push(Warning::new(WARNING_SOURCE, message));
                continue;
            }
        };
        let host = name.split('_').next().unwrap_or(&name).to_string();
        let at = index.repositories.len();
        let mut hits = Vec::new();
        let scanned = scan_packages(reader, installed, |package, version| {
            hits.push((package.to_string(), version.to_string()));
        });
        if let Err(e) = scanned {
            let message = format!("{}: {e}; read as far as it goes", path.display());
            warnings.push(Warning::new(WARNING_SOURCE, message));
        }
        for hit in hits {
            index.found.entry(hit).or_insert(at);
        }
        index.repositories.push(Repository {
            list: name,
            host,
            origin,
            label,
        });
    }
    if skipped > 0 {
        warnings.push(Warning::new(
            WARNING_SOURCE,
            format!(
                "{skipped} vendor package list(s) in {} are compressed in a format the agent does \
                 not read (lz4, xz, zstd, bzip2): their packages are judged by dpkg's record alone",
                dir.display()
            ),
        ));
    }
    (index, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_fields_plain_and_signed() {
        let plain = "Origin: Docker\nLabel: Docker CE\nSuite: bookworm\nSHA256:\n abc 1 x\n";
        assert_eq!(
            parse_release(plain),
            (Some("Docker".into()), Some("Docker CE".into()))
        );
        let signed = "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA512\r\n\r\nOrigin: . nodistro\r\n\
                      Label: . nodistro\r\nCodename: nodistro\r\n-----BEGIN PGP SIGNATURE-----\r\n";
        assert_eq!(
            parse_release(signed),
            (Some(". nodistro".into()), Some(". nodistro".into()))
        );
        assert_eq!(parse_release("Suite: x\n"), (None, None));
    }

    #[test]
    fn distribution_repositories() {
        let debian = vec!["debian".to_string()];
        let ubuntu = vec!["ubuntu".to_string(), "debian".to_string()];
        let mint = vec!["linuxmint".to_string(), "ubuntu".to_string()];
        assert!(is_distribution(
            Some("Debian"),
            Some("Debian-Security"),
            &debian
        ));
        assert!(is_distribution(Some("Debian Backports"), None, &debian));
        assert!(is_distribution(Some("UbuntuESMApps"), None, &ubuntu));
        assert!(is_distribution(Some("linuxmint"), None, &mint));
        assert!(is_distribution(
            Some("Raspberry Pi Foundation"),
            None,
            &debian
        ));
        for vendor in [
            "Docker",
            "Google LLC",
            ". nodistro",
            "Node Source",
            "apt.postgresql.org",
        ] {
            assert!(!is_distribution(Some(vendor), None, &debian), "{vendor}");
        }
        assert!(!is_distribution(
            Some("microsoft-debian-bookworm-prod bookworm"),
            Some("microsoft-debian-bookworm-prod bookworm"),
            &debian
        ));
        assert!(!is_distribution(None, None, &debian));
    }

    #[test]
    fn packages_stream_matches_name_and_exact_version() {
        let list = "Package: nodejs\nVersion: 20.20.1-1nodesource1\n\nPackage: nodejs\r\n\
                    Version: 20.20.2-1nodesource1\r\nDescription: x\r\n more\r\n\r\n\
                    Package: other\nVersion: 1\n";
        let wanted: HashSet<(&str, &str)> =
            [("nodejs", "20.20.2-1nodesource1"), ("other", "1")].into();
        let mut found = Vec::new();
        scan_packages(list.as_bytes(), &wanted, |p, v| {
            found.push(format!("{p} {v}"))
        })
        .unwrap();
        assert_eq!(found, ["nodejs 20.20.2-1nodesource1", "other 1"]);
    }
}
