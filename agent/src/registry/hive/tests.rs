//! The hive reader on hand-built hives: layout, lookups, damage and bounds.
#![allow(clippy::unwrap_used)]

use super::*;

/// Writes minimal hives by hand, for structures no fixture has (cycles, deep nesting, odd order).
struct Builder {
    bins: Vec<u8>,
}

impl Builder {
    fn new() -> Builder {
        let mut bins = vec![0; 32];
        bins[..4].copy_from_slice(b"hbin");
        Builder { bins }
    }

    /// Appends an allocated cell and returns its offset.
    fn cell(&mut self, body: &[u8]) -> u32 {
        let offset = self.bins.len();
        let size = (body.len() + 4).next_multiple_of(8);
        self.bins.extend_from_slice(&(-(size as i32)).to_le_bytes());
        self.bins.extend_from_slice(body);
        self.bins.resize(offset + size, 0);
        offset as u32
    }

    /// A subkey list with the given signature and entries.
    fn list(&mut self, signature: &[u8; 2], entries: &[u32]) -> u32 {
        let mut body = signature.to_vec();
        body.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for &entry in entries {
            body.extend_from_slice(&entry.to_le_bytes());
            if signature == b"lf" || signature == b"lh" {
                body.extend_from_slice(&[0; 4]);
            }
        }
        self.cell(&body)
    }

    /// A key node with a Latin-1 name whose subkey list is `list` (holding `count` keys).
    fn key(&mut self, name: &str, count: u32, list: u32) -> u32 {
        let mut body = vec![0; 0x4C];
        body[..2].copy_from_slice(b"nk");
        body[2..4].copy_from_slice(&KEY_COMP_NAME.to_le_bytes());
        body[0x14..0x18].copy_from_slice(&count.to_le_bytes());
        body[0x1C..0x20].copy_from_slice(&list.to_le_bytes());
        body[0x28..0x2C].copy_from_slice(&NO_CELL.to_le_bytes());
        body[0x48..0x4A].copy_from_slice(&(name.len() as u16).to_le_bytes());
        body.extend(name.chars().map(|c| c as u8));
        self.cell(&body)
    }

    /// Overwrites a key node's subkey list (to point back at an ancestor).
    fn set_list(&mut self, key: u32, count: u32, list: u32) {
        let at = key as usize + 4;
        self.bins[at + 0x14..at + 0x18].copy_from_slice(&count.to_le_bytes());
        self.bins[at + 0x1C..at + 0x20].copy_from_slice(&list.to_le_bytes());
    }

    fn finish(mut self, root: u32) -> Hive {
        let len = self.bins.len().next_multiple_of(4096);
        self.bins.resize(len, 0);
        self.bins[8..12].copy_from_slice(&(len as u32).to_le_bytes());
        let mut data = vec![0; BASE_BLOCK_SIZE];
        data[..4].copy_from_slice(b"regf");
        data[4..8].copy_from_slice(&1u32.to_le_bytes());
        data[8..12].copy_from_slice(&1u32.to_le_bytes());
        data[0x14..0x18].copy_from_slice(&1u32.to_le_bytes());
        data[0x18..0x1C].copy_from_slice(&5u32.to_le_bytes());
        data[0x24..0x28].copy_from_slice(&root.to_le_bytes());
        data[0x28..0x2C].copy_from_slice(&(len as u32).to_le_bytes());
        data.extend_from_slice(&self.bins);
        Hive::from_bytes(data, "built").unwrap()
    }
}

#[test]
fn unsorted_lists_still_find_every_key() {
    let mut b = Builder::new();
    let keys: Vec<u32> = ["c", "a", "b"]
        .iter()
        .map(|n| b.key(n, 0, NO_CELL))
        .collect();
    let list = b.list(b"li", &keys);
    let root = b.key("ROOT", 3, list);
    let hive = b.finish(root);
    for name in ["A", "b", "C"] {
        let key = hive.root().open(name).unwrap().unwrap();
        assert_eq!(key.path(), name.to_lowercase());
    }
    assert!(hive.root().open("d").unwrap().is_none());
    assert_eq!(hive.root().subkeys().unwrap(), ["c", "a", "b"]);
    assert!(!hive.is_dirty());
}

#[test]
fn a_key_that_is_its_own_ancestor_is_an_error() {
    let mut b = Builder::new();
    let child = b.key("loop", 0, NO_CELL);
    let list = b.list(b"lh", &[child]);
    let root = b.key("ROOT", 1, list);
    let back = b.list(b"lf", &[root]);
    b.set_list(child, 1, back);
    let hive = b.finish(root);
    assert_eq!(
        hive.root()
            .open("loop")
            .unwrap()
            .unwrap()
            .subkeys()
            .unwrap(),
        ["ROOT"]
    );
    let err = hive.root().open(r"loop\root").unwrap_err().to_string();
    assert!(
        err.contains("its own ancestor") && err.contains(r#"key "loop""#),
        "{err}"
    );
}

#[test]
fn index_roots_that_refer_to_themselves_are_an_error() {
    let mut b = Builder::new();
    let ri = b.list(b"ri", &[0]);
    // The index root's only entry is itself.
    let at = ri as usize + 4 + 4;
    b.bins[at..at + 4].copy_from_slice(&ri.to_le_bytes());
    let root = b.key("ROOT", 1, ri);
    let hive = b.finish(root);
    let err = hive.root().subkeys().unwrap_err().to_string();
    assert!(err.contains("refers back to itself"), "{err}");
}

#[test]
fn nesting_stops_at_max_depth() {
    let mut b = Builder::new();
    let mut key = b.key("k", 0, NO_CELL);
    for _ in 0..MAX_DEPTH + 10 {
        let list = b.list(b"lf", &[key]);
        key = b.key("k", 1, list);
    }
    let hive = b.finish(key);
    let deep = vec!["k"; MAX_DEPTH - 1].join("\\");
    assert!(hive.root().open(&deep).unwrap().is_some());
    let too_deep = vec!["k"; MAX_DEPTH].join("\\");
    let err = hive.root().open(&too_deep).unwrap_err().to_string();
    assert!(err.contains("deeper than 512 levels"), "{err}");
}

#[test]
fn rejects_what_is_not_a_hive() {
    let err = Hive::from_bytes(vec![0; 100], "tiny")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shorter than the 4096-byte base block"),
        "{err}"
    );
    let err = Hive::from_bytes(vec![0; 8192], "zeros")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no regf signature"), "{err}");
}

#[test]
fn header_without_root_is_an_error() {
    let mut data = vec![0; 8192];
    data[..4].copy_from_slice(b"regf");
    data[0x14] = 1;
    data[0x24..0x28].copy_from_slice(&0x10_0000u32.to_le_bytes());
    let err = Hive::from_bytes(data, "no-root").unwrap_err().to_string();
    assert!(
        err.contains("unreadable root key") && err.contains("past the end"),
        "{err}"
    );
}

#[test]
fn latin1_and_utf16_names() {
    assert_eq!(Name::Latin1(&[0xEB, b'x']).to_string(), "ëx");
    assert_eq!(
        Name::Utf16(&[0x1F, 0x04, 0x00, 0xD8]).to_string(),
        "П\u{FFFD}"
    );
    assert!(Name::Latin1(b"ABC").matches("abc"));
    assert!(!Name::Latin1(&[0xEB]).matches("e"));
    let utf16 = |s: &str| {
        s.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>()
    };
    assert!(Name::Utf16(&utf16("Find_Me")).matches("FIND_me"));
    assert!(!Name::Utf16(&utf16("Find_Me")).matches("FIND_mx"));
    assert!(!Name::Utf16(&utf16("Find")).matches("FIND_me"));
    assert!(Name::Utf16(&utf16("ıd")).matches("ID"));
    assert!(Name::Utf16(&utf16("Ключ")).matches("ключ"));
}
