//! Helpers: where fixtures are (a missing `shared/fixtures` fails the test, never skips it),
//! lookups in a parsed package list, and small file operations.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sunset_catalog::inventory::Software;

use crate::common;

/// A file or folder in this crate's `tests/data`.
pub fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// A fixture that only exists in `shared/fixtures` beside the checkout, which must hold it (absent,
/// the test fails: [`common::shared_fixtures`]). Always `Some`; an `Option` so that callers written
/// for the old skip need no change.
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = common::shared_fixtures().join(relative);
    assert!(path.exists(), "fixture missing: {}", path.display());
    Some(path)
}

pub fn read_text(path: &Path) -> String {
    String::from_utf8(fs::read(path).unwrap()).unwrap()
}

/// Whether a program can be run (`<program> --version` succeeds).
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn find<'a>(software: &'a [Software], name: &str) -> &'a Software {
    software
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("{name} not found"))
}

pub fn version_of(software: &[Software], name: &str) -> Option<String> {
    find(software, name).version.clone()
}

/// Copies a fixture file into a fresh temporary directory (fixtures are read-only input).
pub fn temp_copy(file: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(file.file_name().unwrap());
    fs::copy(file, &copy).unwrap();
    let mut permissions = fs::metadata(&copy).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(&copy, permissions).unwrap();
    (dir, copy)
}

pub fn write(path: &Path, contents: impl AsRef<[u8]>) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
