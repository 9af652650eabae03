//! Synthetic inventories for the collector's tests and the load generator: realistic shape (an OS,
//! hundreds of software entries from several sources, hardware facts), deterministic from a seed.

use chrono::{DateTime, Utc};
use sunset_catalog::inventory::{
    Cpu, Fact, Hardware, Host, InstallationType, Inventory, Os, OsFamily, SCHEMA_VERSION,
    SecureBoot, Software, Source, Tpm,
};
use uuid::Uuid;

/// Programs every synthetic PC has, some of which the test catalogue knows.
const COMMON: &[(&str, &str)] = &[
    ("Python 2.7.18 (64-bit)", "2.7.18150"),
    ("Python 3.12.4 (64-bit)", "3.12.4150.0"),
    ("Mozilla Firefox (x64 en-GB)", "128.0.3"),
    ("Google Chrome", "126.0.6478.127"),
    ("Adobe Acrobat Reader DC", "24.002.20933"),
    ("Microsoft Edge", "126.0.2592.87"),
    ("7-Zip 23.01 (x64)", "23.01"),
    ("Java 8 Update 411 (64-bit)", "8.0.4110.9"),
];

/// An inventory for host number `n`, with `software` entries.
pub fn inventory(n: u64, software: usize, site: &str, collected_at: DateTime<Utc>) -> Inventory {
    let windows11 = n.is_multiple_of(3);
    let os = Os {
        family: Some(OsFamily::Windows),
        name: if windows11 {
            "Windows 11 Pro"
        } else {
            "Windows 10 Pro"
        }
        .to_string(),
        version: if windows11 {
            "10.0.26100.2314"
        } else {
            "10.0.19045.5247"
        }
        .to_string(),
        display_version: Some(if windows11 { "24H2" } else { "22H2" }.to_string()),
        build: Some(if windows11 { "26100" } else { "19045" }.to_string()),
        edition: Some("Professional".to_string()),
        installation_type: Some(InstallationType::Client),
        architecture: Some("x86_64".to_string()),
        ..Os::default()
    };
    let mut entries = Vec::with_capacity(software);
    for i in 0..software {
        let (name, version) = match COMMON.get(i) {
            Some((name, version)) => (name.to_string(), version.to_string()),
            None => (
                format!("Line-of-business app {i:03} for clinic {}", n % 50),
                format!("{}.{}.{}", 1 + i % 9, (n + i as u64) % 20, i % 7),
            ),
        };
        let source = if i % 5 == 0 {
            Source::Wow6432Uninstall
        } else {
            Source::HklmUninstall
        };
        entries.push(Software {
            key: Software::identity_key(&name, Some(&version), Some("x64")),
            publisher: Some(format!("Vendor {}", i % 37)),
            install_date: None,
            architecture: Some("x64".to_string()),
            install_location: Some(format!("C:\\Program Files\\Vendor {}\\App {i}", i % 37)),
            identifier: None,
            name,
            version: Some(version),
            source,
            origin: None,
        });
    }
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: host_uuid(n),
            report_id: Uuid::new_v4(),
            hostname: format!("WKS-{n:05}"),
            domain: Some("practice.nhs.example".to_string()),
            fqdn: None,
            site: Some(site.to_string()),
            agent_version: "0.1.0".to_string(),
            collected_at,
            host_id_source: None,
        },
        os,
        software: entries,
        hardware: Hardware {
            manufacturer: Fact::Known("Dell Inc.".to_string()),
            model: Fact::Known(format!("OptiPlex {}", 3000 + (n % 8) * 10)),
            serial: Fact::NotCollected,
            firmware_vendor: Fact::Known("Dell Inc.".to_string()),
            firmware_version: Fact::Known("1.25.0".to_string()),
            firmware_date: Fact::NotCollected,
            uefi: Fact::Known(true),
            secure_boot: Fact::Known(SecureBoot::Enabled),
            tpm: Fact::Known(Tpm {
                version: "2.0".to_string(),
                manufacturer: None,
            }),
            cpu: Fact::Known(Cpu {
                brand: "Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz".to_string(),
                ..Cpu::default()
            }),
            memory_bytes: Fact::Known(16 * 1024 * 1024 * 1024),
            system_disk: Fact::NotCollected,
            ..Hardware::default()
        },
        cover: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A stable host id for host number `n`.
pub fn host_uuid(n: u64) -> Uuid {
    Uuid::from_u64_pair(0x5375_6e73_6574_0000, n)
}
