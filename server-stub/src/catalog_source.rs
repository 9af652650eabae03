//! Where the collector's catalogue comes from: the built-in one, or a directory of TOML files,
//! with the organisation's overlay files (`catalog_overlay_dir`) laid over it; and the signed
//! bundle of both that agents download.
//!
//! The loaded catalogue keeps its file texts, and, when `catalog_signing_key_file` is configured,
//! the bundle of exactly those files signed with that key (`sunset_catalog::bundle`), so
//! `GET /api/v1/catalog` hands agents the catalogue the collector judges with. Catalogue and
//! signature are made together in [`load_configured`], so they cannot drift apart.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use sunset_catalog::Catalog;
use sunset_catalog::bundle::{self, Bundle, SigningKey};

use crate::config::Config;

/// Largest signing key file read (a key file is one line of base64).
const MAX_KEY_FILE_BYTES: u64 = 4096;

/// A checked catalogue and the files it was read from.
#[derive(Debug)]
pub struct LoadedCatalog {
    /// The indexed catalogue.
    pub catalog: Catalog,
    /// `(file name, text)` in load order.
    pub files: Vec<(String, String)>,
    /// The overlay files, `(file name, text)` in load order; empty without an overlay directory.
    pub overlays: Vec<(String, String)>,
    /// Where it came from, for people (`built-in`, a directory, `… + overlays from …`).
    pub origin: String,
    /// The signed bundle file (JSON) agents download; `None` when no signing key is configured.
    pub signed: Option<SignedBundle>,
}

/// A signed bundle of the catalogue, as served.
#[derive(Clone, Debug)]
pub struct SignedBundle {
    /// The bundle file's bytes (`sunset-catalog-bundle/1` JSON).
    pub bytes: Arc<[u8]>,
    /// The signing key's public half, base64 (what agents put in `catalog_public_key`).
    pub public_key: String,
}

impl LoadedCatalog {
    /// Catalogue version.
    pub fn version(&self) -> &str {
        self.catalog.version()
    }

    /// Signs this catalogue's files as one bundle with `key` and keeps the result.
    pub fn sign(&mut self, key: &SigningKey) -> anyhow::Result<()> {
        let bytes = Bundle::from_layers(self.version(), self.files.clone(), self.overlays.clone())
            .and_then(|bundle| bundle.sign(key))
            .map_err(|e| anyhow::anyhow!("cannot sign catalogue from {}: {e}", self.origin))?;
        self.signed = Some(SignedBundle {
            bytes: bytes.into(),
            public_key: bundle::encode_verifying_key(&key.verifying_key())
                .trim()
                .to_string(),
        });
        Ok(())
    }

    /// Parses and checks a catalogue from files.
    pub fn from_files(
        files: Vec<(String, String)>,
        origin: String,
    ) -> anyhow::Result<LoadedCatalog> {
        LoadedCatalog::from_layers(files, Vec::new(), None, origin)
    }

    /// Parses and checks a catalogue from base files and overlay files read from `overlay_dir`
    /// (whose path prefixes the overlays' names in problems: `overlay-dir/gp.toml:12: …`).
    pub fn from_layers(
        files: Vec<(String, String)>,
        overlays: Vec<(String, String)>,
        overlay_dir: Option<&Path>,
        origin: String,
    ) -> anyhow::Result<LoadedCatalog> {
        let located: Vec<(String, &str)> = overlays
            .iter()
            .map(|(name, text)| {
                let path = overlay_dir
                    .map_or_else(|| name.clone(), |d| d.join(name).display().to_string());
                (path, text.as_str())
            })
            .collect();
        let catalog = Catalog::from_layers(&files, &located)
            .map_err(|e| anyhow::anyhow!("catalogue from {origin}: {e}"))?;
        Ok(LoadedCatalog {
            catalog,
            files,
            overlays,
            origin,
            signed: None,
        })
    }
}

/// Loads the catalogue directory, or the built-in catalogue when `dir` is `None`.
pub fn load(dir: Option<&Path>) -> anyhow::Result<LoadedCatalog> {
    load_layers(dir, None)
}

/// Loads the catalogue directory (or the built-in catalogue) with the overlay directory's files
/// laid over it.
pub fn load_layers(
    dir: Option<&Path>,
    overlay_dir: Option<&Path>,
) -> anyhow::Result<LoadedCatalog> {
    let (files, mut origin) = match dir {
        None => {
            let files = sunset_catalog::builtin::FILES
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string()))
                .collect();
            (files, "built-in".to_string())
        }
        Some(dir) => (read_toml_dir(dir, "catalogue")?, dir.display().to_string()),
    };
    let overlays = match overlay_dir {
        None => Vec::new(),
        Some(overlay_dir) => {
            origin = format!("{origin} + overlays from {}", overlay_dir.display());
            read_toml_dir(overlay_dir, "catalogue overlay")?
        }
    };
    LoadedCatalog::from_layers(files, overlays, overlay_dir, origin)
}

/// The `*.toml` files of a directory as `(file name, text)`, in name order.
fn read_toml_dir(dir: &Path, what: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut paths = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read {what} directory {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((name, text));
    }
    Ok(files)
}

/// Loads the configured catalogue with its overlays and, when `catalog_signing_key_file` is set,
/// signs both into one bundle.
pub fn load_configured(config: &Config) -> anyhow::Result<LoadedCatalog> {
    let mut loaded = load_layers(
        config.catalog_dir.as_deref(),
        config.catalog_overlay_dir.as_deref(),
    )?;
    let problems = crate::cover::check(&config.declared_cover, &loaded.catalog);
    if !problems.is_empty() {
        anyhow::bail!(
            "collector configuration does not fit catalogue {} from {}:\n  {}",
            loaded.version(),
            loaded.origin,
            problems.join("\n  ")
        );
    }
    if let Some(path) = &config.catalog_signing_key_file {
        let key = read_signing_key(path)?;
        loaded.sign(&key)?;
    }
    Ok(loaded)
}

/// Reads a private key file written by `sunset-collector catalog keygen` or `sunset-catalog
/// keygen` (the 32-byte seed in base64). On Unix a key file others can read or write is refused:
/// whoever reads it can sign catalogues every agent trusts.
pub fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let file = std::fs::File::open(path).map_err(|e| {
        anyhow::anyhow!(
            "catalog_signing_key_file: cannot open {}: {e}",
            path.display()
        )
    })?;
    check_private(path, &file)?;
    let mut text = String::new();
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| {
            anyhow::anyhow!(
                "catalog_signing_key_file: cannot read {}: {e}",
                path.display()
            )
        })?;
    if text.len() as u64 > MAX_KEY_FILE_BYTES {
        anyhow::bail!(
            "catalog_signing_key_file: {} is larger than {MAX_KEY_FILE_BYTES} bytes; not a key",
            path.display()
        );
    }
    bundle::decode_signing_key(&text)
        .map_err(|e| anyhow::anyhow!("catalog_signing_key_file: {}: {e}", path.display()))
}

#[cfg(unix)]
fn check_private(path: &Path, file: &std::fs::File) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = file
        .metadata()
        .map_err(|e| anyhow::anyhow!("catalog_signing_key_file: {}: {e}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o006 != 0 {
        anyhow::bail!(
            "catalog_signing_key_file: {} is accessible to every user (mode {:o}); \
             run `chmod 600 {}` (the collector refuses to use a private key others can read)",
            path.display(),
            mode & 0o777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _file: &std::fs::File) -> anyhow::Result<()> {
    Ok(())
}

/// A new key pair from the operating system's randomness, as the texts of the `.key` and `.pub`
/// files (the same format `sunset-catalog keygen` writes).
pub fn generate_key_pair() -> (String, String) {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let key = bundle::signing_key_from_seed(&seed);
    (
        bundle::encode_signing_key(&key),
        bundle::encode_verifying_key(&key.verifying_key()),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn signed_bundle_verifies_with_the_public_key_only() {
        let (secret, public) = generate_key_pair();
        let key = bundle::decode_signing_key(&secret).unwrap();
        let mut loaded = load(None).unwrap();
        loaded.sign(&key).unwrap();
        let signed = loaded.signed.clone().unwrap();
        assert_eq!(signed.public_key, public.trim());
        let public = bundle::decode_verifying_key(&public).unwrap();
        let bundle = Bundle::parse_and_verify(&signed.bytes, &public).unwrap();
        assert_eq!(bundle.version(), loaded.version());
        assert_eq!(bundle.files().len(), loaded.files.len());
        let (_, other) = generate_key_pair();
        let other = bundle::decode_verifying_key(&other).unwrap();
        assert!(Bundle::parse_and_verify(&signed.bytes, &other).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.key");
        std::fs::write(&path, generate_key_pair().0).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = read_signing_key(&path).unwrap_err().to_string();
        assert!(error.contains("chmod 600"), "{error}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        read_signing_key(&path).unwrap();
        std::fs::write(&path, "not a key\n").unwrap();
        let error = read_signing_key(&path).unwrap_err().to_string();
        assert!(error.contains("bad key"), "{error}");
    }
}
