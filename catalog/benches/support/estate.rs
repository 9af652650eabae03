//! The evaluate bench's workload, shared by the criterion bench (`benches/evaluate.rs`) and the
//! CPU-time driver (`examples/evaluate_cpu.rs`), so both measure the same estate: 10,000
//! inventories of 300 software entries each, built from 100 machine profiles. Names come from the
//! real package databases in `../shared/fixtures` (and this machine's dpkg status) plus Windows
//! DisplayNames that the catalogue recognises, so the index sees both hits and misses.

use std::path::Path;

use chrono::NaiveDate;
use sunset_catalog::inventory::{
    Hardware, Host, InstallationType, Inventory, Os, OsFamily, SCHEMA_VERSION, Software, Source,
};

/// The day the estate is judged on.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap_or_default()
}

/// Distinct machine profiles.
pub const PROFILES: usize = 100;
/// Inventories per iteration.
pub const ESTATE: usize = 10_000;
/// Software entries per inventory.
pub const ENTRIES: usize = 300;

/// Windows DisplayNames and versions as they appear in real Uninstall keys.
const WINDOWS: &[(&str, &str)] = &[
    ("Google Chrome", "124.0.6367.91"),
    ("Mozilla Firefox (x64 en-GB)", "115.5.0"),
    ("Microsoft Edge", "131.0.2903.70"),
    ("Java 8 Update 391 (64-bit)", "8.0.3910.13"),
    ("Java 8 Update 202", "8.0.2020.8"),
    ("Python 3.8.10 (64-bit)", "3.8.10150.0"),
    ("Python 3.12.1 (64-bit)", "3.12.1150.0"),
    (
        "Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135",
        "14.38.33135.0",
    ),
    (
        "Microsoft Visual C++ 2010  x86 Redistributable - 10.0.40219",
        "10.0.40219",
    ),
    (
        "Microsoft Visual C++ 2008 Redistributable - x86 9.0.30729.6161",
        "9.0.30729.6161",
    ),
    ("Adobe Acrobat Reader DC", "23.008.20470"),
    ("Adobe Reader XI (11.0.23)", "11.0.23"),
    ("7-Zip 23.01 (x64)", "23.01"),
    ("Notepad++ (64-bit x64)", "8.6.2"),
    ("VLC media player", "3.0.20"),
    ("Zoom", "5.9.3 (3169)"),
    ("TeamViewer", "15.49.2"),
    ("Microsoft Office Professional Plus 2016", "16.0.4266.1001"),
    ("Microsoft Office Standard 2010", "14.0.7015.1000"),
    ("Citrix Workspace 2311", "23.11.0.160"),
    ("VMware Tools", "12.3.5.22544099"),
    ("Node.js", "18.19.0"),
    ("PuTTY release 0.80 (64-bit)", "0.80.0.0"),
    ("WinSCP 6.1.2", "6.1.2"),
    ("Microsoft SQL Server 2014 (64-bit)", "12.0.6024.0"),
    ("GitHub Desktop", "3.0.0"),
    ("JetBrains dotPeek 2021.3.3", "213.0.20220301.192546"),
    ("Microsoft OneDrive", "22.002.0103.0004"),
    ("Microsoft Visual Studio Code (User)", "1.33.1"),
];

fn real_package_names() -> Vec<(String, String)> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures");
    let files = [
        shared.join("linux-roots/debian-13/var/lib/dpkg/status"),
        shared.join("linux-pkgdb/dpkg/ubuntu-18.04-trivy/status"),
        "/var/lib/dpkg/status".into(),
    ];
    let mut names = Vec::new();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for stanza in text.split("\n\n") {
            let field = |key: &str| {
                stanza
                    .lines()
                    .find_map(|l| l.strip_prefix(key))
                    .map(|v| v.trim().to_string())
            };
            if let (Some(name), Some(version)) = (field("Package:"), field("Version:")) {
                names.push((name, version));
            }
        }
    }
    names
}

fn software(name: &str, version: &str, source: Source) -> Software {
    Software {
        key: Software::identity_key(name, Some(version), None),
        name: name.to_string(),
        version: Some(version.to_string()),
        publisher: None,
        install_date: None,
        architecture: None,
        source,
        origin: None,
        install_location: None,
        identifier: None,
    }
}

/// A deterministic generator, so every run measures the same estate.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below
    }
}

/// The machine profiles; inventory `i` of the estate is profile `i % PROFILES`.
pub fn profiles() -> Vec<Inventory> {
    let packages = real_package_names();
    let mut rng = Lcg(42);
    (0..PROFILES)
        .map(|p| {
            let windows = p % 4 != 0;
            let software = (0..ENTRIES)
                .map(|_| {
                    if windows || packages.is_empty() {
                        let (name, version) = WINDOWS[rng.next(WINDOWS.len())];
                        let suffix = rng.next(40);
                        // Most Windows entries are things no catalogue lists.
                        if suffix < 28 {
                            software(
                                &format!("{name} Helper {suffix}"),
                                version,
                                Source::HklmUninstall,
                            )
                        } else {
                            software(name, version, Source::HklmUninstall)
                        }
                    } else {
                        let (name, version) = &packages[rng.next(packages.len())];
                        software(name, version, Source::Dpkg)
                    }
                })
                .collect();
            Inventory {
                schema_version: SCHEMA_VERSION,
                host: Host {
                    host_id: uuid::Uuid::nil(),
                    report_id: uuid::Uuid::nil(),
                    hostname: format!("WKS-{p:04}"),
                    domain: None,
                    fqdn: None,
                    site: None,
                    agent_version: "0.1.0".into(),
                    collected_at: chrono::DateTime::UNIX_EPOCH,
                    host_id_source: None,
                },
                os: Os {
                    family: Some(OsFamily::Windows),
                    name: "Windows 10 Pro".into(),
                    version: "10.0.19045.5247".into(),
                    edition: Some("Professional".into()),
                    installation_type: Some(InstallationType::Client),
                    ..Os::default()
                },
                software,
                hardware: Hardware::default(),
                cover: Vec::new(),
                warnings: vec![],
            }
        })
        .collect()
}
