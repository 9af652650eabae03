//! Where the collector's catalogue comes from: the built-in one, or a directory of TOML files.
//!
//! The loaded catalogue keeps its file texts so `GET /api/v1/catalog` can hand agents exactly the
//! files the collector judges with.

use std::path::Path;

use serde::Serialize;
use sunset_catalog::Catalog;

/// A checked catalogue and the files it was read from.
#[derive(Debug)]
pub struct LoadedCatalog {
    /// The indexed catalogue.
    pub catalog: Catalog,
    /// `(file name, text)` in load order.
    pub files: Vec<(String, String)>,
    /// Where it came from, for people (`built-in`, a directory).
    pub origin: String,
}

/// The bundle agents download.
#[derive(Serialize)]
pub struct Bundle<'a> {
    /// Catalogue version.
    pub version: &'a str,
    /// The files.
    pub files: Vec<BundleFile<'a>>,
}

/// One file of the bundle.
#[derive(Serialize)]
pub struct BundleFile<'a> {
    /// File name.
    pub name: &'a str,
    /// TOML text.
    pub text: &'a str,
}

impl LoadedCatalog {
    /// Catalogue version.
    pub fn version(&self) -> &str {
        self.catalog.version()
    }

    /// The bundle for agents.
    pub fn bundle(&self) -> Bundle<'_> {
        Bundle {
            version: self.version(),
            files: self
                .files
                .iter()
                .map(|(name, text)| BundleFile { name, text })
                .collect(),
        }
    }

    /// Parses and checks a catalogue from files.
    pub fn from_files(
        files: Vec<(String, String)>,
        origin: String,
    ) -> anyhow::Result<LoadedCatalog> {
        let catalog = Catalog::from_files(&files)
            .map_err(|e| anyhow::anyhow!("catalogue from {origin}: {e}"))?;
        Ok(LoadedCatalog {
            catalog,
            files,
            origin,
        })
    }
}

/// Loads the catalogue directory, or the built-in catalogue when `dir` is `None`.
pub fn load(dir: Option<&Path>) -> anyhow::Result<LoadedCatalog> {
    match dir {
        None => {
            let files = sunset_catalog::builtin::FILES
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string()))
                .collect();
            LoadedCatalog::from_files(files, "built-in".to_string())
        }
        Some(dir) => {
            let mut paths = Vec::new();
            let entries = std::fs::read_dir(dir).map_err(|e| {
                anyhow::anyhow!("cannot read catalogue directory {}: {e}", dir.display())
            })?;
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
            LoadedCatalog::from_files(files, dir.display().to_string())
        }
    }
}
