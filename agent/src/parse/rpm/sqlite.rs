//! The SQLite rpm database (`rpmdb.sqlite`, Fedora 33+, RHEL 9+, Mariner): table `Packages`
//! (`hnum`, `blob`), one RPM header per row, read without writing anything beside the file.

use std::io;
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sunset_catalog::inventory::{Software, Warning};

use super::header::{HeaderError, parse_header};
use super::{RpmPackage, SOURCE, SQLITE_FILE, collect};
use crate::parse::cap_warnings;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_is_percent_encoded() {
        assert_eq!(
            immutable_uri(Path::new("/a b/rpm#1?/x")),
            "file:/a%20b/rpm%231%3F/x?immutable=1"
        );
    }
}
