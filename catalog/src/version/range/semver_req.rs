//! Semver requirements as intervals, so semver ranges get the same overlap checks.
//!
//! Each comparator becomes the interval the `semver` crate's documentation gives for it
//! (`^1.2.3` is `[1.2.3, 2.0.0-0)`, `~1.2` is `[1.2.0-0, 1.3.0-0)`, `1.*` is `[1.0.0-0, 2.0.0-0)`).
//! Lower bounds of partial versions start at the `-0` pre-release, so the interval is a superset
//! of what the comparator matches (semver also hides most pre-releases) and "disjoint" stays
//! a safe answer.

use std::ops::Bound::{Excluded, Included, Unbounded};

use semver::{BuildMetadata, Comparator, Op, Prerelease, Version};

use crate::version::range::interval::Interval;

/// The versions `comparator` can match, as an interval of semver versions.
pub(crate) fn interval(comparator: &Comparator) -> Interval<Version> {
    let major = comparator.major;
    let exact = match (comparator.minor, comparator.patch) {
        (Some(minor), Some(patch)) => Some(Version {
            major,
            minor,
            patch,
            pre: comparator.pre.clone(),
            build: BuildMetadata::EMPTY,
        }),
        _ => None,
    };
    let floor = floor(
        major,
        comparator.minor.unwrap_or(0),
        comparator.patch.unwrap_or(0),
    );
    let low = exact.clone().unwrap_or_else(|| floor.clone());
    let next = next(comparator);
    let next_bound = || next.clone().map_or(Unbounded, Excluded);
    let (low, high) = match (comparator.op, exact) {
        (Op::Exact | Op::Wildcard, Some(exact)) => (Included(exact.clone()), Included(exact)),
        (Op::Exact | Op::Wildcard, None) => (Included(floor), next_bound()),
        (Op::Greater, Some(exact)) => (Excluded(exact), Unbounded),
        (Op::Greater, None) => (Included(next.clone().unwrap_or(floor)), Unbounded),
        (Op::GreaterEq, _) => (Included(low), Unbounded),
        (Op::Less, Some(exact)) => (Unbounded, Excluded(exact)),
        (Op::Less, None) => (Unbounded, Excluded(floor)),
        (Op::LessEq, Some(exact)) => (Unbounded, Included(exact)),
        (Op::LessEq, None) => (Unbounded, next_bound()),
        (Op::Tilde, _) => (
            Included(low),
            tilde_next(comparator).map_or(Unbounded, Excluded),
        ),
        (Op::Caret, _) => (
            Included(low),
            caret_next(comparator).map_or(Unbounded, Excluded),
        ),
        _ => (Unbounded, Unbounded),
    };
    Interval { low, high }
}

/// The first version of the block after the one the comparator's written parts name.
fn next(c: &Comparator) -> Option<Version> {
    match (c.minor, c.patch) {
        (Some(minor), Some(patch)) => Some(floor(c.major, minor, patch.checked_add(1)?)),
        (Some(minor), None) => Some(floor(c.major, minor.checked_add(1)?, 0)),
        (None, _) => Some(floor(c.major.checked_add(1)?, 0, 0)),
    }
}

/// Where `~` stops: the next minor when a minor is written, else the next major.
fn tilde_next(c: &Comparator) -> Option<Version> {
    match c.minor {
        Some(minor) => Some(floor(c.major, minor.checked_add(1)?, 0)),
        None => Some(floor(c.major.checked_add(1)?, 0, 0)),
    }
}

/// Where `^` stops: after the leftmost non-zero written part.
fn caret_next(c: &Comparator) -> Option<Version> {
    match (c.major, c.minor, c.patch) {
        (0, Some(0), Some(patch)) => Some(floor(0, 0, patch.checked_add(1)?)),
        (0, Some(minor), _) => Some(floor(0, minor.checked_add(1)?, 0)),
        (major, _, _) => Some(floor(major.checked_add(1)?, 0, 0)),
    }
}

/// The lowest version with these numbers: its `-0` pre-release.
fn floor(major: u64, minor: u64, patch: u64) -> Version {
    Version {
        major,
        minor,
        patch,
        pre: Prerelease::new("0").unwrap_or(Prerelease::EMPTY),
        build: BuildMetadata::EMPTY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(req: &str) -> (String, String) {
        let req = semver::VersionReq::parse(req).unwrap_or_default();
        let show = |b: &std::ops::Bound<Version>| match b {
            Included(v) => format!("[{v}"),
            Excluded(v) => format!("({v}"),
            Unbounded => "inf".to_owned(),
        };
        let Some(first) = req.comparators.first() else {
            return (String::new(), String::new());
        };
        let interval = interval(first);
        (show(&interval.low), show(&interval.high))
    }

    #[test]
    fn comparators_become_intervals() {
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        assert_eq!(bounds("^1.2.3"), pair("[1.2.3", "(2.0.0-0"));
        assert_eq!(bounds("^0.2.3"), pair("[0.2.3", "(0.3.0-0"));
        assert_eq!(bounds("^0.0.3"), pair("[0.0.3", "(0.0.4-0"));
        assert_eq!(bounds("^0.0"), pair("[0.0.0-0", "(0.1.0-0"));
        assert_eq!(bounds("~1.2"), pair("[1.2.0-0", "(1.3.0-0"));
        assert_eq!(bounds("1.*"), pair("[1.0.0-0", "(2.0.0-0"));
        assert_eq!(bounds(">1.2"), pair("[1.3.0-0", "inf"));
        assert_eq!(bounds("<=1.2"), pair("inf", "(1.3.0-0"));
        assert_eq!(bounds("=1.2.3"), pair("[1.2.3", "[1.2.3"));
    }
}
