//! The RPM database: the packages installed on Fedora, RHEL and its rebuilds, SUSE, Mariner and
//! Amazon Linux.
//!
//! rpm has stored its database in three formats; the agent reads each without depending on the
//! host's rpm where it can:
//! - **SQLite** (`rpmdb.sqlite`, Fedora 33+, RHEL 9+, Mariner): read directly. Each row of table
//!   `Packages` (`hnum`, `blob`) is one RPM header, parsed by [`parse_header`].
//! - **ndb** (`Packages.db`, SUSE since 15 SP3): read directly by [`parse_ndb`] (a simple slot
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

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::DateTime;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sunset_catalog::inventory::{Software, Source, Warning};

use super::{cap_warnings, non_empty, under_root};

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
/// The `--qf` format given to the rpm tool: one tab-separated line per package, empty fields for
/// absent tags.
pub const QUERY_FORMAT: &str = "%{NAME}\\t%|EPOCH?{%{EPOCH}}:{}|\\t%{VERSION}\\t%{RELEASE}\\t\
%|ARCH?{%{ARCH}}:{}|\\t%|VENDOR?{%{VENDOR}}:{}|\\t%|INSTALLTIME?{%{INSTALLTIME}}:{}|\\n";
/// How long the rpm tool may run.
pub const RPM_TIMEOUT: Duration = Duration::from_secs(120);

/// Header tags read by the agent.
pub mod tag {
    /// Package name.
    pub const NAME: u32 = 1000;
    /// Upstream version.
    pub const VERSION: u32 = 1001;
    /// Distribution release.
    pub const RELEASE: u32 = 1002;
    /// Epoch (an integer).
    pub const EPOCH: u32 = 1003;
    /// Install time, seconds since 1970.
    pub const INSTALLTIME: u32 = 1008;
    /// Vendor.
    pub const VENDOR: u32 = 1011;
    /// Architecture.
    pub const ARCH: u32 = 1022;
}

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;
/// rpm's own limits on a header (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`).
const MAX_ENTRIES: u32 = 0xffff;
const MAX_DATA_BYTES: u32 = 0x0fff_ffff;
/// The 8 bytes that start a header inside a package file (magic, version 1, reserved).
const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];
/// Largest output read from the rpm tool.
const MAX_TOOL_OUTPUT_BYTES: u64 = 256 * 1024 * 1024;
/// ndb: at most this many 4 KiB slot pages (rpm itself never writes close to it).
const NDB_MAX_SLOT_PAGES: u32 = 2048;
const NDB_PAGE_BYTES: u64 = 4096;
const NDB_BLOB_HEADER_BYTES: u64 = 16;

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

    /// The inventory entry for this package.
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

/// Why a header could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Fewer bytes than the two counts at its start.
    #[error("header is {0} bytes, too short for its entry count and data size")]
    TooShort(usize),
    /// Counts beyond what rpm allows.
    #[error("header declares {entries} entries and {data_bytes} data bytes, beyond rpm's limits")]
    TooLarge {
        /// Declared index entries.
        entries: u32,
        /// Declared data-store bytes.
        data_bytes: u32,
    },
    /// The blob is shorter than the counts say.
    #[error("header needs {needed} bytes but the blob holds {actual}")]
    Truncated {
        /// Bytes the counts require.
        needed: u64,
        /// Bytes present.
        actual: usize,
    },
    /// An entry for a tag the agent reads is malformed.
    #[error("tag {tag}: {reason}")]
    BadEntry {
        /// The tag.
        tag: u32,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No `NAME` tag.
    #[error("header has no NAME tag")]
    NoName,
}

/// Parses an RPM header blob as stored in the database (optionally preceded by the 8-byte header
/// magic used in package files).
pub fn parse_header(blob: &[u8]) -> Result<RpmPackage, HeaderError> {
    let blob = match blob.get(..4) {
        Some(magic) if magic == HEADER_MAGIC => blob.get(8..).unwrap_or_default(),
        _ => blob,
    };
    let entries = read_u32_be(blob, 0).ok_or(HeaderError::TooShort(blob.len()))?;
    let data_bytes = read_u32_be(blob, 4).ok_or(HeaderError::TooShort(blob.len()))?;
    if entries > MAX_ENTRIES || data_bytes > MAX_DATA_BYTES {
        return Err(HeaderError::TooLarge {
            entries,
            data_bytes,
        });
    }
    let index_start = 8usize;
    let data_start = index_start + entries as usize * 16;
    let needed = data_start as u64 + u64::from(data_bytes);
    if needed > blob.len() as u64 {
        return Err(HeaderError::Truncated {
            needed,
            actual: blob.len(),
        });
    }
    let data = blob
        .get(data_start..data_start + data_bytes as usize)
        .ok_or(HeaderError::Truncated {
            needed,
            actual: blob.len(),
        })?;

    let mut package = RpmPackage::default();
    let mut name = None;
    for i in 0..entries as usize {
        let at = index_start + i * 16;
        let (Some(tag), Some(kind), Some(offset), Some(count)) = (
            read_u32_be(blob, at),
            read_u32_be(blob, at + 4),
            read_u32_be(blob, at + 8),
            read_u32_be(blob, at + 12),
        ) else {
            return Err(HeaderError::Truncated {
                needed,
                actual: blob.len(),
            });
        };
        let entry = Entry {
            tag,
            kind,
            offset,
            count,
        };
        match tag {
            tag::NAME if name.is_none() => name = Some(entry.string(data)?),
            tag::VERSION if package.version.is_none() => {
                package.version = Some(entry.string(data)?)
            }
            tag::RELEASE if package.release.is_none() => {
                package.release = Some(entry.string(data)?)
            }
            tag::ARCH if package.arch.is_none() => package.arch = Some(entry.string(data)?),
            tag::VENDOR if package.vendor.is_none() => package.vendor = Some(entry.string(data)?),
            tag::EPOCH if package.epoch.is_none() => package.epoch = Some(entry.int32(data)?),
            tag::INSTALLTIME if package.install_time.is_none() => {
                package.install_time = Some(entry.int32(data)?)
            }
            _ => {}
        }
    }
    package.name = name.filter(|n| !n.is_empty()).ok_or(HeaderError::NoName)?;
    Ok(package)
}

struct Entry {
    tag: u32,
    kind: u32,
    offset: u32,
    count: u32,
}

impl Entry {
    fn bad(&self, reason: &'static str) -> HeaderError {
        HeaderError::BadEntry {
            tag: self.tag,
            reason,
        }
    }

    /// The first string of a STRING, STRING_ARRAY or I18NSTRING entry.
    fn string(&self, data: &[u8]) -> Result<String, HeaderError> {
        if !matches!(self.kind, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(self.bad("not a string"));
        }
        if self.count == 0 {
            return Err(self.bad("empty string list"));
        }
        let rest = data
            .get(self.offset as usize..)
            .ok_or_else(|| self.bad("offset outside the data store"))?;
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| self.bad("string not terminated"))?;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }

    /// The first value of an INT32 entry.
    fn int32(&self, data: &[u8]) -> Result<u32, HeaderError> {
        if self.kind != TYPE_INT32 {
            return Err(self.bad("not an INT32"));
        }
        if self.count == 0 {
            return Err(self.bad("empty integer list"));
        }
        read_u32_be(data, self.offset as usize)
            .ok_or_else(|| self.bad("offset outside the data store"))
    }
}

fn read_u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let chunk: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_be_bytes(chunk))
}

fn read_u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let chunk: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(chunk))
}

/// Turns parsed headers into inventory entries, skipping signing keys; `label` names a header in
/// warnings (`hnum 12`, `slot 3`).
fn collect(
    results: impl IntoIterator<Item = (String, Result<RpmPackage, HeaderError>)>,
    source: &str,
) -> (Vec<Software>, Vec<Warning>) {
    let mut software = Vec::new();
    let mut warnings = Vec::new();
    for (label, result) in results {
        match result {
            Ok(package) if package.is_signing_key() => {}
            Ok(package) => software.push(package.to_software()),
            Err(e) => warnings.push(Warning::new(source, format!("{label}: {e}; skipped"))),
        }
    }
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

/// Reads an SQLite rpmdb (`rpmdb.sqlite`) without writing anything beside it: the file is opened
/// read-only and immutable, unless a non-empty write-ahead log (`-wal`) is beside it, in which case
/// both are copied to a temporary directory first so recent transactions are seen. A file that is
/// not SQLite, or has no `Packages` table, gives a warning and no packages.
pub fn read_sqlite(path: &Path) -> (Vec<Software>, Vec<Warning>) {
    let fail = |message: String| {
        (
            Vec::new(),
            vec![Warning::new(
                SOURCE.name(),
                format!("{}: {message}", path.display()),
            )],
        )
    };
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = PathBuf::from(wal);
    let has_wal = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
    // Keeps the temporary copy alive while the connection uses it.
    let mut _copy = None;
    let opened = if has_wal {
        match copy_with_wal(path, &wal) {
            Ok((dir, copied)) => {
                _copy = Some(dir);
                Connection::open_with_flags(
                    copied,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
            }
            Err(e) => return fail(format!("cannot copy the database and its -wal file: {e}")),
        }
    } else {
        Connection::open_with_flags(
            immutable_uri(path),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    };
    let connection = match opened {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot open as SQLite: {e}")),
    };
    match sqlite_packages(&connection) {
        Ok(Some(results)) => {
            let (software, warnings) = collect(results, SOURCE.name());
            (software, cap_warnings(SOURCE.name(), warnings))
        }
        Ok(None) => fail("an SQLite database without a Packages table: not an rpm database".into()),
        Err(e) => fail(format!("cannot read as an rpm database: {e}")),
    }
}

type Parsed = Vec<(String, Result<RpmPackage, HeaderError>)>;

fn sqlite_packages(connection: &Connection) -> rusqlite::Result<Option<Parsed>> {
    let tables: i64 = connection.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Packages'",
        [],
        |row| row.get(0),
    )?;
    if tables == 0 {
        return Ok(None);
    }
    let mut statement = connection.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")?;
    let mut rows = statement.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let label = match row.get_ref(0)? {
            ValueRef::Integer(n) => format!("hnum {n}"),
            _ => "a row without hnum".to_string(),
        };
        let result = match row.get_ref(1)? {
            ValueRef::Blob(blob) => parse_header(blob),
            _ => Err(HeaderError::TooShort(0)),
        };
        out.push((label, result));
    }
    Ok(Some(out))
}

/// `file:<path>?immutable=1`, percent-encoding everything but unreserved characters and `/`.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

fn copy_with_wal(db: &Path, wal: &Path) -> io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir()?;
    let copied = dir.path().join(SQLITE_FILE);
    std::fs::copy(db, &copied)?;
    std::fs::copy(wal, dir.path().join(format!("{SQLITE_FILE}-wal")))?;
    Ok((dir, copied))
}

/// Reads an ndb database (`Packages.db`); see [`parse_ndb`].
pub fn read_ndb(path: &Path) -> (Vec<Software>, Vec<Warning>) {
    match File::open(path) {
        Ok(file) => {
            let (software, warnings) = parse_ndb(io::BufReader::new(file));
            let warnings = warnings
                .into_iter()
                .map(|w| Warning::new(w.source, format!("{}: {}", path.display(), w.message)))
                .collect();
            (software, warnings)
        }
        Err(e) => (
            Vec::new(),
            vec![Warning::new(
                SOURCE.name(),
                format!("cannot open {}: {e}", path.display()),
            )],
        ),
    }
}

/// Parses an ndb database: a 32-byte header (`RpmP`, version 0, generation, slot page count), the
/// slot pages (16-byte slots `Slot`, package index, block offset, block count; index 0 = free),
/// and blobs at `block offset × 16` (`BlbS`, package index, checksum, length, then the header).
/// The checksum is not verified; each damaged package is a warning.
pub fn parse_ndb<R: Read + Seek>(mut reader: R) -> (Vec<Software>, Vec<Warning>) {
    let fail = |message: String| (Vec::new(), vec![Warning::new(SOURCE.name(), message)]);
    let mut header = [0u8; 32];
    if let Err(e) = reader.read_exact(&mut header) {
        return fail(format!("not an ndb database (header unreadable: {e})"));
    }
    let (Some(version), Some(pages)) = (read_u32_le(&header, 4), read_u32_le(&header, 12)) else {
        return fail("not an ndb database".into());
    };
    if header[..4] != *b"RpmP" || version != 0 || pages == 0 || pages > NDB_MAX_SLOT_PAGES {
        return fail(format!(
            "not a supported ndb database (magic {:02x?}, version {version}, {pages} slot pages)",
            &header[..4]
        ));
    }
    let slot_bytes = u64::from(pages) * NDB_PAGE_BYTES - 32;
    let mut slots = Vec::new();
    if let Err(e) = reader.by_ref().take(slot_bytes).read_to_end(&mut slots) {
        return fail(format!("slot pages unreadable: {e}"));
    }
    if slots.len() as u64 != slot_bytes {
        return fail("slot pages truncated".into());
    }
    let mut results = Vec::new();
    let mut warnings = Vec::new();
    for (number, slot) in slots.chunks_exact(16).enumerate() {
        let (Some(package), Some(block)) = (read_u32_le(slot, 4), read_u32_le(slot, 8)) else {
            continue;
        };
        if slot[..4] != *b"Slot" {
            warnings.push(Warning::new(
                SOURCE.name(),
                format!("slot {number} has a bad magic number; the slot table ends here"),
            ));
            break;
        }
        if package == 0 {
            continue;
        }
        let label = format!("package {package} (slot {number})");
        match ndb_blob(&mut reader, package, block) {
            Ok(blob) => results.push((label, parse_header(&blob))),
            Err(e) => warnings.push(Warning::new(
                SOURCE.name(),
                format!("{label}: {e}; skipped"),
            )),
        }
    }
    let (software, mut header_warnings) = collect(results, SOURCE.name());
    warnings.append(&mut header_warnings);
    (software, cap_warnings(SOURCE.name(), warnings))
}

fn ndb_blob<R: Read + Seek>(reader: &mut R, package: u32, block: u32) -> io::Result<Vec<u8>> {
    let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    reader.seek(SeekFrom::Start(u64::from(block) * NDB_BLOB_HEADER_BYTES))?;
    let mut head = [0u8; 16];
    reader.read_exact(&mut head)?;
    let (Some(owner), Some(length)) = (read_u32_le(&head, 4), read_u32_le(&head, 12)) else {
        return Err(invalid("blob header unreadable"));
    };
    if head[..4] != *b"BlbS" {
        return Err(invalid("blob has a bad magic number"));
    }
    if owner != package {
        return Err(invalid("blob belongs to another package"));
    }
    if length > MAX_DATA_BYTES {
        return Err(invalid("blob is larger than rpm allows"));
    }
    let mut blob = Vec::new();
    reader.take(u64::from(length)).read_to_end(&mut blob)?;
    if blob.len() as u64 != u64::from(length) {
        return Err(invalid("blob truncated"));
    }
    Ok(blob)
}

/// Parses the output of `rpm -qa --qf` [`QUERY_FORMAT`]: one package per line, 7 tab-separated
/// fields. Malformed lines are warnings.
pub fn parse_query_output(text: &str) -> (Vec<Software>, Vec<Warning>) {
    let mut results = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let label = format!("rpm output line {}", index + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        let result = match fields.as_slice() {
            [name, epoch, version, release, arch, vendor, install_time] if !name.is_empty() => {
                Ok(RpmPackage {
                    name: name.to_string(),
                    epoch: epoch.parse().ok(),
                    version: non_empty(version),
                    release: non_empty(release),
                    arch: non_empty(arch),
                    vendor: non_empty(vendor),
                    install_time: install_time.parse().ok(),
                })
            }
            _ => Err(HeaderError::BadEntry {
                tag: tag::NAME,
                reason: "line is not 7 tab-separated fields with a name",
            }),
        };
        results.push((label, result));
    }
    let (software, warnings) = collect(results, SOURCE.name());
    (software, cap_warnings(SOURCE.name(), warnings))
}

/// Lists a database with the rpm program: copies `db_file` into a temporary directory, runs
/// `rpm --dbpath <tmp> -qa --qf QUERY_FORMAT` (at most [`RPM_TIMEOUT`]) and parses its output. A
/// missing rpm program, a failure, or an empty listing is a warning naming the format found.
pub fn read_with_rpm_tool(
    db_file: &Path,
    format: RpmdbFormat,
    rpm_program: &OsStr,
) -> (Vec<Software>, Vec<Warning>) {
    let what = format!(
        "{} rpm database at {}",
        format.describe(),
        db_file.display()
    );
    let fail = |message: String| (Vec::new(), vec![Warning::new(SOURCE.name(), message)]);
    let Some(file_name) = db_file.file_name() else {
        return fail(format!("{what}: not a file"));
    };
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return fail(format!("{what}: cannot create a temporary directory: {e}")),
    };
    if let Err(e) = std::fs::copy(db_file, dir.path().join(file_name)) {
        return fail(format!("{what}: cannot copy it: {e}"));
    }
    let output = match run_with_timeout(
        Command::new(rpm_program)
            .arg("--dbpath")
            .arg(dir.path())
            .args(["-qa", "--qf", QUERY_FORMAT])
            .env("LC_ALL", "C"),
        RPM_TIMEOUT,
    ) {
        Ok(output) => output,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return fail(format!(
                "found a {what}, but the rpm tool ({}) is not installed: its packages are not listed",
                rpm_program.to_string_lossy()
            ));
        }
        Err(e) => return fail(format!("{what}: running rpm failed: {e}")),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error"))
        .take(3)
        .collect();
    if !output.success {
        return fail(format!("{what}: rpm failed: {}", errors.join(" / ")));
    }
    let (software, mut warnings) = parse_query_output(&String::from_utf8_lossy(&output.stdout));
    if software.is_empty() && warnings.is_empty() {
        warnings.push(Warning::new(
            SOURCE.name(),
            format!(
                "{what}: rpm listed no packages (this rpm may not support the {} format)",
                format.describe()
            ),
        ));
    }
    (software, warnings)
}

struct ToolOutput {
    success: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs a command with stdin closed, reading bounded stdout and stderr, killing it after `timeout`.
fn run_with_timeout(command: &mut Command, timeout: Duration) -> io::Result<ToolOutput> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                // A read error leaves what was read; the exit status tells the rest.
                let _ = pipe.take(MAX_TOOL_OUTPUT_BYTES).read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {} s; stopped", timeout.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(ToolOutput {
        success: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a header blob from (tag, type, payload) entries.
    pub(crate) fn header(entries: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, payload) in entries {
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&kind.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(payload);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend(index);
        blob.extend(data);
        blob
    }

    #[test]
    fn parses_a_built_header() {
        let blob = header(&[
            (tag::NAME, TYPE_STRING, b"bash\0"),
            (tag::EPOCH, TYPE_INT32, &2u32.to_be_bytes()),
            (tag::VERSION, TYPE_STRING, b"5.1.8\0"),
            (tag::RELEASE, TYPE_STRING, b"1.cm2\0"),
            (tag::ARCH, TYPE_STRING, b"x86_64\0"),
            (tag::VENDOR, TYPE_STRING, b"Microsoft Corporation\0"),
            (
                tag::INSTALLTIME,
                TYPE_INT32,
                &1_643_279_451u32.to_be_bytes(),
            ),
        ]);
        let package = parse_header(&blob).unwrap();
        assert_eq!(package.evr().as_deref(), Some("2:5.1.8-1.cm2"));
        let software = package.to_software();
        assert_eq!(software.publisher.as_deref(), Some("Microsoft Corporation"));
        assert_eq!(software.install_date.unwrap().to_string(), "2022-01-27");
        assert_eq!(software.key, "bash|2:5.1.8-1.cm2|x86_64");
        let mut with_magic = vec![0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
        with_magic.extend(&blob);
        assert_eq!(parse_header(&with_magic).unwrap(), package);
    }

    #[test]
    fn rejects_damaged_headers() {
        assert_eq!(parse_header(&[0, 0, 0]), Err(HeaderError::TooShort(3)));
        let blob = header(&[(tag::NAME, TYPE_STRING, b"bash")]);
        assert!(matches!(
            parse_header(&blob),
            Err(HeaderError::BadEntry { tag: 1000, .. })
        ));
        let blob = header(&[(tag::NAME, TYPE_INT32, &[0, 0, 0, 1])]);
        assert!(matches!(
            parse_header(&blob),
            Err(HeaderError::BadEntry { .. })
        ));
        let blob = header(&[(tag::VERSION, TYPE_STRING, b"1\0")]);
        assert_eq!(parse_header(&blob), Err(HeaderError::NoName));
        let mut blob = header(&[(tag::NAME, TYPE_STRING, b"a\0")]);
        blob.pop();
        assert!(matches!(
            parse_header(&blob),
            Err(HeaderError::Truncated { .. })
        ));
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            parse_header(&huge),
            Err(HeaderError::TooLarge { .. })
        ));
    }

    #[test]
    fn query_output_lines() {
        let text =
            "hello\t1\t0.0.1\trls\tx86_64\t\t1693395934\ngpg-pubkey\t\tabc\tdef\t\t\t\nbroken\n";
        let (software, warnings) = parse_query_output(text);
        assert_eq!(software.len(), 1);
        assert_eq!(software[0].version.as_deref(), Some("1:0.0.1-rls"));
        assert_eq!(software[0].publisher, None);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].message.contains("line 3"));
    }

    #[test]
    fn uri_is_percent_encoded() {
        assert_eq!(
            immutable_uri(Path::new("/a b/rpm#1?/x")),
            "file:/a%20b/rpm%231%3F/x?immutable=1"
        );
    }
}
