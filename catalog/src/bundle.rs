//! A signed catalogue bundle: the catalogue files, a version and an Ed25519 signature in one file.
//!
//! Agents fetch the bundle from the collector and use it only if it verifies with the key they
//! were installed with. The file is JSON:
//!
//! ```json
//! {"format": "sunset-catalog-bundle/1", "version": "2026.11.25",
//!  "files": [{"name": "windows.toml", "text": "…"}], "signature": "<base64>"}
//! ```
//!
//! An overlay file (the organisation's own, laid over the base: `catalog/overlay.rs`) carries
//! `"overlay": true`; base files carry nothing, so a bundle without overlays is byte for byte what
//! it was before overlays existed. An agent too old to know overlays refuses a bundle with them
//! (unknown field) and keeps its catalogue, rather than loading overlay files as base files.
//!
//! The signature covers a canonical byte string, not the JSON: the format, the version and every
//! file (base files by name, then overlay files by name), each length-prefixed, an overlay file's
//! followed by the marker `overlay` (never a file name: those end in `.toml`), so any change to
//! any byte of any name, text, layer or the version, and any file added or removed, breaks
//! verification. Keys are stored as base64 text:
//! the 32-byte secret seed in `<prefix>.key`, the 32-byte public key in `<prefix>.pub`.
//!
//! Pure: bytes in, bytes out; the `sunset-catalog` tool reads and writes the files.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer};
use serde::Deserialize;

pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::catalog::{Catalog, LoadError};

/// The bundle format this code writes and reads.
pub const FORMAT: &str = "sunset-catalog-bundle/1";

/// Largest bundle accepted, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 32 * 1024 * 1024;

/// Most files a bundle may hold.
pub const MAX_FILES: usize = 4096;

/// What follows an overlay file's text in the signed bytes.
const OVERLAY_MARK: &[u8] = b"overlay";

/// Longest file name accepted.
const MAX_NAME_LEN: usize = 255;

/// One catalogue file of a bundle.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleFile {
    /// File name (`windows.toml`): no directories.
    pub name: String,
    /// Its text.
    pub text: String,
    /// An overlay file rather than a base file.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overlay: bool,
}

/// A catalogue as shipped: a version and its files, base files by name then overlays by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    version: String,
    files: Vec<BundleFile>,
}

/// Why a bundle or a key was refused.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The input is larger than [`MAX_BUNDLE_BYTES`].
    #[error("bundle is {size} bytes, more than the {limit} accepted")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not a bundle: bad JSON, missing or unknown fields.
    #[error("not a catalogue bundle: {0}")]
    Malformed(String),
    /// A bundle of another format.
    #[error("unsupported bundle format {0:?} (expected {FORMAT:?})")]
    Format(String),
    /// A file name that is empty, has a directory part, or repeats.
    #[error("bad file name {name:?}: {reason}")]
    FileName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The signature does not verify with the key: the bundle was changed or signed by another key.
    #[error("signature does not verify: the bundle was altered or signed with another key")]
    BadSignature,
    /// A key file that is not a base64-encoded 32-byte Ed25519 key.
    #[error("bad key: {0}")]
    Key(String),
}

/// The JSON form.
#[derive(serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    version: String,
    files: Vec<BundleFile>,
    signature: String,
}

impl Bundle {
    /// A bundle of `files` (`(name, text)`, as read from a catalogue directory) at `version`.
    pub fn from_dir_files(
        version: impl Into<String>,
        files: Vec<(String, String)>,
    ) -> Result<Bundle, BundleError> {
        Bundle::from_layers(version, files, Vec::new())
    }

    /// A bundle of base files and overlay files (`(name, text)`, names without directories).
    pub fn from_layers(
        version: impl Into<String>,
        base: Vec<(String, String)>,
        overlays: Vec<(String, String)>,
    ) -> Result<Bundle, BundleError> {
        let file = |overlay| {
            move |(name, text)| BundleFile {
                name,
                text,
                overlay,
            }
        };
        let files = base
            .into_iter()
            .map(file(false))
            .chain(overlays.into_iter().map(file(true)))
            .collect();
        Bundle::new(version.into(), files)
    }

    fn new(version: String, mut files: Vec<BundleFile>) -> Result<Bundle, BundleError> {
        if files.len() > MAX_FILES {
            return Err(BundleError::Malformed(format!(
                "more than {MAX_FILES} files"
            )));
        }
        for file in &files {
            check_name(&file.name)?;
        }
        files.sort_by(|a, b| (a.overlay, &a.name).cmp(&(b.overlay, &b.name)));
        if let Some(pair) = files
            .windows(2)
            .find(|w| (w[0].overlay, &w[0].name) == (w[1].overlay, &w[1].name))
        {
            return Err(BundleError::FileName {
                name: pair[0].name.clone(),
                reason: "appears twice",
            });
        }
        Ok(Bundle { version, files })
    }

    /// The catalogue version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The files, base files by name then overlay files by name.
    pub fn files(&self) -> &[BundleFile] {
        &self.files
    }

    /// Signs the bundle and returns the bundle file's bytes (JSON).
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, BundleError> {
        let signature = key.sign(&self.signed_bytes());
        let wire = Wire {
            format: FORMAT.to_string(),
            version: self.version.clone(),
            files: self.files.clone(),
            signature: BASE64.encode(signature.to_bytes()),
        };
        let mut out =
            serde_json::to_vec_pretty(&wire).map_err(|e| BundleError::Malformed(e.to_string()))?;
        out.push(b'\n');
        if out.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge {
                size: out.len(),
                limit: MAX_BUNDLE_BYTES,
            });
        }
        Ok(out)
    }

    /// Reads a bundle file and checks its signature with `key`; nothing of an unverified bundle is
    /// returned.
    pub fn parse_and_verify(bytes: &[u8], key: &VerifyingKey) -> Result<Bundle, BundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge {
                size: bytes.len(),
                limit: MAX_BUNDLE_BYTES,
            });
        }
        let wire: Wire =
            serde_json::from_slice(bytes).map_err(|e| BundleError::Malformed(e.to_string()))?;
        if wire.format != FORMAT {
            return Err(BundleError::Format(wire.format));
        }
        let signature = BASE64
            .decode(wire.signature.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .ok_or(BundleError::BadSignature)?;
        let bundle = Bundle::new(wire.version, wire.files)?;
        key.verify_strict(&bundle.signed_bytes(), &signature)
            .map_err(|_| BundleError::BadSignature)?;
        Ok(bundle)
    }

    /// Loads and checks the catalogue the bundle carries: its base files with its overlays laid
    /// over them, the same merge the collector made.
    pub fn catalog(&self) -> Result<Catalog, LoadError> {
        let layer = |overlay: bool| -> Vec<(&str, &str)> {
            self.files
                .iter()
                .filter(|f| f.overlay == overlay)
                .map(|f| (f.name.as_str(), f.text.as_str()))
                .collect()
        };
        Catalog::from_layers(&layer(false), &layer(true))
    }

    /// The bytes the signature covers: format, version, file count, then each file's name and
    /// text in name order, every string preceded by its length (u64, big-endian).
    fn signed_bytes(&self) -> Vec<u8> {
        let size: usize = self
            .files
            .iter()
            .map(|f| f.name.len() + f.text.len() + 16)
            .sum();
        let mut out = Vec::with_capacity(size + self.version.len() + 64);
        let mut put = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        put(FORMAT.as_bytes());
        put(self.version.as_bytes());
        put(&(self.files.len() as u64).to_be_bytes());
        for file in &self.files {
            put(file.name.as_bytes());
            put(file.text.as_bytes());
            if file.overlay {
                put(OVERLAY_MARK);
            }
        }
        out
    }
}

/// A file name is a plain `*.toml` name: no directory part, nothing hidden.
fn check_name(name: &str) -> Result<(), BundleError> {
    let bad = |reason| {
        Err(BundleError::FileName {
            name: name.chars().take(MAX_NAME_LEN).collect(),
            reason,
        })
    };
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return bad("empty or too long");
    }
    if name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return bad("only ASCII letters, digits, '-', '_' and '.' are allowed, not first '.'");
    }
    if !name.ends_with(".toml") {
        return bad("not a .toml file");
    }
    Ok(())
}

/// The text of a `.key` file: the secret seed in base64, one line.
pub fn encode_signing_key(key: &SigningKey) -> String {
    format!("{}\n", BASE64.encode(key.to_bytes()))
}

/// The text of a `.pub` file: the public key in base64, one line.
pub fn encode_verifying_key(key: &VerifyingKey) -> String {
    format!("{}\n", BASE64.encode(key.to_bytes()))
}

fn key_bytes(text: &str) -> Result<[u8; 32], BundleError> {
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|e| BundleError::Key(format!("not base64: {e}")))?;
    <[u8; 32]>::try_from(bytes)
        .map_err(|b| BundleError::Key(format!("{} bytes, expected 32", b.len())))
}

/// Reads a `.key` file's text.
pub fn decode_signing_key(text: &str) -> Result<SigningKey, BundleError> {
    Ok(SigningKey::from_bytes(&key_bytes(text)?))
}

/// Reads a `.pub` file's text.
pub fn decode_verifying_key(text: &str) -> Result<VerifyingKey, BundleError> {
    VerifyingKey::from_bytes(&key_bytes(text)?)
        .map_err(|_| BundleError::Key("not a valid Ed25519 public key".into()))
}

/// A key pair from a 32-byte random seed (the caller supplies the randomness).
pub fn signing_key_from_seed(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}
