//! Ubuntu Pro cover from the client's files, read under a root: the real `pro status` output of an
//! attached Ubuntu 24.04 machine (`tests/data/ubuntu-pro`, see its README), and — where no real file
//! under a usable licence exists — files built from the shape the Pro client writes, said so where
//! they are used. `now` is fixed.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sunset_agent::parse::ubuntu_pro::{self, parse_status, read_cover};
use sunset_catalog::inventory::{Cover, CoverState};

const DATA: &str = "var/lib/ubuntu-advantage";

fn now() -> DateTime<Utc> {
    "2026-12-03T01:30:00Z".parse().unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ubuntu-pro")
        .join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A root with these files (paths relative to it).
fn root(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, bytes) in files {
        let path: PathBuf = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    dir
}

fn states(cover: &[Cover]) -> Vec<(&str, CoverState)> {
    cover
        .iter()
        .map(|c| (c.program.as_str(), c.state))
        .collect()
}

/// A non-empty machine token, as attach writes it (constructed: the shape from the shared README).
const TOKEN: &str = r#"{"machineTokenInfo": {"machineId": "m", "contractInfo": {"id": "c",
    "effectiveTo": "9999-12-31T00:00:00+00:00", "resourceEntitlements": [
    {"type": "esm-infra", "entitled": true}, {"type": "esm-apps", "entitled": true},
    {"type": "livepatch", "entitled": false}]}}}"#;

#[test]
fn the_real_attached_status_parses() {
    let status = parse_status(&fixture("pro-status-attached__halite.json")).unwrap();
    assert!(status.attached);
    let names: Vec<&str> = status.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "esm-apps",
            "esm-infra",
            "livepatch",
            "realtime-kernel",
            "usg"
        ]
    );
    assert_eq!(status.services[1].status.as_deref(), Some("enabled"));
    assert_eq!(
        status.expires.as_ref().and_then(|v| v.as_str()),
        Some("9999-12-31T00:00:00+00:00")
    );
}

#[test]
fn attached_with_esm_enabled_is_cover() {
    let status = fixture("pro-status-attached__halite.json");
    let dir = root(&[
        (&format!("{DATA}/status.json"), &status),
        (&format!("{DATA}/machine-token.json"), TOKEN.as_bytes()),
    ]);
    let (cover, warnings) = read_cover(dir.path(), now());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        states(&cover),
        [
            ("ubuntu-pro-esm-infra", CoverState::Licensed),
            ("ubuntu-pro-esm-apps", CoverState::Licensed)
        ]
    );
    assert_eq!(
        cover[0].evidence.as_deref(),
        Some("/var/lib/ubuntu-advantage/status.json: esm-infra enabled")
    );
    assert!(cover.iter().all(|c| c.year.is_none()));
}

#[test]
fn not_attached_is_no_cover() {
    // Constructed from the shape the client writes on an unattached machine: services without
    // `entitled`/`status`, the em dash for "not entitled" written as \u2014.
    let unattached = br#"{"_schema_version": "0.1", "version": "37.2ubuntu~24.04.1", "attached": false,
        "machine_id": null, "effective": null, "expires": null, "origin": null, "contract": {"id": "",
        "name": "", "products": []}, "account": {"name": "", "id": ""}, "services": [{"name": "esm-infra",
        "description": "Expanded Security Maintenance for Infrastructure", "available": "yes"},
        {"name": "esm-apps", "description": "x", "available": "yes"}]}"#;
    let dir = root(&[(&format!("{DATA}/status.json"), unattached)]);
    let (cover, warnings) = read_cover(dir.path(), now());
    assert!(warnings.is_empty());
    assert_eq!(
        states(&cover),
        [
            ("ubuntu-pro-esm-infra", CoverState::NotLicensed),
            ("ubuntu-pro-esm-apps", CoverState::NotLicensed)
        ]
    );
    assert!(
        cover[0]
            .evidence
            .as_deref()
            .unwrap()
            .contains("not attached")
    );

    // No client files at all: not attached either.
    let empty = root(&[("etc/os-release", b"ID=ubuntu\n")]);
    let (cover, _) = read_cover(empty.path(), now());
    assert!(cover.iter().all(|c| c.state == CoverState::NotLicensed));
}

#[test]
fn service_states_and_a_lapsed_contract() {
    let text = String::from_utf8(fixture("pro-status-attached__halite.json")).unwrap();
    let disabled = text.replacen("\"status\": \"enabled\"", "\"status\": \"disabled\"", 1);
    let status = parse_status(disabled.as_bytes()).unwrap();
    let cover = ubuntu_pro::from_status(&status, true, "status.json", now());
    // The first service in the file is esm-apps.
    assert_eq!(
        states(&cover),
        [
            ("ubuntu-pro-esm-infra", CoverState::Licensed),
            ("ubuntu-pro-esm-apps", CoverState::NotLicensed)
        ]
    );
    let warning = text.replacen("\"status\": \"enabled\"", "\"status\": \"warning\"", 1);
    let cover =
        ubuntu_pro::from_status(&parse_status(warning.as_bytes()).unwrap(), true, "s", now());
    assert_eq!(cover[1].state, CoverState::NotCollected);

    // Expired more than 14 days ago: the client no longer serves ESM.
    let lapsed = text.replace("9999-12-31T00:00:00+00:00", "2026-11-01T00:00:00+00:00");
    let cover =
        ubuntu_pro::from_status(&parse_status(lapsed.as_bytes()).unwrap(), true, "s", now());
    assert!(cover.iter().all(|c| c.state == CoverState::NotLicensed));
    assert!(
        cover[0]
            .evidence
            .as_deref()
            .unwrap()
            .contains("expired on 2026-11-01")
    );
    // Inside the grace period: still cover.
    let grace = text.replace("9999-12-31T00:00:00+00:00", "2026-11-25T00:00:00+00:00");
    let cover = ubuntu_pro::from_status(&parse_status(grace.as_bytes()).unwrap(), true, "s", now());
    assert_eq!(cover[0].state, CoverState::Licensed);
}

#[test]
fn a_stale_attached_status_without_a_token_is_detached() {
    let status = fixture("pro-status-attached__halite.json");
    let dir = root(&[(&format!("{DATA}/status.json"), &status)]);
    let (cover, _) = read_cover(dir.path(), now());
    assert!(cover.iter().all(|c| c.state == CoverState::NotLicensed));
    assert!(
        cover[0]
            .evidence
            .as_deref()
            .unwrap()
            .contains("detached since")
    );
}

#[test]
fn a_token_without_status_uses_the_entitlement_and_the_apt_source() {
    let dir = root(&[
        (&format!("{DATA}/machine-token.json"), TOKEN.as_bytes()),
        (
            "etc/apt/sources.list.d/ubuntu-esm-infra.sources",
            b"Types: deb\nURIs: https://esm.ubuntu.com/infra/ubuntu\n",
        ),
    ]);
    let (cover, _) = read_cover(dir.path(), now());
    assert_eq!(
        states(&cover),
        [
            ("ubuntu-pro-esm-infra", CoverState::Licensed),
            ("ubuntu-pro-esm-apps", CoverState::NotLicensed)
        ]
    );
    assert!(
        cover[1]
            .evidence
            .as_deref()
            .unwrap()
            .contains("no APT source")
    );
    // An empty token is the client's "not attached".
    let dir = root(&[(&format!("{DATA}/machine-token.json"), b"{}")]);
    let (cover, _) = read_cover(dir.path(), now());
    assert!(cover.iter().all(|c| c.state == CoverState::NotLicensed));
}

#[test]
fn damaged_or_foreign_files_are_not_collected_with_a_warning() {
    // The `pro api … is_attached` answer is not a status file: refused, never "not attached".
    for name in [
        "pro-api-is_attached-attached__halite.json",
        "pro-api-is_attached-unattached__halite.json",
    ] {
        let dir = root(&[(&format!("{DATA}/status.json"), &fixture(name))]);
        let (cover, warnings) = read_cover(dir.path(), now());
        assert!(
            cover.iter().all(|c| c.state == CoverState::NotCollected),
            "{name}"
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].message.contains("status.json"),
            "{}",
            warnings[0].message
        );
    }
    let dir = root(&[(&format!("{DATA}/status.json"), b"{\"attached\": tru")]);
    let (cover, warnings) = read_cover(dir.path(), now());
    assert!(cover.iter().all(|c| c.state == CoverState::NotCollected));
    assert_eq!(warnings[0].source, "ubuntu-pro");
}

#[test]
fn the_data_dir_follows_uaclient_conf() {
    let status = fixture("pro-status-attached__halite.json");
    let dir = root(&[
        (
            "etc/ubuntu-advantage/uaclient.conf",
            b"contract_url: https://contracts.canonical.com\ndata_dir: /srv/ua\nlog_level: debug\n",
        ),
        ("srv/ua/status.json", &status),
        ("srv/ua/private/machine-token.json", TOKEN.as_bytes()),
    ]);
    let (cover, _) = read_cover(dir.path(), now());
    assert!(cover.iter().all(|c| c.state == CoverState::Licensed));
    assert_eq!(
        cover[0].evidence.as_deref(),
        Some("/srv/ua/status.json: esm-infra enabled")
    );
}

/// Through the whole Linux collector: only Ubuntu is asked.
#[test]
fn the_linux_collector_reads_pro_on_ubuntu_only() {
    let status = fixture("pro-status-attached__halite.json");
    let ubuntu = root(&[
        (
            "etc/os-release",
            b"ID=ubuntu\nVERSION_ID=\"24.04\"\nNAME=\"Ubuntu\"\n",
        ),
        (&format!("{DATA}/status.json"), &status),
        (&format!("{DATA}/machine-token.json"), TOKEN.as_bytes()),
        ("etc/machine-id", b"3d1219c7c4c5404aaa1f6d2a48adfda4\n"),
    ]);
    let collected = sunset_agent::inventory::linux_root::collect(ubuntu.path());
    assert_eq!(collected.cover.len(), 2);
    assert_eq!(
        collected.os.machine_id.known().map(String::as_str),
        Some("3d1219c7c4c5404aaa1f6d2a48adfda4")
    );
    let debian = root(&[
        ("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"),
        (&format!("{DATA}/status.json"), &status),
    ]);
    assert!(
        sunset_agent::inventory::linux_root::collect(debian.path())
            .cover
            .is_empty()
    );
}
