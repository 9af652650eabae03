//! Version ranges: which installed versions belong to a release cycle.
//!
//! A range is a comma-separated conjunction of `*` (any), `X.*` (prefix: `3.11.*`,
//! `10.0.19045.*`), `=X`, `>X`, `>=X`, `<X`, `<=X` and bare `X` (exactly `X`, so under the dotted
//! scheme `3.11` means `3.11.0`, not the 3.11 series). Versions compare under the range's
//! [`Scheme`]; for the semver scheme the text is a `semver::VersionReq` instead, where a bare
//! version means `^X` as in Cargo.

mod constraint;
mod error;
mod interval;
mod semver_req;

use std::cmp::Ordering;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::version::{Scheme, semantic};
use constraint::Constraint;
pub use constraint::Installed;
pub use error::RangeError;
use interval::Interval;

/// Where a version lies relative to a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// Older than every version the range holds.
    Below,
    /// In the range.
    Inside,
    /// Newer than every version the range holds.
    Above,
}

/// The installed versions a release cycle covers, parsed once when the catalogue loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionRange {
    scheme: Scheme,
    text: String,
    body: Body,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Body {
    Constraints(Vec<Constraint>),
    Semver(semver::VersionReq),
}

impl VersionRange {
    /// Reads a range under `scheme`, rejecting text that cannot match anything sensible.
    ///
    /// Contradictory constraints (`>=2, <1`, `3.11.*, 3.12.*`) are an error, because a cycle that
    /// no version can reach is a catalogue mistake.
    pub fn parse(scheme: Scheme, text: &str) -> Result<VersionRange, RangeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(RangeError::Empty);
        }
        let body = if scheme == Scheme::Semver {
            Body::Semver(parse_semver(text)?)
        } else {
            Body::Constraints(parse_constraints(scheme, text)?)
        };
        Ok(VersionRange {
            scheme,
            text: text.to_owned(),
            body,
        })
    }

    /// The scheme the range compares under.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The range as written (trimmed), which is also how it displays and serialises.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether an installed version, read under the range's scheme, lies in the range.
    ///
    /// A version without a single digit is in no range, not even `*`: it cannot say which cycle
    /// it belongs to.
    pub fn contains(&self, installed: &str) -> bool {
        self.contains_installed(&Installed::new(self.scheme, installed))
    }

    /// Like [`VersionRange::contains`], for a version parsed once with this range's scheme.
    pub fn contains_installed(&self, installed: &Installed) -> bool {
        let text = installed.text();
        if !installed.has_digit() {
            return false;
        }
        match &self.body {
            Body::Constraints(constraints) => constraints
                .iter()
                .all(|c| c.accepts(self.scheme, installed)),
            Body::Semver(req) => req.matches(&semantic::coerce(text)),
        }
    }

    /// The first number every version in the range has, when the range fixes it (`3.11.*`
    /// fixes 3; `>=3.11, <3.12` does not): a key to index a product's releases by.
    pub(crate) fn required_major(&self) -> Option<u64> {
        let Body::Constraints(constraints) = &self.body else {
            return None;
        };
        constraints
            .iter()
            .find_map(|c| c.prefix())
            .and_then(|numbers| numbers.first().copied())
    }

    /// Where an installed version lies relative to the range: inside, below it (older than every
    /// version it holds) or above it. `None` when that cannot be told: a version without a digit,
    /// or a semver range.
    pub fn position(&self, installed: &Installed) -> Option<Position> {
        if !installed.has_digit() {
            return None;
        }
        let Body::Constraints(constraints) = &self.body else {
            return None;
        };
        let mut above = false;
        for constraint in constraints {
            match constraint.rejects_towards(self.scheme, installed) {
                Some(Ordering::Less) => return Some(Position::Below),
                Some(Ordering::Greater) => above = true,
                Some(Ordering::Equal) | None => {}
            }
        }
        Some(if above {
            Position::Above
        } else {
            Position::Inside
        })
    }

    /// Whether some version might lie in both ranges; the loader uses it to reject overlapping
    /// release cycles.
    ///
    /// Conservative: `false` only when the ranges are shown disjoint. `<3.12` and `3.12.*` do not
    /// overlap: `<X` stops before X's pre-releases, which belong to the `X.*` series. Debian and RPM `X.*`
    /// patterns read the upstream version only, so they are only compared with other patterns;
    /// ranges of different schemes are assumed to overlap.
    pub fn overlaps(&self, other: &VersionRange) -> bool {
        if self.scheme != other.scheme {
            return true;
        }
        match (&self.body, &other.body) {
            // The common case, two `X.*` series: they overlap when one prefix starts the other.
            (Body::Constraints(mine), Body::Constraints(theirs))
                if matches!(self.scheme, Scheme::Dotted | Scheme::Java) =>
            {
                if let ([a], [b]) = (mine.as_slice(), theirs.as_slice())
                    && let (Some(a), Some(b)) = (a.prefix(), b.prefix())
                {
                    let shorter = a.len().min(b.len());
                    return a[..shorter] == b[..shorter];
                }
                !mine.iter().any(|a| {
                    theirs
                        .iter()
                        .any(|b| interval::disjoint(self.scheme, &a.kind, &b.kind))
                })
            }
            (Body::Constraints(mine), Body::Constraints(theirs)) => !mine.iter().any(|a| {
                theirs
                    .iter()
                    .any(|b| interval::disjoint(self.scheme, &a.kind, &b.kind))
            }),
            (Body::Semver(mine), Body::Semver(theirs)) => !mine
                .comparators
                .iter()
                .any(|a| theirs.comparators.iter().any(|b| semver_disjoint(a, b))),
            _ => true,
        }
    }
}

fn parse_constraints(scheme: Scheme, text: &str) -> Result<Vec<Constraint>, RangeError> {
    let mut constraints = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            return Err(RangeError::EmptyConstraint {
                range: text.to_owned(),
            });
        }
        let constraint = Constraint::parse(scheme, part)?;
        if let Some(earlier) = constraints
            .iter()
            .find(|c: &&Constraint| interval::disjoint(scheme, &c.kind, &constraint.kind))
        {
            return Err(contradiction(&earlier.text, &constraint.text));
        }
        constraints.push(constraint);
    }
    Ok(constraints)
}

fn parse_semver(text: &str) -> Result<semver::VersionReq, RangeError> {
    let req = semver::VersionReq::parse(text).map_err(|error| RangeError::Semver {
        range: text.to_owned(),
        reason: error.to_string(),
    })?;
    for (i, a) in req.comparators.iter().enumerate() {
        if let Some(b) = req
            .comparators
            .iter()
            .skip(i + 1)
            .find(|b| semver_disjoint(a, b))
        {
            return Err(contradiction(&a.to_string(), &b.to_string()));
        }
    }
    Ok(req)
}

fn semver_disjoint(a: &semver::Comparator, b: &semver::Comparator) -> bool {
    let (a, b): (Interval<_>, Interval<_>) = (semver_req::interval(a), semver_req::interval(b));
    a.disjoint(&b, Ord::cmp)
}

fn contradiction(first: &str, second: &str) -> RangeError {
    RangeError::Contradictory {
        first: first.to_owned(),
        second: second.to_owned(),
    }
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for VersionRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}
