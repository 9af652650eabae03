//! The default catalogue, embedded at compile time from `catalog/data/`.

use crate::catalog::{Catalog, LoadError};

include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// Loads the built-in catalogue. A test keeps it valid, so an error here means a broken build.
pub fn catalog() -> Result<Catalog, LoadError> {
    Catalog::from_files(FILES)
}
