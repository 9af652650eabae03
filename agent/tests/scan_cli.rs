//! End to end: the built `sunset-agent` binary scans directories laid out like a Windows volume, a
//! Debian root and an RHEL-style root, and its JSON is checked against what those files contain.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn agent() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sunset-agent"))
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The shared fixtures ([`common::shared_fixtures`]: absent, the test fails). Always `Some`; an
/// `Option` so that callers written for the old skip need no change.
fn shared() -> Option<PathBuf> {
    Some(common::shared_fixtures())
}

fn scan_json(root: &Path) -> Value {
    let output = agent()
        .args([
            "scan",
            "--format",
            "json",
            "--today",
            "2026-11-25",
            "--root",
        ])
        .arg(root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn software_named<'a>(result: &'a Value, name: &str) -> Vec<&'a Value> {
    result["inventory"]["software"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == name)
        .collect()
}

#[test]
fn debian_13_root_gives_its_78_packages_and_os() {
    let Some(shared) = shared() else { return };
    let result = scan_json(&shared.join("linux-roots/debian-13"));
    let inventory = &result["inventory"];
    assert_eq!(inventory["schema_version"], 1);
    assert_eq!(inventory["os"]["family"], "linux");
    assert_eq!(inventory["os"]["distro_id"], "debian");
    assert_eq!(inventory["os"]["version"], "13");
    assert_eq!(inventory["os"]["distro_codename"], "trixie");
    let software = inventory["software"].as_array().unwrap();
    assert_eq!(software.len(), 78);
    let bash = software_named(&result, "bash");
    assert_eq!(bash[0]["version"], "5.2.37-2+b10");
    assert_eq!(bash[0]["source"]["kind"], "dpkg");
    // Every package of a minimal Debian is the distribution's: the only new field is the origin.
    assert!(
        software
            .iter()
            .all(|s| s["origin"] == serde_json::json!({"kind": "distribution"}))
    );
    // An image has no hardware to read: every fact is "not collected", never guessed.
    assert_eq!(inventory["hardware"]["tpm"]["state"], "not_collected");
    assert_eq!(
        inventory["hardware"]["memory_bytes"]["state"],
        "not_collected"
    );
    // Debian 13 is supported on 2026-11-25.
    let os = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["target"] == "os")
        .unwrap();
    assert_eq!(os["product_id"], "debian");
    assert_eq!(os["cycle"], "13");
    assert_eq!(os["status"], "supported");
    assert!(
        result["catalog_version"]
            .as_str()
            .is_some_and(|v| !v.is_empty())
    );
}

#[test]
fn rhel_style_root_reads_the_sqlite_rpmdb() {
    let Some(shared) = shared() else { return };
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::create_dir_all(root.path().join("var/lib/rpm")).unwrap();
    std::fs::copy(
        shared.join("os-release/rhel-9.0__clair"),
        root.path().join("etc/os-release"),
    )
    .unwrap();
    std::fs::copy(
        shared.join("linux-pkgdb/rpm/cbl-mariner-2.0/rpmdb.sqlite"),
        root.path().join("var/lib/rpm/rpmdb.sqlite"),
    )
    .unwrap();
    let result = scan_json(root.path());
    let inventory = &result["inventory"];
    assert_eq!(inventory["os"]["distro_id"], "rhel");
    assert_eq!(inventory["os"]["version"], "9.0");
    let software = inventory["software"].as_array().unwrap();
    // The CBL-Mariner 2.0 database holds 129 packages (rpm --dbpath agrees; see tests/parsers/rpm.rs).
    assert_eq!(software.len(), 129);
    assert!(software.iter().all(|s| s["source"]["kind"] == "rpm"));
    // All 129 carry the OS's vendor (Microsoft Corporation, Mariner's): all the distribution's.
    assert!(
        software
            .iter()
            .all(|s| s["origin"] == serde_json::json!({"kind": "distribution"}))
    );
    let os = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["target"] == "os")
        .unwrap();
    assert_eq!(
        (os["product_id"].as_str(), os["cycle"].as_str()),
        (Some("rhel"), Some("9"))
    );
}

#[test]
fn windows_volume_gives_machine_and_user_installs_with_sources() {
    let volume = repo().join("agent/tests/data/windows/volume");
    let result = scan_json(&volume);
    let inventory = &result["inventory"];
    assert_eq!(inventory["os"]["family"], "windows");
    assert!(
        inventory["os"]["version"]
            .as_str()
            .unwrap()
            .starts_with("10.0.")
    );
    let sources: Vec<&str> = inventory["software"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"]["kind"].as_str().unwrap())
        .collect();
    assert!(sources.contains(&"hklm-uninstall"), "{sources:?}");
    assert!(sources.contains(&"user-uninstall"), "{sources:?}");
    // Offline: what only a running machine can tell is not collected.
    assert_eq!(inventory["hardware"]["tpm"]["state"], "not_collected");
    assert!(
        result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["target"] == "os")
    );
}

/// The JSON report is plain data that reads back as the typed result: where each finding's dates
/// come from is cited with a plain date (`"retrieved": "2026-11-25"`), never a TOML date's form.
#[test]
fn the_json_report_reads_back_with_plain_dates() {
    let volume = repo().join("agent/tests/data/windows/volume");
    let output = agent()
        .args([
            "scan",
            "--format",
            "json",
            "--today",
            "2026-11-25",
            "--root",
        ])
        .arg(&volume)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains("$__toml"), "{text}");
    let result: sunset_catalog::evaluate::ScanResult = serde_json::from_str(&text).unwrap();
    assert_eq!(
        serde_json::to_value(&result).unwrap(),
        serde_json::from_str::<Value>(&text).unwrap()
    );
    // Windows 11 readiness cites Microsoft's processor list, read on 2026-11-25.
    let readiness = result
        .findings
        .iter()
        .find(|f| f.product_id == "windows11-readiness")
        .unwrap_or_else(|| panic!("no readiness finding in {text}"));
    let source = readiness.date_source.as_ref().unwrap();
    assert_eq!(source.retrieved.unwrap().to_string(), "2026-11-25");
    assert!(text.contains(r#""retrieved": "2026-11-25""#), "{text}");
}

#[test]
fn bad_root_and_inventory_only_and_fail_on() {
    let output = agent()
        .args(["scan", "--root", "/nonexistent/sunset"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a directory"));

    let Some(shared) = shared() else { return };
    let root = shared.join("linux-roots/debian-13");
    let output = agent()
        .args(["scan", "--inventory-only", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    let inventory: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(inventory.get("findings").is_none());
    assert_eq!(inventory["software"].as_array().unwrap().len(), 78);

    // Debian 13 has no unsupported finding in 2026, so --fail-on unsupported passes; in 2031 the
    // OS itself has ended and the exit code says so.
    let run = |today: &str| {
        agent()
            .args([
                "scan",
                "--fail-on",
                "unsupported",
                "--today",
                today,
                "--root",
            ])
            .arg(&root)
            .output()
            .unwrap()
    };
    assert_eq!(run("2026-11-25").status.code(), Some(0));
    let late = run("2031-01-01");
    assert_eq!(late.status.code(), Some(2));
    let table = String::from_utf8_lossy(&late.stdout);
    assert!(table.contains("UNSUPPORTED"), "{table}");
    assert!(!table.contains("\x1b["), "no colour when not a terminal");
}

/// The report names the catalogue's data date, and warns when it is more than 60 days old on the
/// scan's day (the built-in data is from 2026-08-22).
#[test]
fn scan_shows_the_catalogue_date_and_warns_when_it_is_old() {
    let volume = repo().join("agent/tests/data/windows/volume");
    let report = |today: &str| {
        let output = agent()
            .args(["scan", "--today", today, "--root"])
            .arg(&volume)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let fresh = report("2026-09-15");
    let first = fresh.lines().next().unwrap();
    assert!(first.ends_with("(data of 2026-08-22)"), "{first}");
    assert!(!fresh.contains("days old"), "{fresh}");
    let stale = report("2026-12-03");
    assert!(
        stale.contains(
            "warning: the catalogue's data is from 2026-08-22, 103 days old (more than 60)"
        ),
        "{stale}"
    );
    let json = {
        let output = agent()
            .args([
                "scan",
                "--format",
                "json",
                "--today",
                "2026-12-03",
                "--root",
            ])
            .arg(&volume)
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    assert_eq!(
        json["catalog_freshness"],
        serde_json::json!({"date": "2026-08-22", "age_days": 103, "stale": true})
    );
}

/// `scan` reports the state directory's host id (made there on first use, as the service would), so
/// repeated scans and `report` name the machine alike; `--inventory-only` says where it came from.
#[test]
fn scan_keeps_the_state_directorys_host_id() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let config = dir.path().join("agent.toml");
    let text = format!(
        "collector_url = \"https://collector.example.nhs.uk\"\nenroll_token = \"sst_scan_test_0123456789abcdef\"\nstate_dir = {:?}\n",
        state
    );
    std::fs::write(&config, text).unwrap();
    let scan = |extra: &[&std::ffi::OsStr]| {
        let output = agent()
            .arg("--config")
            .arg(&config)
            .args(["scan", "--inventory-only"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    };
    let first = scan(&[]);
    let second = scan(&[]);
    let stored = std::fs::read_to_string(state.join("host-id")).unwrap();
    assert_eq!(first["host"]["host_id"].as_str(), Some(stored.trim()));
    assert_eq!(first["host"]["host_id"], second["host"]["host_id"]);
    assert_ne!(first["host"]["report_id"], second["host"]["report_id"]);
    assert_eq!(
        first["host"]["host_id_source"],
        format!("state directory {} (host-id)", state.display())
    );
    // A mounted disk is another machine: never this machine's id.
    let volume = repo().join("agent/tests/data/windows/volume");
    let other = scan(&[std::ffi::OsStr::new("--root"), volume.as_os_str()]);
    assert_ne!(other["host"]["host_id"], first["host"]["host_id"]);
    assert!(
        other["host"]["host_id_source"]
            .as_str()
            .unwrap()
            .contains("--root reads another machine's disk")
    );
}

/// A scan of `root` on `today`, as JSON and as the text report.
fn scan_on(root: &Path, today: &str) -> (Value, String) {
    let run = |format: &str| {
        let output = agent()
            .args(["scan", "--format", format, "--today", today, "--root"])
            .arg(root)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "scan failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let json = serde_json::from_slice(&run("json")).unwrap();
    let text = String::from_utf8(run("table")).unwrap();
    (json, text)
}

fn findings_for<'a>(result: &'a Value, product: &str) -> Vec<&'a Value> {
    result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["product_id"] == product)
        .collect()
}

/// NodeSource's `nodejs` 20 (a real dpkg stanza) is a vendor's package: judged on Node.js's own
/// dates, it has been out of support since 2026-04-30 (endoflife.date `nodejs`, cycle 20).
#[test]
fn nodesource_nodejs_20_is_unsupported_since_2026_04_30() {
    let root = repo().join("agent/tests/data/vendor/debian-12-nodesource");
    let (result, text) = scan_on(&root, "2026-12-03");
    let node = software_named(&result, "nodejs");
    assert_eq!(node.len(), 1);
    let origin = &node[0]["origin"];
    assert_eq!(origin["kind"], "vendor");
    assert_eq!(origin["vendor"], "deb.nodesource.com");
    // apt's list of the installed version first, then what dpkg itself recorded.
    let fields: Vec<&str> = origin["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "apt-origin",
            "apt-label",
            "apt-list",
            "version-mark",
            "dpkg-maintainer"
        ]
    );
    assert_eq!(origin["evidence"][0]["value"], ". nodistro");
    let node = findings_for(&result, "nodejs");
    assert_eq!(node.len(), 1, "{node:?}");
    assert_eq!(node[0]["cycle"], "20");
    assert_eq!(node[0]["status"], "unsupported");
    assert_eq!(
        node[0]["dates"]["security_support_end"],
        serde_json::json!({"state": "on", "date": "2026-04-30"})
    );
    assert_eq!(node[0]["evidence"]["version"], "20.20.2");
    assert!(
        node[0]["evidence"]["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("a vendor's package, not the distribution's (deb.nodesource.com"),
        "{}",
        node[0]["evidence"]
    );
    // The Debian packages beside it are the distribution's, covered by Debian 12's verdict.
    for name in ["bash", "base-files", "libc6", "ca-certificates"] {
        for entry in software_named(&result, name) {
            assert_eq!(entry["origin"], serde_json::json!({"kind": "distribution"}));
        }
    }
    assert_eq!(
        result["software"],
        serde_json::json!({"total": 6, "judged": 1, "distribution": 5, "unknown": 0})
    );
    assert!(text.contains("UNSUPPORTED"), "{text}");
    assert!(
        text.contains("Node.js 20 — support ended 2026-04-30"),
        "{text}"
    );
    assert!(
        text.contains(
            "6 software entries: 1 judged, 5 distribution packages covered by the OS verdict, \
             0 not in the catalogue (not judged)"
        ),
        "{text}"
    );
}

/// Debian's own `nodejs` 18 (its stanza from Debian's security archive list) is patched by Debian
/// for the life of Debian 12: not judged by Node.js's dates (Node.js 18 ended in 2025), though the
/// list that offers it is read.
#[test]
fn debian_nodejs_is_covered_by_the_os_not_judged_by_upstream_dates() {
    let root = repo().join("agent/tests/data/vendor/debian-12-distribution-nodejs");
    let (result, text) = scan_on(&root, "2026-12-03");
    let node = software_named(&result, "nodejs");
    assert_eq!(node[0]["version"], "18.20.4+dfsg-1~deb12u3");
    assert_eq!(
        node[0]["origin"],
        serde_json::json!({"kind": "distribution"})
    );
    assert!(findings_for(&result, "nodejs").is_empty());
    assert_eq!(findings_for(&result, "debian").len(), 1);
    assert_eq!(
        result["software"],
        serde_json::json!({"total": 7, "judged": 0, "distribution": 7, "unknown": 0})
    );
    assert!(
        text.contains(
            "7 software entries: 0 judged, 7 distribution packages covered by the OS verdict"
        ),
        "{text}"
    );
}

/// An rpm database with a vendor's package: built here with `rpmbuild` (no public rpm database
/// with a vendor package was found), five packages of the OS's vendor — RHEL's own `nodejs` 16
/// among them — and NodeSource's `nodejs` 20, installed into an SQLite database with `rpm
/// --justdb`.
#[test]
#[ignore = "needs rpmbuild and rpm (Debian package rpm)"]
fn rpm_vendor_package_is_judged_and_the_os_vendor_s_are_not() {
    let work = tempfile::tempdir().unwrap();
    let top = work.path().join("rpmbuild");
    let spec = |name: &str, epoch: u32, version: &str, release: &str, vendor: &str| {
        format!(
            "Name: {name}\nEpoch: {epoch}\nVersion: {version}\nRelease: {release}\n\
             Summary: test\nLicense: MIT\nVendor: {vendor}\nBuildArch: noarch\n\
             %description\ntest\n%files\n"
        )
    };
    let packages = [
        spec("bash", 0, "5.1.8", "9.el9", "Red Hat, Inc."),
        spec("glibc", 0, "2.34", "100.el9", "Red Hat, Inc."),
        spec("openssl", 1, "3.0.7", "27.el9", "Red Hat, Inc."),
        spec("python3", 0, "3.9.18", "3.el9", "Red Hat, Inc."),
        spec("nodejs", 1, "16.20.2", "8.el9_4", "Red Hat, Inc."),
        spec("nodejs", 2, "20.19.0", "1nodesource", "NodeSource"),
    ];
    let rpms = work.path().join("rpms");
    for (i, text) in packages.iter().enumerate() {
        let file = work.path().join(format!("p{i}.spec"));
        std::fs::write(&file, text).unwrap();
        let status = Command::new("rpmbuild")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("--define")
            .arg(format!("_rpmdir {}", rpms.display()))
            .args(["--quiet", "-bb"])
            .arg(&file)
            .status()
            .expect("rpmbuild runs");
        assert!(status.success());
    }
    let root = work.path().join("root");
    let db = root.join("var/lib/rpm");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::copy(
        repo().join("agent/tests/data/os-release/rhel-9.0__clair"),
        root.join("etc/os-release"),
    )
    .unwrap();
    let built: Vec<PathBuf> = std::fs::read_dir(rpms.join("noarch"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(built.len(), packages.len());
    let status = Command::new("rpm")
        .arg("--dbpath")
        .arg(&db)
        .args([
            "--define",
            "_db_backend sqlite",
            "-i",
            "--justdb",
            "--nodeps",
        ])
        .args(&built)
        .status()
        .unwrap();
    assert!(status.success());
    assert!(db.join("rpmdb.sqlite").is_file());
    let (result, _) = scan_on(&root, "2026-12-03");
    let bash = software_named(&result, "bash");
    assert_eq!(
        bash[0]["origin"],
        serde_json::json!({"kind": "distribution"})
    );
    let node = software_named(&result, "nodejs");
    assert_eq!(node.len(), 2);
    let (red_hat, vendor) = if node[0]["origin"]["kind"] == "vendor" {
        (node[1], node[0])
    } else {
        (node[0], node[1])
    };
    assert_eq!(
        red_hat["origin"],
        serde_json::json!({"kind": "distribution"})
    );
    assert_eq!(vendor["version"], "2:20.19.0-1nodesource");
    assert_eq!(vendor["origin"]["vendor"], "NodeSource");
    assert_eq!(
        vendor["origin"]["evidence"],
        serde_json::json!([
            {"field": "rpm-vendor", "value": "NodeSource"},
            {"field": "os-vendor", "value": "Red Hat, Inc."}
        ])
    );
    // NodeSource's is judged on Node.js's dates; RHEL's own nodejs 16 (AppStream) ended upstream
    // in 2023 but is Red Hat's to patch, so it has no finding.
    let findings = findings_for(&result, "nodejs");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["installed_version"], "2:20.19.0-1nodesource");
    assert_eq!(findings[0]["status"], "unsupported");
}
