//! rpm: SQLite (compared with the rpm tool), ndb, Berkeley DB through the rpm tool, and the
//! EDGE cases.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;

use sunset_agent::parse::rpm;
use sunset_catalog::inventory::{Software, Source};

use crate::util::{data, file_names, find, have, shared, temp_copy, version_of};

/// `rpm --dbpath <copy> -qa` → sorted `name|evr|arch|vendor` lines. Without rpm the test fails
/// (a comparison skipped would pass without checking anything): ci/test.sh installs it.
fn rpm_tool_listing(db_file: &Path) -> Vec<String> {
    assert!(
        have("rpm"),
        "rpm is not installed: install Debian's rpm (ci/test.sh does) to compare with rpm's own listing"
    );
    let (dir, _copy) = temp_copy(db_file);
    let output = Command::new("rpm")
        .arg("--dbpath")
        .arg(dir.path())
        .args([
            "-qa",
            "--qf",
            "%{NAME}|%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}|%|ARCH?{%{ARCH}}|\
             |%|VENDOR?{%{VENDOR}}|\\n",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.starts_with("gpg-pubkey|"))
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

fn listing(software: &[Software]) -> Vec<String> {
    let mut lines: Vec<String> = software
        .iter()
        .map(|s| {
            format!(
                "{}|{}|{}|{}",
                s.name,
                s.version.as_deref().unwrap_or(""),
                s.architecture.as_deref().unwrap_or(""),
                s.publisher.as_deref().unwrap_or("")
            )
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn rpm_sqlite_mariner_matches_the_rpm_tool() {
    let Some(db) = shared("linux-pkgdb/rpm/cbl-mariner-2.0/rpmdb.sqlite") else {
        return;
    };
    let before = file_names(db.parent().unwrap());
    let (software, warnings) = rpm::read_sqlite(&db);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        file_names(db.parent().unwrap()),
        before,
        "nothing written beside the database"
    );
    assert_eq!(software.len(), 129);
    for (name, version) in [
        ("curl", "7.76.0-6.cm2"),
        ("openssl", "1.1.1k-7.cm2"),
        ("python3", "3.9.9-3.cm2"),
        ("bash", "5.1.8-1.cm2"),
        ("glibc", "2.34-2.cm2"),
        ("sqlite-libs", "3.34.1-2.cm2"),
        ("ca-certificates-base", "1:2.0.0-1.cm2"),
        ("mariner-release", "2.0-4.cm2"),
    ] {
        assert_eq!(
            version_of(&software, name).as_deref(),
            Some(version),
            "{name}"
        );
    }
    let curl = find(&software, "curl");
    assert_eq!(curl.architecture.as_deref(), Some("x86_64"));
    assert_eq!(curl.publisher.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(curl.source, Source::Rpm);
    assert!(curl.install_date.is_some());
    assert_eq!(
        find(&software, "mariner-release").architecture.as_deref(),
        Some("noarch")
    );
    assert_eq!(software[0].name, "mariner-release", "rpm's order (by hnum)");

    assert_eq!(listing(&software), rpm_tool_listing(&db));
    // The directory reader finds the same.
    let (by_dir, _) = rpm::read_rpmdb_dir(db.parent().unwrap());
    assert_eq!(by_dir, software);
}

#[test]
fn rpm_sqlite_with_a_write_ahead_log_is_read_from_a_copy() {
    let Some(db) = shared("linux-pkgdb/rpm/cbl-mariner-2.0/rpmdb.sqlite") else {
        return;
    };
    let (dir, copy) = temp_copy(&db);
    // A writer that has deleted one package and not checkpointed: the change is only in -wal.
    let writer = rusqlite::Connection::open(&copy).unwrap();
    writer
        .execute_batch(
            "PRAGMA foreign_keys=OFF; PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
             DELETE FROM Packages WHERE hnum = (SELECT min(hnum) FROM Packages);",
        )
        .unwrap();
    assert!(
        fs::metadata(dir.path().join("rpmdb.sqlite-wal"))
            .unwrap()
            .len()
            > 0
    );
    let before = file_names(dir.path());
    let (software, warnings) = rpm::read_sqlite(&copy);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(software.len(), 128, "the deletion in the log is seen");
    assert!(software.iter().all(|s| s.name != "mariner-release"));
    assert_eq!(file_names(dir.path()), before);
    drop(writer);
}

#[test]
fn rpm_sqlite_without_packages_table_is_a_warning() {
    let db = data("rpm/EDGE-no-Packages-table-claircore/rpmdb.sqlite");
    let (dir, copy) = temp_copy(&db);
    let (software, warnings) = rpm::read_sqlite(&copy);
    assert!(software.is_empty());
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].message.contains("without a Packages table"),
        "{warnings:?}"
    );
    assert_eq!(file_names(dir.path()), ["rpmdb.sqlite"], "nothing created");
    assert_eq!(
        fs::read(&copy).unwrap(),
        fs::read(&db).unwrap(),
        "unchanged"
    );
}

#[test]
fn rpm_sqlite_that_is_not_sqlite_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rpmdb.sqlite");
    fs::write(
        &path,
        b"definitely not a database, just text that is long enough",
    )
    .unwrap();
    let (software, warnings) = rpm::read_sqlite(&path);
    assert!(software.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let (software, warnings) = rpm::read_sqlite(&dir.path().join("absent.sqlite"));
    assert!(software.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
}

#[test]
fn rpm_ndb_sle15_is_read_natively() {
    let Some(db) = shared("linux-pkgdb/rpm/sle15-bci/Packages.db") else {
        return;
    };
    let (software, warnings) =
        rpm::read_rpmdb_dir_with(db.parent().unwrap(), OsStr::new("/nonexistent/rpm"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(software.len(), 35);
    for (name, version) in [
        ("system-user-root", "20190513-3.3.1"),
        ("filesystem", "15.0-11.3.2"),
        ("glibc", "2.31-9.3.2"),
        ("libpcre1", "8.45-20.10.1"),
        ("libgmp10", "6.1.2-4.6.1"),
        ("bash", "4.4-19.6.1"),
    ] {
        assert_eq!(
            version_of(&software, name).as_deref(),
            Some(version),
            "{name}"
        );
    }
    assert_eq!(
        find(&software, "system-user-root").architecture.as_deref(),
        Some("noarch")
    );
    assert_eq!(
        find(&software, "bash").publisher.as_deref(),
        Some("SUSE LLC <https://www.suse.com/>")
    );
}

#[test]
fn rpm_ndb_damage_is_reported() {
    let (software, warnings) = rpm::parse_ndb(std::io::Cursor::new(b"RpmP".to_vec()));
    assert!(software.is_empty());
    assert_eq!(warnings.len(), 1);
    let Some(db) = shared("linux-pkgdb/rpm/sle15-bci/Packages.db") else {
        return;
    };
    let bytes = fs::read(&db).unwrap();
    let cut = bytes[..bytes.len() / 2].to_vec();
    let (software, warnings) = rpm::parse_ndb(std::io::Cursor::new(cut));
    assert!(software.len() < 35);
    assert!(!warnings.is_empty());
}

#[test]
fn rpm_berkeley_db_through_the_rpm_tool() {
    let mut cases = vec![
        (data("rpm/syft-dive-bdb"), "dive", "0.9.2-1", None),
        (data("rpm/scalibr-epoch-bdb"), "hello", "1:0.0.1-rls", None),
    ];
    if let Some(dir) = shared("linux-pkgdb/rpm/rhel8-libuuid") {
        cases.push((dir, "libuuid", "2.32.1-42.el8_8", Some("Red Hat, Inc.")));
    }
    for (dir, name, version, vendor) in cases {
        let (software, warnings) = rpm::read_rpmdb_dir(&dir);
        if !have("rpm") {
            assert!(software.is_empty());
            assert!(warnings[0].message.contains("Berkeley DB"), "{warnings:?}");
            assert!(
                warnings[0].message.contains("not installed"),
                "{warnings:?}"
            );
            continue;
        }
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(software.len(), 1, "{}", dir.display());
        assert_eq!(software[0].name, name);
        assert_eq!(software[0].version.as_deref(), Some(version));
        assert_eq!(software[0].architecture.as_deref(), Some("x86_64"));
        assert_eq!(software[0].publisher.as_deref(), vendor);
        assert_eq!(software[0].source, Source::Rpm);
        assert_eq!(
            file_names(&dir),
            ["Packages"],
            "nothing written beside the database"
        );
    }
}

#[test]
fn rpm_berkeley_db_without_the_rpm_tool_is_a_clear_warning() {
    let dir = data("rpm/syft-dive-bdb");
    let (software, warnings) = rpm::read_rpmdb_dir_with(&dir, OsStr::new("/nonexistent/rpm"));
    assert!(software.is_empty());
    assert_eq!(warnings.len(), 1);
    let message = &warnings[0].message;
    assert!(message.contains("Berkeley DB"), "{message}");
    assert!(message.contains("rpm tool"), "{message}");
    assert!(message.contains("not installed"), "{message}");
}

#[test]
fn rpm_root_without_a_database_is_silent() {
    let root = tempfile::tempdir().unwrap();
    assert_eq!(rpm::read_rpmdb(root.path()), (Vec::new(), Vec::new()));
    fs::create_dir_all(root.path().join("var/lib/rpm")).unwrap();
    fs::copy(
        data("rpm/scalibr-epoch-bdb/Packages"),
        root.path().join("var/lib/rpm/Packages"),
    )
    .unwrap();
    let (software, warnings) = rpm::read_rpmdb_dir_with(
        &root.path().join("var/lib/rpm"),
        OsStr::new("/nonexistent/rpm"),
    );
    assert!(software.is_empty());
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        rpm::find_database(&root.path().join("var/lib/rpm")).map(|(f, _)| f),
        Some(rpm::RpmdbFormat::BerkeleyDb)
    );
}
