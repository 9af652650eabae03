//! Catalogue updates: download the collector's signed bundle, verify it with the key from the
//! configuration, and keep it as the last good catalogue only if it is valid and newer.
//!
//! Nothing from the network is trusted before [`Bundle::parse_and_verify`] accepts it. A bundle with a
//! bad signature, one that does not load, or one older than the catalogue in use is rejected and
//! logged, and the previous catalogue stays. At start-up the stored bundle is verified again (the disk
//! is not trusted either); if it fails, or is older than the built-in catalogue, the built-in one is
//! used.

use std::cmp::Ordering;

use sunset_catalog::Catalog;
use sunset_catalog::bundle::{self, Bundle, VerifyingKey};
use sunset_catalog::catalog::base_version;
use sunset_catalog::version::Scheme;

use crate::deliver::Collector;
use crate::state::State;

/// Where the catalogue in use came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Compiled into the agent.
    BuiltIn,
    /// A verified bundle from the collector, stored in the state directory.
    Downloaded,
}

/// The catalogue in use.
#[derive(Debug)]
pub struct InUse {
    /// The catalogue.
    pub catalog: Catalog,
    /// Its version.
    pub version: String,
    /// Where it came from.
    pub source: Source,
}

/// What an update attempt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No signing key configured: updates are off.
    Disabled,
    /// The collector's catalogue is the one in use.
    UpToDate,
    /// A newer catalogue was verified and stored.
    Updated {
        /// Version before.
        from: String,
        /// Version now.
        to: String,
    },
    /// The bundle was refused (bad signature, malformed, does not load, older); the previous
    /// catalogue is kept.
    Rejected(String),
    /// The bundle could not be fetched or stored; try again next run.
    Failed(String),
}

/// Orders catalogue versions (`2026.11.25`) as dotted numbers. A collector's overlays add their
/// digest (`2026.11.25+overlay.1a2b3c4d5e6f`), which has no order: on the same base, a version
/// whose overlays differ counts as newer (`Greater`), both ways, because the collector's overlays
/// are the organisation's current decision and the bundle is signed by its key.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match Scheme::Dotted.compare(base_version(a), base_version(b)) {
        Ordering::Equal if a != b => Ordering::Greater,
        order => order,
    }
}

/// The catalogue to use now: the stored bundle if it still verifies, loads, and is not older than
/// the built-in catalogue; otherwise the built-in one.
pub fn current(
    state: &State,
    key: Option<&VerifyingKey>,
) -> Result<InUse, sunset_catalog::catalog::LoadError> {
    let built_in = sunset_catalog::builtin::catalog();
    let stored = key.and_then(|key| stored(state, key));
    match (built_in, stored) {
        (Ok(built_in), Some(stored))
            if compare_versions(&stored.version, built_in.version()) == Ordering::Less =>
        {
            tracing::info!(stored = %stored.version, built_in = %built_in.version(), "stored catalogue is older than the built-in one");
            Ok(from_built_in(built_in))
        }
        (_, Some(stored)) => Ok(stored),
        (Ok(built_in), None) => Ok(from_built_in(built_in)),
        (Err(e), None) => Err(e),
    }
}

/// The version of the catalogue [`current`] would pick, without compiling it (the service only needs
/// the version to compare with the collector's; the stored bundle was checked before it was stored).
pub fn current_version(state: &State, key: Option<&VerifyingKey>) -> (String, Source) {
    let built_in = built_in_version().unwrap_or_default();
    let stored = key.and_then(|key| {
        let bytes = state.catalog_bundle()?;
        match Bundle::parse_and_verify(&bytes, key) {
            Ok(bundle) => Some(bundle.version().to_string()),
            Err(e) => {
                tracing::warn!(error = %e, "stored catalogue bundle no longer verifies; using the built-in catalogue");
                None
            }
        }
    });
    match stored {
        Some(v) if compare_versions(&v, &built_in) != Ordering::Less => (v, Source::Downloaded),
        _ => (built_in, Source::BuiltIn),
    }
}

/// The built-in catalogue's version, read from its `[catalog]` table alone.
pub fn built_in_version() -> Option<String> {
    sunset_catalog::builtin::version()
}

fn from_built_in(catalog: Catalog) -> InUse {
    InUse {
        version: catalog.version().to_string(),
        catalog,
        source: Source::BuiltIn,
    }
}

fn stored(state: &State, key: &VerifyingKey) -> Option<InUse> {
    let bytes = state.catalog_bundle()?;
    let verified = Bundle::parse_and_verify(&bytes, key)
        .map_err(|e| e.to_string())
        .and_then(|b| b.catalog().map(|c| (b, c)).map_err(|e| e.to_string()));
    match verified {
        Ok((bundle, catalog)) => Some(InUse {
            version: bundle.version().to_string(),
            catalog,
            source: Source::Downloaded,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "stored catalogue bundle no longer verifies; using the built-in catalogue");
            None
        }
    }
}

/// Checks downloaded bundle bytes and stores them as the last good catalogue if they verify, load,
/// and are newer than `in_use`.
pub fn apply(state: &State, key: &VerifyingKey, in_use: &str, bytes: &[u8]) -> Outcome {
    let bundle = match Bundle::parse_and_verify(bytes, key) {
        Ok(b) => b,
        Err(e) => return rejected(format!("catalogue bundle rejected: {e}")),
    };
    match compare_versions(bundle.version(), in_use) {
        Ordering::Equal => return Outcome::UpToDate,
        Ordering::Less => {
            return rejected(format!(
                "catalogue bundle {} is older than the catalogue in use ({in_use})",
                bundle.version()
            ));
        }
        Ordering::Greater => {}
    }
    if let Err(e) = bundle.catalog() {
        return rejected(format!(
            "catalogue bundle {} is signed but does not load: {e}",
            bundle.version()
        ));
    }
    if let Err(e) = state.set_catalog_bundle(bytes) {
        tracing::error!(error = %e, "cannot store the new catalogue");
        return Outcome::Failed(e.to_string());
    }
    tracing::info!(from = %in_use, to = %bundle.version(), "catalogue updated");
    Outcome::Updated {
        from: in_use.to_string(),
        to: bundle.version().to_string(),
    }
}

fn rejected(reason: String) -> Outcome {
    tracing::warn!(reason = %reason, "keeping the previous catalogue");
    Outcome::Rejected(reason)
}

/// Fetches the collector's bundle and [`apply`]s it. `offered` is the version the collector
/// announced in its acknowledgement; when it equals `in_use` nothing is downloaded.
pub async fn update(
    collector: &Collector,
    state: &State,
    key: Option<&VerifyingKey>,
    in_use: &str,
    offered: Option<&str>,
) -> Outcome {
    let Some(key) = key else {
        return Outcome::Disabled;
    };
    if offered.is_some_and(|v| compare_versions(v, in_use) != Ordering::Greater) {
        return Outcome::UpToDate;
    }
    let bytes = match collector.fetch_catalog(bundle::MAX_BUNDLE_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(error = %e, "cannot download the catalogue");
            return Outcome::Failed(e);
        }
    };
    apply(state, key, in_use, &bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The built-in catalogue's files, signed as `version` with the key made from `seed`.
    fn signed(version: &str, seed: u8) -> Vec<u8> {
        let key = bundle::signing_key_from_seed(&[seed; 32]);
        let files = sunset_catalog::builtin::FILES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Bundle::from_dir_files(version, files)
            .unwrap()
            .sign(&key)
            .unwrap()
    }

    fn key(seed: u8) -> VerifyingKey {
        bundle::signing_key_from_seed(&[seed; 32]).verifying_key()
    }

    #[test]
    fn versions_order_numerically() {
        assert_eq!(
            compare_versions("2026.11.25", "2026.2.1"),
            Ordering::Greater
        );
        assert_eq!(
            compare_versions("2026.11.25", "2026.11.25"),
            Ordering::Equal
        );
    }

    #[test]
    fn newer_signed_bundle_is_kept_older_or_tampered_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        let bytes = signed("2026.12.1", 1);
        assert!(matches!(
            apply(&state, &key(1), "2026.11.1", &bytes),
            Outcome::Updated { .. }
        ));
        assert_eq!(
            apply(&state, &key(1), "2026.12.1", &bytes),
            Outcome::UpToDate
        );
        assert!(matches!(
            apply(&state, &key(1), "2027.1.1", &bytes),
            Outcome::Rejected(_)
        ));
        assert!(matches!(
            apply(&state, &key(2), "2026.11.1", &bytes),
            Outcome::Rejected(_)
        ));
        let tampered = String::from_utf8(bytes)
            .unwrap()
            .replace("2026.12.1", "2026.12.9");
        assert!(matches!(
            apply(&state, &key(1), "2026.11.1", tampered.as_bytes()),
            Outcome::Rejected(_)
        ));
    }

    #[test]
    fn built_in_version_is_read_without_compiling() {
        let full = sunset_catalog::builtin::catalog().unwrap();
        assert_eq!(built_in_version().as_deref(), Some(full.version()));
    }

    #[test]
    fn stored_bundle_is_used_only_while_it_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let state = State::open(dir.path()).unwrap();
        assert_eq!(
            current(&state, Some(&key(1))).unwrap().source,
            Source::BuiltIn
        );
        state.set_catalog_bundle(&signed("2999.1.1", 1)).unwrap();
        let in_use = current(&state, Some(&key(1))).unwrap();
        assert_eq!(
            (in_use.source, in_use.version.as_str()),
            (Source::Downloaded, "2999.1.1")
        );
        // Another key (or no key): the stored bundle is not trusted.
        assert_eq!(
            current(&state, Some(&key(2))).unwrap().source,
            Source::BuiltIn
        );
        assert_eq!(current(&state, None).unwrap().source, Source::BuiltIn);
        // Damaged on disk: built-in.
        state.set_catalog_bundle(b"{}").unwrap();
        assert_eq!(
            current(&state, Some(&key(1))).unwrap().source,
            Source::BuiltIn
        );
    }
}
