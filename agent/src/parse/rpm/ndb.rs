//! The ndb rpm database (`Packages.db`, SUSE since 15 SP3), read natively: Debian-family hosts'
//! rpm has no ndb backend and silently lists nothing from such a database.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use sunset_catalog::inventory::{Software, Warning};

use super::header::{MAX_DATA_BYTES, parse_header, read_u32_le};
use super::{SOURCE, collect};
use crate::parse::cap_warnings;

/// ndb: at most this many 4 KiB slot pages (rpm itself never writes close to it).
const NDB_MAX_SLOT_PAGES: u32 = 2048;
const NDB_PAGE_BYTES: u64 = 4096;
const NDB_BLOB_HEADER_BYTES: u64 = 16;

/// Reads an ndb database (`Packages.db`); see [`parse_ndb`].
pub fn read_ndb(path: &Path) -> (Vec<Software>, Vec<Warning>) {
    match File::open(path) {
        Ok(file) => {
            let (software, warnings) = parse_ndb(io::BufReader::new(file));
            let warnings = warnings
                .into_iter()
                .map(|w| Warning::new(w.source, format!("{}: {}", path.display(), w.message)))
                .collect();
            (software, warnings)
        }
        Err(e) => (
            Vec::new(),
            vec![Warning::new(
                SOURCE.name(),
                format!("cannot open {}: {e}", path.display()),
            )],
        ),
    }
}

/// Parses an ndb database: a 32-byte header (`RpmP`, version 0, generation, slot page count), the
/// slot pages (16-byte slots `Slot`, package index, block offset, block count; index 0 = free),
/// and blobs at `block offset × 16` (`BlbS`, package index, checksum, length, then the header).
/// The checksum is not verified; each damaged package is a warning.
pub fn parse_ndb<R: Read + Seek>(mut reader: R) -> (Vec<Software>, Vec<Warning>) {
    let fail = |message: String| (Vec::new(), vec![Warning::new(SOURCE.name(), message)]);
    let mut header = [0u8; 32];
    if let Err(e) = reader.read_exact(&mut header) {
        return fail(format!("not an ndb database (header unreadable: {e})"));
    }
    let (Some(version), Some(pages)) = (read_u32_le(&header, 4), read_u32_le(&header, 12)) else {
        return fail("not an ndb database".into());
    };
    if header[..4] != *b"RpmP" || version != 0 || pages == 0 || pages > NDB_MAX_SLOT_PAGES {
        return fail(format!(
            "not a supported ndb database (magic {:02x?}, version {version}, {pages} slot pages)",
            &header[..4]
        ));
    }
    let slot_bytes = u64::from(pages) * NDB_PAGE_BYTES - 32;
    let mut slots = Vec::new();
    if let Err(e) = reader.by_ref().take(slot_bytes).read_to_end(&mut slots) {
        return fail(format!("slot pages unreadable: {e}"));
    }
    if slots.len() as u64 != slot_bytes {
        return fail("slot pages truncated".into());
    }
    let mut results = Vec::new();
    let mut warnings = Vec::new();
    for (number, slot) in slots.chunks_exact(16).enumerate() {
        let (Some(package), Some(block)) = (read_u32_le(slot, 4), read_u32_le(slot, 8)) else {
            continue;
        };
        if slot[..4] != *b"Slot" {
            warnings.push(Warning::new(
                SOURCE.name(),
                format!("slot {number} has a bad magic number; the slot table ends here"),
            ));
            break;
        }
        if package == 0 {
            continue;
        }
        let label = format!("package {package} (slot {number})");
        match ndb_blob(&mut reader, package, block) {
            Ok(blob) => results.push((label, parse_header(&blob))),
            Err(e) => warnings.push(Warning::new(
                SOURCE.name(),
                format!("{label}: {e}; skipped"),
            )),
        }
    }
    let (software, mut header_warnings) = collect(results, SOURCE.name());
    warnings.append(&mut header_warnings);
    (software, cap_warnings(SOURCE.name(), warnings))
}

fn ndb_blob<R: Read + Seek>(reader: &mut R, package: u32, block: u32) -> io::Result<Vec<u8>> {
    let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    reader.seek(SeekFrom::Start(u64::from(block) * NDB_BLOB_HEADER_BYTES))?;
    let mut head = [0u8; 16];
    reader.read_exact(&mut head)?;
    let (Some(owner), Some(length)) = (read_u32_le(&head, 4), read_u32_le(&head, 12)) else {
        return Err(invalid("blob header unreadable"));
    };
    if head[..4] != *b"BlbS" {
        return Err(invalid("blob has a bad magic number"));
    }
    if owner != package {
        return Err(invalid("blob belongs to another package"));
    }
    if length > MAX_DATA_BYTES {
        return Err(invalid("blob is larger than rpm allows"));
    }
    let mut blob = Vec::new();
    reader.take(u64::from(length)).read_to_end(&mut blob)?;
    if blob.len() as u64 != u64::from(length) {
        return Err(invalid("blob truncated"));
    }
    Ok(blob)
}
