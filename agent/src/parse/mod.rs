//! Pure parsers for the files that describe a Linux or macOS machine: `os-release`, dpkg's status
//! file, the RPM database, macOS property lists, Flatpak and Snap metadata, Ubuntu Pro's state, and
//! the UEFI Secure Boot signature lists (which Windows reads too).
//!
//! Why a module of its own: these formats are the same whether the agent runs on the machine or
//! reads a mounted disk image, so each parser takes bytes or text and returns values, and each
//! `read_*` function takes the root directory of the file system as a parameter (`/` on a live
//! machine). Nothing here uses `cfg(target_os)`, so every parser is tested on any host against real
//! fixture files.
//!
//! Conventions shared by every parser:
//! - A parser is total: any input, including random bytes, gives a value or a typed error, never a
//!   panic.
//! - A source that is absent (no dpkg on a Fedora machine) gives no entries and no warning; a source
//!   that is present but unreadable or damaged gives a [`Warning`] and whatever could still be read.
//! - Paths recorded in the inventory (`install_location`) are the paths *on the scanned machine*:
//!   the root prefix is removed, so a disk image mounted at `/mnt/img` reports `/Applications/…`.
//! - Files are read with a size limit ([`read_bounded`]) so a hostile or corrupt file cannot exhaust
//!   memory.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use sunset_catalog::inventory::Warning;

pub mod apt;
pub mod dpkg;
pub mod efi;
pub mod flatpak;
pub mod macos_plist;
pub mod os_release;
pub mod package_vendors;
pub mod rpm;
pub mod snap;
pub mod ubuntu_pro;

/// Most warnings one source reports; the rest are summarised in one last warning.
pub const MAX_WARNINGS_PER_SOURCE: usize = 50;

/// Reads a whole file, refusing files larger than `limit_bytes` (an `InvalidData` error).
pub fn read_bounded(path: &Path, limit_bytes: u64) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit_bytes {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("file is larger than {limit_bytes} bytes"),
        ));
    }
    Ok(bytes)
}

/// Reads at most the first `limit_bytes` of a file (for files whose fields are at the top).
pub fn read_bounded_prefix(path: &Path, limit_bytes: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(limit_bytes)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `root` joined with an absolute or relative machine path (`/etc/os-release` → `<root>/etc/os-release`).
pub fn under_root(root: &Path, machine_path: &str) -> PathBuf {
    root.join(machine_path.trim_start_matches('/'))
}

/// The path as seen on the scanned machine: `<root>/Applications/X.app` → `/Applications/X.app`.
/// A path outside `root` is returned unchanged.
pub fn machine_path(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(relative) => {
            let mut out = String::new();
            for component in relative.components() {
                if let Component::Normal(part) = component {
                    out.push('/');
                    out.push_str(&part.to_string_lossy());
                }
            }
            if out.is_empty() {
                out.push('/');
            }
            out
        }
        Err(_) => path.to_string_lossy().into_owned(),
    }
}

/// Follows one symbolic link inside `root`: an absolute link target (`/usr/lib/os-release`) is
/// taken relative to `root`, not to the host, so an offline image never reads the host's files.
/// Anything else (a relative link, which the OS resolves itself, or a plain file) is returned
/// unchanged.
pub fn resolve_in_root(root: &Path, path: &Path) -> PathBuf {
    match std::fs::read_link(path) {
        Ok(target) if target.is_absolute() => under_root(root, &target.to_string_lossy()),
        _ => path.to_path_buf(),
    }
}

/// Keeps at most [`MAX_WARNINGS_PER_SOURCE`] warnings and adds one that counts the rest.
pub fn cap_warnings(source: &str, mut warnings: Vec<Warning>) -> Vec<Warning> {
    if warnings.len() > MAX_WARNINGS_PER_SOURCE {
        let dropped = warnings.len() - MAX_WARNINGS_PER_SOURCE;
        warnings.truncate(MAX_WARNINGS_PER_SOURCE);
        warnings.push(Warning::new(
            source,
            format!("{dropped} more warnings of the same kind were not listed"),
        ));
    }
    warnings
}

/// `Some(trimmed)` for a non-empty string after trimming, else `None`.
pub(crate) fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_path_strips_the_root() {
        let root = Path::new("/mnt/img");
        assert_eq!(
            machine_path(root, Path::new("/mnt/img/Applications/X.app")),
            "/Applications/X.app"
        );
        assert_eq!(machine_path(root, Path::new("/mnt/img")), "/");
        assert_eq!(machine_path(root, Path::new("/elsewhere")), "/elsewhere");
        assert_eq!(
            machine_path(Path::new("/"), Path::new("/Applications/X.app")),
            "/Applications/X.app"
        );
    }

    #[test]
    fn cap_warnings_summarises_the_rest() {
        let many = (0..60).map(|i| Warning::new("x", i.to_string())).collect();
        let capped = cap_warnings("x", many);
        assert_eq!(capped.len(), MAX_WARNINGS_PER_SOURCE + 1);
        assert!(
            capped[MAX_WARNINGS_PER_SOURCE]
                .message
                .starts_with("10 more")
        );
    }

    #[test]
    fn read_bounded_refuses_large_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_bounded(&path, 5).unwrap(), b"12345");
        assert_eq!(
            read_bounded(&path, 4).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }
}
