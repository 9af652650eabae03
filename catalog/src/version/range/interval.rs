//! Constraints seen as intervals of their scheme's order, to tell when two can never both hold.
//!
//! Every constraint is an interval: a comparison is a half-line or a point, and an `X.*` block of
//! a dotted or Java version is `[X.dev0, next(X).dev0)` in [`Version`]'s order. Intervals on a
//! line intersect as a family exactly when every pair intersects (Helly's theorem in one
//! dimension), so pairwise checks decide both "contradictory range" and "overlapping ranges".
//!
//! The check is conservative: it says "disjoint" only when it can show it. Open intervals that
//! may hold no version (`>1, <1a`) count as non-empty, and for Debian and RPM an `X.*` pattern
//! (which reads the upstream version only) is compared only with other patterns.

use std::cmp::Ordering;
use std::ops::Bound::{self, Excluded, Included, Unbounded};

use crate::version::range::constraint::{Kind, Op, ordered_bound};
use crate::version::{Scheme, Version};

/// The versions between two bounds.
pub(crate) struct Interval<P> {
    pub(crate) low: Bound<P>,
    pub(crate) high: Bound<P>,
}

impl<P> Interval<P> {
    /// Every version.
    pub(crate) fn all() -> Interval<P> {
        Interval {
            low: Unbounded,
            high: Unbounded,
        }
    }

    /// The versions that satisfy `op` against `bound`.
    fn of(op: Op, bound: P) -> Interval<P>
    where
        P: Clone,
    {
        let (low, high) = match op {
            Op::Eq => (Included(bound.clone()), Included(bound)),
            Op::Gt => (Excluded(bound), Unbounded),
            Op::Ge => (Included(bound), Unbounded),
            Op::Lt => (Unbounded, Excluded(bound)),
            Op::Le => (Unbounded, Included(bound)),
        };
        Interval { low, high }
    }

    /// Whether no version can lie in both intervals, as far as `cmp` can show.
    pub(crate) fn disjoint(&self, other: &Self, cmp: impl Fn(&P, &P) -> Ordering) -> bool {
        above(&self.low, &other.high, &cmp) || above(&other.low, &self.high, &cmp)
    }
}

/// Whether a lower bound lies past an upper bound, leaving nothing between them.
fn above<P>(low: &Bound<P>, high: &Bound<P>, cmp: &impl Fn(&P, &P) -> Ordering) -> bool {
    match (low, high) {
        (Included(low), Included(high)) => cmp(low, high).is_gt(),
        (Included(low) | Excluded(low), Included(high) | Excluded(high)) => cmp(low, high).is_ge(),
        _ => false,
    }
}

/// Whether two constraints of a non-semver range can never both hold.
pub(crate) fn disjoint(scheme: Scheme, a: &Kind, b: &Kind) -> bool {
    match (scheme, a, b) {
        (Scheme::Dotted | Scheme::Java, _, _) | (_, Kind::Prefix(_), Kind::Prefix(_)) => {
            ordered(scheme, a).disjoint(&ordered(scheme, b), Ord::cmp)
        }
        (Scheme::Debian | Scheme::Rpm, Kind::Prefix(_), _)
        | (Scheme::Debian | Scheme::Rpm, _, Kind::Prefix(_))
        | (Scheme::Semver, _, _) => false,
        (Scheme::Debian | Scheme::Rpm, _, _) => {
            textual(a).disjoint(&textual(b), |x, y| scheme.compare(x, y))
        }
    }
}

/// A constraint as an interval of [`Version`]s (dotted and Java, and any scheme's prefixes).
fn ordered(scheme: Scheme, kind: &Kind) -> Interval<Version> {
    match kind {
        Kind::Any => Interval::all(),
        Kind::Prefix(prefix) => {
            let numbers = prefix.components();
            Interval {
                low: Included(Version::prefix_floor(numbers)),
                high: next_prefix(numbers)
                    .map_or(Unbounded, |next| Excluded(Version::prefix_floor(&next))),
            }
        }
        Kind::Compare(op, bound) => {
            let bound = ordered_bound(scheme, *op, bound).unwrap_or_else(|| Version::parse(bound));
            Interval::of(*op, bound)
        }
    }
}

/// A comparison as an interval of version strings, for schemes that order strings directly.
fn textual(kind: &Kind) -> Interval<String> {
    match kind {
        Kind::Compare(op, bound) => Interval::of(*op, bound.clone()),
        Kind::Any | Kind::Prefix(_) => Interval::all(),
    }
}

/// The first numbers after the `prefix.*` block (`3.11` → `3.12`), or `None` if nothing follows.
fn next_prefix(prefix: &[u64]) -> Option<Vec<u64>> {
    let mut next = prefix.to_vec();
    while next.last() == Some(&u64::MAX) {
        next.pop();
    }
    let last = next.last_mut()?;
    *last += 1;
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_prefix_carries_past_saturated_numbers() {
        assert_eq!(next_prefix(&[3, 11]), Some(vec![3, 12]));
        assert_eq!(next_prefix(&[3, u64::MAX]), Some(vec![4]));
        assert_eq!(next_prefix(&[u64::MAX]), None);
        assert_eq!(next_prefix(&[]), None);
    }
}
