//! Golden tests of the `parse` module on real files from other projects' test suites and real
//! machines, plus property tests that no input makes a parser panic.
//!
//! Contents:
//! - helpers: where fixtures are (a missing `shared/fixtures` fails the test, never skips it);
//! - os-release: every fixture file, the EDGE cases, root selection and the Debian fallback;
//! - dpkg: every status fixture, the Debian 13 root, this machine's own database;
//! - rpm: SQLite (compared with the rpm tool), ndb, Berkeley DB through the rpm tool, EDGE cases;
//! - macOS: SystemVersion.plist, app Info.plists (XML and binary), the application walker;
//! - Flatpak and Snap on small built trees;
//! - property tests: random and truncated inputs for every parser.
//!
//! Fixture facts come from `../shared/fixtures/PROVENANCE.md`; the Apache-2.0 ones are copied in
//! `tests/data/` (see its README).

// Helpers outside `#[test]` functions unwrap too: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use sunset_agent::parse::{dpkg, flatpak, macos_plist, os_release, rpm, snap};
use sunset_catalog::inventory::{OsFamily, Software, Source};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A file or folder in this crate's `tests/data`.
fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// A fixture that only exists in `shared/fixtures` beside the checkout, which must hold it (absent,
/// the test fails: [`common::shared_fixtures`]). Always `Some`; an `Option` so that callers written
/// for the old skip need no change.
fn shared(relative: &str) -> Option<PathBuf> {
    let path = common::shared_fixtures().join(relative);
    assert!(path.exists(), "fixture missing: {}", path.display());
    Some(path)
}

fn read_text(path: &Path) -> String {
    String::from_utf8(fs::read(path).unwrap()).unwrap()
}

/// Whether a program can be run (`<program> --version` succeeds).
fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn find<'a>(software: &'a [Software], name: &str) -> &'a Software {
    software
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} not found"))
}

fn version_of(software: &[Software], name: &str) -> Option<String> {
    find(software, name).version.clone()
}

/// Copies a fixture file into a fresh temporary directory (fixtures are read-only input).
fn temp_copy(file: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(file.file_name().unwrap());
    fs::copy(file, &copy).unwrap();
    let mut permissions = fs::metadata(&copy).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(&copy, permissions).unwrap();
    (dir, copy)
}

fn write(path: &Path, contents: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// os-release
// ---------------------------------------------------------------------------------------------

/// file, ID, VERSION_ID, VERSION_CODENAME, PRETTY_NAME ("" = absent), from PROVENANCE.md.
const OS_RELEASE_TABLE: &[(&str, &str, &str, &str, &str)] = &[
    ("EDGE-empty-file__syft", "", "", "", ""),
    ("EDGE-no-ID__trivy", "", "3.15.4", "", "Alpine Linux v3.15"),
    (
        "EDGE-no-VERSION_ID__trivy",
        "alpine",
        "",
        "",
        "Alpine Linux v3.15",
    ),
    (
        "almalinux-8.4__syft",
        "almalinux",
        "8.4",
        "",
        "AlmaLinux 8.4 (Electric Cheetah)",
    ),
    (
        "alpine-3.10.9__clair",
        "alpine",
        "3.10.9",
        "",
        "Alpine Linux v3.10",
    ),
    (
        "alpine-3.11.6__syft",
        "alpine",
        "3.11.6",
        "",
        "Alpine Linux v3.11",
    ),
    (
        "alpine-3.18.4__clair",
        "alpine",
        "3.18.4",
        "",
        "Alpine Linux v3.18",
    ),
    (
        "alpine-3.3.3__clair",
        "alpine",
        "3.3.3",
        "",
        "Alpine Linux v3.3",
    ),
    (
        "alpine-edge-3.19_alpha__clair",
        "alpine",
        "3.19_alpha20230901",
        "",
        "Alpine Linux edge",
    ),
    ("amzn-2__syft", "amzn", "2", "", "Amazon Linux 2"),
    ("arch-rolling__syft", "arch", "", "", "Arch Linux"),
    ("centos-8__syft", "centos", "8", "", "CentOS Linux 8 (Core)"),
    (
        "debian-10__clair",
        "debian",
        "10",
        "buster",
        "Debian GNU/Linux 10 (buster)",
    ),
    (
        "debian-11-distroless__clair",
        "debian",
        "11",
        "",
        "Distroless",
    ),
    (
        "debian-11__clair",
        "debian",
        "11",
        "bullseye",
        "Debian GNU/Linux 11 (bullseye)",
    ),
    (
        "debian-12__clair",
        "debian",
        "12",
        "bookworm",
        "Debian GNU/Linux 12 (bookworm)",
    ),
    (
        "debian-13__syft",
        "debian",
        "13",
        "trixie",
        "Debian GNU/Linux 13 (trixie)",
    ),
    (
        "debian-7__clair",
        "debian",
        "7",
        "",
        "Debian GNU/Linux 7 (wheezy)",
    ),
    (
        "debian-8__syft",
        "debian",
        "8",
        "",
        "Debian GNU/Linux 8 (jessie)",
    ),
    (
        "debian-9__clair",
        "debian",
        "9",
        "stretch",
        "Debian GNU/Linux 9 (stretch)",
    ),
    (
        "debian-distroless-no-version_id__syft",
        "debian",
        "",
        "",
        "Distroless",
    ),
    (
        "fedora-36__syft",
        "fedora",
        "36",
        "",
        "Fedora Linux 36 (Container Image)",
    ),
    (
        "mariner-1.0__syft",
        "mariner",
        "1.0",
        "",
        "CBL-Mariner/Linux",
    ),
    ("ol-8.3__syft", "ol", "8.3", "", "Oracle Linux Server 8.3"),
    (
        "opensuse-leap-15.2__syft",
        "opensuse-leap",
        "15.2",
        "",
        "openSUSE Leap 15.2",
    ),
    (
        "photon-2.0__syft",
        "photon",
        "2.0",
        "",
        "VMware Photon OS/Linux",
    ),
    (
        "rhel-7.3__syft",
        "rhel",
        "7.3",
        "",
        "Red Hat Enterprise Linux Server 7.3 (Maipo)",
    ),
    (
        "rhel-7.7__clair",
        "rhel",
        "7.7",
        "",
        "Red Hat Enterprise Linux Server 7.7 (Maipo)",
    ),
    (
        "rhel-8.1__clair",
        "rhel",
        "8.1",
        "",
        "Red Hat Enterprise Linux 8.1 (Ootpa)",
    ),
    (
        "rhel-9.0__clair",
        "rhel",
        "9.0",
        "",
        "Red Hat Enterprise Linux 9.0 (Plow)",
    ),
    (
        "rocky-8.4__syft",
        "rocky",
        "8.4",
        "",
        "Rocky Linux 8.4 (Green Obsidian)",
    ),
    (
        "scientific-7.5__syft",
        "scientific",
        "7.5",
        "",
        "Scientific Linux 7.5 (Nitrogen)",
    ),
    (
        "sles-15.2__syft",
        "sles",
        "15.2",
        "",
        "SUSE Linux Enterprise Server 15 SP2",
    ),
    (
        "ubuntu-20.04__syft",
        "ubuntu",
        "20.04",
        "focal",
        "Ubuntu 20.04 LTS",
    ),
    ("wolfi-20220914__syft", "wolfi", "20220914", "", "Wolfi"),
];

fn opt(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

#[test]
fn os_release_every_fixture_matches_the_table() {
    let dir = data("os-release");
    let on_disk: Vec<String> = file_names(&dir)
        .into_iter()
        .filter(|n| !n.ends_with(".debian_version"))
        .collect();
    let in_table: Vec<&str> = OS_RELEASE_TABLE.iter().map(|row| row.0).collect();
    assert_eq!(
        on_disk, in_table,
        "every os-release fixture is in the table"
    );
    for &(file, id, version_id, codename, pretty) in OS_RELEASE_TABLE {
        let fields = os_release::parse_assignments(&read_text(&dir.join(file)));
        assert_eq!(fields.get("ID").cloned(), opt(id), "{file} ID");
        assert_eq!(
            fields.get("VERSION_ID").cloned(),
            opt(version_id),
            "{file} VERSION_ID"
        );
        assert_eq!(
            fields.get("PRETTY_NAME").cloned(),
            opt(pretty),
            "{file} PRETTY_NAME"
        );
        let os = os_release::parse_os_release(&read_text(&dir.join(file)));
        assert_eq!(os.family, Some(OsFamily::Linux), "{file}");
        assert_eq!(os.distro_id, opt(id), "{file} distro_id");
        assert_eq!(
            os.distro_version_id,
            opt(version_id),
            "{file} distro_version_id"
        );
        assert_eq!(os.version, version_id, "{file} version");
        assert_eq!(os.distro_codename, opt(codename), "{file} codename");
        assert_eq!(os.installation_type, None, "{file}");
        if !pretty.is_empty() {
            assert_eq!(os.name, pretty, "{file} name");
        }
    }
}

#[test]
fn os_release_edge_cases() {
    let empty = os_release::parse_os_release("");
    assert_eq!(empty.name, "Linux", "os-release(5)'s default name");
    assert_eq!((empty.distro_id, empty.version.as_str()), (None, ""));

    let ubuntu = os_release::parse_os_release(&read_text(&data("os-release/ubuntu-20.04__syft")));
    assert_eq!(ubuntu.distro_id_like, ["debian"]);
    let rhel = os_release::parse_os_release(&read_text(&data("os-release/rhel-8.1__clair")));
    assert_eq!(rhel.distro_id_like, ["fedora"]);
    let fedora = os_release::parse_os_release(&read_text(&data("os-release/fedora-36__syft")));
    assert_eq!(
        fedora.distro_codename, None,
        "VERSION_CODENAME=\"\" is no codename"
    );
    let arch = os_release::parse_os_release(&read_text(&data("os-release/arch-rolling__syft")));
    assert_eq!((arch.version.as_str(), arch.distro_version_id), ("", None));
}

#[test]
fn os_release_root_prefers_etc_then_usr_lib() {
    let root = tempfile::tempdir().unwrap();
    assert!(
        os_release::read_os_release(root.path()).is_err(),
        "neither file → warning"
    );

    write(
        &root.path().join("usr/lib/os-release"),
        "ID=fromusr\nVERSION_ID=1\n",
    );
    let os = os_release::read_os_release(root.path()).unwrap();
    assert_eq!(os.distro_id.as_deref(), Some("fromusr"));

    write(
        &root.path().join("etc/os-release"),
        "ID=frometc\nVERSION_ID=2\n",
    );
    let os = os_release::read_os_release(root.path()).unwrap();
    assert_eq!(os.distro_id.as_deref(), Some("frometc"));
}

#[cfg(unix)]
#[test]
fn os_release_absolute_symlink_resolves_inside_the_root() {
    let root = tempfile::tempdir().unwrap();
    write(&root.path().join("usr/lib/os-release"), "ID=inside\n");
    fs::create_dir_all(root.path().join("etc")).unwrap();
    std::os::unix::fs::symlink("/usr/lib/os-release", root.path().join("etc/os-release")).unwrap();
    let os = os_release::read_os_release(root.path()).unwrap();
    assert_eq!(os.distro_id.as_deref(), Some("inside"));
}

#[test]
fn os_release_debian_distroless_takes_the_version_from_debian_version() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("etc")).unwrap();
    fs::copy(
        data("os-release/debian-distroless-no-version_id__syft"),
        root.path().join("etc/os-release"),
    )
    .unwrap();
    fs::copy(
        data("os-release/debian-distroless-no-version_id__syft.debian_version"),
        root.path().join("etc/debian_version"),
    )
    .unwrap();
    let os = os_release::read_os_release(root.path()).unwrap();
    assert_eq!(os.name, "Distroless");
    assert_eq!(os.distro_id.as_deref(), Some("debian"));
    assert_eq!(os.version, "10.8");
    assert_eq!(
        os.distro_version_id, None,
        "os-release itself has no VERSION_ID"
    );

    // With VERSION_ID present, debian_version (13.5) does not override it.
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("etc")).unwrap();
    fs::copy(
        data("os-release/debian-13__syft"),
        root.path().join("etc/os-release"),
    )
    .unwrap();
    fs::copy(
        data("os-release/debian-13__syft.debian_version"),
        root.path().join("etc/debian_version"),
    )
    .unwrap();
    let os = os_release::read_os_release(root.path()).unwrap();
    assert_eq!(
        (os.version.as_str(), os.distro_codename.as_deref()),
        ("13", Some("trixie"))
    );
}

#[test]
fn os_release_debian_13_root() {
    let Some(root) = shared("linux-roots/debian-13") else {
        return;
    };
    let os = os_release::read_os_release(&root).unwrap();
    assert_eq!(os.name, "Debian GNU/Linux 13 (trixie)");
    assert_eq!(os.version, "13");
    assert_eq!(os.distro_id.as_deref(), Some("debian"));
    assert_eq!(os.distro_codename.as_deref(), Some("trixie"));
}

// ---------------------------------------------------------------------------------------------
// dpkg
// ---------------------------------------------------------------------------------------------

fn dpkg_fixture(name: &str) -> (Vec<Software>, Vec<sunset_catalog::inventory::Warning>) {
    dpkg::read_status_file(&data(&format!("dpkg/{name}/status")))
}

#[test]
fn dpkg_ubuntu_18_04() {
    let (software, warnings) = dpkg_fixture("ubuntu-18.04-trivy");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(software.len(), 90);
    assert!(
        software.iter().all(|s| s.name != "git"),
        "git is deinstall ok config-files"
    );
    let expect = [
        ("fdisk", "2.31.1-0.4ubuntu3.1", "amd64"),
        ("libpam-runtime", "1.1.8-3.6ubuntu2", "all"),
        ("libncurses5", "6.1-1ubuntu1.18.04", "amd64"),
        ("libcom-err2", "1.44.1-1", "amd64"),
        ("libapt-pkg5.0", "1.6.3ubuntu0.1", "amd64"),
        ("adduser", "3.116ubuntu1", "all"),
        ("apt", "1.6.3ubuntu0.1", "amd64"),
        ("passwd", "1:4.5-1ubuntu1", "amd64"),
    ];
    for (name, version, arch) in expect {
        let entry = find(&software, name);
        assert_eq!(entry.version.as_deref(), Some(version), "{name}");
        assert_eq!(entry.architecture.as_deref(), Some(arch), "{name}");
        assert_eq!(entry.source, Source::Dpkg);
        assert_eq!(entry.publisher, None, "Maintainer is not the publisher");
        assert_eq!(
            entry.key,
            Software::identity_key(name, Some(version), Some(arch))
        );
    }
}

#[test]
fn dpkg_small_fixtures() {
    let (software, warnings) = dpkg_fixture("debian-10-postgresql-claircore");
    assert!(warnings.is_empty(), "{warnings:?}");
    let got: Vec<(&str, Option<&str>)> = software
        .iter()
        .map(|s| (s.name.as_str(), s.version.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("postgresql-client", Some("11+200+deb10u5")),
            ("postgresql-client-11", Some("11.22-0+deb10u2")),
            ("postgresql-client-common", Some("200+deb10u5")),
        ]
    );
    assert_eq!(
        find(&software, "postgresql-client").architecture.as_deref(),
        Some("all")
    );

    let (software, warnings) = dpkg_fixture("status-field-edge-scalibr");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(software.len(), 1);
    assert_eq!(
        version_of(&software, "wantinstall_installed").as_deref(),
        Some("1.0")
    );

    let (software, _) = dpkg_fixture("deinstall-syft");
    assert_eq!(software.len(), 1);
    assert_eq!(
        version_of(&software, "linux-image-6.14.0-1012-aws").as_deref(),
        Some("6.14.0-1012.12~24.04.1")
    );

    let (software, warnings) = dpkg_fixture("trailingnewlines-scalibr");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(software.len(), 1);
    assert_eq!(
        (
            software[0].name.as_str(),
            software[0].version.as_deref(),
            software[0].architecture.as_deref()
        ),
        ("acl", Some("2.3.1-3"), Some("amd64"))
    );

    let (software, warnings) = dpkg_fixture("debian-10-keyring-claircore");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(software.len(), 1);
    assert_eq!(
        version_of(&software, "debian-archive-keyring").as_deref(),
        Some("2019.1")
    );
}

#[test]
fn dpkg_multiple_counts_only_installed_and_reports_the_nameless_stanza() {
    let (software, warnings) = dpkg_fixture("multiple-syft");
    let names: Vec<&str> = software.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["tzdata", "util-linux"]);
    assert_eq!(
        version_of(&software, "tzdata").as_deref(),
        Some("2020a-0+deb10u1")
    );
    assert_eq!(
        version_of(&software, "util-linux").as_deref(),
        Some("2.33.1-0.1")
    );
    // The stanza `Package:` with an empty name is damaged; `no-version` has no Status: not installed.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("no package name"));
}

/// Decision: an installed package without a Version is kept with an unknown version, and warned
/// about (scalibr's upstream test skips it and expects 2).
#[test]
fn dpkg_noversion_keeps_the_package_with_unknown_version() {
    let (software, warnings) = dpkg_fixture("noversion-scalibr");
    let got: Vec<(&str, Option<&str>)> = software
        .iter()
        .map(|s| (s.name.as_str(), s.version.as_deref()))
        .collect();
    assert_eq!(
        got,
        [("foo", Some("1.0")), ("acl", None), ("bar", Some("2.0"))]
    );
    assert_eq!(find(&software, "acl").key, "acl||amd64");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("acl") && warnings[0].message.contains("no Version"));
}

#[test]
fn dpkg_corrupt_gives_no_packages_and_a_warning() {
    let (software, warnings) = dpkg_fixture("EDGE-corrupt-syft");
    assert!(software.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].source, "dpkg");
    assert!(
        warnings[0].message.contains("malformed line(s) 5"),
        "{warnings:?}"
    );
    assert!(
        warnings[0].message.contains("no package name"),
        "{warnings:?}"
    );
}

#[test]
fn dpkg_absent_status_is_silent() {
    let root = tempfile::tempdir().unwrap();
    assert_eq!(dpkg::read_status(root.path()), (Vec::new(), Vec::new()));
}

/// `dpkg-query` over a given admin dir: name → (version, architecture) of `ii `/`hi ` packages.
fn dpkg_query(admindir: Option<&Path>) -> Option<BTreeMap<(String, String), String>> {
    let mut command = Command::new("dpkg-query");
    if let Some(dir) = admindir {
        command.arg(format!("--admindir={}", dir.display()));
    }
    let output = command
        .args([
            "-W",
            "-f=${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n",
        ])
        .output()
        .ok()?;
    assert!(output.status.success(), "dpkg-query failed");
    let mut out = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [name, version, arch, status] = fields.as_slice()
            && (*status == "ii " || *status == "hi ")
        {
            out.insert((name.to_string(), arch.to_string()), version.to_string());
        }
    }
    Some(out)
}

fn as_map(software: &[Software]) -> BTreeMap<(String, String), String> {
    software
        .iter()
        .map(|s| {
            (
                (s.name.clone(), s.architecture.clone().unwrap_or_default()),
                s.version.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn dpkg_debian_13_root_matches_expected() {
    let Some(root) = shared("linux-roots/debian-13") else {
        return;
    };
    let (software, warnings) = dpkg::read_status(&root);
    assert!(warnings.is_empty(), "{warnings:?}");
    let expected_text = read_text(&root.join("EXPECTED.txt"));
    let expected_count: usize = expected_text
        .lines()
        .find_map(|l| l.strip_prefix("installed packages ("))
        .and_then(|l| l.rsplit(": ").next())
        .and_then(|n| n.trim().parse().ok())
        .expect("EXPECTED.txt states the count");
    assert_eq!(expected_count, 78);
    assert_eq!(software.len(), expected_count);
    for (name, version) in [
        ("apt", "3.0.3"),
        ("base-files", "13.8+deb13u7"),
        ("base-passwd", "3.6.7"),
        ("bash", "5.2.37-2+b10"),
        ("bsdutils", "1:2.41.5-0+deb13u1"),
    ] {
        assert_eq!(
            version_of(&software, name).as_deref(),
            Some(version),
            "{name}"
        );
    }
    match dpkg_query(Some(&root.join("var/lib/dpkg"))) {
        Some(expected) => assert_eq!(
            as_map(&software),
            expected,
            "names, versions, architectures"
        ),
        None => eprintln!("skipped comparison: dpkg-query not installed"),
    }
}

#[test]
fn dpkg_this_machine_matches_dpkg_query() {
    let status = Path::new("/var/lib/dpkg/status");
    if !status.is_file() || !have("dpkg-query") {
        eprintln!("skipped: this machine has no dpkg");
        return;
    }
    let (software, warnings) = dpkg::read_status(Path::new("/"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let expected = dpkg_query(None).unwrap();
    assert_eq!(software.len(), expected.len());
    assert_eq!(as_map(&software), expected);
}

// ---------------------------------------------------------------------------------------------
// rpm
// ---------------------------------------------------------------------------------------------

/// `rpm --dbpath <copy> -qa` → sorted `name|evr|arch|vendor` lines, or `None` without rpm.
fn rpm_tool_listing(db_file: &Path) -> Option<Vec<String>> {
    if !have("rpm") {
        eprintln!("skipped comparison: rpm not installed");
        return None;
    }
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
    Some(lines)
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

    if let Some(expected) = rpm_tool_listing(&db) {
        assert_eq!(listing(&software), expected);
    }
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

// ---------------------------------------------------------------------------------------------
// macOS
// ---------------------------------------------------------------------------------------------

#[test]
fn macos_system_version_plists() {
    let Some(dir) = shared("macos/SystemVersion") else {
        return;
    };
    let table = [
        (
            "macOS-12.3-21E5227a__SystemVersion.plist",
            "macOS",
            "12.3",
            "21E5227a",
        ),
        (
            "MacOSX-10.6.8-10K549__sdk-phracker__SystemVersion.plist",
            "Mac OS X",
            "10.6.8",
            "10K549",
        ),
        (
            "macOS-11.3-20E214__sdk-phracker__SystemVersion.plist",
            "macOS",
            "11.3",
            "20E214",
        ),
        (
            "MacOSX-10.15.1-19B89__sdk-alexey-lysiuk__SystemVersion.plist",
            "Mac OS X",
            "10.15.1",
            "19B89",
        ),
    ];
    assert_eq!(file_names(&dir).len(), table.len());
    for (file, name, version, build) in table {
        let os = macos_plist::parse_system_version(&fs::read(dir.join(file)).unwrap()).unwrap();
        assert_eq!(os.family, Some(OsFamily::Macos), "{file}");
        assert_eq!(
            (os.name.as_str(), os.version.as_str()),
            (name, version),
            "{file}"
        );
        assert_eq!(os.build.as_deref(), Some(build), "{file}");
    }
    // Through a root folder.
    let root = tempfile::tempdir().unwrap();
    let target = root
        .path()
        .join("System/Library/CoreServices/SystemVersion.plist");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    fs::copy(dir.join(table[0].0), &target).unwrap();
    assert_eq!(
        macos_plist::read_system_version(root.path())
            .unwrap()
            .version,
        "12.3"
    );
    assert!(macos_plist::read_system_version(tempfile::tempdir().unwrap().path()).is_err());
}

#[test]
fn macos_app_info_plists() {
    let app = |file: &str, bundle: &str| {
        macos_plist::parse_info_plist(
            &fs::read(data(&format!("macos/apps/{file}"))).unwrap(),
            bundle,
        )
        .unwrap()
    };
    let slack = app(
        "Slack.app__Contents__Info.plist__syft",
        "/Applications/Slack.app",
    );
    assert_eq!(slack.name, "Slack");
    assert_eq!(slack.version.as_deref(), Some("4.50.128"));
    assert_eq!(
        slack.identifier.as_deref(),
        Some("com.tinyspeck.slackmacgap")
    );
    assert_eq!(
        slack.install_location.as_deref(),
        Some("/Applications/Slack.app")
    );
    assert_eq!(slack.source, Source::MacosApp);
    assert_eq!(slack.key, "slack|4.50.128|");

    let ghostty = app(
        "Ghostty.app__Contents__Info.plist__syft",
        "/Applications/Ghostty.app",
    );
    assert_eq!(ghostty.name, "Ghostty");
    assert_eq!(ghostty.version.as_deref(), Some("1.3.1"));
    assert_eq!(ghostty.identifier.as_deref(), Some("com.mitchellh.ghostty"));

    let binary = app(
        "gMacInformation.app__Info.plist__binary__scalibr",
        "/Applications/gMacInformation.app",
    );
    assert_eq!(binary.name, "gMacInformation");
    assert_eq!(binary.version.as_deref(), Some("202410231131"));
    assert_eq!(
        binary.identifier.as_deref(),
        Some("com.google.corp.gMacInformation")
    );

    // Decision: no CFBundleShortVersionString → unknown version, not the build number 6723.69.
    let chrome = app(
        "Chrome-no-CFBundleShortVersionString__Info.plist__scalibr",
        "/Applications/Google Chrome.app",
    );
    assert_eq!(chrome.name, "Chrome");
    assert_eq!(chrome.version, None);
    assert_eq!(chrome.identifier.as_deref(), Some("com.google.Chrome"));
}

#[test]
fn macos_application_walker() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let slack = fs::read(data("macos/apps/Slack.app__Contents__Info.plist__syft")).unwrap();
    let ghostty = fs::read(data("macos/apps/Ghostty.app__Contents__Info.plist__syft")).unwrap();
    let binary = fs::read(data(
        "macos/apps/gMacInformation.app__Info.plist__binary__scalibr",
    ))
    .unwrap();
    write(
        &r.join("Applications/Slack.app/Contents/Info.plist"),
        &slack,
    );
    write(
        &r.join("Applications/Utilities/Ghostty.app/Contents/Info.plist"),
        &ghostty,
    );
    write(
        &r.join("System/Applications/gMac.app/Contents/Info.plist"),
        &binary,
    );
    write(
        &r.join("Users/alice/Applications/Mine.app/Contents/Info.plist"),
        &slack,
    );
    // Too deep, inside another bundle, without Info.plist, or damaged.
    write(
        &r.join("Applications/a/b/Deep.app/Contents/Info.plist"),
        &slack,
    );
    write(
        &r.join("Applications/Slack.app/Contents/Frameworks/Helper.app/Contents/Info.plist"),
        &slack,
    );
    fs::create_dir_all(r.join("Applications/Empty.app")).unwrap();
    write(
        &r.join("Applications/Broken.app/Contents/Info.plist"),
        b"<plist><dict><key>",
    );

    let (software, warnings) = macos_plist::read_applications(r);
    let locations: Vec<&str> = software
        .iter()
        .map(|s| s.install_location.as_deref().unwrap())
        .collect();
    assert_eq!(
        locations,
        [
            "/Applications/Slack.app",
            "/Applications/Utilities/Ghostty.app",
            "/System/Applications/gMac.app",
            "/Users/alice/Applications/Mine.app",
        ]
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.starts_with("/Applications/Broken.app"));

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        macos_plist::read_applications(empty.path()),
        (Vec::new(), Vec::new())
    );
}

// ---------------------------------------------------------------------------------------------
// Flatpak and Snap
// ---------------------------------------------------------------------------------------------

#[test]
fn flatpak_apps_and_runtimes() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let app = r.join("var/lib/flatpak/app/org.gimp.GIMP/x86_64/stable/active");
    write(
        &app.join("metadata"),
        "[Application]\nname=org.gimp.GIMP\nruntime=org.gnome.Platform/x86_64/45\n",
    );
    write(
        &app.join("files/share/metainfo/org.gimp.GIMP.metainfo.xml"),
        r#"<?xml version="1.0"?><component type="desktop-application"><id>org.gimp.GIMP</id>
        <releases><release version="2.10.36" date="2023-11-07"/><release version="2.10.34"/></releases>
        </component>"#,
    );
    let runtime = r.join("var/lib/flatpak/runtime/org.gnome.Platform/x86_64/45/active");
    write(
        &runtime.join("metadata"),
        "[Runtime]\nname=org.gnome.Platform\n",
    );
    let no_version = r.join("var/lib/flatpak/app/org.example.Bare/aarch64/beta/active");
    write(
        &no_version.join("metadata"),
        "[Application]\nname=org.example.Bare\n",
    );
    // An undeployed branch (no active/metadata) is skipped.
    fs::create_dir_all(r.join("var/lib/flatpak/app/org.example.Gone/x86_64/stable")).unwrap();

    let (software, warnings) = flatpak::read_installed(r);
    assert!(warnings.is_empty(), "{warnings:?}");
    let got: Vec<(&str, Option<&str>, Option<&str>)> = software
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.version.as_deref(),
                s.architecture.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("org.example.Bare", None, Some("aarch64")),
            ("org.gimp.GIMP", Some("2.10.36"), Some("x86_64")),
            ("org.gnome.Platform", Some("45"), Some("x86_64")),
        ]
    );
    let gimp = find(&software, "org.gimp.GIMP");
    assert_eq!(gimp.source, Source::Flatpak);
    assert_eq!(gimp.identifier.as_deref(), Some("org.gimp.GIMP"));
    assert_eq!(
        gimp.install_location.as_deref(),
        Some("/var/lib/flatpak/app/org.gimp.GIMP/x86_64/stable")
    );

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        flatpak::read_installed(empty.path()),
        (Vec::new(), Vec::new())
    );
}

#[test]
fn snap_mounted_and_unmounted() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    write(
        &r.join("snap/firefox/current/meta/snap.yaml"),
        "name: firefox\nversion: 128.0.3-1\nsummary: Mozilla Firefox web browser\n",
    );
    write(&r.join("snap/README"), "not a snap");
    fs::create_dir_all(r.join("snap/bin")).unwrap();
    for file in ["firefox_4650.snap", "core22_1380.snap", "core22_1439.snap"] {
        write(&r.join("var/lib/snapd/snaps").join(file), b"hsqs");
    }
    fs::create_dir_all(r.join("var/lib/snapd/snaps/partial")).unwrap();

    let (software, warnings) = snap::read_installed(r);
    assert!(warnings.is_empty(), "{warnings:?}");
    let got: Vec<(&str, Option<&str>)> = software
        .iter()
        .map(|s| (s.name.as_str(), s.version.as_deref()))
        .collect();
    assert_eq!(got, [("core22", None), ("firefox", Some("128.0.3-1"))]);
    assert_eq!(
        find(&software, "firefox").install_location.as_deref(),
        Some("/snap/firefox/current")
    );
    assert_eq!(find(&software, "firefox").source, Source::Snap);

    let empty = tempfile::tempdir().unwrap();
    assert_eq!(snap::read_installed(empty.path()), (Vec::new(), Vec::new()));
}

// ---------------------------------------------------------------------------------------------
// Property tests: no input makes a parser panic
// ---------------------------------------------------------------------------------------------

/// A header blob built from the tags the agent reads plus an unrelated string array (the real
/// SQLite rpmdb fixtures stay in `../shared`, so the property tests build their own).
fn sample_header() -> Vec<u8> {
    let entries: [(u32, u32, &[u8]); 6] = [
        (100, 8, b"C\0fr\0"),
        (1000, 6, b"bash\0"),
        (1001, 6, b"5.1.8\0"),
        (1002, 6, b"1.cm2\0"),
        (1003, 4, &[0, 0, 0, 1]),
        (1022, 6, b"x86_64\0"),
    ];
    let mut index = Vec::new();
    let mut store = Vec::new();
    for (tag, kind, payload) in entries {
        index.extend_from_slice(&tag.to_be_bytes());
        index.extend_from_slice(&kind.to_be_bytes());
        index.extend_from_slice(&(store.len() as u32).to_be_bytes());
        index.extend_from_slice(&1u32.to_be_bytes());
        store.extend_from_slice(payload);
    }
    let mut blob = (entries.len() as u32).to_be_bytes().to_vec();
    blob.extend_from_slice(&(store.len() as u32).to_be_bytes());
    blob.extend(index);
    blob.extend(store);
    blob
}

#[test]
fn sample_header_parses() {
    let package = rpm::parse_header(&sample_header()).unwrap();
    assert_eq!(package.evr().as_deref(), Some("1:5.1.8-1.cm2"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn os_release_never_panics(text in ".*", bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = os_release::parse_os_release(&text);
        let _ = os_release::parse_os_release(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn os_release_shell_like_input_never_panics(text in r#"([A-Z_]{0,4}=?["'\\]?[a-z #\\"']{0,6}\n?){0,12}"#) {
        let fields = os_release::parse_assignments(&text);
        for key in fields.keys() {
            prop_assert!(!key.is_empty());
        }
    }

    #[test]
    fn dpkg_never_panics(text in r"((Package|Status|Version|Architecture|X)?:? ?[a-z0-9 .:]{0,10}\r?\n?){0,30}") {
        let (software, _) = dpkg::parse_status(&text);
        for entry in software {
            prop_assert!(!entry.name.is_empty());
        }
    }

    #[test]
    fn dpkg_truncated_real_file_never_panics(cut in 0usize..88_000) {
        let bytes = fs::read(data("dpkg/ubuntu-18.04-trivy/status")).unwrap();
        let cut = cut.min(bytes.len());
        let (software, _) = dpkg::parse_status(&String::from_utf8_lossy(&bytes[..cut]));
        prop_assert!(software.len() <= 90);
    }

    #[test]
    fn rpm_header_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = rpm::parse_header(&bytes);
    }

    #[test]
    fn rpm_header_mutations_never_panic(
        cut in 0usize..200,
        flips in proptest::collection::vec((0usize..200, any::<u8>()), 0..6),
    ) {
        let mut blob = sample_header();
        for (at, byte) in flips {
            let len = blob.len();
            blob[at % len] = byte;
        }
        blob.truncate(cut);
        let _ = rpm::parse_header(&blob);
    }

    #[test]
    fn ndb_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut with_magic = b"RpmP\0\0\0\0\0\0\0\0\x01\0\0\0".to_vec();
        with_magic.extend(&bytes);
        let _ = rpm::parse_ndb(std::io::Cursor::new(bytes));
        let _ = rpm::parse_ndb(std::io::Cursor::new(with_magic));
    }

    #[test]
    fn plist_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = macos_plist::parse_info_plist(&bytes, "/Applications/X.app");
        let _ = macos_plist::parse_system_version(&bytes);
        let mut binary = b"bplist00".to_vec();
        binary.extend(&bytes);
        let _ = macos_plist::parse_info_plist(&binary, "/Applications/X.app");
    }

    #[test]
    fn plist_truncated_and_flipped_real_files_never_panic(
        which in 0usize..4,
        cut in 0usize..12_000,
        flip in (0usize..12_000, any::<u8>()),
    ) {
        let files = [
            "Slack.app__Contents__Info.plist__syft",
            "Ghostty.app__Contents__Info.plist__syft",
            "gMacInformation.app__Info.plist__binary__scalibr",
            "Chrome-no-CFBundleShortVersionString__Info.plist__scalibr",
        ];
        let mut bytes = fs::read(data(&format!("macos/apps/{}", files[which]))).unwrap();
        let len = bytes.len();
        bytes[flip.0 % len] = flip.1;
        bytes.truncate(cut.min(len));
        let _ = macos_plist::parse_info_plist(&bytes, "/Applications/X.app");
    }

    #[test]
    fn flatpak_and_snap_text_never_panic(text in ".*") {
        let _ = flatpak::parse_metadata(&text);
        let _ = flatpak::parse_appstream_version(&text);
        let _ = snap::parse_snap_yaml(&text);
        let _ = snap::parse_snap_file_name(&text);
    }
}

/// The dpkg fixtures are distributions' packages (Debian 10, Ubuntu 18.04, scanner test suites):
/// every one records the distribution as its origin, none a vendor.
#[test]
fn dpkg_fixture_packages_are_the_distribution_s() {
    for name in [
        "ubuntu-18.04-trivy",
        "debian-10-postgresql-claircore",
        "debian-10-keyring-claircore",
        "trailingnewlines-scalibr",
        "noversion-scalibr",
        "multiple-syft",
        "deinstall-syft",
    ] {
        let (software, _) = dpkg_fixture(name);
        assert!(!software.is_empty(), "{name}");
        for entry in &software {
            assert!(entry.is_distribution_package(), "{name}: {entry:?}");
            assert_eq!(
                entry.origin,
                Some(sunset_catalog::inventory::Origin::distribution())
            );
        }
    }
}

/// apt's lists under a root: a vendor's list found plain or gzip-compressed; one in a compression
/// the agent does not read is a warning, and the package keeps dpkg's own evidence.
#[test]
fn apt_vendor_lists_plain_gzip_and_unread() {
    use std::io::Write;

    use sunset_catalog::inventory::{OriginField, OriginKind};

    let source = data("vendor/debian-12-nodesource");
    let copy = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(source.join("."))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let lists = copy.path().join("var/lib/apt/lists");
    let plain =
        lists.join("deb.nodesource.com_node%5f20.x_dists_nodistro_main_binary-amd64_Packages");
    let origin_of_nodejs = || {
        let (software, warnings) = dpkg::read_status(copy.path());
        let node = software.into_iter().find(|s| s.name == "nodejs").unwrap();
        (node.origin.unwrap(), warnings)
    };
    let (origin, warnings) = origin_of_nodejs();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(origin.evidence[0].field, OriginField::AptOrigin);

    let bytes = fs::read(&plain).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).unwrap();
    fs::remove_file(&plain).unwrap();
    let gz_path =
        lists.join("deb.nodesource.com_node%5f20.x_dists_nodistro_main_binary-amd64_Packages.gz");
    fs::write(&gz_path, gz.finish().unwrap()).unwrap();
    let (origin, warnings) = origin_of_nodejs();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(origin.evidence[0].field, OriginField::AptOrigin);

    fs::rename(
        &gz_path,
        lists.join("deb.nodesource.com_node%5f20.x_dists_nodistro_main_binary-amd64_Packages.lz4"),
    )
    .unwrap();
    let (origin, warnings) = origin_of_nodejs();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("1 vendor package list(s)"),
        "{warnings:?}"
    );
    // dpkg's own record still shows NodeSource.
    assert_eq!(origin.kind, OriginKind::Vendor);
    assert_eq!(origin.evidence[0].field, OriginField::VersionMark);
}
