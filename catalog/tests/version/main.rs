//! Version ordering: the comparison tables of dpkg and rpm themselves, the strings real estates
//! report, ordering laws for every scheme, and version ranges.
//!
//! - `dpkg`, `rpm_order`: the comparison tables of dpkg and rpm themselves;
//! - `lenient`, `java_versions`: the strings real estates report;
//! - `schemes`: scheme names and each scheme's own order;
//! - `ranges`: version ranges, their overlaps and their errors;
//! - `laws`: property tests of the ordering and range laws for every scheme.
//!
//! The helpers below are shared by every module (`use super::*`).
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::cmp::Ordering::{self, Equal, Greater, Less};
use std::collections::HashSet;

use proptest::prelude::*;
use sunset_catalog::version::{RangeError, Scheme, Version, VersionRange, debian, java, rpm};

const SCHEMES: [Scheme; 5] = [
    Scheme::Dotted,
    Scheme::Java,
    Scheme::Debian,
    Scheme::Rpm,
    Scheme::Semver,
];

/// The `-1`/`0`/`1` of the C test tables as an `Ordering`.
fn ordering(n: i8) -> Ordering {
    n.cmp(&0)
}

/// Checks `compare(a, b)` and its mirror image against a table row.
fn check_table(name: &str, table: &[(&str, &str, i8)], compare: impl Fn(&str, &str) -> Ordering) {
    for &(a, b, expected) in table {
        let expected = ordering(expected);
        assert_eq!(compare(a, b), expected, "{name}: {a:?} vs {b:?}");
        assert_eq!(compare(b, a), expected.reverse(), "{name}: {b:?} vs {a:?}");
    }
}

/// Checks that `versions` are in strictly increasing order under `compare`, pair by pair.
fn check_increasing(versions: &[&str], compare: impl Fn(&str, &str) -> Ordering) {
    for (i, a) in versions.iter().enumerate() {
        for b in versions.iter().skip(i + 1) {
            assert_eq!(compare(a, b), Less, "{a:?} should sort before {b:?}");
            assert_eq!(compare(b, a), Greater, "{b:?} should sort after {a:?}");
        }
    }
}

fn range(scheme: Scheme, text: &str) -> VersionRange {
    match VersionRange::parse(scheme, text) {
        Ok(range) => range,
        Err(error) => panic!("{text:?} under {scheme:?} should parse: {error}"),
    }
}

fn range_error(scheme: Scheme, text: &str) -> RangeError {
    match VersionRange::parse(scheme, text) {
        Ok(range) => panic!("{text:?} under {scheme:?} should be rejected, got {range:?}"),
        Err(error) => error,
    }
}

mod dpkg;
mod java_versions;
mod laws;
mod lenient;
mod ranges;
mod rpm_order;
mod schemes;
