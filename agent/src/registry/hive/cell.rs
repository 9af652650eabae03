//! The hive's building blocks as the reader sees them: a bounds-checked [`Cell`], the key node
//! ([`Nk`]) and value record ([`Vk`]) fields it uses, stored [`Name`]s, and [`Damage`] found on the
//! way. Every read checks its bounds, so a damaged file gives `Damage`, never a panic.

use std::fmt;

use crate::registry::names_equal;

/// What is wrong and at which file offset; becomes [`RegistryError::Corrupt`] once the key is known.
pub(super) struct Damage {
    pub(super) offset: usize,
    pub(super) what: String,
}

impl Damage {
    pub(super) fn new(offset: usize, what: impl Into<String>) -> Damage {
        Damage {
            offset,
            what: what.into(),
        }
    }
}

/// The data of one cell, with bounds-checked little-endian reads.
pub(super) struct Cell<'a> {
    pub(super) data: &'a [u8],
    /// File offset of `data`.
    pub(super) at: usize,
}

impl<'a> Cell<'a> {
    pub(super) fn bytes(&self, offset: usize, len: usize) -> Result<&'a [u8], Damage> {
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

    pub(super) fn u16(&self, offset: usize) -> Result<u16, Damage> {
        let b = self.bytes(offset, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(super) fn u32(&self, offset: usize) -> Result<u32, Damage> {
        let b = self.bytes(offset, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(super) fn u64(&self, offset: usize) -> Result<u64, Damage> {
        Ok(u64::from(self.u32(offset)?) | (u64::from(self.u32(offset + 4)?) << 32))
    }

    pub(super) fn signature(&self, expected: &[u8; 2], what: &str) -> Result<(), Damage> {
        if self.bytes(0, 2)? == expected {
            Ok(())
        } else {
            Err(Damage::new(self.at, format!("expected a {what} cell")))
        }
    }
}

/// The fields of a key node that the reader uses.
pub(super) struct Nk<'a> {
    pub(super) last_written: u64,
    pub(super) subkey_count: u32,
    pub(super) subkey_list: u32,
    pub(super) value_count: u32,
    pub(super) value_list: u32,
    pub(super) name: Name<'a>,
}

/// The fields of a value record that the reader uses.
pub(super) struct Vk<'a> {
    pub(super) at: usize,
    /// Data size, with `DATA_INLINE` as a flag.
    pub(super) size: u32,
    /// Data cell offset, or the data itself when inline.
    pub(super) data: u32,
    pub(super) kind: u32,
    pub(super) name: Name<'a>,
}

/// A stored key or value name.
#[derive(Clone, Copy)]
pub(super) enum Name<'a> {
    /// "Compressed": one byte per character, Latin-1.
    Latin1(&'a [u8]),
    /// UTF-16LE; unpaired surrogates read as U+FFFD.
    Utf16(&'a [u8]),
}

impl<'a> Name<'a> {
    pub(super) fn chars(self) -> impl Iterator<Item = char> + 'a {
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

    pub(super) fn matches(self, other: &str) -> bool {
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
