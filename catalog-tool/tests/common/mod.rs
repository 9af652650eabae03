//! Helpers shared by the catalogue tool's integration tests.

use std::path::{Path, PathBuf};

/// `shared/data/RELATIVE` beside the checkout (the public source data, e.g. the endoflife.date
/// snapshot). Looked for above this crate, so a clone in `/work/main` and a worktree in
/// `/work/wt/NAME` both find `/work/shared/data`. When it is absent the calling test fails: a test
/// that reads real data never passes by skipping it (issue 11).
pub fn shared_data(relative: &str) -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|dir| dir.join("shared/data").join(relative))
        .find(|path| path.exists())
        .unwrap_or_else(|| {
            panic!(
                "no shared/data/{relative} above {}: this test reads the real data and cannot \
                 run without it",
                here.display()
            )
        })
}
