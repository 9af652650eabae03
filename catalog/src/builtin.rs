//! The default catalogue, embedded at compile time from `catalog/data/`.

use crate::catalog::{Catalog, LoadError};

include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// Loads the built-in catalogue. A test keeps it valid, so an error here means a broken build.
pub fn catalog() -> Result<Catalog, LoadError> {
    Catalog::from_files(FILES)
}

/// The built-in catalogue's version, read from its `[catalog]` table alone: `--version` must not
/// pay for loading the whole catalogue.
pub fn version() -> Option<String> {
    FILES.iter().find_map(|(_, text)| {
        if !text.contains("[catalog]") {
            return None;
        }
        let table: toml::Table = toml::from_str(text).ok()?;
        Some(table.get("catalog")?.get("version")?.as_str()?.to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_matches_the_loaded_catalogue() {
        let catalog = super::catalog().unwrap();
        assert_eq!(super::version().as_deref(), Some(catalog.version()));
    }
}
