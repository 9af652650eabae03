//! Damaged input never panics the inventory code: flipped and truncated bytes, and every byte
//! of the root key damaged in turn.

use proptest::prelude::*;
use sunset_agent::inventory::windows::{self, Machine, UserHive};
use sunset_agent::registry::Hive;

use crate::util::data_dir;

/// Runs every reader over `bytes` taken as SOFTWARE, SYSTEM, HARDWARE and a user hive at once.
fn inventory_of_bytes(bytes: Vec<u8>) {
    let Ok(hive) = Hive::from_bytes(bytes, "fuzzed") else {
        return;
    };
    let root = hive.root();
    let machine = Machine {
        software: Some(&root),
        system: Some(&root),
        hardware: Some(&root),
    };
    let user = UserHive {
        sid: None,
        name: Some("fuzz".into()),
        root: &root,
    };
    let inventory = windows::collect(&machine, std::slice::from_ref(&user));
    // Whatever was read is well formed: unique keys.
    let keys: std::collections::HashSet<_> =
        inventory.software.iter().map(|s| s.key.clone()).collect();
    assert_eq!(keys.len(), inventory.software.len());
}

fn built_software_hive() -> Vec<u8> {
    std::fs::read(data_dir().join("volume/Windows/System32/config/SOFTWARE")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn flipped_bytes_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)) {
        let mut bytes = built_software_hive();
        for (at, value) in flips {
            let at = 4096 + at.index(bytes.len() - 4096);
            bytes[at] = value;
        }
        inventory_of_bytes(bytes);
    }

    #[test]
    fn truncation_never_panics(len in 4096usize..28672) {
        let mut bytes = built_software_hive();
        bytes.truncate(len);
        inventory_of_bytes(bytes);
    }
}

#[test]
fn every_single_byte_of_the_root_key_damaged() {
    // The root key node and its first subkey list: damaging each byte in turn never panics.
    let original = built_software_hive();
    for at in 4096..4096 + 512 {
        for value in [0x00, 0xFF, 0x80] {
            let mut bytes = original.clone();
            bytes[at] = value;
            inventory_of_bytes(bytes);
        }
    }
}
