//! Property tests: random and truncated inputs for every parser; no input makes one panic.

use std::fs;

use proptest::prelude::*;
use sunset_agent::parse::{dpkg, flatpak, macos_plist, os_release, rpm, snap};

use crate::util::data;

/// A header blob built from the tags the agent reads plus an unrelated string array (the real
/// SQLite rpmdb fixtures stay in `../shared`, so the property tests build their own).
fn sample_header() -> Vec<u8> {
    let entries: [(u32, u32, &[u8]); 6] = [
        (100, 8, b"C\0fr\0"),
        (1000, 6, b"bash\0"),
        (1001, 6, b"5.1.8\0"),
        (1002, 6, b"1.cm2\0"),
        (1003, 4, &[0, 0, 0, 1]),
        (1022, 6, b"x86_64\0"),
    ];
    let mut index = Vec::new();
    let mut store = Vec::new();
    for (tag, kind, payload) in entries {
        index.extend_from_slice(&tag.to_be_bytes());
        index.extend_from_slice(&kind.to_be_bytes());
        index.extend_from_slice(&(store.len() as u32).to_be_bytes());
        index.extend_from_slice(&1u32.to_be_bytes());
        store.extend_from_slice(payload);
    }
    let mut blob = (entries.len() as u32).to_be_bytes().to_vec();
    blob.extend_from_slice(&(store.len() as u32).to_be_bytes());
    blob.extend(index);
    blob.extend(store);
    blob
}

#[test]
fn sample_header_parses() {
    let package = rpm::parse_header(&sample_header()).unwrap();
    assert_eq!(package.evr().as_deref(), Some("1:5.1.8-1.cm2"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn os_release_never_panics(text in ".*", bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = os_release::parse_os_release(&text);
        let _ = os_release::parse_os_release(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn os_release_shell_like_input_never_panics(text in r#"([A-Z_]{0,4}=?["'\\]?[a-z #\\"']{0,6}\n?){0,12}"#) {
        let fields = os_release::parse_assignments(&text);
        for key in fields.keys() {
            prop_assert!(!key.is_empty());
        }
    }

    #[test]
    fn dpkg_never_panics(text in r"((Package|Status|Version|Architecture|X)?:? ?[a-z0-9 .:]{0,10}\r?\n?){0,30}") {
        let (software, _) = dpkg::parse_status(&text);
        for entry in software {
            prop_assert!(!entry.name.is_empty());
        }
    }

    #[test]
    fn dpkg_truncated_real_file_never_panics(cut in 0usize..88_000) {
        let bytes = fs::read(data("dpkg/ubuntu-18.04-trivy/status")).unwrap();
        let cut = cut.min(bytes.len());
        let (software, _) = dpkg::parse_status(&String::from_utf8_lossy(&bytes[..cut]));
        prop_assert!(software.len() <= 90);
    }

    #[test]
    fn rpm_header_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = rpm::parse_header(&bytes);
    }

    #[test]
    fn rpm_header_mutations_never_panic(
        cut in 0usize..200,
        flips in proptest::collection::vec((0usize..200, any::<u8>()), 0..6),
    ) {
        let mut blob = sample_header();
        for (at, byte) in flips {
            let len = blob.len();
            blob[at % len] = byte;
        }
        blob.truncate(cut);
        let _ = rpm::parse_header(&blob);
    }

    #[test]
    fn ndb_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut with_magic = b"RpmP\0\0\0\0\0\0\0\0\x01\0\0\0".to_vec();
        with_magic.extend(&bytes);
        let _ = rpm::parse_ndb(std::io::Cursor::new(bytes));
        let _ = rpm::parse_ndb(std::io::Cursor::new(with_magic));
    }

    #[test]
    fn plist_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = macos_plist::parse_info_plist(&bytes, "/Applications/X.app");
        let _ = macos_plist::parse_system_version(&bytes);
        let mut binary = b"bplist00".to_vec();
        binary.extend(&bytes);
        let _ = macos_plist::parse_info_plist(&binary, "/Applications/X.app");
    }

    #[test]
    fn plist_truncated_and_flipped_real_files_never_panic(
        which in 0usize..4,
        cut in 0usize..12_000,
        flip in (0usize..12_000, any::<u8>()),
    ) {
        let files = [
            "Slack.app__Contents__Info.plist__syft",
            "Ghostty.app__Contents__Info.plist__syft",
            "gMacInformation.app__Info.plist__binary__scalibr",
            "Chrome-no-CFBundleShortVersionString__Info.plist__scalibr",
        ];
        let mut bytes = fs::read(data(&format!("macos/apps/{}", files[which]))).unwrap();
        let len = bytes.len();
        bytes[flip.0 % len] = flip.1;
        bytes.truncate(cut.min(len));
        let _ = macos_plist::parse_info_plist(&bytes, "/Applications/X.app");
    }

    #[test]
    fn flatpak_and_snap_text_never_panic(text in ".*") {
        let _ = flatpak::parse_metadata(&text);
        let _ = flatpak::parse_appstream_version(&text);
        let _ = snap::parse_snap_yaml(&text);
        let _ = snap::parse_snap_file_name(&text);
    }
}
