//! Placing a version goes through an index of each product's releases by first number; it must
//! pick exactly the release a scan of every release in file order picks, for every product of the
//! built-in catalogue and versions in, between, below and above its cycles.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use sunset_catalog::builtin;
use sunset_catalog::catalog::{CompiledRelease, Entry};

/// The release a plain scan picks: one limited to the edition first, then one for all editions.
fn scanned<'a>(
    entry: &'a Entry,
    version: &str,
    edition: Option<&str>,
) -> Option<&'a CompiledRelease> {
    let for_edition = |r: &&CompiledRelease| {
        edition.is_some_and(|e| r.editions.iter().any(|x| x.eq_ignore_ascii_case(e)))
    };
    let fits = |r: &&CompiledRelease| r.range.contains(version);
    entry
        .releases
        .iter()
        .filter(for_edition)
        .find(fits)
        .or_else(|| {
            entry
                .releases
                .iter()
                .filter(|r| r.editions.is_empty())
                .find(fits)
        })
}

/// Versions around a release: its cycle id, its latest, and neighbours of both.
fn probes(release: &CompiledRelease) -> Vec<String> {
    let mut probes = vec![release.cycle.clone(), format!("{}.0", release.cycle)];
    probes.extend(release.latest.clone());
    let numbers: Vec<u64> = release
        .cycle
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    if let Some(&first) = numbers.first() {
        probes.push(format!("{}.0", first + 1));
        probes.push(format!("{}.99.99", first.saturating_sub(1)));
        probes.push(format!("1.{first}.0_391"));
        probes.push(format!("1:{first}.1-2ubuntu0.1"));
    }
    probes
}

#[test]
fn the_release_index_places_every_version_as_a_full_scan_does() {
    let catalog = builtin::catalog().unwrap();
    let generic = [
        "0",
        "1",
        "2.0",
        "10.0.19045.5247",
        "999.1",
        "v3",
        "none",
        "",
    ];
    let mut checked = 0;
    for entry in catalog.entries() {
        let mut versions: Vec<String> = entry.releases.iter().flat_map(probes).collect();
        versions.extend(generic.iter().map(|v| v.to_string()));
        let mut editions: Vec<Option<&str>> = vec![None, Some("Professional")];
        editions.extend(
            entry
                .releases
                .iter()
                .flat_map(|r| r.editions.iter().map(|e| Some(e.as_str()))),
        );
        for version in &versions {
            for &edition in &editions {
                let indexed = entry.release_for(version, edition);
                let expected = scanned(entry, version, edition);
                // The same release, not only one with the same cycle id.
                let same = match (indexed, expected) {
                    (Some(a), Some(b)) => std::ptr::eq(a, b),
                    (None, None) => true,
                    _ => false,
                };
                assert!(
                    same,
                    "{} {version:?} on {edition:?}: index gives {:?}, a scan {:?}",
                    entry.product.id.get_ref(),
                    indexed.map(|r| &r.cycle),
                    expected.map(|r| &r.cycle)
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 10_000, "only {checked} placements checked");
}
