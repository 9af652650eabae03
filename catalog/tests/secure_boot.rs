//! The Secure Boot certificate verdict (Microsoft's 2011 CA expiry), decided by the built-in
//! catalogue's `[secure_boot_certificates]` data. Always with a fixed `today`: all three 2011 CAs had
//! expired by 2026-12-03, and the verdict must not change with the wall clock.
//!
//! The certificate names are the subject common names of Microsoft's published certificates (the
//! agent's tests read them from the real DER files and from a real VMware `db`/`KEK` dump).
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use chrono::NaiveDate;
use sunset_catalog::builtin;
use sunset_catalog::catalog::{Catalog, SupportEnd};
use sunset_catalog::evaluate::{Finding, Status, evaluate};
use sunset_catalog::finding::Outcome;
use sunset_catalog::inventory::{
    Fact, Hardware, Host, Inventory, Os, OsFamily, SCHEMA_VERSION, SecureBoot, SecureBootServicing,
    ServicingStatus,
};

const KEK_2011: &str = "Microsoft Corporation KEK CA 2011";
const KEK_2023: &str = "Microsoft Corporation KEK 2K CA 2023";
const PCA_2011: &str = "Microsoft Windows Production PCA 2011";
const UEFI_2011: &str = "Microsoft Corporation UEFI CA 2011";
const WINDOWS_2023: &str = "Windows UEFI CA 2023";
const UEFI_2023: &str = "Microsoft UEFI CA 2023";
const OPTION_ROM_2023: &str = "Microsoft Option ROM UEFI CA 2023";
/// The two VMware certificates in the real VMware `db` dump, besides Microsoft's.
const VMWARE_DB: [&str; 2] = [
    "C=US, ST=California, L=Palo Alto, O=VMware, Inc.",
    "VMware Secure Boot Signing",
];

fn catalog() -> Catalog {
    builtin::catalog().unwrap_or_else(|e| panic!("{e}"))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn names(list: &[&str]) -> Fact<Vec<String>> {
    Fact::Known(list.iter().map(|s| s.to_string()).collect())
}

fn secure_boot_on(db: Fact<Vec<String>>, kek: Fact<Vec<String>>) -> Hardware {
    Hardware {
        manufacturer: Fact::Known("VMware, Inc.".into()),
        model: Fact::Known("VMware7,1".into()),
        uefi: Fact::Known(true),
        secure_boot: Fact::Known(SecureBoot::Enabled),
        secure_boot_db: db,
        secure_boot_kek: kek,
        ..Hardware::default()
    }
}

fn vmware_2011() -> Hardware {
    let db = [VMWARE_DB[0], VMWARE_DB[1], UEFI_2011, PCA_2011];
    secure_boot_on(names(&db), names(&[KEK_2011]))
}

fn updated() -> Hardware {
    let db = [
        PCA_2011,
        UEFI_2011,
        WINDOWS_2023,
        UEFI_2023,
        OPTION_ROM_2023,
    ];
    secure_boot_on(names(&db), names(&[KEK_2011, KEK_2023]))
}

fn registry_only(status: ServicingStatus, capable: Option<u32>) -> Hardware {
    Hardware {
        uefi: Fact::Known(true),
        secure_boot: Fact::Known(SecureBoot::Enabled),
        secure_boot_servicing: Fact::Known(SecureBootServicing {
            status: Some(status),
            capable,
            ..SecureBootServicing::default()
        }),
        ..Hardware::default()
    }
}

fn inventory(family: OsFamily, hardware: Hardware) -> Inventory {
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
            collected_at: "2026-12-03T01:30:00Z".parse().unwrap(),
            host_id_source: None,
        },
        os: Os {
            family: Some(family),
            name: "Windows 11 Pro".into(),
            version: "10.0.26100.7623".into(),
            ..Os::default()
        },
        software: vec![],
        hardware,
        cover: Vec::new(),
        warnings: vec![],
    }
}

fn finding_on(hardware: Hardware, today: NaiveDate) -> Finding {
    finding_for(&inventory(OsFamily::Windows, hardware), today).expect("a Secure Boot finding")
}

fn finding_for(inventory: &Inventory, today: NaiveDate) -> Option<Finding> {
    evaluate(inventory, &catalog(), today)
        .into_iter()
        .find(|f| f.product_id == "secure-boot-certificates")
}

#[test]
fn only_2011_certificates_cannot_receive_updates_after_the_first_expiry() {
    let finding = finding_on(vmware_2011(), day(2026, 12, 3));
    assert_eq!(finding.status, Status::Unsupported);
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("cannot receive Secure Boot updates after 2026-06-24")
    );
    assert_eq!(
        finding.dates.security_support_end,
        Some(SupportEnd::On(day(2026, 6, 24)))
    );
    assert_eq!(finding.days_until_eol, Some(-162));
    assert_eq!(finding.subject, "VMware, Inc. VMware7,1");
    assert_eq!(
        finding.evidence.field,
        "hardware.secure_boot_db, hardware.secure_boot_kek"
    );
    assert_eq!(finding.checks.len(), 3);
    assert!(
        finding.checks.iter().all(|c| c.outcome == Outcome::Fail),
        "{:#?}",
        finding.checks
    );
    assert_eq!(
        finding.checks[0].actual,
        format!("missing {KEK_2023} (firmware trusts only {KEK_2011})")
    );
    assert!(finding.replacement.unwrap().contains("0x5944"));
    assert_eq!(
        finding.link.as_deref(),
        Some("https://support.microsoft.com/help/5062713")
    );
}

#[test]
fn the_verdict_follows_the_date_not_the_wall_clock() {
    // 115 days before the KEK CA expires: inside the 180-day window.
    let before = finding_on(vmware_2011(), day(2026, 3, 1));
    assert_eq!(before.status, Status::Expiring);
    assert_eq!(before.days_until_eol, Some(115));
    // The expiry day itself is still good; the day after is not.
    assert_eq!(
        finding_on(vmware_2011(), day(2026, 6, 24)).status,
        Status::Expiring
    );
    assert_eq!(
        finding_on(vmware_2011(), day(2026, 6, 25)).status,
        Status::Unsupported
    );
    let long_before = finding_on(vmware_2011(), day(2025, 1, 1));
    assert_eq!(long_before.status, Status::Supported);
    assert_eq!(
        long_before.cycle_label.as_deref(),
        Some("cannot receive Secure Boot updates after 2026-06-24")
    );
}

#[test]
fn a_new_kek_with_an_old_db_is_dated_by_the_db() {
    let db = [PCA_2011, UEFI_2011];
    let hardware = secure_boot_on(names(&db), names(&[KEK_2011, KEK_2023]));
    let finding = finding_on(hardware, day(2026, 12, 3));
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("cannot receive Secure Boot updates after 2026-06-27")
    );
    let outcomes: Vec<Outcome> = finding.checks.iter().map(|c| c.outcome).collect();
    assert_eq!(outcomes, [Outcome::Pass, Outcome::Fail, Outcome::Fail]);
    // Only the Windows CA missing: dated October.
    let db = [PCA_2011, UEFI_2011, UEFI_2023, OPTION_ROM_2023];
    let hardware = secure_boot_on(names(&db), names(&[KEK_2023]));
    let finding = finding_on(hardware, day(2026, 7, 1));
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("cannot receive Secure Boot updates after 2026-10-19")
    );
    assert_eq!(finding.status, Status::Expiring);
}

#[test]
fn the_2023_certificates_are_supported() {
    let finding = finding_on(updated(), day(2026, 12, 3));
    assert_eq!(finding.status, Status::Supported);
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("2023 Secure Boot certificates present")
    );
    assert_eq!(finding.replacement, None);
    assert_eq!(finding.dates.security_support_end, None);
    // A Secured-core PC that never trusted the third-party 2011 CA needs no third-party 2023 CA;
    // names are matched on the CN, whatever their case.
    let db = ["microsoft windows production pca 2011", WINDOWS_2023];
    let hardware = secure_boot_on(names(&db), names(&[KEK_2023]));
    let finding = finding_on(hardware, day(2026, 12, 3));
    assert_eq!(finding.status, Status::Supported, "{:#?}", finding.checks);
    assert_eq!(
        finding.checks[1].actual,
        format!("not needed: firmware does not trust {UEFI_2011}")
    );
}

#[test]
fn a_missing_variable_is_not_evidence_of_no_certificates() {
    // Secure Boot on without a KEK variable: an anomaly, so the KEK check falls back to Windows'
    // record (none here) and is unknown, while the db still decides its own checks.
    let db = [PCA_2011, UEFI_2011];
    let hardware = secure_boot_on(names(&db), Fact::Absent);
    let finding = finding_on(hardware, day(2026, 12, 3));
    assert_eq!(finding.checks[0].outcome, Outcome::Unknown);
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("cannot receive Secure Boot updates after 2026-06-27")
    );
    // Neither variable: nothing to go on.
    let finding = finding_on(secure_boot_on(Fact::Absent, Fact::Absent), day(2026, 12, 3));
    assert_eq!(finding.status, Status::Unknown);
    // An empty but readable KEK holds no Microsoft CA: custom keys, not affected by their expiry.
    let hardware = secure_boot_on(names(&[PCA_2011, WINDOWS_2023]), names(&[]));
    let finding = finding_on(hardware, day(2026, 12, 3));
    assert_eq!(finding.checks[0].outcome, Outcome::Pass);
}

#[test]
fn secure_boot_off_and_legacy_bios_get_their_own_advice() {
    let mut off = vmware_2011();
    off.secure_boot = Fact::Known(SecureBoot::Disabled);
    let finding = finding_on(off, day(2026, 12, 3));
    assert_eq!(finding.status, Status::Unknown);
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("Secure Boot is off: the certificates do not protect this machine")
    );
    assert!(finding.replacement.unwrap().contains("turn Secure Boot on"));
    // The checks are still there for whoever turns it on.
    assert!(finding.checks.iter().all(|c| c.outcome == Outcome::Fail));

    let legacy = Hardware {
        uefi: Fact::Known(false),
        secure_boot: Fact::Absent,
        ..Hardware::default()
    };
    let finding = finding_on(legacy, day(2026, 12, 3));
    assert_eq!(finding.status, Status::Unknown);
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("legacy BIOS boot: no Secure Boot")
    );
    assert!(finding.replacement.unwrap().contains("MBR2GPT"));

    let no_secure_boot = Hardware {
        uefi: Fact::Known(true),
        secure_boot: Fact::Absent,
        ..Hardware::default()
    };
    let finding = finding_on(no_secure_boot, day(2026, 12, 3));
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("firmware without Secure Boot")
    );
}

#[test]
fn facts_not_collected_are_unknown() {
    let finding = finding_on(Hardware::default(), day(2026, 12, 3));
    assert_eq!(finding.status, Status::Unknown);
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("Secure Boot state not collected")
    );
    assert_eq!(finding.replacement, None);

    let mut unread = vmware_2011();
    unread.secure_boot_db = Fact::NotCollected;
    unread.secure_boot_kek = Fact::NotCollected;
    let finding = finding_on(unread, day(2026, 12, 3));
    assert_eq!(finding.status, Status::Unknown);
    assert_eq!(
        finding.cycle_label.as_deref(),
        Some("Secure Boot certificates not collected")
    );
    assert!(finding.checks.iter().all(|c| c.actual == "not collected"));
}

#[test]
fn without_the_firmware_windows_servicing_record_decides() {
    let today = day(2026, 12, 3);
    let not_started = finding_on(registry_only(ServicingStatus::NotStarted, None), today);
    assert_eq!(not_started.status, Status::Unsupported);
    assert_eq!(
        not_started.cycle_label.as_deref(),
        Some("cannot receive Secure Boot updates after 2026-06-24")
    );
    assert_eq!(not_started.evidence.field, "hardware.secure_boot_servicing");
    assert!(
        not_started.checks[0]
            .actual
            .contains("UEFICA2023Status NotStarted")
    );

    let done = finding_on(registry_only(ServicingStatus::Updated, Some(2)), today);
    assert_eq!(done.status, Status::Supported);

    // InProgress with the Windows CA already in db: only that check passes.
    let halfway = finding_on(registry_only(ServicingStatus::InProgress, Some(1)), today);
    let outcomes: Vec<Outcome> = halfway.checks.iter().map(|c| c.outcome).collect();
    assert_eq!(outcomes, [Outcome::Fail, Outcome::Fail, Outcome::Pass]);
    assert_eq!(halfway.status, Status::Unsupported);

    // A status this version does not know is not a verdict.
    let odd = finding_on(registry_only(ServicingStatus::Other, None), today);
    assert_eq!(odd.status, Status::Unknown);

    // The error value is in the evidence.
    let mut failed = registry_only(ServicingStatus::InProgress, None);
    if let Fact::Known(record) = &mut failed.secure_boot_servicing {
        record.error = Some(0x8000_4005);
    }
    let finding = finding_on(failed, today);
    assert!(
        finding
            .evidence
            .value
            .contains("UEFICA2023Error 0x80004005"),
        "{}",
        finding.evidence.value
    );
}

#[test]
fn firmware_lists_win_over_the_registry() {
    // The registry says Updated, the firmware says otherwise: the firmware is the ground truth.
    let mut hardware = vmware_2011();
    hardware.secure_boot_servicing =
        registry_only(ServicingStatus::Updated, Some(2)).secure_boot_servicing;
    let finding = finding_on(hardware, day(2026, 12, 3));
    assert_eq!(finding.status, Status::Unsupported);
}

#[test]
fn linux_is_judged_and_macos_is_not() {
    let linux = finding_for(&inventory(OsFamily::Linux, vmware_2011()), day(2026, 12, 3));
    assert_eq!(linux.unwrap().status, Status::Unsupported);
    let mac = finding_for(&inventory(OsFamily::Macos, vmware_2011()), day(2026, 12, 3));
    assert_eq!(mac, None);
}

#[test]
fn the_policy_is_checked_on_load() {
    let meta = "[catalog]\nversion = \"t\"\n";
    let policy = "[secure_boot_certificates]\nid = \"sb\"\nname = \"SB\"\nos_families = [\"windows\"]\n\
        missing_advice = \"m\"\nsecure_boot_off_advice = \"o\"\nno_secure_boot_advice = \"n\"\n\
        [[secure_boot_certificates.certificate]]\nstore = \"kek\"\nname = \"Old KEK\"\n\
        expires = 2026-13-01\nreplaced_by = []\n";
    let error = Catalog::from_files(&[("meta.toml", meta), ("sb.toml", policy)]).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("sb.toml:"), "{text}");
    let good = policy.replace("2026-13-01", "2026-06-24");
    let error = Catalog::from_files(&[("meta.toml", meta), ("sb.toml", good.as_str())])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("secure_boot_certificates.certificate[0]")
            && error.contains("at least one replaced_by"),
        "{error}"
    );
    let twice = good.replace("replaced_by = []", "replaced_by = [\"New KEK\"]");
    let twice = format!(
        "{twice}[[secure_boot_certificates.certificate]]\nstore = \"kek\"\nname = \"old kek\"\n\
         expires = 2026-06-24\nreplaced_by = [\"New KEK\"]\n"
    );
    let error = Catalog::from_files(&[("meta.toml", meta), ("sb.toml", twice.as_str())])
        .unwrap_err()
        .to_string();
    assert!(error.contains("listed twice"), "{error}");
    let once = twice.replace("name = \"old kek\"", "name = \"Other KEK\"");
    let catalog = Catalog::from_files(&[("meta.toml", meta), ("sb.toml", once.as_str())]).unwrap();
    assert_eq!(catalog.secure_boot().unwrap().expires.len(), 2);
}
