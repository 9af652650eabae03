//! Helpers shared by the agent's integration tests: the real hives in `../shared/fixtures`.
#![allow(dead_code)] // each test file uses the helpers it needs

use std::io::BufReader;
use std::path::{Path, PathBuf};

use sunset_agent::registry::Hive;

/// The shared folder: `$SUNSET_SHARED` (as `ci/wine.sh` reads it; for a worktree elsewhere), else
/// `../shared` beside the checkout.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("SUNSET_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The shared Windows fixtures folder, or `None` (after saying so) when it is absent outside CI.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = shared_dir().join("fixtures/windows-hives");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "../shared/fixtures absent ({}), and CI=true: fixture tests cannot be skipped",
            dir.display()
        );
    }
    eprintln!("skipped: ../shared/fixtures absent ({})", dir.display());
    None
}

/// The decompressed bytes of a fixture, relative to `windows-hives/`.
pub fn fixture_bytes(name: &str) -> Option<Vec<u8>> {
    let path = fixtures_dir()?.join(name);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut BufReader::new(file), &mut out)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(out)
}

/// A fixture hive, which must open.
pub fn fixture_hive(name: &str) -> Option<Hive> {
    let bytes = fixture_bytes(name)?;
    Some(Hive::from_bytes(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}")))
}
