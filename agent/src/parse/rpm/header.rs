//! The RPM header: entry count and data size (big-endian `u32`s), then 16-byte index entries
//! (tag, type, offset, count), then the data store. Every count, offset and string is
//! bounds-checked; a damaged header is an error for that package only.

use super::RpmPackage;

/// Header tags read by the agent.
pub mod tag {
    /// Package name.
    pub const NAME: u32 = 1000;
    /// Upstream version.
    pub const VERSION: u32 = 1001;
    /// Distribution release.
    pub const RELEASE: u32 = 1002;
    /// Epoch (an integer).
    pub const EPOCH: u32 = 1003;
    /// Install time, seconds since 1970.
    pub const INSTALLTIME: u32 = 1008;
    /// Distribution.
    pub const DISTRIBUTION: u32 = 1010;
    /// Vendor.
    pub const VENDOR: u32 = 1011;
    /// Packager.
    pub const PACKAGER: u32 = 1015;
    /// Architecture.
    pub const ARCH: u32 = 1022;
}

pub(super) const TYPE_INT32: u32 = 4;
pub(super) const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;
/// rpm's own limits on a header (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`).
const MAX_ENTRIES: u32 = 0xffff;
pub(super) const MAX_DATA_BYTES: u32 = 0x0fff_ffff;
/// The 8 bytes that start a header inside a package file (magic, version 1, reserved).
const HEADER_MAGIC: [u8; 4] = [0x8e, 0xad, 0xe8, 0x01];
/// Why a header could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Fewer bytes than the two counts at its start.
    #[error("header is {0} bytes, too short for its entry count and data size")]
    TooShort(usize),
    /// Counts beyond what rpm allows.
    #[error("header declares {entries} entries and {data_bytes} data bytes, beyond rpm's limits")]
    TooLarge {
        /// Declared index entries.
        entries: u32,
        /// Declared data-store bytes.
        data_bytes: u32,
    },
    /// The blob is shorter than the counts say.
    #[error("header needs {needed} bytes but the blob holds {actual}")]
    Truncated {
        /// Bytes the counts require.
        needed: u64,
        /// Bytes present.
        actual: usize,
    },
    /// An entry for a tag the agent reads is malformed.
    #[error("tag {tag}: {reason}")]
    BadEntry {
        /// The tag.
        tag: u32,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// No `NAME` tag.
    #[error("header has no NAME tag")]
    NoName,
}

/// Parses an RPM header blob as stored in the database (optionally preceded by the 8-byte header
/// magic used in package files).
pub fn parse_header(blob: &[u8]) -> Result<RpmPackage, HeaderError> {
    let blob = match blob.get(..4) {
        Some(magic) if magic == HEADER_MAGIC => blob.get(8..).unwrap_or_default(),
        _ => blob,
    };
    let entries = read_u32_be(blob, 0).ok_or(HeaderError::TooShort(blob.len()))?;
    let data_bytes = read_u32_be(blob, 4).ok_or(HeaderError::TooShort(blob.len()))?;
    if entries > MAX_ENTRIES || data_bytes > MAX_DATA_BYTES {
        return Err(HeaderError::TooLarge {
            entries,
            data_bytes,
        });
    }
    let index_start = 8usize;
    let data_start = index_start + entries as usize * 16;
    let needed = data_start as u64 + u64::from(data_bytes);
    if needed > blob.len() as u64 {
        return Err(HeaderError::Truncated {
            needed,
            actual: blob.len(),
        });
    }
    let data = blob
        .get(data_start..data_start + data_bytes as usize)
        .ok_or(HeaderError::Truncated {
            needed,
            actual: blob.len(),
        })?;

    let mut package = RpmPackage::default();
    let mut name = None;
    for i in 0..entries as usize {
        let at = index_start + i * 16;
        let (Some(tag), Some(kind), Some(offset), Some(count)) = (
            read_u32_be(blob, at),
            read_u32_be(blob, at + 4),
            read_u32_be(blob, at + 8),
            read_u32_be(blob, at + 12),
        ) else {
            return Err(HeaderError::Truncated {
                needed,
                actual: blob.len(),
            });
        };
        let entry = Entry {
            tag,
            kind,
            offset,
            count,
        };
        match tag {
            tag::NAME if name.is_none() => name = Some(entry.string(data)?),
            tag::VERSION if package.version.is_none() => {
                package.version = Some(entry.string(data)?)
            }
            tag::RELEASE if package.release.is_none() => {
                package.release = Some(entry.string(data)?)
            }
            tag::ARCH if package.arch.is_none() => package.arch = Some(entry.string(data)?),
            tag::VENDOR if package.vendor.is_none() => package.vendor = Some(entry.string(data)?),
            tag::PACKAGER if package.packager.is_none() => {
                package.packager = Some(entry.string(data)?)
            }
            tag::DISTRIBUTION if package.distribution.is_none() => {
                package.distribution = Some(entry.string(data)?)
            }
            tag::EPOCH if package.epoch.is_none() => package.epoch = Some(entry.int32(data)?),
            tag::INSTALLTIME if package.install_time.is_none() => {
                package.install_time = Some(entry.int32(data)?)
            }
            _ => {}
        }
    }
    package.name = name.filter(|n| !n.is_empty()).ok_or(HeaderError::NoName)?;
    Ok(package)
}

struct Entry {
    tag: u32,
    kind: u32,
    offset: u32,
    count: u32,
}

impl Entry {
    fn bad(&self, reason: &'static str) -> HeaderError {
        HeaderError::BadEntry {
            tag: self.tag,
            reason,
        }
    }

    /// The first string of a STRING, STRING_ARRAY or I18NSTRING entry.
    fn string(&self, data: &[u8]) -> Result<String, HeaderError> {
        if !matches!(self.kind, TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(self.bad("not a string"));
        }
        if self.count == 0 {
            return Err(self.bad("empty string list"));
        }
        let rest = data
            .get(self.offset as usize..)
            .ok_or_else(|| self.bad("offset outside the data store"))?;
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| self.bad("string not terminated"))?;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }

    /// The first value of an INT32 entry.
    fn int32(&self, data: &[u8]) -> Result<u32, HeaderError> {
        if self.kind != TYPE_INT32 {
            return Err(self.bad("not an INT32"));
        }
        if self.count == 0 {
            return Err(self.bad("empty integer list"));
        }
        read_u32_be(data, self.offset as usize)
            .ok_or_else(|| self.bad("offset outside the data store"))
    }
}

fn read_u32_be(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let chunk: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_be_bytes(chunk))
}

pub(super) fn read_u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    let end = at.checked_add(4)?;
    let chunk: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(chunk))
}
#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a header blob from (tag, type, payload) entries.
    pub(crate) fn header(entries: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, kind, payload) in entries {
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&kind.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(payload);
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend(index);
        blob.extend(data);
        blob
    }

    #[test]
    fn parses_a_built_header() {
        let blob = header(&[
            (tag::NAME, TYPE_STRING, b"bash\0"),
            (tag::EPOCH, TYPE_INT32, &2u32.to_be_bytes()),
            (tag::VERSION, TYPE_STRING, b"5.1.8\0"),
            (tag::RELEASE, TYPE_STRING, b"1.cm2\0"),
            (tag::ARCH, TYPE_STRING, b"x86_64\0"),
            (tag::VENDOR, TYPE_STRING, b"Microsoft Corporation\0"),
            (
                tag::INSTALLTIME,
                TYPE_INT32,
                &1_643_279_451u32.to_be_bytes(),
            ),
        ]);
        let package = parse_header(&blob).unwrap();
        assert_eq!(package.evr().as_deref(), Some("2:5.1.8-1.cm2"));
        let software = package.to_software();
        assert_eq!(software.publisher.as_deref(), Some("Microsoft Corporation"));
        assert_eq!(software.install_date.unwrap().to_string(), "2022-01-27");
        assert_eq!(software.key, "bash|2:5.1.8-1.cm2|x86_64");
        let mut with_magic = vec![0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];
        with_magic.extend(&blob);
        assert_eq!(parse_header(&with_magic).unwrap(), package);
    }

    #[test]
    fn rejects_damaged_headers() {
        assert_eq!(parse_header(&[0, 0, 0]), Err(HeaderError::TooShort(3)));
        let blob = header(&[(tag::NAME, TYPE_STRING, b"bash")]);
        assert!(matches!(
            parse_header(&blob),
            Err(HeaderError::BadEntry { tag: 1000, .. })
        ));
        let blob = header(&[(tag::NAME, TYPE_INT32, &[0, 0, 0, 1])]);
        assert!(matches!(
            parse_header(&blob),
            Err(HeaderError::BadEntry { .. })
        ));
        let blob = header(&[(tag::VERSION, TYPE_STRING, b"1\0")]);
        assert_eq!(parse_header(&blob), Err(HeaderError::NoName));
        let mut blob = header(&[(tag::NAME, TYPE_STRING, b"a\0")]);
        blob.pop();
        assert!(matches!(
            parse_header(&blob),
            Err(HeaderError::Truncated { .. })
        ));
        let huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            parse_header(&huge),
            Err(HeaderError::TooLarge { .. })
        ));
    }
}
