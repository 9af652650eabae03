//! Registry access behind one small trait, so that every decision about what to read lives above it.
//!
//! [`Key`] has two readers: the live registry on Windows (`platform::windows::registry`, compiled only there) and keys inside an
//! offline hive file ([`hive`], pure Rust, runs everywhere). Code that inventories software is written
//! against [`Key`] and tested on Linux with real hive files; value decoding is shared here
//! ([`Value::from_raw`]) so both readers give the same answers for the same bytes.

pub mod hive;

pub use hive::{Hive, HiveKey};

/// `REG_NONE`: no type.
pub const REG_NONE: u32 = 0;
/// `REG_SZ`: a UTF-16 string.
pub const REG_SZ: u32 = 1;
/// `REG_EXPAND_SZ`: a UTF-16 string with unexpanded `%VARIABLE%` references.
pub const REG_EXPAND_SZ: u32 = 2;
/// `REG_BINARY`: raw bytes.
pub const REG_BINARY: u32 = 3;
/// `REG_DWORD`: a little-endian 32-bit number.
pub const REG_DWORD: u32 = 4;
/// `REG_MULTI_SZ`: a list of UTF-16 strings.
pub const REG_MULTI_SZ: u32 = 7;
/// `REG_QWORD`: a little-endian 64-bit number.
pub const REG_QWORD: u32 = 11;

/// A registry key that can be read: the live registry on Windows, or a key inside an offline hive file.
pub trait Key: Sized {
    /// Opens a descendant by a backslash-separated relative path, case-insensitively; Ok(None) if absent.
    fn open(&self, path: &str) -> Result<Option<Self>, RegistryError>;
    /// Names of the direct subkeys.
    fn subkeys(&self) -> Result<Vec<String>, RegistryError>;
    /// One value by name ("" = the default value), case-insensitively; Ok(None) if absent.
    fn value(&self, name: &str) -> Result<Option<Value>, RegistryError>;
}

/// A decoded registry value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `REG_SZ` and `REG_EXPAND_SZ` (environment references left unexpanded), cut at the first NUL.
    String(String),
    /// `REG_MULTI_SZ`: the strings, without the empty string that terminates the list.
    MultiString(Vec<String>),
    /// `REG_DWORD` with exactly 4 bytes of data.
    Dword(u32),
    /// `REG_QWORD` with exactly 8 bytes of data.
    Qword(u64),
    /// `REG_BINARY`.
    Binary(Vec<u8>),
    /// Any other type (`REG_NONE`, `REG_DWORD_BIG_ENDIAN`, resource lists, …) or a number of the wrong size.
    Other {
        /// The raw `REG_*` type number.
        kind: u32,
        /// The raw data.
        data: Vec<u8>,
    },
}

impl Value {
    /// Decodes raw value data of type `kind`, the same way for both readers.
    ///
    /// Strings are UTF-16LE (a trailing odd byte is ignored, unpaired surrogates become U+FFFD) and end at
    /// the first NUL, as `regedit` shows them: installers sometimes store a size that covers garbage after
    /// the terminator. A multi-string drops all trailing NULs (the list terminator) and then splits on NUL,
    /// so `a\0b\0\0` is `["a", "b"]` and empty data or a lone `\0` is an empty list; an empty string in the
    /// middle is kept.
    pub fn from_raw(kind: u32, data: Vec<u8>) -> Value {
        match kind {
            REG_SZ | REG_EXPAND_SZ => {
                let units = utf16_units(&data);
                let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
                Value::String(String::from_utf16_lossy(
                    units.get(..end).unwrap_or_default(),
                ))
            }
            REG_MULTI_SZ => {
                let mut units = utf16_units(&data);
                while units.last() == Some(&0) {
                    units.pop();
                }
                if units.is_empty() {
                    Value::MultiString(Vec::new())
                } else {
                    Value::MultiString(
                        units
                            .split(|&u| u == 0)
                            .map(String::from_utf16_lossy)
                            .collect(),
                    )
                }
            }
            REG_DWORD => match <[u8; 4]>::try_from(data.as_slice()) {
                Ok(bytes) => Value::Dword(u32::from_le_bytes(bytes)),
                Err(_) => Value::Other { kind, data },
            },
            REG_QWORD => match <[u8; 8]>::try_from(data.as_slice()) {
                Ok(bytes) => Value::Qword(u64::from_le_bytes(bytes)),
                Err(_) => Value::Other { kind, data },
            },
            REG_BINARY => Value::Binary(data),
            _ => Value::Other { kind, data },
        }
    }

    /// The text of a `REG_SZ`/`REG_EXPAND_SZ` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// A `REG_DWORD`, a `REG_QWORD` that fits, or a string holding a decimal or `0x` hexadecimal number
    /// (installers often write numbers as strings).
    pub fn as_u32(&self) -> Option<u32> {
        match self {
            Value::Dword(v) => Some(*v),
            _ => self.as_u64().and_then(|v| u32::try_from(v).ok()),
        }
    }

    /// A `REG_DWORD`, a `REG_QWORD`, or a string holding a decimal or `0x` hexadecimal number.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Dword(v) => Some(u64::from(*v)),
            Value::Qword(v) => Some(*v),
            Value::String(s) => parse_number(s),
            _ => None,
        }
    }
}

/// Parses `"42"` or `"0x2A"` (surrounding whitespace allowed).
fn parse_number(text: &str) -> Option<u64> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Little-endian UTF-16 code units; a trailing odd byte is dropped.
fn utf16_units(data: &[u8]) -> Vec<u16> {
    data.chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect()
}

/// Compares two key or value names the way Windows does: case-insensitively, one character at a time,
/// with a simple (one-to-one) Unicode uppercase mapping, so Cyrillic and Latin-1 names match too.
pub fn names_equal(a: impl IntoIterator<Item = char>, b: impl IntoIterator<Item = char>) -> bool {
    a.into_iter().map(upcase).eq(b.into_iter().map(upcase))
}

/// One-to-one uppercase: characters whose uppercase is several characters (`ß`) stay as they are.
pub(crate) fn upcase(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Why a registry read failed, with what was being read and where.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The hive file could not be read.
    #[error("cannot read hive file {path}: {source}")]
    Io {
        /// The hive file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The hive file is larger than the reader accepts.
    #[error("hive file {path} is too large: {size} bytes (limit {limit})")]
    TooLarge {
        /// The hive file.
        path: std::path::PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The hive is not a regf hive or a structure inside it is damaged.
    #[error("corrupt hive {hive}: {what} (key {key:?}, file offset {offset:#x})")]
    Corrupt {
        /// The hive's file path or label.
        hive: String,
        /// The key being read, relative to the hive root ("" for the root).
        key: String,
        /// The file offset of the damaged structure.
        offset: u64,
        /// What is wrong.
        what: String,
    },
    /// The live registry refused an operation.
    #[error("registry {operation} failed on {key}: {message} (HRESULT {code:#010x})")]
    Os {
        /// What was attempted: "open", "list subkeys", "read value".
        operation: &'static str,
        /// The key, as a full path such as `HKLM\SOFTWARE\…`, and the value name if any.
        key: String,
        /// The HRESULT.
        code: u32,
        /// The system's message for it.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn strings_end_at_first_nul() {
        assert_eq!(
            Value::from_raw(REG_SZ, utf16("abc\0junk")),
            Value::String("abc".into())
        );
        assert_eq!(
            Value::from_raw(REG_EXPAND_SZ, utf16("%X%\0\0")),
            Value::String("%X%".into())
        );
        assert_eq!(
            Value::from_raw(REG_SZ, vec![b'a', 0, b'b']),
            Value::String("a".into())
        );
        assert_eq!(
            Value::from_raw(REG_SZ, vec![]),
            Value::String(String::new())
        );
    }

    #[test]
    fn multi_strings_drop_the_terminator() {
        let v = |s: &str| Value::from_raw(REG_MULTI_SZ, utf16(s));
        assert_eq!(
            v("a\0b\0\0"),
            Value::MultiString(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            v("a\0\0b\0\0"),
            Value::MultiString(vec!["a".into(), String::new(), "b".into()])
        );
        assert_eq!(v("a"), Value::MultiString(vec!["a".into()]));
        assert_eq!(v("\0"), Value::MultiString(vec![]));
        assert_eq!(v(""), Value::MultiString(vec![]));
    }

    #[test]
    fn numbers_need_the_right_size() {
        assert_eq!(
            Value::from_raw(REG_DWORD, vec![1, 0, 0, 0]),
            Value::Dword(1)
        );
        assert_eq!(
            Value::from_raw(REG_DWORD, vec![1, 0]),
            Value::Other {
                kind: REG_DWORD,
                data: vec![1, 0]
            }
        );
        assert_eq!(
            Value::from_raw(REG_QWORD, 7u64.to_le_bytes().to_vec()),
            Value::Qword(7)
        );
        assert_eq!(
            Value::from_raw(5, vec![0, 0, 0, 1]),
            Value::Other {
                kind: 5,
                data: vec![0, 0, 0, 1]
            }
        );
    }

    #[test]
    fn numbers_from_strings() {
        assert_eq!(Value::String(" 42 ".into()).as_u32(), Some(42));
        assert_eq!(Value::String("0x2A".into()).as_u32(), Some(42));
        assert_eq!(Value::String("0x1_0000_0000".into()).as_u32(), None);
        assert_eq!(Value::String("4294967296".into()).as_u32(), None);
        assert_eq!(Value::String("4294967296".into()).as_u64(), Some(1 << 32));
        assert_eq!(Value::Qword(5).as_u32(), Some(5));
        assert_eq!(Value::Binary(vec![1]).as_u32(), None);
        assert_eq!(Value::Dword(1).as_str(), None);
    }

    #[test]
    fn names_compare_case_insensitively() {
        assert!(names_equal("ПриВет".chars(), "привет".chars()));
        assert!(names_equal("ËIGENAARDIG".chars(), "ëigenaardig".chars()));
        assert!(names_equal("".chars(), "".chars()));
        assert!(!names_equal("a".chars(), "ab".chars()));
        assert!(!names_equal("ß".chars(), "SS".chars()));
    }
}
