//! Format cases from yarp's test hives: big data, index roots, names, value types, truncation.

use super::*;

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
