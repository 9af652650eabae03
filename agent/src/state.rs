//! What the agent keeps between runs, in its state directory: the host id (generated once), the time of
//! the last scheduled scan, and the last good catalogue bundle.
//!
//! Every write is atomic (temporary file, fsync, rename, fsync of the directory), so a power cut leaves
//! either the old or the new file, never half of one. A state directory that cannot be written is an
//! error the caller reports; nothing here panics.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// File holding the host id (one UUID, text).
pub const HOST_ID_FILE: &str = "host-id";
/// File holding the time of the last scan (RFC 3339, text).
pub const LAST_RUN_FILE: &str = "last-run";
/// File holding the last catalogue bundle that verified.
pub const CATALOG_FILE: &str = "catalog.bundle";
/// Largest state file read (the catalogue bundle is the big one).
pub const MAX_STATE_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// A state-directory error, with the path it concerns.
#[derive(Debug, thiserror::Error)]
#[error("state {}: {what}: {source}", path.display())]
pub struct StateError {
    /// The file or directory.
    pub path: PathBuf,
    /// What was being done.
    pub what: &'static str,
    /// The I/O error.
    pub source: io::Error,
}

/// The state directory.
#[derive(Clone, Debug)]
pub struct State {
    dir: PathBuf,
}

impl State {
    /// Opens (and creates if needed) the state directory.
    pub fn open(dir: &Path) -> Result<State, StateError> {
        fs::create_dir_all(dir).map_err(|source| StateError {
            path: dir.to_path_buf(),
            what: "cannot create directory",
            source,
        })?;
        Ok(State {
            dir: dir.to_path_buf(),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The host id, generated and stored on first use. A damaged file is replaced by a new id (with
    /// a warning): the collector then sees a new host, which is better than never reporting.
    pub fn host_id(&self) -> Result<Uuid, StateError> {
        let path = self.dir.join(HOST_ID_FILE);
        match read_limited(&path, 1024) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                match Uuid::parse_str(text.trim()) {
                    Ok(id) if !id.is_nil() => return Ok(id),
                    _ => {
                        tracing::warn!(path = %path.display(), "host id file is damaged; generating a new host id")
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(StateError {
                    path,
                    what: "cannot read host id",
                    source,
                });
            }
        }
        let id = Uuid::new_v4();
        write_atomic(&path, format!("{id}\n").as_bytes()).map_err(|source| StateError {
            path: path.clone(),
            what: "cannot store host id",
            source,
        })?;
        tracing::info!(host_id = %id, "generated host id");
        Ok(id)
    }

    /// When the last scan ran, if ever (an unreadable file counts as never).
    pub fn last_run(&self) -> Option<DateTime<Utc>> {
        let bytes = read_limited(&self.dir.join(LAST_RUN_FILE), 1024).ok()?;
        DateTime::parse_from_rfc3339(String::from_utf8_lossy(&bytes).trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Records that a scan ran at `at`.
    pub fn set_last_run(&self, at: DateTime<Utc>) -> Result<(), StateError> {
        let path = self.dir.join(LAST_RUN_FILE);
        write_atomic(&path, format!("{}\n", at.to_rfc3339()).as_bytes()).map_err(|source| {
            StateError {
                path,
                what: "cannot record the last run",
                source,
            }
        })
    }

    /// The stored catalogue bundle, if any (still to be verified by the caller).
    pub fn catalog_bundle(&self) -> Option<Vec<u8>> {
        read_limited(&self.dir.join(CATALOG_FILE), MAX_STATE_FILE_BYTES).ok()
    }

    /// Stores a verified catalogue bundle as the last good one.
    pub fn set_catalog_bundle(&self, bytes: &[u8]) -> Result<(), StateError> {
        let path = self.dir.join(CATALOG_FILE);
        write_atomic(&path, bytes).map_err(|source| StateError {
            path,
            what: "cannot store the catalogue",
            source,
        })
    }
}

/// How the inventory names where a persisted host id came from.
pub fn host_id_source(state_dir: &Path) -> String {
    format!(
        "state directory {} ({})",
        state_dir.display(),
        crate::state::HOST_ID_FILE
    )
}

/// The host id `scan` reports: the state directory's (created there on first use, as the service
/// would), so `scan` and `report` name the machine alike. A `--root` scan reads another machine's
/// disk and gets a one-off id; so does a scan that cannot use the state directory (say, run by a
/// user who may not write it), with the reason.
pub fn scan_host_id(state_dir: &Path, root: Option<&Path>) -> (Option<Uuid>, String) {
    if root.is_some() {
        let why = "generated for this scan only: --root reads another machine's disk";
        return (None, why.to_string());
    }
    match State::open(state_dir).and_then(|state| state.host_id()) {
        Ok(id) => (Some(id), host_id_source(state_dir)),
        Err(e) => (None, format!("generated for this scan only: {e}")),
    }
}

/// Reads at most `max` bytes; a larger file is an error.
pub fn read_limited(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// Prefix of temporary files; readers ignore them and [`remove_stale_temporaries`] cleans them up.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename over
/// `path`, fsync of the directory. On error the temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!("{TEMP_PREFIX}{name}-{}", Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Flushes a directory entry (the rename) to disk. Windows has no directory handles for this; NTFS
/// journals the rename, so there it is a no-op.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir) {
        Ok(d) => match d.sync_all() {
            Ok(()) => Ok(()),
            // Some file systems (and Windows) refuse fsync on a directory: not an error for us.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::PermissionDenied
                        | io::ErrorKind::InvalidInput
                        | io::ErrorKind::Unsupported
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        },
        Err(_) => Ok(()),
    }
}

/// Removes temporary files left by a crash in the middle of [`write_atomic`].
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn host_id_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let id = state.host_id().unwrap();
        assert_eq!(State::open(dir.path()).unwrap().host_id().unwrap(), id);
        fs::write(dir.path().join(HOST_ID_FILE), "garbage").unwrap();
        assert_ne!(state.host_id().unwrap(), id);
    }

    #[test]
    fn scans_use_the_state_host_id_unless_they_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let (first, source) = scan_host_id(dir.path(), None);
        let (second, _) = scan_host_id(dir.path(), None);
        assert!(first.is_some());
        assert_eq!(first, second);
        assert_eq!(State::open(dir.path()).unwrap().host_id().ok(), first);
        assert!(source.starts_with("state directory "), "{source}");
        let (other, why) = scan_host_id(dir.path(), Some(Path::new("/mnt/image")));
        assert_eq!(other, None);
        assert!(why.contains("--root"));
        // A state directory that cannot be made (its parent is a file): a one-off id, and why.
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        let (none, why) = scan_host_id(&file.join("state"), None);
        assert_eq!(none, None);
        assert!(
            why.starts_with("generated for this scan only: state "),
            "{why}"
        );
    }

    #[test]
    fn last_run_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        assert_eq!(state.last_run(), None);
        let t = DateTime::parse_from_rfc3339("2026-11-23T02:13:00Z")
            .unwrap()
            .with_timezone(&Utc);
        state.set_last_run(t).unwrap();
        assert_eq!(state.last_run(), Some(t));
    }

    #[test]
    fn atomic_write_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
