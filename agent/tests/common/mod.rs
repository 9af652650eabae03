//! Helpers shared by the agent's integration tests: the real files in `shared/fixtures` beside the
//! checkout (hives, package databases, OS files).
#![allow(dead_code)] // each test file uses the helpers it needs

use std::io::BufReader;
use std::path::{Path, PathBuf};

use sunset_agent::registry::Hive;

/// `shared/fixtures` beside the checkout: the real hives, package databases and OS files of
/// `PROVENANCE.md`. Looked for above this crate, so a clone in `/work/main` and a worktree in
/// `/work/wt/NAME` both find `/work/shared/fixtures`. When it is absent the calling test fails: a
/// test that reads real files never passes by skipping them (issue 11).
pub fn shared_fixtures() -> PathBuf {
    shared_dir().join("fixtures")
}

/// The shared folder: `$SUNSET_SHARED` when set (as `ci/wine.sh` reads it), else the first
/// `shared/` above this crate that holds `fixtures/PROVENANCE.md`. Absent, the calling test fails.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SUNSET_SHARED") {
        return PathBuf::from(dir);
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|dir| dir.join("shared"))
        .find(|dir| dir.join("fixtures/PROVENANCE.md").is_file())
        .unwrap_or_else(|| {
            panic!(
                "no shared/fixtures (with PROVENANCE.md) above {}: these tests read real files \
                 and cannot run without them",
                here.display()
            )
        })
}

/// The shared Windows fixtures folder. Always `Some` (absent, [`shared_fixtures`] fails the test);
/// an `Option` still so that callers written for the old skip need no change.
pub fn fixtures_dir() -> Option<PathBuf> {
    Some(shared_fixtures().join("windows-hives"))
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
