//! dpkg: every status fixture, the Debian 13 root, this machine's own database (against
//! `dpkg-query`), and the packages' origin: the distribution's, or a vendor's from apt's lists.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;

use sunset_agent::parse::dpkg;
use sunset_catalog::inventory::{Software, Source};

use crate::util::{data, find, have, read_text, shared, version_of};

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
    let expected = dpkg_query(Some(&root.join("var/lib/dpkg")))
        .expect("dpkg-query is missing: these tests run on Debian (ci/test.sh)");
    assert_eq!(
        as_map(&software),
        expected,
        "names, versions, architectures"
    );
}

#[test]
fn dpkg_this_machine_matches_dpkg_query() {
    let status = Path::new("/var/lib/dpkg/status");
    assert!(
        status.is_file() && have("dpkg-query"),
        "this machine has no dpkg: these tests run on Debian (ci/test.sh)"
    );
    let (software, warnings) = dpkg::read_status(Path::new("/"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let expected = dpkg_query(None).unwrap();
    assert_eq!(software.len(), expected.len());
    assert_eq!(as_map(&software), expected);
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
