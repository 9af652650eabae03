//! The on-disk queue of reports not yet delivered.
//!
//! One file per report, `<sequence>-<report id>.json.gz`, holding exactly the gzip body that is sent.
//! The sequence (microseconds since the epoch, kept increasing) orders the spool, so reports go out
//! oldest-first. Writes are atomic ([`crate::state::write_atomic`]); the spool is bounded by count and
//! by bytes, and when over either cap the oldest reports are dropped first, with a warning, but never
//! the one just added. A spool that cannot be written (read-only, disk full) is a [`SpoolError`] that
//! says so; the caller decides what to do with the report.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::state::{TEMP_PREFIX, read_limited, remove_stale_temporaries, sync_dir, write_atomic};

/// File name suffix of a spooled report.
pub const SUFFIX: &str = ".json.gz";
/// Sub-directory for reports the collector refused as invalid (kept for a person to look at).
pub const REJECTED_DIR: &str = "rejected";
/// Most refused reports kept.
const MAX_REJECTED: usize = 10;
/// Largest spooled report read back.
const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Spool caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most reports.
    pub max_reports: u32,
    /// Most bytes (sum of file sizes).
    pub max_bytes: u64,
}

/// Why the spool failed, classified for the operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The file system is read-only or the directory is not writable by the agent.
    ReadOnly,
    /// No space left (or quota exceeded).
    Full,
    /// Anything else.
    Other,
}

/// A spool error with the path and a classified cause.
#[derive(Debug, thiserror::Error)]
#[error("spool {}: {what}: {source}{}", path.display(), hint(*cause))]
pub struct SpoolError {
    /// The file or directory.
    pub path: PathBuf,
    /// What was being done.
    pub what: &'static str,
    /// Classified cause.
    pub cause: Cause,
    /// The I/O error.
    pub source: io::Error,
}

fn hint(cause: Cause) -> &'static str {
    match cause {
        Cause::ReadOnly => {
            " (the spool directory is read-only or not writable by the agent: check spool_dir and its permissions)"
        }
        Cause::Full => " (the disk holding spool_dir is full: free space or lower spool_max_bytes)",
        Cause::Other => "",
    }
}

/// Classifies an I/O error.
pub fn classify(e: &io::Error) -> Cause {
    match e.kind() {
        io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied => Cause::ReadOnly,
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => Cause::Full,
        _ => Cause::Other,
    }
}

fn error(path: &Path, what: &'static str, source: io::Error) -> SpoolError {
    SpoolError {
        path: path.to_path_buf(),
        what,
        cause: classify(&source),
        source,
    }
}

/// One spooled report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its file.
    pub path: PathBuf,
    /// Spool order.
    pub sequence: u64,
    /// The report id in the file name.
    pub report_id: Uuid,
    /// File size.
    pub bytes: u64,
}

/// What [`Spool::push`] did.
#[derive(Debug, Default)]
pub struct Pushed {
    /// Reports dropped (oldest first) to stay within the caps.
    pub dropped: Vec<Entry>,
}

/// The spool directory.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    limits: Limits,
}

impl Spool {
    /// Opens the spool, creating the directory if needed and removing temporaries left by a crash.
    pub fn open(dir: &Path, limits: Limits) -> Result<Spool, SpoolError> {
        fs::create_dir_all(dir).map_err(|e| error(dir, "cannot create the spool directory", e))?;
        remove_stale_temporaries(dir);
        Ok(Spool {
            dir: dir.to_path_buf(),
            limits,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Spooled reports, oldest first. Files that are not spooled reports are ignored.
    pub fn entries(&self) -> Result<Vec<Entry>, SpoolError> {
        let read =
            fs::read_dir(&self.dir).map_err(|e| error(&self.dir, "cannot list the spool", e))?;
        let mut entries = Vec::new();
        for item in read {
            let item = item.map_err(|e| error(&self.dir, "cannot list the spool", e))?;
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) {
                continue;
            }
            let Some((sequence, report_id)) = parse_name(&name) else {
                continue;
            };
            let bytes = item.metadata().map(|m| m.len()).unwrap_or(0);
            entries.push(Entry {
                path: item.path(),
                sequence,
                report_id,
                bytes,
            });
        }
        entries.sort_by_key(|e| (e.sequence, e.report_id));
        Ok(entries)
    }

    /// Adds a report (its gzip body), then drops the oldest reports while the spool is over a cap.
    pub fn push(&self, report_id: Uuid, body: &[u8]) -> Result<Pushed, SpoolError> {
        let existing = self.entries()?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0);
        let sequence = existing
            .last()
            .map_or(now, |last| now.max(last.sequence.saturating_add(1)));
        let path = self
            .dir
            .join(format!("{sequence:020}-{}{SUFFIX}", report_id.simple()));
        write_atomic(&path, body).map_err(|e| error(&path, "cannot queue the report", e))?;
        let mut entries = existing;
        entries.push(Entry {
            path,
            sequence,
            report_id,
            bytes: body.len() as u64,
        });
        Ok(Pushed {
            dropped: self.enforce(entries),
        })
    }

    /// Drops oldest entries (never the newest) until within the caps.
    fn enforce(&self, mut entries: Vec<Entry>) -> Vec<Entry> {
        let mut total: u64 = entries.iter().map(|e| e.bytes).sum();
        let mut dropped = Vec::new();
        while entries.len() > 1
            && (entries.len() as u64 > u64::from(self.limits.max_reports)
                || total > self.limits.max_bytes)
        {
            let oldest = entries.remove(0);
            match fs::remove_file(&oldest.path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::error!(path = %oldest.path.display(), error = %e, "cannot drop a spooled report");
                    continue;
                }
            }
            total = total.saturating_sub(oldest.bytes);
            tracing::warn!(
                report_id = %oldest.report_id,
                max_reports = self.limits.max_reports,
                max_bytes = self.limits.max_bytes,
                "spool full: dropped the oldest undelivered report"
            );
            dropped.push(oldest);
        }
        if !dropped.is_empty() {
            let _ = sync_dir(&self.dir);
        }
        dropped
    }

    /// Reads a spooled report's body.
    pub fn read(&self, entry: &Entry) -> Result<Vec<u8>, SpoolError> {
        read_limited(&entry.path, MAX_REPORT_BYTES)
            .map_err(|e| error(&entry.path, "cannot read a spooled report", e))
    }

    /// Removes a delivered report.
    pub fn remove(&self, entry: &Entry) -> Result<(), SpoolError> {
        match fs::remove_file(&entry.path) {
            Ok(()) => sync_dir(&self.dir).map_err(|e| error(&self.dir, "cannot sync", e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(error(&entry.path, "cannot remove a delivered report", e)),
        }
    }

    /// Moves a report the collector refused as invalid out of the queue, keeping the last few for a
    /// person to inspect.
    pub fn reject(&self, entry: &Entry) -> Result<(), SpoolError> {
        let dir = self.dir.join(REJECTED_DIR);
        fs::create_dir_all(&dir).map_err(|e| error(&dir, "cannot create", e))?;
        let target = dir.join(entry.path.file_name().unwrap_or_default());
        fs::rename(&entry.path, &target)
            .map_err(|e| error(&entry.path, "cannot move a refused report aside", e))?;
        let mut kept: Vec<PathBuf> = fs::read_dir(&dir)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        kept.sort();
        let excess = kept.len().saturating_sub(MAX_REJECTED);
        for old in kept.iter().take(excess) {
            let _ = fs::remove_file(old);
        }
        Ok(())
    }
}

/// `<sequence>-<uuid>.json.gz` → (sequence, uuid).
fn parse_name(name: &str) -> Option<(u64, Uuid)> {
    let stem = name.strip_suffix(SUFFIX)?;
    let (sequence, id) = stem.split_once('-')?;
    Some((sequence.parse().ok()?, Uuid::parse_str(id).ok()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn limits(max_reports: u32, max_bytes: u64) -> Limits {
        Limits {
            max_reports,
            max_bytes,
        }
    }

    #[test]
    fn entries_come_back_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), limits(100, 1 << 20)).unwrap();
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        for id in &ids {
            spool.push(*id, b"x").unwrap();
        }
        fs::write(dir.path().join("README"), "not a report").unwrap();
        fs::write(dir.path().join(".tmp-half"), "crash").unwrap();
        let got: Vec<Uuid> = spool
            .entries()
            .unwrap()
            .iter()
            .map(|e| e.report_id)
            .collect();
        assert_eq!(got, ids);
        let reopened = Spool::open(dir.path(), limits(100, 1 << 20)).unwrap();
        assert!(!dir.path().join(".tmp-half").exists());
        assert_eq!(reopened.entries().unwrap().len(), 5);
    }

    #[test]
    fn count_cap_drops_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), limits(3, 1 << 20)).unwrap();
        let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
        let mut dropped = Vec::new();
        for id in &ids {
            dropped.extend(
                spool
                    .push(*id, b"x")
                    .unwrap()
                    .dropped
                    .into_iter()
                    .map(|e| e.report_id),
            );
        }
        assert_eq!(dropped, ids[..2]);
        let kept: Vec<Uuid> = spool
            .entries()
            .unwrap()
            .iter()
            .map(|e| e.report_id)
            .collect();
        assert_eq!(kept, ids[2..]);
    }

    #[test]
    fn byte_cap_drops_oldest_but_keeps_newest() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), limits(100, 250)).unwrap();
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let c = Uuid::new_v4();
        spool.push(a, &[0; 100]).unwrap();
        spool.push(b, &[0; 100]).unwrap();
        let pushed = spool.push(c, &[0; 100]).unwrap();
        assert_eq!(pushed.dropped.len(), 1);
        assert_eq!(pushed.dropped[0].report_id, a);
        // A report bigger than the whole cap is still kept (alone).
        let d = Uuid::new_v4();
        spool.push(d, &[0; 1000]).unwrap();
        let kept: Vec<Uuid> = spool
            .entries()
            .unwrap()
            .iter()
            .map(|e| e.report_id)
            .collect();
        assert_eq!(kept, [d]);
    }

    #[test]
    fn errors_are_classified() {
        let ro = io::Error::from(io::ErrorKind::ReadOnlyFilesystem);
        assert_eq!(classify(&ro), Cause::ReadOnly);
        let full = io::Error::from_raw_os_error(28); // ENOSPC on Linux
        if cfg!(target_os = "linux") {
            assert_eq!(classify(&full), Cause::Full);
        }
        let e = error(
            Path::new("/var/lib/sunset/spool"),
            "cannot queue the report",
            ro,
        );
        assert!(e.to_string().contains("read-only"), "{e}");
    }

    #[test]
    fn unwritable_spool_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, "x").unwrap();
        // A spool directory below a regular file cannot be created.
        let err = Spool::open(&file.join("spool"), limits(1, 1)).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot create the spool directory"),
            "{err}"
        );
    }

    #[test]
    fn rejected_reports_are_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), limits(100, 1 << 20)).unwrap();
        spool.push(Uuid::new_v4(), b"bad").unwrap();
        let entry = spool.entries().unwrap().remove(0);
        spool.reject(&entry).unwrap();
        assert!(spool.entries().unwrap().is_empty());
        assert_eq!(
            fs::read_dir(dir.path().join(REJECTED_DIR)).unwrap().count(),
            1
        );
    }
}
