//! Secure Boot signature lists on real data: Microsoft's published CA certificates, a real VMware
//! VM's efivarfs `db`/`KEK`/`PK`, and Microsoft's signed 2023 update payloads
//! (`tests/data/secureboot/README.md` gives provenance and ground truth). Plus the parser's totality
//! on arbitrary bytes, and the catalogue's dates checked against the certificates themselves.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use proptest::prelude::*;
use sunset_agent::inventory::sysfs;
use sunset_agent::parse::efi::{self, CERT_X509};
use sunset_catalog::inventory::{Fact, SecureBoot};
use x509_parser::prelude::{FromDer, X509Certificate};

const MICROSOFT: &str = "77fa9abd-0359-4d32-bd60-28f4e78f784b";
const VMWARE: &str = "a3d5e95b-0a8f-4753-8735-445afb708f62";

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/secureboot")
        .join(path)
}

fn read(path: &str) -> Vec<u8> {
    fs::read(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The signature list inside one of Microsoft's signed update payloads: after the 16-byte EFI_TIME
/// and the WIN_CERTIFICATE of `dwLength` bytes.
fn update_list(name: &str) -> Vec<u8> {
    let bytes = read(&format!("ms-signed-updates-2023/{name}"));
    let length = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    bytes[16 + length..].to_vec()
}

#[test]
fn microsofts_certificates_have_the_documented_subjects() {
    let cases = [
        (
            "MicCorKEKCA2011_2011-06-24.der",
            "Microsoft Corporation KEK CA 2011",
        ),
        (
            "MicWinProPCA2011_2011-10-19.der",
            "Microsoft Windows Production PCA 2011",
        ),
        (
            "MicCorUEFCA2011_2011-06-27.der",
            "Microsoft Corporation UEFI CA 2011",
        ),
        (
            "microsoft_corporation_kek_2k_ca_2023.der",
            "Microsoft Corporation KEK 2K CA 2023",
        ),
        ("windows_uefi_ca_2023.der", "Windows UEFI CA 2023"),
        ("microsoft_uefi_ca_2023.der", "Microsoft UEFI CA 2023"),
        (
            "microsoft_option_rom_uefi_ca_2023.der",
            "Microsoft Option ROM UEFI CA 2023",
        ),
        ("WindowsOEMDevicesPK.der", "Windows OEM Devices PK"),
    ];
    for (file, cn) in cases {
        let der = read(&format!("certs/{file}"));
        assert_eq!(efi::subject(&der).as_deref(), Some(cn), "{file}");
    }
    assert_eq!(efi::subject(b"not a certificate"), None);
}

/// The catalogue's expiry dates are the certificates' own `notAfter` days, and its names their CNs.
#[test]
fn the_catalogue_dates_are_the_certificates_not_after() {
    let catalog = sunset_catalog::builtin::catalog().unwrap();
    let policy = catalog
        .secure_boot()
        .expect("the built-in catalogue judges Secure Boot");
    let files = [
        "MicCorKEKCA2011_2011-06-24.der",
        "MicCorUEFCA2011_2011-06-27.der",
        "MicWinProPCA2011_2011-10-19.der",
    ];
    assert_eq!(policy.spec.certificate.len(), files.len());
    for ((ca, expires), file) in policy
        .spec
        .certificate
        .iter()
        .zip(&policy.expires)
        .zip(files)
    {
        let der = read(&format!("certs/{file}"));
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        let not_after = cert.validity().not_after.to_datetime();
        let day = NaiveDate::from_ymd_opt(
            not_after.year(),
            u32::from(u8::from(not_after.month())),
            u32::from(not_after.day()),
        )
        .unwrap();
        assert_eq!(*expires, day, "{file}");
        assert_eq!(efi::subject(&der).as_deref(), Some(ca.name.as_str()));
    }
    // Every replacement named in the catalogue is a real 2023 CA's CN.
    let published: Vec<String> = fs::read_dir(data("certs"))
        .unwrap()
        .filter_map(|e| efi::subject(&fs::read(e.unwrap().path()).ok()?))
        .collect();
    for ca in &policy.spec.certificate {
        for name in &ca.replaced_by {
            assert!(published.contains(name), "{name} is not a published CA");
        }
    }
}

#[test]
fn the_vmware_db_kek_and_pk_read_as_the_readme_says() {
    let db = read("efivars-vmware-2011/db-d719b2cb-3d3a-4596-a3bc-dad00e67656f");
    assert_eq!(&db[..4], &[0x27, 0, 0, 0]);
    let value = efi::efivarfs_value(&db).unwrap();
    let lists = efi::signature_lists(value).unwrap();
    assert_eq!(lists.len(), 4);
    assert!(
        lists
            .iter()
            .all(|l| l.kind == CERT_X509 && l.entries.len() == 1)
    );
    let owners: Vec<String> = lists
        .iter()
        .map(|l| l.entries[0].owner.to_string())
        .collect();
    assert_eq!(owners, [VMWARE, VMWARE, MICROSOFT, MICROSOFT]);
    let certs = efi::certificates(value).unwrap();
    assert_eq!(
        certs.subjects,
        [
            "C=US, ST=California, L=Palo Alto, O=VMware, Inc.",
            "VMware Secure Boot Signing",
            "Microsoft Corporation UEFI CA 2011",
            "Microsoft Windows Production PCA 2011"
        ]
    );
    assert_eq!((certs.unreadable, certs.other), (0, 0));

    let kek = read("efivars-vmware-2011/KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c");
    let certs = efi::certificates(efi::efivarfs_value(&kek).unwrap()).unwrap();
    assert_eq!(certs.subjects, ["Microsoft Corporation KEK CA 2011"]);

    // PK holds an "externally managed" marker, not a certificate: read, not refused.
    let pk = read("efivars-vmware-2011/PK-8be4df61-93ca-11d2-aa0d-00e098032b8c");
    let lists = efi::signature_lists(efi::efivarfs_value(&pk).unwrap()).unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(
        lists[0].kind.to_string(),
        "452e8ced-dfff-4b8c-ae01-5118862e682c"
    );
    assert_eq!(lists[0].entries[0].data, &[0]);
    let certs = efi::certificates(efi::efivarfs_value(&pk).unwrap()).unwrap();
    assert_eq!((certs.subjects.len(), certs.other), (0, 1));

    // The read-only *Default copies hold the same lists.
    let default = read("efivars-vmware-2011/dbDefault-8be4df61-93ca-11d2-aa0d-00e098032b8c");
    assert_eq!(&default[4..], &db[4..]);
}

#[test]
fn microsofts_signed_updates_carry_the_2023_cas() {
    let cases = [
        ("DBUpdate2024.bin", 1498, "Windows UEFI CA 2023"),
        ("DBUpdate3P2023.bin", 1492, "Microsoft UEFI CA 2023"),
        (
            "DBUpdateOROM2023.bin",
            1503,
            "Microsoft Option ROM UEFI CA 2023",
        ),
        (
            "KEKUpdate_Microsoft_PK1.bin",
            1506,
            "Microsoft Corporation KEK 2K CA 2023",
        ),
        (
            "KEKUpdate_Microsoft_PK3d8660c0.bin",
            1506,
            "Microsoft Corporation KEK 2K CA 2023",
        ),
    ];
    for (file, size, cn) in cases {
        let list = update_list(file);
        assert_eq!(list.len(), size, "{file}");
        let lists = efi::signature_lists(&list).unwrap();
        assert_eq!(lists[0].entries[0].owner.to_string(), MICROSOFT, "{file}");
        assert_eq!(efi::certificates(&list).unwrap().subjects, [cn], "{file}");
    }
}

/// A fake `/` holding a real VMware VM's firmware variables, with Secure Boot on.
fn efivars_root(db: &[u8], kek: &[u8]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let vars = root.path().join("sys/firmware/efi/efivars");
    fs::create_dir_all(&vars).unwrap();
    fs::write(root.path().join(sysfs::DB_VAR), db).unwrap();
    fs::write(root.path().join(sysfs::KEK_VAR), kek).unwrap();
    fs::write(
        vars.join("SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"),
        [6, 0, 0, 0, 1],
    )
    .unwrap();
    root
}

#[test]
fn sysfs_reads_a_machine_with_only_the_2011_cas() {
    let db = read("efivars-vmware-2011/db-d719b2cb-3d3a-4596-a3bc-dad00e67656f");
    let kek = read("efivars-vmware-2011/KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c");
    let root = efivars_root(&db, &kek);
    let mut warnings = Vec::new();
    let hardware = sysfs::hardware(root.path(), &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(hardware.uefi, Fact::Known(true));
    assert_eq!(hardware.secure_boot, Fact::Known(SecureBoot::Enabled));
    assert_eq!(
        hardware.secure_boot_kek,
        Fact::Known(vec!["Microsoft Corporation KEK CA 2011".to_string()])
    );
    let db = hardware.secure_boot_db.known().unwrap();
    assert_eq!(db.len(), 4);
    assert!(!db.iter().any(|n| n.contains("2023")));
}

/// A constructed input (no real dump with the 2023 CAs is licensed for copying): the VMware lists
/// with Microsoft's real 2023 update lists appended, as the firmware does when the updates apply.
#[test]
fn sysfs_reads_the_2023_cas_appended_by_the_updates() {
    let mut db = read("efivars-vmware-2011/db-d719b2cb-3d3a-4596-a3bc-dad00e67656f");
    for file in [
        "DBUpdate2024.bin",
        "DBUpdate3P2023.bin",
        "DBUpdateOROM2023.bin",
    ] {
        db.extend(update_list(file));
    }
    let mut kek = read("efivars-vmware-2011/KEK-8be4df61-93ca-11d2-aa0d-00e098032b8c");
    kek.extend(update_list("KEKUpdate_Microsoft_PK1.bin"));
    let root = efivars_root(&db, &kek);
    let hardware = sysfs::hardware(root.path(), &mut Vec::new());
    let db = hardware.secure_boot_db.known().unwrap();
    assert_eq!(
        db[4..],
        [
            "Windows UEFI CA 2023",
            "Microsoft UEFI CA 2023",
            "Microsoft Option ROM UEFI CA 2023"
        ]
    );
    assert_eq!(
        hardware.secure_boot_kek.known().unwrap(),
        &[
            "Microsoft Corporation KEK CA 2011",
            "Microsoft Corporation KEK 2K CA 2023"
        ]
    );
}

#[test]
fn damaged_or_missing_variables_are_warnings_or_absent() {
    let db = read("efivars-vmware-2011/db-d719b2cb-3d3a-4596-a3bc-dad00e67656f");
    let root = efivars_root(&db[..db.len() - 100], &[0x27, 0, 0, 0]);
    let mut warnings = Vec::new();
    let hardware = sysfs::hardware(root.path(), &mut warnings);
    assert_eq!(hardware.secure_boot_db, Fact::NotCollected);
    assert_eq!(
        hardware.secure_boot_kek,
        Fact::Known(vec![]),
        "an empty KEK has no CAs"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .source
            .ends_with("db-d719b2cb-3d3a-4596-a3bc-dad00e67656f")
    );
    assert!(
        warnings[0].message.contains("runs past the end"),
        "{}",
        warnings[0].message
    );

    // UEFI with efivarfs mounted but no db variable: the firmware has none.
    fs::remove_file(root.path().join(sysfs::DB_VAR)).unwrap();
    let hardware = sysfs::hardware(root.path(), &mut Vec::new());
    assert_eq!(hardware.secure_boot_db, Fact::Absent);

    // Legacy BIOS: /sys/firmware without efi.
    let bios = tempfile::tempdir().unwrap();
    fs::create_dir_all(bios.path().join("sys/firmware/acpi")).unwrap();
    let hardware = sysfs::hardware(bios.path(), &mut Vec::new());
    assert_eq!(hardware.uefi, Fact::Known(false));
    assert_eq!(hardware.secure_boot_db, Fact::Absent);
    assert_eq!(hardware.secure_boot_kek, Fact::Absent);
}

/// This machine, live: whatever its firmware, the answer is consistent with what `/sys` shows.
/// (The build machine this was written on boots without EFI: no variables to pin.)
#[test]
fn this_machine_answers_consistently() {
    let root = Path::new("/");
    let hardware = sysfs::hardware(root, &mut Vec::new());
    let efivars = Path::new("/sys/firmware/efi/efivars");
    match (&hardware.uefi, &hardware.secure_boot_db) {
        (Fact::Known(false), db) => assert_eq!(db, &Fact::Absent),
        (Fact::Known(true), Fact::Known(_)) => assert!(Path::new("/").join(sysfs::DB_VAR).exists()),
        (Fact::Known(true), Fact::Absent) => assert!(efivars.is_dir()),
        (uefi, db) => assert!(
            !efivars.is_dir() || db == &Fact::NotCollected,
            "uefi {uefi:?}, db {db:?}"
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any bytes: lists or an error, never a panic, and every entry lies inside the input.
    #[test]
    fn the_parser_is_total(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(lists) = efi::signature_lists(&bytes) {
            let total: usize = lists.iter().flat_map(|l| &l.entries).map(|e| e.data.len() + 16).sum();
            prop_assert!(total <= bytes.len());
        }
        let _ = efi::certificates(&bytes);
    }

    /// A real list with bytes flipped or cut: still no panic.
    #[test]
    fn damaged_real_lists_never_panic(
        cut in 0usize..5165,
        flips in proptest::collection::vec((0usize..5165, any::<u8>()), 0..8),
    ) {
        let mut db = read("efivars-vmware-2011/db-d719b2cb-3d3a-4596-a3bc-dad00e67656f");
        for (at, byte) in flips {
            if let Some(b) = db.get_mut(at) {
                *b = byte;
            }
        }
        db.truncate(cut);
        if let Ok(value) = efi::efivarfs_value(&db) {
            let _ = efi::certificates(value);
        }
    }
}
