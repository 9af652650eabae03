//! Windows 11 hardware readiness and firmware age, decided from catalogue data on real brand strings.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use chrono::NaiveDate;
use sunset_catalog::builtin;
use sunset_catalog::catalog::Catalog;
use sunset_catalog::evaluate::{Finding, Status, evaluate};
use sunset_catalog::finding::Outcome;
use sunset_catalog::inventory::{
    Cpu, Disk, Fact, Hardware, Host, InstallationType, Inventory, Os, OsFamily, SCHEMA_VERSION,
    SecureBoot, Tpm,
};
use sunset_catalog::readiness::CANNOT_UPGRADE;

fn catalog() -> Catalog {
    builtin::catalog().unwrap_or_else(|e| panic!("{e}"))
}

fn ready_pc(brand: &str) -> Hardware {
    Hardware {
        manufacturer: Fact::Known("Dell Inc.".into()),
        model: Fact::Known("OptiPlex 7060".into()),
        firmware_date: Fact::Known(NaiveDate::from_ymd_opt(2023, 7, 12).unwrap()),
        uefi: Fact::Known(true),
        secure_boot: Fact::Known(SecureBoot::Enabled),
        tpm: Fact::Known(Tpm {
            version: "2.0".into(),
            manufacturer: None,
        }),
        cpu: Fact::Known(Cpu {
            brand: brand.into(),
            ..Cpu::default()
        }),
        // 8 GB as Windows reports it, minus firmware reservations.
        memory_bytes: Fact::Known(8_444_194_816),
        system_disk: Fact::Known(Disk {
            size_bytes: 255_369_310_208,
            free_bytes: 100_000_000_000,
        }),
        ..Hardware::default()
    }
}

fn windows10(hardware: Hardware) -> Inventory {
    Inventory {
        schema_version: SCHEMA_VERSION,
        host: Host {
            host_id: uuid::Uuid::nil(),
            report_id: uuid::Uuid::nil(),
            hostname: "WKS-0001".into(),
            domain: None,
            fqdn: None,
            site: None,
            agent_version: "0.1.0".into(),
            collected_at: "2026-11-25T01:30:00Z".parse().unwrap(),
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
        software: vec![],
        hardware,
        cover: Vec::new(),
        warnings: vec![],
    }
}

fn readiness(inventory: &Inventory) -> Finding {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    evaluate(inventory, &catalog(), today)
        .into_iter()
        .find(|f| f.product_id == "windows11-readiness")
        .expect("a readiness finding for a Windows 10 client")
}

#[test]
fn processors_are_classified_by_generation() {
    let cases = [
        ("Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz", Status::Supported),
        (
            "Intel(R) Core(TM) i7-10510U CPU @ 1.80GHz",
            Status::Supported,
        ),
        (
            "11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz",
            Status::Supported,
        ),
        ("12th Gen Intel(R) Core(TM) i7-1265U", Status::Supported),
        ("Intel(R) Core(TM) Ultra 7 155H", Status::Supported),
        (
            "Intel(R) Core(TM) i7-7820HQ CPU @ 2.90GHz",
            Status::Supported,
        ),
        (
            "Intel(R) Core(TM) i9-7900X CPU @ 3.30GHz",
            Status::Supported,
        ),
        ("Intel(R) Xeon(R) W-2123 CPU @ 3.60GHz", Status::Supported),
        (
            "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz",
            Status::Supported,
        ),
        (
            "Intel(R) Pentium(R) Gold G5400 CPU @ 3.70GHz",
            Status::Supported,
        ),
        ("Intel(R) Celeron(R) N4000 CPU @ 1.10GHz", Status::Supported),
        ("AMD Ryzen 5 3600 6-Core Processor", Status::Supported),
        ("AMD Ryzen 7 2700X Eight-Core Processor", Status::Supported),
        (
            "AMD Ryzen 7 PRO 4750U with Radeon Graphics",
            Status::Supported,
        ),
        ("Snapdragon (TM) 8cx Gen 3 @ 3.0 GHz", Status::Supported),
        (
            "Intel(R) Core(TM) i5-7500 CPU @ 3.40GHz",
            Status::Unsupported,
        ),
        (
            "Intel(R) Core(TM) i7-4790 CPU @ 3.60GHz",
            Status::Unsupported,
        ),
        (
            "Intel(R) Core(TM) i5 CPU       M 520  @ 2.40GHz",
            Status::Unsupported,
        ),
        (
            "Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz",
            Status::Unsupported,
        ),
        (
            "Intel(R) Xeon(R) CPU E5-2620 v4 @ 2.10GHz",
            Status::Unsupported,
        ),
        (
            "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz",
            Status::Unsupported,
        ),
        (
            "Intel(R) Pentium(R) CPU G4560 @ 3.50GHz",
            Status::Unsupported,
        ),
        (
            "Intel(R) Celeron(R) CPU N3350 @ 1.10GHz",
            Status::Unsupported,
        ),
        ("AMD Ryzen 7 1700 Eight-Core Processor", Status::Unsupported),
        ("AMD FX(tm)-8350 Eight-Core Processor", Status::Unsupported),
        // Not classifiable with confidence (Zen 1 APU naming overlaps Zen+): unknown, not guessed.
        (
            "AMD Ryzen 5 2400G with Radeon Vega Graphics",
            Status::Unknown,
        ),
        ("Some Future CPU 9000", Status::Unknown),
    ];
    for (brand, expected) in cases {
        let finding = readiness(&windows10(ready_pc(brand)));
        assert_eq!(finding.status, expected, "{brand}: {:#?}", finding.checks);
    }
}

#[test]
fn a_pc_that_fails_on_evidence_needs_hardware_replacement() {
    let mut hardware = ready_pc("Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz");
    hardware.tpm = Fact::Known(Tpm {
        version: "1.2".into(),
        manufacturer: None,
    });
    let finding = readiness(&windows10(hardware));
    assert_eq!(finding.status, Status::Unsupported);
    assert_eq!(finding.cycle_label.as_deref(), Some(CANNOT_UPGRADE));
    let tpm = finding
        .checks
        .iter()
        .find(|c| c.requirement == "TPM 2.0")
        .unwrap();
    assert_eq!(
        (tpm.outcome, tpm.actual.as_str()),
        (Outcome::Fail, "TPM 1.2")
    );
    assert!(finding.evidence.value.contains("TPM 1.2"));

    let mut small = ready_pc("Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz");
    small.memory_bytes = Fact::Known(2 * 1024 * 1024 * 1024);
    assert_eq!(readiness(&windows10(small)).status, Status::Unsupported);
}

#[test]
fn facts_an_offline_scan_cannot_know_make_readiness_unknown_not_failed() {
    let mut hardware = ready_pc("Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz");
    hardware.tpm = Fact::NotCollected;
    hardware.memory_bytes = Fact::NotCollected;
    let finding = readiness(&windows10(hardware));
    assert_eq!(finding.status, Status::Unknown);
    // Legacy BIOS boot may be UEFI-capable firmware in CSM mode: unknown, not "replace".
    let mut legacy = ready_pc("Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz");
    legacy.uefi = Fact::Known(false);
    legacy.secure_boot = Fact::Absent;
    assert_eq!(readiness(&windows10(legacy)).status, Status::Unknown);
}

#[test]
fn windows_11_and_servers_get_no_readiness_finding() {
    let catalog = catalog();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut win11 = windows10(ready_pc("Intel(R) Core(TM) i5-7500 CPU @ 3.40GHz"));
    win11.os.version = "10.0.22631.4460".into();
    assert!(
        !evaluate(&win11, &catalog, today)
            .iter()
            .any(|f| f.product_id == "windows11-readiness")
    );
    let mut server = windows10(ready_pc("Intel(R) Core(TM) i5-7500 CPU @ 3.40GHz"));
    server.os.installation_type = Some(InstallationType::Server);
    server.os.version = "10.0.17763.6532".into();
    assert!(
        !evaluate(&server, &catalog, today)
            .iter()
            .any(|f| f.product_id == "windows11-readiness")
    );
}

#[test]
fn old_firmware_is_a_finding_of_its_own() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let mut hardware = ready_pc("Intel(R) Core(TM) i5-4590 CPU @ 3.30GHz");
    hardware.firmware_date = Fact::Known(NaiveDate::from_ymd_opt(2015, 3, 2).unwrap());
    let findings = evaluate(&windows10(hardware), &catalog(), today);
    let firmware = findings
        .iter()
        .find(|f| f.product_id == "firmware-age")
        .unwrap();
    assert_eq!(firmware.status, Status::Unsupported);
    assert_eq!(firmware.evidence.value, "2015-03-02");
    assert_eq!(
        firmware.days_until_eol,
        Some(-(today - NaiveDate::from_ymd_opt(2022, 3, 2).unwrap()).num_days())
    );
    // Recent firmware: no finding at all.
    let recent = evaluate(&windows10(ready_pc("x")), &catalog(), today);
    assert!(!recent.iter().any(|f| f.product_id == "firmware-age"));
}
