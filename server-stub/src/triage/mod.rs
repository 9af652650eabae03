//! The triage of unmatched software (issue 17 part 2): which software entries no catalogue rule
//! matched, kept per host at ingest so that the estate's list is one grouped query
//! (`store::triage`), and what an organisation does with a row — a pre-filled overlay snippet
//! ([`snippet`]) or a `[[reviewed]]` decision, which hides it ([`reviewed_keys`]).
//!
//! Pure: entries from an evaluation, bounded; no database, no HTTP.

use std::collections::BTreeMap;

use sunset_catalog::Catalog;
use sunset_catalog::evaluate::{Evaluation, unmatched_software};
use sunset_catalog::inventory::Inventory;

pub mod snippet;

/// Unmatched entries kept per host at most (the first in key order): a Windows PC lists 100 to 200
/// programs, tens of them known to the catalogue; a report listing more cannot grow the table
/// without bound. Kept small because every report's transaction writes them: the collector's
/// write probe (`db::Db::writable`, 256 KiB) must stay larger than a report's write, or a disk
/// that fills up mid-report would look healthy again.
pub const MAX_PER_HOST: usize = 200;
/// Longest name kept, in characters. A longer name is dropped, not cut: an overlay rule is
/// written for the exact name, and a cut one would match nothing.
pub const MAX_NAME: usize = 200;
/// Longest publisher kept, in characters (cut).
pub const MAX_PUBLISHER: usize = 200;
/// Longest version kept, in characters (cut).
pub const MAX_VERSION: usize = 64;

/// One unmatched software entry of a host, as stored (`unmatched_software`, migration 14).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct UnmatchedEntry {
    /// The name as compared ([`name_key`]: white space collapsed, lower case).
    pub name_key: String,
    /// The publisher as compared; `''` without one.
    pub publisher_key: String,
    /// The installed version, trimmed and cut to [`MAX_VERSION`]; `''` without one.
    pub version: String,
    /// The name as the host reported it (trimmed).
    pub name: String,
    /// The publisher as reported (trimmed, cut to [`MAX_PUBLISHER`]); `''` without one.
    pub publisher: String,
}

fn cut(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// The unmatched entries of `inventory` that `evaluation` (of it) found: distribution packages
/// aside (the OS verdict covers them), one per name, publisher and version, at most
/// [`MAX_PER_HOST`], in key order (so an unchanged inventory gives the same rows).
pub fn unmatched_entries(inventory: &Inventory, evaluation: &Evaluation) -> Vec<UnmatchedEntry> {
    let mut kept: BTreeMap<(String, String, String), UnmatchedEntry> = BTreeMap::new();
    for software in unmatched_software(inventory, evaluation) {
        let name = software.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            continue;
        }
        let publisher = cut(software.publisher.as_deref().unwrap_or(""), MAX_PUBLISHER);
        let version = cut(software.version.as_deref().unwrap_or(""), MAX_VERSION);
        let entry = UnmatchedEntry {
            name_key: name_key(name),
            publisher_key: name_key(&publisher),
            version,
            name: name.to_string(),
            publisher,
        };
        let key = (
            entry.name_key.clone(),
            entry.publisher_key.clone(),
            entry.version.clone(),
        );
        kept.entry(key).or_insert(entry);
    }
    kept.into_values().take(MAX_PER_HOST).collect()
}

/// A name as stored and compared: trimmed, runs of white space as one space, lower case.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A `[[reviewed]]` decision as the triage query compares it: SQL `LIKE` patterns (escape `\`)
/// over the stored keys — the name's and, when the decision is about one publisher only, the
/// publisher's. An exact name is a pattern that matches itself alone; a glob's `*` and `?` become
/// `%` and `_`, as the catalogue matches them ([`Catalog::is_reviewed`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewedKey {
    /// Pattern over [`name_key`] of the name.
    pub name_like: String,
    /// Pattern over [`name_key`] of the publisher, when given.
    pub publisher_like: Option<String>,
}

/// `text` as a `LIKE` pattern over [`name_key`]s: `%`, `_` and `\` match themselves, `*` any run
/// and `?` one character.
fn like_pattern(text: &str) -> String {
    let mut out = String::new();
    for c in name_key(text).chars() {
        match c {
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '*' => out.push('%'),
            '?' => out.push('_'),
            c => out.push(c),
        }
    }
    out
}

/// What the catalogue marks "reviewed: no lifecycle needed", as patterns the triage query leaves
/// out. The one place that reads the catalogue's decisions, so it agrees with [`is_reviewed`].
pub fn reviewed_keys(catalog: &Catalog) -> Vec<ReviewedKey> {
    catalog
        .reviewed()
        .iter()
        .map(|r| ReviewedKey {
            name_like: like_pattern(&r.name),
            publisher_like: r.publisher.as_deref().map(like_pattern),
        })
        .collect()
}

/// Whether software `name` from `publisher` is hidden from the triage as reviewed.
pub fn is_reviewed(catalog: &Catalog, name: &str, publisher: Option<&str>) -> bool {
    catalog.is_reviewed(name, publisher.filter(|p| !p.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewed_names_become_like_patterns_over_the_stored_keys() {
        assert_eq!(
            like_pattern("  Lexmark   Universal Driver "),
            "lexmark universal driver"
        );
        assert_eq!(like_pattern("Lexmark * Driver"), "lexmark % driver");
        assert_eq!(like_pattern("App?"), "app_");
        assert_eq!(like_pattern("100% tool_kit\\x"), "100\\% tool\\_kit\\\\x");
    }
    use sunset_catalog::evaluate::SoftwareCounts;
    use sunset_catalog::inventory::{Software, Source};

    fn software(name: &str, publisher: Option<&str>, version: Option<&str>) -> Software {
        Software {
            key: Software::identity_key(name, version, None),
            name: name.to_string(),
            version: version.map(str::to_string),
            publisher: publisher.map(str::to_string),
            install_date: None,
            architecture: None,
            install_location: None,
            identifier: None,
            source: Source::HklmUninstall,
            origin: None,
        }
    }

    #[test]
    fn entries_are_keyed_deduplicated_bounded_and_in_key_order() {
        let mut inventory = sunset_loadgen::fake::inventory(1, 0, "Riverside", chrono::Utc::now());
        inventory.software = vec![
            software("  Zeta   Tool ", Some("ACME "), Some(" 1.0 ")),
            software("zeta tool", Some("acme"), Some("1.0")),
            software("Alpha", None, None),
            software(&"x".repeat(MAX_NAME + 1), None, None),
            software("Long version", None, Some(&"9".repeat(MAX_VERSION + 10))),
        ];
        let evaluation = Evaluation {
            findings: Vec::new(),
            software: SoftwareCounts::default(),
            unmatched: (0..inventory.software.len()).collect(),
        };
        let entries = unmatched_entries(&inventory, &evaluation);
        let keys: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|e| {
                (
                    e.name_key.as_str(),
                    e.publisher_key.as_str(),
                    e.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("alpha", "", "Alpha"),
                ("long version", "", "Long version"),
                ("zeta tool", "acme", "Zeta   Tool"),
            ]
        );
        assert_eq!(entries[1].version.len(), MAX_VERSION);
        assert_eq!(entries[2].version, "1.0");

        inventory.software = (0..MAX_PER_HOST + 20)
            .map(|i| software(&format!("App {i:04}"), None, Some("1")))
            .collect();
        let evaluation = Evaluation {
            unmatched: (0..inventory.software.len()).collect(),
            ..evaluation
        };
        let entries = unmatched_entries(&inventory, &evaluation);
        assert_eq!(entries.len(), MAX_PER_HOST);
        assert_eq!(
            entries.last().unwrap().name,
            format!("App {:04}", MAX_PER_HOST - 1)
        );
    }
}
