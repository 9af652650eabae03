//! UEFI Secure Boot variables: the `db` and `KEK` signature lists, and who the certificates in them
//! are.
//!
//! A variable as Linux's efivarfs shows it (`/sys/firmware/efi/efivars/db-d719b2cb-…`) is 4 bytes
//! of attributes, then the value. Windows' `GetFirmwareEnvironmentVariable` returns the value alone.
//! The value of `db`, `KEK` (and `PK`, `dbx`) is a sequence of `EFI_SIGNATURE_LIST`s (UEFI
//! specification, "Signature Database"):
//!
//! ```text
//! EFI_SIGNATURE_LIST { SignatureType: GUID, SignatureListSize: u32, SignatureHeaderSize: u32,
//!                      SignatureSize: u32, SignatureHeader[SignatureHeaderSize],
//!                      Signatures[(ListSize - 28 - HeaderSize) / SignatureSize] }
//! EFI_SIGNATURE_DATA { SignatureOwner: GUID, SignatureData[SignatureSize - 16] }
//! ```
//!
//! All integers little-endian; a GUID is `u32, u16, u16, [u8; 8]`. Lists of type `EFI_CERT_X509_GUID`
//! hold one DER certificate per entry; other types (SHA-256 hashes, an "externally managed" marker in
//! `PK`) are kept as entries but have no subject.
//!
//! Written here rather than taken from a crate: the format is one small fixed layout, and the crates
//! that read it pull in an efivarfs or Windows API layer the agent already has. The parser is total
//! (any bytes give lists or a typed error with the offset, never a panic; property-tested) and
//! borrows from its input. Certificates are read with `x509-parser`; only the subject's common name
//! is kept, because the 2023 CAs dropped the 2011 ones' `L=Redmond, ST=Washington`.

use std::fmt;

use x509_parser::prelude::{FromDer, X509Certificate};

/// Largest firmware variable read (real `db`s are a few KiB; the UEFI variable store is small).
pub const MAX_VARIABLE_BYTES: u64 = 1024 * 1024;

/// `EFI_IMAGE_SECURITY_DATABASE_GUID`: the vendor GUID of `db` and `dbx`.
pub const IMAGE_SECURITY_DATABASE: &str = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";
/// `EFI_GLOBAL_VARIABLE`: the vendor GUID of `KEK`, `PK`, `SecureBoot`.
pub const GLOBAL_VARIABLE: &str = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
/// `EFI_CERT_X509_GUID`: a list of DER X.509 certificates.
pub const CERT_X509: Guid = Guid::new(
    0xa5c0_59a1,
    0x94e4,
    0x4aa7,
    [0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72],
);

/// Size of the fixed part of an `EFI_SIGNATURE_LIST`.
const LIST_HEADER: usize = 28;
/// Size of the owner GUID that starts every `EFI_SIGNATURE_DATA`.
const OWNER: usize = 16;

/// A GUID in its on-disk (mixed-endian) layout.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guid([u8; 16]);

impl Guid {
    /// The GUID written `d1-d2-d3-d4[0..2]-d4[2..8]`.
    pub const fn new(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Guid {
        let a = d1.to_le_bytes();
        let b = d2.to_le_bytes();
        let c = d3.to_le_bytes();
        Guid([
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4],
            d4[5], d4[6], d4[7],
        ])
    }

    /// From the 16 bytes as stored.
    pub fn from_bytes(bytes: [u8; 16]) -> Guid {
        Guid(bytes)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_le_bytes([b[4], b[5]]),
            u16::from_le_bytes([b[6], b[7]]),
            b[8],
            b[9],
            b[10],
            b[11],
            b[12],
            b[13],
            b[14],
            b[15]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a variable could not be read, with the byte offset (in the value, after any attributes).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EfiError {
    /// Fewer than 4 bytes: not even the attributes.
    #[error("{len} bytes: too short for an efivarfs variable (4 attribute bytes, then the value)")]
    NoAttributes {
        /// The length found.
        len: usize,
    },
    /// A list header or entry runs past the end of the data.
    #[error("offset {offset}: {what} runs past the end ({len} bytes)")]
    Truncated {
        /// Where the list or entry starts.
        offset: usize,
        /// What was being read.
        what: &'static str,
        /// Length of the whole value.
        len: usize,
    },
    /// A size field that cannot be right.
    #[error("offset {offset}: {what} is {value}")]
    BadSize {
        /// Where the list starts.
        offset: usize,
        /// Which field, and why it is wrong.
        what: &'static str,
        /// Its value.
        value: u32,
    },
}

/// One `EFI_SIGNATURE_LIST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureList<'a> {
    /// What its entries are (`EFI_CERT_X509_GUID`, `EFI_CERT_SHA256_GUID`, …).
    pub kind: Guid,
    /// Its entries, in order.
    pub entries: Vec<Signature<'a>>,
}

/// One `EFI_SIGNATURE_DATA`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature<'a> {
    /// Who enrolled it (Microsoft is `77fa9abd-0359-4d32-bd60-28f4e78f784b`).
    pub owner: Guid,
    /// The certificate (DER) or hash.
    pub data: &'a [u8],
}

/// The value of an efivarfs file: everything after the 4 attribute bytes.
pub fn efivarfs_value(file: &[u8]) -> Result<&[u8], EfiError> {
    file.get(4..)
        .ok_or(EfiError::NoAttributes { len: file.len() })
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Every signature list in a variable's value, in order. An empty value is no lists.
pub fn signature_lists(value: &[u8]) -> Result<Vec<SignatureList<'_>>, EfiError> {
    let len = value.len();
    let mut lists = Vec::new();
    let mut offset = 0;
    while offset < len {
        let truncated = |what| EfiError::Truncated { offset, what, len };
        let header = value
            .get(offset..offset + LIST_HEADER)
            .ok_or(truncated("a signature list header"))?;
        let mut kind = [0u8; 16];
        kind.copy_from_slice(&header[..16]);
        let field = |at| u32_at(header, at).unwrap_or(0);
        let (list_size, header_size, entry_size) = (field(16), field(20), field(24));
        let bad = |what, value| EfiError::BadSize {
            offset,
            what,
            value,
        };
        let list_bytes = usize::try_from(list_size).map_err(|_| bad("the list size", list_size))?;
        let header_bytes =
            usize::try_from(header_size).map_err(|_| bad("the header size", header_size))?;
        let entry_bytes =
            usize::try_from(entry_size).map_err(|_| bad("the signature size", entry_size))?;
        if list_bytes < LIST_HEADER {
            return Err(bad(
                "the list size (less than its 28-byte header)",
                list_size,
            ));
        }
        if entry_bytes < OWNER {
            return Err(bad(
                "the signature size (less than its 16-byte owner GUID)",
                entry_size,
            ));
        }
        let end = offset
            .checked_add(list_bytes)
            .filter(|&end| end <= len)
            .ok_or(truncated("a signature list"))?;
        let body_start = offset
            .checked_add(LIST_HEADER + header_bytes)
            .filter(|&start| start <= end)
            .ok_or(bad("the header size (past the list's end)", header_size))?;
        let body = &value[body_start..end];
        if !body.len().is_multiple_of(entry_bytes) {
            return Err(bad(
                "the signature size (does not divide the list's body)",
                entry_size,
            ));
        }
        let entries = body
            .chunks_exact(entry_bytes)
            .map(|entry| {
                let mut owner = [0u8; 16];
                owner.copy_from_slice(&entry[..OWNER]);
                Signature {
                    owner: Guid(owner),
                    data: &entry[OWNER..],
                }
            })
            .collect();
        lists.push(SignatureList {
            kind: Guid(kind),
            entries,
        });
        offset = end;
    }
    Ok(lists)
}

/// The certificates of a signature database, by subject.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificates {
    /// Subject common names of the X.509 entries, in order (the full subject when it has no CN).
    pub subjects: Vec<String>,
    /// X.509 entries that are not readable certificates.
    pub unreadable: usize,
    /// Entries of other kinds (hashes and the like).
    pub other: usize,
}

/// The certificates in a variable's value (`db`, `KEK`), without attributes.
pub fn certificates(value: &[u8]) -> Result<Certificates, EfiError> {
    let mut out = Certificates::default();
    for list in signature_lists(value)? {
        for entry in &list.entries {
            if list.kind != CERT_X509 {
                out.other += 1;
                continue;
            }
            match subject(entry.data) {
                Some(name) => out.subjects.push(name),
                None => out.unreadable += 1,
            }
        }
    }
    Ok(out)
}

/// The subject common name of a DER certificate (its full subject when it has no CN), or `None`
/// when the bytes are not a certificate.
pub fn subject(der: &[u8]) -> Option<String> {
    let (_, certificate) = X509Certificate::from_der(der).ok()?;
    let subject = certificate.subject();
    let common_name = subject
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(|cn| cn.trim().to_string())
        .filter(|cn| !cn.is_empty());
    Some(common_name.unwrap_or_else(|| subject.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(kind: Guid, header: &[u8], entries: &[&[u8]], entry_size: usize) -> Vec<u8> {
        let size = LIST_HEADER + header.len() + entries.len() * entry_size;
        let mut out = kind.0.to_vec();
        for n in [size, header.len(), entry_size] {
            out.extend(u32::try_from(n).unwrap().to_le_bytes());
        }
        out.extend(header);
        for entry in entries {
            out.extend([0x11; 16]);
            out.extend(*entry);
        }
        out
    }

    #[test]
    fn guids_print_in_registry_order() {
        assert_eq!(
            CERT_X509.to_string(),
            "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
        );
    }

    #[test]
    fn lists_entries_and_headers() {
        let sha256 = Guid::new(
            0xc1c4_1626,
            0x504c,
            0x4092,
            [0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28],
        );
        let mut value = list(sha256, &[], &[&[1; 32], &[2; 32]], 48);
        value.extend(list(CERT_X509, &[9, 9], &[b"not a certificate"], 33));
        let lists = signature_lists(&value).unwrap();
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].entries.len(), 2);
        assert_eq!(lists[0].entries[1].data, &[2; 32]);
        assert_eq!(lists[1].entries[0].data, b"not a certificate");
        let certs = certificates(&value).unwrap();
        assert_eq!(
            (certs.subjects.len(), certs.unreadable, certs.other),
            (0, 1, 2)
        );
        assert_eq!(signature_lists(&[]).unwrap(), vec![]);
    }

    #[test]
    fn bad_sizes_are_errors_with_offsets() {
        let good = list(CERT_X509, &[], &[&[7; 4]], 20);
        let mut short = good.clone();
        short.pop();
        assert!(matches!(
            signature_lists(&short),
            Err(EfiError::Truncated { offset: 0, .. })
        ));
        let mut zero = good.clone();
        zero[24..28].copy_from_slice(&0u32.to_le_bytes());
        assert!(matches!(
            signature_lists(&zero),
            Err(EfiError::BadSize { offset: 0, .. })
        ));
        let mut twice = good.clone();
        twice.extend(&good[..10]);
        assert_eq!(
            signature_lists(&twice).unwrap_err(),
            EfiError::Truncated {
                offset: good.len(),
                what: "a signature list header",
                len: twice.len()
            }
        );
        assert_eq!(
            efivarfs_value(&[1, 2]).unwrap_err(),
            EfiError::NoAttributes { len: 2 }
        );
    }
}
