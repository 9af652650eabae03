//! The offline hive reader against real hives from other projects' test suites.
//!
//! Fixtures live in `../shared/fixtures/windows-hives/` beside the checkout (xz-compressed; sources,
//! licences and the expected facts are in `../shared/fixtures/PROVENANCE.md`). Some are GPL test data, so
//! they are read from there and never copied into this repository. Without that folder every test says it
//! was skipped, except under `CI=true`, where a missing folder fails.
//!
//! Contents: helpers · per-user Uninstall keys · SYSTEM hives · format cases (yarp) · HKLM Uninstall
//! exports (glpi) · damaged input and fuzzing.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use sunset_agent::registry::{Hive, HiveKey, Key, RegistryError, Value};

use common::{fixture_bytes, fixtures_dir};

// ---------------------------------------------------------------------------------------------------------
// Helpers

const UNINSTALL: &str = r"Software\Microsoft\Windows\CurrentVersion\Uninstall";

/// A fixture hive, which must open.
fn load(name: &str) -> Option<Hive> {
    common::fixture_hive(name)
}

fn open<'h>(key: &HiveKey<'h>, path: &str) -> HiveKey<'h> {
    key.open(path)
        .unwrap()
        .unwrap_or_else(|| panic!("{path} missing under {:?}", key.path()))
}

fn string(key: &HiveKey<'_>, name: &str) -> Option<String> {
    key.value(name).unwrap().map(|v| match v {
        Value::String(s) => s,
        other => panic!("{}: value {name} is not a string: {other:?}", key.path()),
    })
}

fn number(key: &HiveKey<'_>, name: &str) -> Option<u32> {
    key.value(name).unwrap().map(|v| {
        v.as_u32()
            .unwrap_or_else(|| panic!("{name} is not a number: {v:?}"))
    })
}

/// (key name, DisplayName, DisplayVersion) of every entry under an Uninstall key, sorted by key name.
fn uninstall_entries(uninstall: &HiveKey<'_>) -> Vec<(String, String, Option<String>)> {
    let mut entries: Vec<_> = uninstall
        .subkeys()
        .unwrap()
        .into_iter()
        .map(|name| {
            let entry = open(uninstall, &name);
            let display_name = string(&entry, "DisplayName").unwrap_or_default();
            (name, display_name, string(&entry, "DisplayVersion"))
        })
        .collect();
    entries.sort();
    entries
}

/// What a whole-tree walk saw.
#[derive(Debug, Default)]
struct Walk {
    keys: usize,
    values: usize,
    errors: usize,
}

/// Walks every key and value below `key` through the public API, up to `budget` keys.
fn walk(key: &HiveKey<'_>, depth: usize, budget: usize, seen: &mut Walk) {
    seen.keys += 1;
    match key.value_names() {
        Ok(names) => {
            for name in names {
                match key.value(&name) {
                    Ok(_) => seen.values += 1,
                    Err(_) => seen.errors += 1,
                }
            }
        }
        Err(_) => seen.errors += 1,
    }
    let Ok(names) = key.subkeys() else {
        seen.errors += 1;
        return;
    };
    for name in names {
        if seen.keys >= budget || depth > 600 || name.is_empty() {
            return;
        }
        match key.open(&name) {
            Ok(Some(child)) => walk(&child, depth + 1, budget, seen),
            Ok(None) => {}
            Err(_) => seen.errors += 1,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Per-user Uninstall keys (NTUSER.DAT and friends)

#[test]
fn ntuser_with_winscp_has_four_uninstall_entries() {
    let Some(hive) = load("NTUSER_with_winscp.DAT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let uninstall = open(&hive.root(), UNINSTALL);
    assert_eq!(uninstall.subkeys().unwrap().len(), 4);
    let entries = uninstall_entries(&uninstall);
    let names: Vec<_> = entries
        .iter()
        .map(|(_, name, version)| (name.as_str(), version.as_deref()))
        .collect();
    assert!(
        names.contains(&("GitHub Desktop", Some("3.0.0"))),
        "{entries:?}"
    );
    assert!(
        names.contains(&("JetBrains dotPeek 2021.3.3", Some("2021.3.3"))),
        "{entries:?}"
    );
    assert!(
        names.contains(&("Python 3.10.2 (64-bit)", Some("3.10.2150.0"))),
        "{entries:?}"
    );
    let zoom = open(&uninstall, "zoomumx");
    assert_eq!(
        string(&zoom, "DisplayVersion").as_deref(),
        Some("5.9.3 (3169)")
    );
    assert_eq!(
        zoom.path(),
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\ZoomUMX"
    );
    for (_, _, version) in &entries {
        assert!(version.is_some());
    }
    for name in uninstall.subkeys().unwrap() {
        assert_eq!(
            open(&uninstall, &name).value("SystemComponent").unwrap(),
            None
        );
    }
}

#[test]
fn ntuser_wsl_has_onedrive() {
    let Some(hive) = load("NTUSER-WSL.DAT.xz") else {
        return;
    };
    let entries = uninstall_entries(&open(&hive.root(), UNINSTALL));
    assert_eq!(
        entries,
        [(
            "OneDriveSetup.exe".into(),
            "Microsoft OneDrive".into(),
            Some("21.220.1024.0005".into())
        )]
    );
}

#[test]
fn partial_hive_rooted_at_software() {
    let Some(hive) = load("ntuser_software_partial.xz") else {
        return;
    };
    let uninstall = open(&hive.root(), r"Microsoft\Windows\CurrentVersion\Uninstall");
    let entries = uninstall_entries(&uninstall);
    let pairs: Vec<_> = entries
        .iter()
        .map(|(_, n, v)| (n.as_str(), v.as_deref()))
        .collect();
    assert_eq!(entries.len(), 5, "{entries:?}");
    for expected in [
        ("Python 3.7 distorm3-3.3.4", None),
        ("GitKraken", Some("5.0.4")),
        ("Microsoft OneDrive", Some("20.028.0206.0009")),
        ("Python 3.7.0 (Anaconda3 5.3.0 64-bit)", Some("5.3.0")),
        ("Microsoft Visual Studio Code (User)", Some("1.33.1")),
    ] {
        assert!(pairs.contains(&expected), "{expected:?} not in {pairs:?}");
    }
}

#[test]
fn win7_ntuser_has_no_uninstall_key() {
    let Some(hive) = load("NTUSER.DAT.xz") else {
        return;
    };
    assert!(
        hive.root()
            .open(r"Software\Microsoft\Windows\CurrentVersion")
            .unwrap()
            .is_some()
    );
    assert!(hive.root().open(UNINSTALL).unwrap().is_none());
    let Some(hive) = load("dfir-artifact-museum/Win10_DefaultProfile_NTUSER.DAT.xz") else {
        return;
    };
    assert!(!hive.is_dirty());
    assert!(hive.root().open(UNINSTALL).unwrap().is_none());
}

#[test]
fn empty_uninstall_keys_have_no_entries() {
    let Some(hive) = load("dfir-artifact-museum/Win7_NTUSER1.DAT.xz") else {
        return;
    };
    assert!(!hive.is_dirty());
    assert!(
        hive.embedded_file_name()
            .ends_with(r"\NetworkService\NTUSER.DAT"),
        "{}",
        hive.embedded_file_name()
    );
    assert_eq!(
        open(&hive.root(), UNINSTALL).subkeys().unwrap(),
        Vec::<String>::new()
    );
    let Some(hive) = load("dfir-artifact-museum/Win11_RathbunVM_DEFAULT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    assert_eq!(
        open(&hive.root(), UNINSTALL).subkeys().unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn win10_user_onedrive() {
    let Some(hive) = load("dfir-artifact-museum/Win10_RathbunVM_NTUSER.DAT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let entry = open(&hive.root(), &format!(r"{UNINSTALL}\OneDriveSetup.exe"));
    assert_eq!(
        string(&entry, "DisplayName").as_deref(),
        Some("Microsoft OneDrive")
    );
    assert_eq!(
        string(&entry, "DisplayVersion").as_deref(),
        Some("22.002.0103.0004")
    );
    assert_eq!(
        string(&entry, "Publisher").as_deref(),
        Some("Microsoft Corporation")
    );
    assert_eq!(open(&hive.root(), UNINSTALL).subkeys().unwrap().len(), 1);
}

#[test]
fn dirty_ntuser_reads_without_logs() {
    let Some(hive) = load("regipy-extra/transactions_NTUSER.DAT.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let entries = uninstall_entries(&open(&hive.root(), UNINSTALL));
    assert_eq!(
        entries,
        [(
            "OneDriveSetup.exe".into(),
            "Microsoft OneDrive".into(),
            Some("17.3.6917.0607".into())
        )]
    );
    let Some(modified) = load("regipy-extra/NTUSER_modified.DAT.xz") else {
        return;
    };
    assert!(modified.root().open(UNINSTALL).unwrap().is_none());
}

#[test]
fn transaction_logs_are_not_hives() {
    let Some(bytes) = fixture_bytes("regipy-extra/transactions_ntuser.dat.log1.xz") else {
        return;
    };
    let err = Hive::from_bytes(bytes, "log1").unwrap_err();
    assert!(err.to_string().contains("not a primary hive file"), "{err}");
}

// ---------------------------------------------------------------------------------------------------------
// SYSTEM hives

/// The current control set's path, through `Select\Current`.
fn current_control_set(root: &HiveKey<'_>) -> String {
    let current = number(&open(root, "Select"), "Current").unwrap();
    format!("ControlSet{current:03}")
}

fn computer_name(root: &HiveKey<'_>) -> Option<String> {
    let path = format!(
        r"{}\Control\ComputerName\ComputerName",
        current_control_set(root)
    );
    string(&open(root, &path), "ComputerName")
}

#[test]
fn win7_system() {
    let Some(hive) = load("SYSTEM.xz") else {
        return;
    };
    let root = hive.root();
    assert_eq!(current_control_set(&root), "ControlSet001");
    assert_eq!(computer_name(&root).as_deref(), Some("WKS-WIN732BITA"));
    let control = open(&root, r"ControlSet001\Control");
    assert_eq!(
        string(&open(&control, "ProductOptions"), "ProductType").as_deref(),
        Some("WinNT")
    );
    assert_eq!(
        number(&open(&control, "Windows"), "CSDVersion"),
        Some(0x100)
    );
    let env = open(&control, r"Session Manager\Environment");
    assert_eq!(
        string(&env, "PROCESSOR_ARCHITECTURE").as_deref(),
        Some("x86")
    );
    assert!(control.open(r"SecureBoot\State").unwrap().is_none());
    let setup = open(&root, "Setup");
    assert!(
        !setup
            .subkeys()
            .unwrap()
            .iter()
            .any(|k| k.starts_with("Source OS"))
    );
}

#[test]
fn win10_system_keeps_source_os_values() {
    let Some(hive) = load("SYSTEM_WIN_10_1709.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let root = hive.root();
    assert_eq!(computer_name(&root).as_deref(), Some("DESKTOP-2KGM189"));
    let env = open(&root, r"ControlSet001\Control\Session Manager\Environment");
    assert_eq!(
        string(&env, "PROCESSOR_ARCHITECTURE").as_deref(),
        Some("AMD64")
    );
    assert_eq!(number(&env, "NUMBER_OF_PROCESSORS"), Some(4));
    let setup = open(&root, "Setup");
    let mut sources: Vec<_> = setup
        .subkeys()
        .unwrap()
        .into_iter()
        .filter(|k| k.starts_with("Source OS"))
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            "Source OS (Updated on 1/6/2019 02:18:37)",
            "Source OS (Updated on 5/16/2019 00:55:20)"
        ]
    );
    for (source, build, release, ubr) in [
        (&sources[0], "15063", "1703", 1387),
        (&sources[1], "17134", "1803", 765),
    ] {
        let key = open(&setup, source);
        assert_eq!(
            string(&key, "ProductName").as_deref(),
            Some("Windows 10 Pro")
        );
        assert_eq!(string(&key, "CurrentBuild").as_deref(), Some(build));
        assert_eq!(string(&key, "EditionID").as_deref(), Some("Professional"));
        assert_eq!(string(&key, "ReleaseId").as_deref(), Some(release));
        assert_eq!(number(&key, "UBR"), Some(ubr));
    }
}

#[test]
fn second_win10_system() {
    let Some(hive) = load("regipy-extra/SYSTEM_B.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    assert_eq!(
        computer_name(&hive.root()).as_deref(),
        Some("DESKTOP-PM6C56D")
    );
}

#[test]
fn nt4_system_with_lf_lists_only() {
    let Some(hive) = load("aiowinreg-nt4/SYSTEM.xz") else {
        return;
    };
    assert_eq!(hive.version(), (1, 3));
    assert!(!hive.is_dirty());
    let root = hive.root();
    let select = open(&root, "Select");
    let select_values: Vec<_> = ["Current", "Default", "LastKnownGood", "Failed"]
        .iter()
        .map(|v| number(&select, v))
        .collect();
    assert_eq!(select_values, [Some(1), Some(1), Some(2), Some(0)]);
    assert_eq!(computer_name(&root).as_deref(), Some("SERVER"));
    let options = open(&root, r"ControlSet001\Control\ProductOptions");
    assert_eq!(string(&options, "ProductType").as_deref(), Some("LanmanNT"));
    assert_eq!(
        options.value("ProductSuite").unwrap(),
        Some(Value::MultiString(vec!["Enterprise".into()]))
    );
    assert_eq!(
        number(&open(&root, r"ControlSet001\Control\Windows"), "CSDVersion"),
        Some(0x300)
    );
    let env = open(&root, r"controlset001\control\session manager\environment");
    assert_eq!(string(&env, "OS").as_deref(), Some("Windows_NT"));
    assert_eq!(
        env.value("NUMBER_OF_PROCESSORS").unwrap(),
        Some(Value::String("1".into()))
    );
    assert_eq!(number(&env, "NUMBER_OF_PROCESSORS"), Some(1));
    assert_eq!(
        string(&env, "PROCESSOR_IDENTIFIER").as_deref(),
        Some("x86 Family 7 Model 1 Stepping 0, AuthenticAMD")
    );
    let mut seen = Walk::default();
    walk(&root, 0, usize::MAX, &mut seen);
    assert_eq!((seen.keys, seen.errors), (1971, 0), "{seen:?}");
}

#[test]
fn corrupted_system_hive_reads_what_it_can() {
    let Some(hive) = load("corrupted_system_hive.xz") else {
        return;
    };
    let started = Instant::now();
    let root = hive.root();
    assert_eq!(computer_name(&root).as_deref(), Some("GINEVRA"));
    let env = open(&root, r"ControlSet001\Control\Session Manager\Environment");
    assert_eq!(
        string(&env, "PROCESSOR_ARCHITECTURE").as_deref(),
        Some("x86")
    );
    assert_eq!(
        number(&open(&root, r"ControlSet001\Control\Windows"), "CSDVersion"),
        Some(0x300)
    );
    // The damaged cells come out as errors that say where they are, and the walk goes on past them.
    let bios = open(&root, r"ControlSet001\Control\Biosinfo");
    assert_eq!(string(&bios, "InfName").as_deref(), Some("biosinfo.inf"));
    let err = bios.value("SystemBiosDate").unwrap_err().to_string();
    assert!(
        err.contains(
            "corrupt hive corrupted_system_hive.xz: cell of 3238597 bytes runs past the end"
        ) && err.contains(r#"key "ControlSet001\\Control\\Biosinfo", file offset 0x99308"#),
        "{err}"
    );
    let mut seen = Walk::default();
    walk(&root, 0, 1_000_000, &mut seen);
    assert!(seen.keys > 1500 && seen.errors > 0, "{seen:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

// ---------------------------------------------------------------------------------------------------------
// Format cases (yarp)

#[test]
fn big_data_values() {
    let Some(hive) = load("yarp/BigDataHive.xz") else {
        return;
    };
    let key = open(&hive.root(), "key_with_bigdata");
    assert_eq!(key.value_names().unwrap().len(), 2);
    let Some(Value::Binary(default)) = key.value("").unwrap() else {
        panic!("default value")
    };
    assert_eq!(default.len(), 16_345);
    assert!(default.iter().all(|&b| b == b'1'));
    let Some(Value::Binary(v)) = key.value("v").unwrap() else {
        panic!("value V")
    };
    assert_eq!(v.len(), 81_725);
    assert!(v.iter().all(|&b| b == b'2'));
}

#[test]
fn many_subkeys_through_index_roots() {
    let Some(hive) = load("yarp/ManySubkeysHive.xz") else {
        return;
    };
    let key = open(&hive.root(), "key_with_many_subkeys");
    let mut names: Vec<u32> = key
        .subkeys()
        .unwrap()
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, (1..=5000).collect::<Vec<_>>());
    let found = open(&hive.root(), r"key_with_MAny_subkeys\2119\find_me");
    assert_eq!(found.path(), r"key_with_many_subkeys\2119\find_me");
    let mut seen = Walk::default();
    walk(&hive.root(), 0, usize::MAX, &mut seen);
    assert_eq!((seen.keys, seen.errors), (5003, 0));
}

#[test]
fn unicode_names_fold_case() {
    let Some(hive) = load("yarp/UnicodeHive.xz") else {
        return;
    };
    let key = open(&hive.root(), r"ПриВет\КлюЧ");
    assert_eq!(key.path(), r"Привет\Ключ");
    assert_eq!(key.name().unwrap(), "Ключ");
    assert!(hive.root().open("привет").unwrap().is_some());
    assert!(hive.root().open("привет_").unwrap().is_none());
}

#[test]
fn latin1_compressed_names() {
    let Some(hive) = load("yarp/ExtendedASCIIHive.xz") else {
        return;
    };
    let key = open(&hive.root(), "ËIGENAARDIG");
    assert_eq!(key.name().unwrap(), "ëigenaardig");
    assert_eq!(key.value_names().unwrap(), ["ëigenaardig"]);
    assert_eq!(string(&key, "ëigenaardig").as_deref(), Some("ëigenaardig"));
}

#[test]
fn multi_strings_drop_the_terminator() {
    let Some(hive) = load("yarp/MultiSzHive.xz") else {
        return;
    };
    let key = open(&hive.root(), "key");
    assert_eq!(key.value("").unwrap(), None);
    assert_eq!(key.value("1").unwrap(), Some(Value::MultiString(vec![])));
    assert_eq!(
        key.value("2").unwrap(),
        Some(Value::MultiString(vec![
            "привет".into(),
            "как дела?".into()
        ]))
    );
}

#[test]
fn string_value_types() {
    let Some(hive) = load("yarp/StringValuesHive.xz") else {
        return;
    };
    let key = open(&hive.root(), "key");
    assert_eq!(
        key.value("").unwrap(),
        Some(Value::String("test тест".into()))
    );
    assert_eq!(
        key.value("1").unwrap(),
        Some(Value::Binary(b"test".to_vec()))
    );
    assert_eq!(
        key.value("2").unwrap(),
        Some(Value::String("test тест".into()))
    );
    assert_eq!(
        key.value("3").unwrap(),
        Some(Value::String("test тест ".into()))
    );
    assert_eq!(key.value("4").unwrap(), None);
}

#[test]
fn empty_hive() {
    let Some(hive) = load("yarp/EmptyHive.xz") else {
        return;
    };
    assert!(hive.root().subkeys().unwrap().is_empty());
    // 2017-03-04 16:37:31 UTC as a FILETIME (100 ns units since 1601), to the second.
    let unix_seconds: u64 = 1_488_645_451;
    let filetime_seconds = hive.root().last_written().unwrap() / 10_000_000;
    assert_eq!(filetime_seconds, unix_seconds + 11_644_473_600);
}

#[test]
fn truncated_hive_errors_or_reads_partially() {
    let Some(bytes) = fixture_bytes("yarp/TruncatedHive.xz") else {
        return;
    };
    match Hive::from_bytes(bytes, "TruncatedHive") {
        Err(e) => assert!(matches!(e, RegistryError::Corrupt { .. }), "{e}"),
        Ok(hive) => {
            let mut seen = Walk::default();
            walk(&hive.root(), 0, usize::MAX, &mut seen);
            assert!(
                seen.errors > 0,
                "a truncated hive cannot read whole: {seen:?}"
            );
        }
    }
}

#[test]
fn dirty_hive_read_without_its_logs() {
    let Some(hive) = load("yarp/NewDirtyHive1/NewDirtyHive.xz") else {
        return;
    };
    assert!(hive.is_dirty());
    let root = hive.root();
    let key1 = string(&open(&root, "Key1"), "").unwrap();
    assert_eq!(key1, "1".repeat(6000));
    let key2 = open(&root, "Key2");
    let mut subkeys = key2.subkeys().unwrap();
    subkeys.sort();
    assert_eq!(subkeys, ["Key2_1", "Key2_2"]);
    assert_eq!(string(&key2, "V").as_deref(), Some("testTEST"));
    assert!(
        root.open("Key3").unwrap().is_none(),
        "Key3 exists only after replaying the logs"
    );
    let Some(recovered) = load("yarp/NewDirtyHive1/RecoveredHive_Windows10.xz") else {
        return;
    };
    assert_eq!(recovered.root().subkeys().unwrap(), ["Key3"]);
    let mut key3 = open(&recovered.root(), "Key3").subkeys().unwrap();
    key3.sort();
    assert_eq!(key3, ["Key3_1", "Key3_2", "Key3_3"]);
}

// ---------------------------------------------------------------------------------------------------------
// HKLM Uninstall exports (glpi), checked against regipy's listing beside each hive

#[test]
fn glpi_uninstall_hives_match_regipy() {
    for name in [
        "10_russian-Uninstall",
        "mssql-Uninstall",
        "mssql_engine-Uninstall",
    ] {
        let Some(hive) = load(&format!("glpi-uninstall-reg/{name}.hive.xz")) else {
            return;
        };
        let tsv = std::fs::read_to_string(
            fixtures_dir()
                .unwrap()
                .join(format!("glpi-uninstall-reg/{name}.expected.tsv")),
        )
        .unwrap();
        let mut lines = tsv.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap()
            .trim_start_matches("# ")
            .split('\t')
            .collect();
        let uninstall = open(&hive.root(), r"Microsoft\Windows\CurrentVersion\Uninstall");
        let mut expected_keys = Vec::new();
        for line in lines.filter(|l| !l.is_empty()) {
            let fields: Vec<&str> = line.split('\t').collect();
            expected_keys.push(fields[0].to_owned());
            let entry = open(&uninstall, fields[0]);
            for (column, expected) in header.iter().zip(&fields).skip(1) {
                let actual = match entry.value(column).unwrap() {
                    None => String::new(),
                    Some(Value::String(s)) => s,
                    Some(Value::Dword(n)) => n.to_string(),
                    Some(other) => panic!("{name} {}: {column} = {other:?}", fields[0]),
                };
                assert_eq!(&actual, expected, "{name} {} {column}", fields[0]);
            }
        }
        let mut keys = uninstall.subkeys().unwrap();
        keys.sort();
        expected_keys.sort();
        assert_eq!(keys, expected_keys, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------------------
// Damaged input and fuzzing

#[test]
fn open_reads_a_file_and_caps_its_size() {
    let Some(bytes) = fixture_bytes("yarp/StringValuesHive.xz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hive");
    std::fs::write(&path, &bytes).unwrap();
    let hive = Hive::open(&path).unwrap();
    assert_eq!(hive.label(), path.display().to_string());
    let err = Hive::open(&dir.path().join("absent")).unwrap_err();
    assert!(
        matches!(err, RegistryError::Io { .. }) && err.to_string().contains("absent"),
        "{err}"
    );
    let huge = dir.path().join("huge");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len((1 << 30) + 1)
        .unwrap();
    let err = Hive::open(&huge).unwrap_err();
    assert!(matches!(err, RegistryError::TooLarge { .. }), "{err}");
}

#[test]
fn errors_say_what_and_where() {
    let Some(mut bytes) = fixture_bytes("yarp/StringValuesHive.xz") else {
        return;
    };
    // Break the signature of the root key node: the error names the hive, the structure and the offset.
    let root_cell = 4096 + u32::from_le_bytes(bytes[0x24..0x28].try_into().unwrap()) as usize;
    bytes[root_cell + 4..root_cell + 6].copy_from_slice(b"xx");
    let err = Hive::from_bytes(bytes, "broken-root")
        .unwrap_err()
        .to_string();
    let offset = format!("{:#x}", root_cell + 4);
    assert!(
        err.contains("broken-root") && err.contains("(nk)") && err.contains(&offset),
        "{err}"
    );
}

/// A hive small enough to fuzz fast but with real structure: 7 Uninstall entries with their values.
fn fuzz_hive() -> Option<&'static [u8]> {
    static BYTES: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    BYTES
        .get_or_init(|| fixture_bytes("glpi-uninstall-reg/mssql-Uninstall.hive.xz"))
        .as_deref()
}

/// Where the structures are: the base block and the hive bins it declares (the rest is free space).
fn used_len(bytes: &[u8]) -> usize {
    let bins = u32::from_le_bytes(bytes[0x28..0x2C].try_into().unwrap()) as usize;
    bytes.len().min(4096 + bins)
}

/// Opens and walks a mangled hive: it may fail, but must not panic and must finish quickly.
fn fuzz_walk(bytes: Vec<u8>) {
    let started = Instant::now();
    if let Ok(hive) = Hive::from_bytes(bytes, "fuzzed") {
        let mut seen = Walk::default();
        walk(&hive.root(), 0, 100_000, &mut seen);
        let _ = hive
            .root()
            .open(r"Microsoft\Windows\CurrentVersion\Uninstall\Git_is1");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------------------
// Proxy settings: the WinHTTP decoder on real values read from real profiles

/// WinINet's per-user `DefaultConnectionSettings` starts with the same fields as WinHTTP's machine
/// `WinHttpSettings` (`netsh winhttp import proxy source=ie` copies one into the other). These profiles come
/// from real Windows 10 machines (PROVENANCE.md): version 0x46, flags 9 = "automatically detect settings"
/// with no manual proxy, which the agent does not follow (no WPAD), so no proxy.
#[test]
fn winhttp_decoder_reads_real_connection_settings() {
    use sunset_agent::proxy::winhttp;
    const CONNECTIONS: &str =
        r"Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections";
    for (hive, counter) in [
        ("NTUSER.DAT.xz", 0x1a9),
        ("NTUSER_with_winscp.DAT.xz", 2),
        ("dfir-artifact-museum/Win10_RathbunVM_NTUSER.DAT.xz", 2),
    ] {
        let Some(hive_file) = load(hive) else { return };
        let connections = open(&hive_file.root(), CONNECTIONS);
        let settings = winhttp::from_key(&connections, "DefaultConnectionSettings")
            .unwrap_or_else(|e| panic!("{hive}: {e}"))
            .unwrap_or_else(|| panic!("{hive}: no DefaultConnectionSettings"));
        assert_eq!(
            (settings.version, settings.counter, settings.flags),
            (0x46, counter, 9),
            "{hive}"
        );
        assert_eq!(
            (settings.proxy.as_str(), settings.bypass.as_str()),
            ("", ""),
            "{hive}"
        );
        assert_eq!(settings.proxy_for("https"), None, "{hive}");
        // No WinHttpSettings value in a user's hive: the machine setting is HKLM's.
        assert!(
            winhttp::from_key(&connections, winhttp::VALUE)
                .unwrap()
                .is_none()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn flipped_bytes_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let Some(mut bytes) = fuzz_hive().map(<[u8]>::to_vec) else { return Ok(()) };
        let used = used_len(&bytes);
        for (at, value) in flips {
            let i = 4096 + at.index(used - 4096);
            bytes[i] ^= value.max(1);
        }
        fuzz_walk(bytes);
    }

    #[test]
    fn truncations_never_panic(len in 0usize..(4096 + 16384 + 64)) {
        let Some(mut bytes) = fuzz_hive().map(<[u8]>::to_vec) else { return Ok(()) };
        bytes.truncate(len);
        fuzz_walk(bytes);
    }

    #[test]
    fn flipped_header_bytes_never_panic(at in 0usize..512, value in 1u8..) {
        let Some(mut bytes) = fuzz_hive().map(<[u8]>::to_vec) else { return Ok(()) };
        bytes[at] ^= value;
        fuzz_walk(bytes);
    }
}
