//! Platforms Sunset has no live collector for: the scan says so instead of failing to build.

use sunset_catalog::inventory::Warning;

use crate::inventory::Collected;

/// Reports that live collection is not available here; `--root` still works.
pub fn collect_live() -> Collected {
    Collected {
        warnings: vec![Warning::new(
            "platform",
            format!("no live collector for {}; use --root", std::env::consts::OS),
        )],
        ..Collected::default()
    }
}
