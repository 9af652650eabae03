//! os-release: every fixture file against the table from PROVENANCE.md, the EDGE cases, root
//! selection and the Debian fallback.

use std::fs;

use sunset_agent::parse::os_release;
use sunset_catalog::inventory::OsFamily;

use crate::util::{data, file_names, read_text, shared, write};

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
