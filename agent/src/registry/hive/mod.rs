//! A reader of offline Windows registry hive files (the `regf` format), in pure Rust.
//!
//! It lets the agent read `NTUSER.DAT` of logged-off users and lets every registry decision be tested on
//! Linux with real hives. Our own because the crates were ruled out (nt-hive is GPL, notatin needs a nom
//! pin and many dependencies). Format reference: Maxim Suhanov's "Windows registry file format
//! specification" (msuhanov/regf).
//!
//! Supported: the base block (signature, version, root cell; a *dirty* hive, whose two sequence numbers
//! differ, is opened and flagged by [`Hive::is_dirty`]), cells in hive bins, key nodes (`nk`) with Latin-1
//! ("compressed") or UTF-16LE names, subkey lists `lf`, `lh`, `li` and index roots `ri`, values (`vk`) with
//! inline data, data cells and big data (`db`) records, Latin-1 or UTF-16LE value names.
//! Not supported: replaying transaction logs (`.LOG1`/`.LOG2`): a dirty hive is read as it is on disk, so
//! changes only in the logs are missing. Security descriptors and class names are not read.
//!
//! Robustness: the file is read whole (at most [`MAX_HIVE_SIZE`]) and every offset and length is
//! bounds-checked, so damaged input gives a [`RegistryError::Corrupt`] or a partial result, never a panic.
//! Work is bounded: keys nest at most [`MAX_DEPTH`] levels and a key that is its own ancestor is an
//! error; a subkey listing visits each list cell once; value data is never larger than the file.
//! Listings skip an unreadable subkey or value entry with a warning, so one damaged entry does not hide
//! its siblings; a lookup that does not find its name but met a damaged entry is an error, not `None`
//! (the entry might have been the one asked for). Lookups are case-insensitive ([`super::names_equal`]): a binary search over the subkey list
//! (Windows keeps it sorted by upcased name), then a linear scan if that finds nothing.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::Path;

mod cell;
#[cfg(test)]
mod tests;

use super::{Key, RegistryError, Value, upcase};
use cell::{Cell, Damage, Name, Nk, Vk};

/// The largest hive file [`Hive::open`] accepts (1 GiB; real SOFTWARE hives are below 300 MiB).
pub const MAX_HIVE_SIZE: u64 = 1 << 30;
/// The deepest key nesting followed (Windows itself allows 512 levels).
pub const MAX_DEPTH: usize = 512;

/// Size of the base block; cell offsets count from its end.
const BASE_BLOCK_SIZE: usize = 4096;
/// An absent cell.
const NO_CELL: u32 = 0xFFFF_FFFF;
/// `nk` flag: the name is Latin-1 ("compressed"), not UTF-16LE.
const KEY_COMP_NAME: u16 = 0x0020;
/// `vk` flag: the name is Latin-1 ("compressed"), not UTF-16LE.
const VALUE_COMP_NAME: u16 = 0x0001;
/// `vk` data size bit: the data (at most 4 bytes) is stored in the data offset field.
const DATA_INLINE: u32 = 0x8000_0000;
/// The most data one cell holds; larger values use big data records (hive format 1.4 and later).
const BIG_DATA_SEGMENT: usize = 16344;
/// How deep index roots (`ri`) may nest; Windows writes one level, a cycle would go on forever.
const MAX_INDEX_NESTING: usize = 4;

/// An offline hive file, held in memory.
pub struct Hive {
    data: Vec<u8>,
    label: String,
    root: u32,
    major: u32,
    minor: u32,
    dirty: bool,
}

impl fmt::Debug for Hive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hive")
            .field("label", &self.label)
            .field("len", &self.data.len())
            .field("version", &(self.major, self.minor))
            .field("dirty", &self.dirty)
            .finish_non_exhaustive()
    }
}

impl Hive {
    /// Reads a hive file whole and checks its base block and root key.
    pub fn open(path: &Path) -> Result<Hive, RegistryError> {
        let io = |source| RegistryError::Io {
            path: path.to_path_buf(),
            source,
        };
        let too_large = |size| RegistryError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_HIVE_SIZE,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let size = file.metadata().map_err(io)?.len();
        if size > MAX_HIVE_SIZE {
            return Err(too_large(size));
        }
        let mut data = Vec::new();
        file.take(MAX_HIVE_SIZE + 1)
            .read_to_end(&mut data)
            .map_err(io)?;
        if data.len() as u64 > MAX_HIVE_SIZE {
            return Err(too_large(data.len() as u64));
        }
        Hive::from_bytes(data, path.display().to_string())
    }

    /// Parses a hive already in memory; `label` names it in errors (usually its path).
    pub fn from_bytes(data: Vec<u8>, label: impl Into<String>) -> Result<Hive, RegistryError> {
        let label = label.into();
        let corrupt = |offset: usize, what: &str| RegistryError::Corrupt {
            hive: label.clone(),
            key: String::new(),
            offset: offset as u64,
            what: what.to_owned(),
        };
        if data.len() < BASE_BLOCK_SIZE {
            return Err(corrupt(
                data.len(),
                "file is shorter than the 4096-byte base block",
            ));
        }
        if data.get(..4) != Some(b"regf".as_slice()) {
            return Err(corrupt(0, "not a registry hive (no regf signature)"));
        }
        let header = Cell {
            data: data.get(..BASE_BLOCK_SIZE).unwrap_or_default(),
            at: 0,
        };
        let field = |offset| header.u32(offset).map_err(|d| corrupt(d.offset, &d.what));
        let (primary_seq, secondary_seq) = (field(0x04)?, field(0x08)?);
        let (major, minor, file_type, root) =
            (field(0x14)?, field(0x18)?, field(0x1C)?, field(0x24)?);
        if major != 1 {
            return Err(corrupt(
                0x14,
                &format!("unsupported hive format {major}.{minor}"),
            ));
        }
        if file_type != 0 {
            return Err(corrupt(
                0x1C,
                &format!("not a primary hive file (file type {file_type}; a transaction log?)"),
            ));
        }
        let hive = Hive {
            data,
            label,
            root,
            major,
            minor,
            dirty: primary_seq != secondary_seq,
        };
        if let Err(d) = hive.nk(root) {
            return Err(hive
                .root()
                .corrupt(d.offset as u64, format!("unreadable root key: {}", d.what)));
        }
        Ok(hive)
    }

    /// The root key.
    pub fn root(&self) -> HiveKey<'_> {
        HiveKey {
            hive: self,
            offset: self.root,
            path: String::new(),
            ancestors: Vec::new(),
        }
    }

    /// Whether the hive was not cleanly flushed (its two sequence numbers differ): recent changes may be
    /// only in the transaction logs, which this reader does not replay.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The format version from the base block, such as `(1, 5)`.
    pub fn version(&self) -> (u32, u32) {
        (self.major, self.minor)
    }

    /// The label used in errors: the file path, or what [`Hive::from_bytes`] was given.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The file name Windows recorded in the base block (the last up to 31 characters of the hive's path,
    /// e.g. `\NetworkService\NTUSER.DAT`), a hint of whose hive this is.
    pub fn embedded_file_name(&self) -> String {
        let raw = self.data.get(0x30..0x70).unwrap_or_default();
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
        String::from_utf16_lossy(units.get(..end).unwrap_or_default())
    }

    /// The cell at `offset` (relative to the first hive bin), without its size field.
    fn cell(&self, offset: u32) -> Result<Cell<'_>, Damage> {
        let at = BASE_BLOCK_SIZE + offset as usize;
        if offset == NO_CELL {
            return Err(Damage::new(at, "reference to an absent cell"));
        }
        if !offset.is_multiple_of(8) {
            return Err(Damage::new(at, "misaligned cell offset"));
        }
        let size_field = self
            .data
            .get(at..at.saturating_add(4))
            .ok_or_else(|| Damage::new(at, "cell offset past the end of the file"))?;
        // Negative sizes mark allocated cells; a positive one is a free cell, read anyway (a dirty hive may
        // still point at it).
        let size = i32::from_le_bytes([size_field[0], size_field[1], size_field[2], size_field[3]])
            .unsigned_abs();
        if size < 8 {
            return Err(Damage::new(at, format!("cell size {size} is too small")));
        }
        let data = self
            .data
            .get(at + 4..at.saturating_add(size as usize))
            .ok_or_else(|| {
                Damage::new(
                    at,
                    format!("cell of {size} bytes runs past the end of the file"),
                )
            })?;
        Ok(Cell { data, at: at + 4 })
    }

    /// The key node at `offset`.
    fn nk(&self, offset: u32) -> Result<Nk<'_>, Damage> {
        let c = self.cell(offset)?;
        c.signature(b"nk", "key node (nk)")?;
        let flags = c.u16(0x02)?;
        let name = c.bytes(0x4C, usize::from(c.u16(0x48)?))?;
        Ok(Nk {
            last_written: c.u64(0x04)?,
            subkey_count: c.u32(0x14)?,
            subkey_list: c.u32(0x1C)?,
            value_count: c.u32(0x24)?,
            value_list: c.u32(0x28)?,
            name: if flags & KEY_COMP_NAME != 0 {
                Name::Latin1(name)
            } else {
                Name::Utf16(name)
            },
        })
    }

    /// Offsets of the key nodes of `nk`'s subkeys, in stored order.
    fn subkey_offsets(&self, nk: &Nk<'_>) -> Result<Vec<u32>, Damage> {
        let mut out = Vec::new();
        if nk.subkey_count != 0 && nk.subkey_list != NO_CELL {
            self.collect_subkey_list(nk.subkey_list, 0, &mut HashSet::new(), &mut out)?;
        }
        Ok(out)
    }

    /// Appends the entries of one subkey list, following index roots; each list cell is read once.
    fn collect_subkey_list(
        &self,
        offset: u32,
        nesting: usize,
        seen: &mut HashSet<u32>,
        out: &mut Vec<u32>,
    ) -> Result<(), Damage> {
        let c = self.cell(offset)?;
        if nesting > MAX_INDEX_NESTING || !seen.insert(offset) {
            return Err(Damage::new(c.at, "subkey index refers back to itself"));
        }
        let (stride, is_index_root) = match c.bytes(0, 2)? {
            b"lf" | b"lh" => (8, false),
            b"li" => (4, false),
            b"ri" => (4, true),
            _ => {
                return Err(Damage::new(
                    c.at,
                    "expected a subkey list (lf, lh, li or ri)",
                ));
            }
        };
        let count = usize::from(c.u16(2)?);
        for entry in c.bytes(4, count * stride)?.chunks_exact(stride) {
            let child = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
            if is_index_root {
                self.collect_subkey_list(child, nesting + 1, seen, out)?;
            } else {
                out.push(child);
            }
        }
        Ok(())
    }

    /// Binary search of a subkey list (sorted by upcased name, as Windows writes them) for `name`.
    /// `None` if not found or a probed entry is unreadable; the caller then scans the list.
    fn find_sorted(&self, offsets: &[u32], name: &str) -> Option<u32> {
        let (mut low, mut high) = (0, offsets.len());
        while low < high {
            let middle = low + (high - low) / 2;
            let offset = *offsets.get(middle)?;
            let stored = self.nk(offset).ok()?.name;
            match stored.chars().map(upcase).cmp(name.chars().map(upcase)) {
                Ordering::Less => low = middle + 1,
                Ordering::Greater => high = middle,
                Ordering::Equal => return Some(offset),
            }
        }
        None
    }

    /// Offsets of `nk`'s value records.
    fn value_offsets(&self, nk: &Nk<'_>) -> Result<Vec<u32>, Damage> {
        if nk.value_count == 0 || nk.value_list == NO_CELL {
            return Ok(Vec::new());
        }
        let c = self.cell(nk.value_list)?;
        let len = (nk.value_count as usize)
            .checked_mul(4)
            .ok_or_else(|| Damage::new(c.at, "value count overflows"))?;
        let list = c.bytes(0, len).map_err(|_| {
            Damage::new(
                c.at,
                format!("value list cell too small for {} values", nk.value_count),
            )
        })?;
        Ok(list
            .chunks_exact(4)
            .map(|e| u32::from_le_bytes([e[0], e[1], e[2], e[3]]))
            .collect())
    }

    /// The value record at `offset`.
    fn vk(&self, offset: u32) -> Result<Vk<'_>, Damage> {
        let c = self.cell(offset)?;
        c.signature(b"vk", "value (vk)")?;
        let name = c.bytes(0x14, usize::from(c.u16(0x02)?))?;
        let flags = c.u16(0x10)?;
        Ok(Vk {
            at: c.at,
            size: c.u32(0x04)?,
            data: c.u32(0x08)?,
            kind: c.u32(0x0C)?,
            name: if flags & VALUE_COMP_NAME != 0 {
                Name::Latin1(name)
            } else {
                Name::Utf16(name)
            },
        })
    }

    /// The raw data of a value: inline, in one cell, or gathered from big data segments.
    fn value_data(&self, vk: &Vk<'_>) -> Result<Vec<u8>, Damage> {
        let size = (vk.size & !DATA_INLINE) as usize;
        if vk.size & DATA_INLINE != 0 {
            let inline = vk.data.to_le_bytes();
            return inline.get(..size).map(<[u8]>::to_vec).ok_or_else(|| {
                Damage::new(
                    vk.at,
                    format!("inline value data of {size} bytes (at most 4 fit)"),
                )
            });
        }
        if size == 0 {
            return Ok(Vec::new());
        }
        if size > self.data.len() {
            return Err(Damage::new(
                vk.at,
                format!("value data size {size} exceeds the hive's size"),
            ));
        }
        let c = self.cell(vk.data)?;
        if size > BIG_DATA_SEGMENT && self.minor >= 4 && c.data.starts_with(b"db") {
            return self.big_data(&c, size);
        }
        Ok(c.bytes(0, size)?.to_vec())
    }

    /// Gathers `size` bytes from the segments of a big data (`db`) record.
    fn big_data(&self, db: &Cell<'_>, size: usize) -> Result<Vec<u8>, Damage> {
        let count = usize::from(db.u16(2)?);
        let list = self.cell(db.u32(4)?)?;
        let mut out = Vec::with_capacity(size);
        for entry in list.bytes(0, count * 4)?.chunks_exact(4) {
            let want = (size - out.len()).min(BIG_DATA_SEGMENT);
            if want == 0 {
                break;
            }
            let segment =
                self.cell(u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]))?;
            out.extend_from_slice(segment.bytes(0, want)?);
        }
        if out.len() < size {
            return Err(Damage::new(
                db.at,
                format!("big data holds {} of {size} bytes", out.len()),
            ));
        }
        Ok(out)
    }
}

/// A key inside a [`Hive`].
#[derive(Debug, Clone)]
pub struct HiveKey<'h> {
    hive: &'h Hive,
    offset: u32,
    /// Path from the hive root, for errors.
    path: String,
    /// Key node offsets from the root down to the parent, to refuse cycles.
    ancestors: Vec<u32>,
}

impl<'h> HiveKey<'h> {
    /// The path from the hive root, with the names as stored ("" for the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The key's own name as stored (the root's name is whatever Windows gave it, e.g. `ROOT`).
    pub fn name(&self) -> Result<String, RegistryError> {
        Ok(self.nk()?.name.to_string())
    }

    /// When the key was last written, as a Windows FILETIME (100 ns units since 1601-01-01 UTC).
    pub fn last_written(&self) -> Result<u64, RegistryError> {
        Ok(self.nk()?.last_written)
    }

    /// Names of the key's values ("" for the default value), skipping unreadable records.
    pub fn value_names(&self) -> Result<Vec<String>, RegistryError> {
        let nk = self.nk()?;
        let offsets = self.hive.value_offsets(&nk).map_err(|d| self.damaged(d))?;
        Ok(offsets
            .into_iter()
            .filter_map(|offset| self.readable(self.hive.vk(offset), "value"))
            .map(|vk| vk.name.to_string())
            .collect())
    }

    fn nk(&self) -> Result<Nk<'h>, RegistryError> {
        self.hive.nk(self.offset).map_err(|d| self.damaged(d))
    }

    /// The direct subkey called `name` (case-insensitively).
    fn child(&self, name: &str) -> Result<Option<HiveKey<'h>>, RegistryError> {
        let nk = self.nk()?;
        let offsets = self.hive.subkey_offsets(&nk).map_err(|d| self.damaged(d))?;
        // Windows keeps subkey lists sorted by upcased name, so a binary search usually finds the key;
        // a linear scan follows for lists that are not sorted the way we compare (or are damaged).
        let found = self.hive.find_sorted(&offsets, name);
        let mut unreadable = None;
        for offset in found.into_iter().chain(offsets.iter().copied()) {
            let child = match self.hive.nk(offset) {
                Ok(child) => child,
                Err(d) => {
                    unreadable.get_or_insert(d);
                    continue;
                }
            };
            if !child.name.matches(name) {
                continue;
            }
            let at = BASE_BLOCK_SIZE as u64 + u64::from(offset);
            if offset == self.offset || self.ancestors.contains(&offset) {
                return Err(self.corrupt(at, format!("subkey {name:?} is its own ancestor")));
            }
            if self.ancestors.len() + 1 >= MAX_DEPTH {
                return Err(self.corrupt(at, format!("keys nested deeper than {MAX_DEPTH} levels")));
            }
            let mut ancestors = self.ancestors.clone();
            ancestors.push(self.offset);
            let child_name = child.name.to_string();
            let path = if self.path.is_empty() {
                child_name
            } else {
                format!("{}\\{child_name}", self.path)
            };
            return Ok(Some(HiveKey {
                hive: self.hive,
                offset,
                path,
                ancestors,
            }));
        }
        self.not_found(name, "subkey", unreadable)
    }

    /// `Ok(None)` for a name that is absent, or an error when a damaged entry might have been it.
    fn not_found<T>(
        &self,
        name: &str,
        kind: &str,
        unreadable: Option<Damage>,
    ) -> Result<Option<T>, RegistryError> {
        match unreadable {
            None => Ok(None),
            Some(d) => Err(self.corrupt(
                d.offset as u64,
                format!(
                    "{kind} {name:?} not found, and an unreadable {kind} entry may be it: {}",
                    d.what
                ),
            )),
        }
    }

    /// The parsed entry, or `None` after logging why it was skipped.
    fn readable<T>(&self, entry: Result<T, Damage>, kind: &str) -> Option<T> {
        match entry {
            Ok(entry) => Some(entry),
            Err(d) => {
                tracing::warn!(hive = %self.hive.label, key = %self.path, offset = d.offset, error = %d.what,
                    "skipping unreadable {kind}");
                None
            }
        }
    }

    fn damaged(&self, d: Damage) -> RegistryError {
        self.corrupt(d.offset as u64, d.what)
    }

    fn corrupt(&self, offset: u64, what: String) -> RegistryError {
        RegistryError::Corrupt {
            hive: self.hive.label.clone(),
            key: self.path.clone(),
            offset,
            what,
        }
    }
}

impl Key for HiveKey<'_> {
    fn open(&self, path: &str) -> Result<Option<Self>, RegistryError> {
        let mut key = self.clone();
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            match key.child(part)? {
                Some(child) => key = child,
                None => return Ok(None),
            }
        }
        Ok(Some(key))
    }

    fn subkeys(&self) -> Result<Vec<String>, RegistryError> {
        let nk = self.nk()?;
        let offsets = self.hive.subkey_offsets(&nk).map_err(|d| self.damaged(d))?;
        Ok(offsets
            .into_iter()
            .filter_map(|offset| self.readable(self.hive.nk(offset), "subkey"))
            .map(|child| child.name.to_string())
            .collect())
    }

    fn value(&self, name: &str) -> Result<Option<Value>, RegistryError> {
        let nk = self.nk()?;
        let mut unreadable = None;
        for offset in self.hive.value_offsets(&nk).map_err(|d| self.damaged(d))? {
            let vk = match self.hive.vk(offset) {
                Ok(vk) => vk,
                Err(d) => {
                    unreadable.get_or_insert(d);
                    continue;
                }
            };
            if vk.name.matches(name) {
                let data = self.hive.value_data(&vk).map_err(|d| self.damaged(d))?;
                return Ok(Some(Value::from_raw(vk.kind, data)));
            }
        }
        self.not_found(name, "value", unreadable)
    }
}
