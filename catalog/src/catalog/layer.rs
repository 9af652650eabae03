//! Which layer of a catalogue decided something: the base catalogue, or one overlay file.
//!
//! An organisation lays its own catalogue files (clinical and in-house systems, whose lifecycle it
//! decides itself) over the base catalogue. Every finding says which layer its dates came from,
//! so a reader can tell a vendor's published date from a local decision. Written as text
//! `built-in` or `overlay:<file name>`, which is also how it is stored and shown.

use std::fmt;
use std::str::FromStr;

/// Where a product or release cycle comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// The base catalogue: the one built in, or the collector's `catalog_dir` in its place.
    #[default]
    BuiltIn,
    /// An overlay file, by its file name (`gp-clinical.toml`).
    Overlay(String),
}

const BUILT_IN: &str = "built-in";

/// What joins a base version and the overlays' digest in a catalogue version.
pub const OVERLAY_VERSION_MARK: &str = "+overlay.";

/// The base catalogue's part of a catalogue version (`2026.11.25+overlay.1a2b…` → `2026.11.25`).
pub fn base_version(version: &str) -> &str {
    version
        .split_once(OVERLAY_VERSION_MARK)
        .map_or(version, |(base, _)| base)
}
const OVERLAY_PREFIX: &str = "overlay:";

impl Layer {
    /// The layer of an overlay file given by a path or a name: its file name alone.
    pub fn overlay(path: &str) -> Layer {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        Layer::Overlay(name.to_string())
    }

    /// Whether this is the base catalogue.
    pub fn is_built_in(&self) -> bool {
        matches!(self, Layer::BuiltIn)
    }

    /// The overlay file's name, for an overlay.
    pub fn overlay_file(&self) -> Option<&str> {
        match self {
            Layer::BuiltIn => None,
            Layer::Overlay(name) => Some(name),
        }
    }
}

/// The catalogue version with overlays: the base's, then `+overlay.` and the first 12 hex digits
/// of a SHA-256 over the overlays' layer names and texts (sorted by name, each length-prefixed),
/// the same wherever the same files are loaded from.
pub(super) fn layered_version<M: AsRef<str>, U: AsRef<str>>(
    base: &str,
    overlays: &[(M, U)],
) -> String {
    use sha2::{Digest, Sha256};
    if overlays.is_empty() {
        return base.to_string();
    }
    let mut files: Vec<(String, &str)> = overlays
        .iter()
        .map(|(name, text)| (Layer::overlay(name.as_ref()).to_string(), text.as_ref()))
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    for (name, text) in files {
        for part in [name.as_bytes(), text.as_bytes()] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("{base}{OVERLAY_VERSION_MARK}{hex}")
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::BuiltIn => f.write_str(BUILT_IN),
            Layer::Overlay(name) => write!(f, "{OVERLAY_PREFIX}{name}"),
        }
    }
}

/// Text that is neither `built-in` nor `overlay:<file name>`.
#[derive(Debug, thiserror::Error)]
#[error("unknown catalogue layer {0:?} (built-in or overlay:<file name>)")]
pub struct UnknownLayer(String);

impl FromStr for Layer {
    type Err = UnknownLayer;

    fn from_str(text: &str) -> Result<Layer, UnknownLayer> {
        if text == BUILT_IN {
            return Ok(Layer::BuiltIn);
        }
        match text.strip_prefix(OVERLAY_PREFIX) {
            Some(name) if !name.is_empty() => Ok(Layer::Overlay(name.to_string())),
            _ => Err(UnknownLayer(text.to_string())),
        }
    }
}

impl serde::Serialize for Layer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Layer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Layer, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for layer in [Layer::BuiltIn, Layer::overlay("dir/gp-clinical.toml")] {
            let text = layer.to_string();
            assert_eq!(text.parse::<Layer>().unwrap(), layer);
            let json = serde_json::to_string(&layer).unwrap();
            assert_eq!(serde_json::from_str::<Layer>(&json).unwrap(), layer);
        }
        assert_eq!(
            Layer::overlay("dir/gp-clinical.toml").to_string(),
            "overlay:gp-clinical.toml"
        );
        assert!("overlay:".parse::<Layer>().is_err());
        assert!("base".parse::<Layer>().is_err());
    }
}
