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

use super::{Key, RegistryError, Value, names_equal, upcase};

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

/// What is wrong and at which file offset; becomes [`RegistryError::Corrupt`] once the key is known.
struct Damage {
    offset: usize,
    what: String,
}

impl Damage {
    fn new(offset: usize, what: impl Into<String>) -> Damage {
        Damage {
            offset,
            what: what.into(),
        }
    }
}

/// The data of one cell, with bounds-checked little-endian reads.
struct Cell<'a> {
    data: &'a [u8],
    /// File offset of `data`.
    at: usize,
}

impl<'a> Cell<'a> {
    fn bytes(&self, offset: usize, len: usize) -> Result<&'a [u8], Damage> {
        offset
            .checked_add(len)
            .and_then(|end| self.data.get(offset..end))
            .ok_or_else(|| {
                Damage::new(
                    self.at + offset,
                    format!("{len} bytes do not fit in the cell"),
                )
            })
    }

    fn u16(&self, offset: usize) -> Result<u16, Damage> {
        let b = self.bytes(offset, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&self, offset: usize) -> Result<u32, Damage> {
        let b = self.bytes(offset, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&self, offset: usize) -> Result<u64, Damage> {
        Ok(u64::from(self.u32(offset)?) | (u64::from(self.u32(offset + 4)?) << 32))
    }

    fn signature(&self, expected: &[u8; 2], what: &str) -> Result<(), Damage> {
        if self.bytes(0, 2)? == expected {
            Ok(())
        } else {
            Err(Damage::new(self.at, format!("expected a {what} cell")))
        }
    }
}

/// The fields of a key node that the reader uses.
struct Nk<'a> {
    last_written: u64,
    subkey_count: u32,
    subkey_list: u32,
    value_count: u32,
    value_list: u32,
    name: Name<'a>,
}

/// The fields of a value record that the reader uses.
struct Vk<'a> {
    at: usize,
    /// Data size, with [`DATA_INLINE`] as a flag.
    size: u32,
    /// Data cell offset, or the data itself when inline.
    data: u32,
    kind: u32,
    name: Name<'a>,
}

/// A stored key or value name.
#[derive(Clone, Copy)]
enum Name<'a> {
    /// "Compressed": one byte per character, Latin-1.
    Latin1(&'a [u8]),
    /// UTF-16LE; unpaired surrogates read as U+FFFD.
    Utf16(&'a [u8]),
}

impl<'a> Name<'a> {
    fn chars(self) -> impl Iterator<Item = char> + 'a {
        let (latin1, utf16): (&[u8], &[u8]) = match self {
            Name::Latin1(b) => (b, &[]),
            Name::Utf16(b) => (&[], b),
        };
        let wide = utf16
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]));
        latin1
            .iter()
            .map(|&b| char::from(b))
            .chain(char::decode_utf16(wide).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)))
    }

    fn matches(self, other: &str) -> bool {
        // Fast path for ASCII queries (nearly all lookups); only non-ASCII characters such as `ı`, whose
        // uppercase is ASCII, need the general comparison.
        if other.is_ascii() {
            match self {
                Name::Latin1(bytes) => return bytes.eq_ignore_ascii_case(other.as_bytes()),
                Name::Utf16(units) if units.len() != 2 * other.len() => return false,
                Name::Utf16(units) => {
                    let mut non_ascii = false;
                    for (unit, &c) in units.chunks_exact(2).zip(other.as_bytes()) {
                        if unit[1] != 0 || unit[0] >= 0x80 {
                            non_ascii = true;
                        } else if !unit[0].eq_ignore_ascii_case(&c) {
                            return false;
                        }
                    }
                    if !non_ascii {
                        return true;
                    }
                }
            }
        }
        names_equal(self.chars(), other.chars())
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.chars().try_for_each(|c| fmt::Write::write_char(f, c))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
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
}
