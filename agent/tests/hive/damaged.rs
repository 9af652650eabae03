//! Damaged input and fuzzing.

use super::*;

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
