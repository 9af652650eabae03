//! The RPM database: the packages installed on Fedora, RHEL and its rebuilds, SUSE, Mariner and
//! Amazon Linux.
//!
//! rpm has stored its database in three formats; the agent reads each without depending on the
//! host's rpm where it can:
//! - **SQLite** (`rpmdb.sqlite`, Fedora 33+, RHEL 9+, Mariner): read directly. Each row of table
//!   `Packages` (`hnum`, `blob`) is one RPM header, parsed by [`parse_header`] (`header.rs`).
//! - **ndb** (`Packages.db`, SUSE since 15 SP3): read directly by [`parse_ndb`] (`ndb.rs`) (a simple slot
//!   table pointing at header blobs). This goes beyond the rpm tool on Debian-family hosts, whose
//!   rpm has no ndb backend and silently lists nothing from such a database.
//! - **Berkeley DB** (`Packages`, RHEL 7–8, CentOS, older SUSE): read through the `rpm` program
//!   when it is installed (`rpm --dbpath <copy> -qa --qf …`, on a copy in a temporary directory
//!   because rpm may create files beside the database); without it, a warning says which format was
//!   found and that the rpm tool is missing.
//!
//! An RPM header is: entry count and data size (big-endian `u32`s), then 16-byte index entries
//! (tag, type, offset, count), then the data store. Every count, offset and string is
//! bounds-checked; a damaged header is an error for that package only.
//!
//! Decisions: `version` is `[epoch:]version-release` (the epoch shown whenever the header carries
//! one, as `rpm -q --qf '%{EPOCH}'` does); `publisher` is the `VENDOR` tag; `gpg-pubkey` entries
//! (imported signing keys that rpm stores as pseudo-packages) are skipped, as they are not software.
//!
//! Files: the header format (`header.rs`), the SQLite database (`sqlite.rs`), ndb (`ndb.rs`), the
//! rpm tool for Berkeley DB (`tool.rs`); this module finds the database and turns headers into
//! inventory entries.

mod header;
mod ndb;
mod origin;
mod sqlite;
mod tool;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use sunset_catalog::inventory::{Software, Source, Warning};

use super::{non_empty, under_root};

pub use header::{HeaderError, parse_header, tag};
pub use ndb::{parse_ndb, read_ndb};
pub use sqlite::read_sqlite;
pub use tool::{QUERY_FORMAT, RPM_TIMEOUT, parse_query_output, read_with_rpm_tool};

/// The source of every entry read here; its name labels the warnings.
pub const SOURCE: Source = Source::Rpm;
/// Where rpm keeps its database, newest layout first (`/var/lib/rpm` is often a link to the first).
pub const DB_DIRS: [&str; 2] = ["/usr/lib/sysimage/rpm", "/var/lib/rpm"];
/// SQLite database file name.
pub const SQLITE_FILE: &str = "rpmdb.sqlite";
/// ndb database file name.
pub const NDB_FILE: &str = "Packages.db";
/// Berkeley DB database file name.
pub const BDB_FILE: &str = "Packages";
/// The facts the agent needs from one RPM header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RpmPackage {
    /// `NAME`.
    pub name: String,
    /// `EPOCH`, when present.
    pub epoch: Option<u32>,
    /// `VERSION`.
    pub version: Option<String>,
    /// `RELEASE`.
    pub release: Option<String>,
    /// `ARCH` (`x86_64`, `noarch`).
    pub arch: Option<String>,
    /// `VENDOR` (`Red Hat, Inc.`).
    pub vendor: Option<String>,
    /// `PACKAGER` (`Red Hat, Inc. <http://bugzilla.redhat.com/bugzilla>`).
    pub packager: Option<String>,
    /// `DISTRIBUTION` (`SUSE Linux Enterprise 15`).
    pub distribution: Option<String>,
    /// `INSTALLTIME`, seconds since 1970.
    pub install_time: Option<u32>,
}

impl RpmPackage {
    /// `[epoch:]version[-release]`, or `None` without a version.
    pub fn evr(&self) -> Option<String> {
        let version = self.version.as_deref().filter(|v| !v.is_empty())?;
        let mut out = String::new();
        if let Some(epoch) = self.epoch {
            out.push_str(&format!("{epoch}:"));
        }
        out.push_str(version);
        if let Some(release) = self.release.as_deref().filter(|r| !r.is_empty()) {
            out.push('-');
            out.push_str(release);
        }
        Some(out)
    }

    /// The inventory entry for this package, its origin not yet known (see [`collect`]).
    pub fn to_software(&self) -> Software {
        let version = self.evr();
        let key = Software::identity_key(&self.name, version.as_deref(), self.arch.as_deref());
        Software {
            name: self.name.clone(),
            version,
            publisher: self.vendor.as_deref().and_then(non_empty),
            install_date: self
                .install_time
                .and_then(|t| DateTime::from_timestamp(i64::from(t), 0))
                .map(|t| t.date_naive()),
            architecture: self.arch.as_deref().and_then(non_empty),
            source: SOURCE,
            origin: None,
            install_location: None,
            identifier: None,
            key,
        }
    }

    /// Imported GPG keys are stored as packages named `gpg-pubkey`; they are not software.
    pub fn is_signing_key(&self) -> bool {
        self.name == "gpg-pubkey"
    }
}

/// Turns the parsed headers of one database into inventory entries, skipping signing keys, each
/// with its origin against the OS's own packages ([`origin`]); `label` names a header in
/// warnings (`hnum 12`, `slot 3`).
pub(crate) fn collect(
    results: impl IntoIterator<Item = (String, Result<RpmPackage, HeaderError>)>,
    source: &str,
) -> (Vec<Software>, Vec<Warning>) {
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    for (label, result) in results {
        match result {
            Ok(package) if package.is_signing_key() => {}
            Ok(package) => packages.push(package),
            Err(e) => warnings.push(Warning::new(source, format!("{label}: {e}; skipped"))),
        }
    }
    let os = origin::os_marks(&packages);
    let software = packages
        .iter()
        .map(|package| Software {
            origin: Some(origin::origin(package, &os)),
            ..package.to_software()
        })
        .collect();
    (software, warnings)
}

/// Which file format an rpm database directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpmdbFormat {
    /// `rpmdb.sqlite`.
    Sqlite,
    /// `Packages.db`.
    Ndb,
    /// `Packages` (Berkeley DB hash).
    BerkeleyDb,
}

impl RpmdbFormat {
    /// Human name for messages.
    pub fn describe(self) -> &'static str {
        match self {
            RpmdbFormat::Sqlite => "SQLite",
            RpmdbFormat::Ndb => "ndb",
            RpmdbFormat::BerkeleyDb => "Berkeley DB",
        }
    }
}

/// The database file in an rpm `--dbpath` directory, checked in the order SQLite, ndb, Berkeley DB.
pub fn find_database(dir: &Path) -> Option<(RpmdbFormat, PathBuf)> {
    [
        (RpmdbFormat::Sqlite, SQLITE_FILE),
        (RpmdbFormat::Ndb, NDB_FILE),
        (RpmdbFormat::BerkeleyDb, BDB_FILE),
    ]
    .into_iter()
    .map(|(format, file)| (format, dir.join(file)))
    .find(|(_, path)| path.is_file())
}

/// Reads the rpm database of the machine whose file system starts at `root` (the first of
/// [`DB_DIRS`] holding a database). No database → no packages and no warning.
pub fn read_rpmdb(root: &Path) -> (Vec<Software>, Vec<Warning>) {
    DB_DIRS
        .iter()
        .map(|dir| under_root(root, dir))
        .find(|dir| find_database(dir).is_some())
        .map_or_else(|| (Vec::new(), Vec::new()), |dir| read_rpmdb_dir(&dir))
}

/// Reads the database in one `--dbpath` directory, using `rpm` from `PATH` for Berkeley DB.
pub fn read_rpmdb_dir(dir: &Path) -> (Vec<Software>, Vec<Warning>) {
    read_rpmdb_dir_with(dir, OsStr::new("rpm"))
}

/// Reads the database in one directory, with an explicit rpm program for Berkeley DB.
pub fn read_rpmdb_dir_with(dir: &Path, rpm_program: &OsStr) -> (Vec<Software>, Vec<Warning>) {
    match find_database(dir) {
        Some((RpmdbFormat::Sqlite, path)) => read_sqlite(&path),
        Some((RpmdbFormat::Ndb, path)) => read_ndb(&path),
        Some((RpmdbFormat::BerkeleyDb, path)) => {
            read_with_rpm_tool(&path, RpmdbFormat::BerkeleyDb, rpm_program)
        }
        None => (Vec::new(), Vec::new()),
    }
}
