//! One comma-separated part of a non-semver range: `*`, `X.*`, `=X`, `>X`, `>=X`, `<X`, `<=X`, `X`.

use std::cmp::Ordering;

use crate::version::range::RangeError;
use crate::version::tag::Tag;
use crate::version::{Scheme, Version, debian, java, rpm};

/// A comparison operator; a bare version means [`Op::Eq`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    /// Whether `installed.cmp(bound)` satisfies the operator.
    pub(crate) fn accepts(self, order: Ordering) -> bool {
        match self {
            Op::Eq => order.is_eq(),
            Op::Gt => order.is_gt(),
            Op::Ge => order.is_ge(),
            Op::Lt => order.is_lt(),
            Op::Le => order.is_le(),
        }
    }
}

/// What a constraint requires of an installed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `*`: anything.
    Any,
    /// `X.*`: the version's numbers start with the prefix's (see [`prefix_key`]).
    Prefix(Version),
    /// A comparison with a bound, kept as written and compared under the range's scheme.
    Compare(Op, String),
}

/// A parsed constraint and its text, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Constraint {
    pub(crate) text: String,
    pub(crate) kind: Kind,
    /// The comparison bound parsed once, for schemes ordered as [`Version`]s.
    ordered: Option<Version>,
}

impl Constraint {
    /// Reads one trimmed, non-empty part of a range.
    pub(crate) fn parse(scheme: Scheme, part: &str) -> Result<Constraint, RangeError> {
        let text = part.to_owned();
        let operator_len = part.bytes().take_while(|b| b"<>=!~^".contains(b)).count();
        let (operator, version) = part.split_at_checked(operator_len).unwrap_or(("", part));
        let version = version.trim();
        let op = match operator {
            "" => Op::Eq,
            "=" => Op::Eq,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            _ => {
                return Err(RangeError::UnknownOperator {
                    operator: operator.to_owned(),
                    constraint: text,
                });
            }
        };
        let kind = if version.is_empty() {
            return Err(RangeError::MissingVersion {
                operator: operator.to_owned(),
                constraint: text,
            });
        } else if version == "*" && operator.is_empty() {
            Kind::Any
        } else if version.contains('*') {
            match version.strip_suffix(".*").filter(|_| operator.is_empty()) {
                Some(numbers) if is_dotted_numbers(numbers) => {
                    Kind::Prefix(prefix_key(scheme, numbers))
                }
                _ => return Err(RangeError::BadPrefix { constraint: text }),
            }
        } else if version.contains(char::is_whitespace) {
            return Err(RangeError::Space { constraint: text });
        } else if !version.contains(|c: char| c.is_ascii_digit()) {
            return Err(RangeError::NoNumber { constraint: text });
        } else {
            Kind::Compare(op, version.to_owned())
        };
        let ordered = match &kind {
            Kind::Compare(op, bound) => ordered_bound(scheme, *op, bound),
            Kind::Any | Kind::Prefix(_) => None,
        };
        Ok(Constraint {
            text,
            kind,
            ordered,
        })
    }

    /// The numbers of an `X.*` constraint.
    pub(crate) fn prefix(&self) -> Option<&[u64]> {
        match &self.kind {
            Kind::Prefix(prefix) => Some(prefix.components()),
            Kind::Any | Kind::Compare(..) => None,
        }
    }

    /// Which side of the constraint a version it rejects lies on: below a lower bound (or a
    /// prefix it sorts before) or above an upper one. `None` when it accepts the version.
    pub(crate) fn rejects_towards(
        &self,
        scheme: Scheme,
        installed: &Installed,
    ) -> Option<Ordering> {
        if self.accepts(scheme, installed) {
            return None;
        }
        match &self.kind {
            Kind::Any => None,
            Kind::Prefix(prefix) => {
                let have = installed.key.components();
                let want = prefix.components();
                let head: Vec<u64> = (0..want.len())
                    .map(|i| have.get(i).copied().unwrap_or(0))
                    .collect();
                Some(head.as_slice().cmp(want))
            }
            Kind::Compare(Op::Gt | Op::Ge, _) => Some(Ordering::Less),
            Kind::Compare(Op::Lt | Op::Le, _) => Some(Ordering::Greater),
            Kind::Compare(Op::Eq, bound) => Some(match &self.ordered {
                Some(bound) => installed.key.cmp(bound),
                None => scheme.compare(installed.text, bound),
            }),
        }
    }

    /// Whether `installed` satisfies the constraint under `scheme`.
    pub(crate) fn accepts(&self, scheme: Scheme, installed: &Installed) -> bool {
        match (&self.kind, &self.ordered) {
            (Kind::Any, _) => true,
            (Kind::Prefix(prefix), _) => installed.key.matches_prefix(prefix),
            (Kind::Compare(op, _), Some(bound)) => op.accepts(installed.key.cmp(bound)),
            (Kind::Compare(op, bound), None) => op.accepts(scheme.compare(installed.text, bound)),
        }
    }
}

/// An installed version parsed once, to test it against many ranges of one scheme (a product's
/// release cycles) without parsing it again for each.
#[derive(Clone, Debug)]
pub struct Installed<'a> {
    text: &'a str,
    key: Version,
    /// Whether the text has a digit: a version without one is in no range.
    has_digit: bool,
}

impl<'a> Installed<'a> {
    /// Parses `text` as `scheme` reads it.
    pub fn new(scheme: Scheme, text: &'a str) -> Installed<'a> {
        Installed {
            text,
            key: prefix_key(scheme, text),
            has_digit: text.contains(|c: char| c.is_ascii_digit()),
        }
    }

    /// The text as installed.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The version's first number as `X.*` ranges read it (missing counts as zero).
    pub(crate) fn major(&self) -> u64 {
        self.key.components().first().copied().unwrap_or(0)
    }

    /// Whether the text has a digit at all.
    pub(crate) fn has_digit(&self) -> bool {
        self.has_digit
    }
}

/// The bound a dotted or Java comparison really uses. `<X` and `>=X` with a plain release `X` split
/// at X's first pre-release, so `<3.12` and `3.12.*` do not both claim `3.12.0rc1`: a release
/// series with its pre-releases belongs to one cycle. `None` for schemes compared as text.
pub(crate) fn ordered_bound(scheme: Scheme, op: Op, bound: &str) -> Option<Version> {
    let version = match scheme {
        Scheme::Dotted => Version::parse(bound),
        Scheme::Java => java::parse(bound),
        Scheme::Debian | Scheme::Rpm | Scheme::Semver => return None,
    };
    let splits_series = matches!(op, Op::Lt | Op::Ge) && *version.tag() == Tag::Release;
    Some(if splits_series {
        Version::prefix_floor(version.components())
    } else {
        version
    })
}

/// The numbers `X.*` patterns look at: Java's normalised numbers (so `8.*` holds `1.8.0_391`),
/// and for packages the upstream version, epoch and revision aside (so `3.0.*` holds
/// `1:3.0.7-27.el9`: an epoch resets the order, not the upstream release series). Only compared,
/// never shown, so read without its text (every evaluated version is read this way).
pub(crate) fn prefix_key(scheme: Scheme, version: &str) -> Version {
    match scheme {
        Scheme::Java => java::parse_key(version),
        Scheme::Debian => Version::parse_key(debian::upstream(version)),
        Scheme::Rpm => Version::parse_key(rpm::upstream(version)),
        Scheme::Dotted | Scheme::Semver => Version::parse_key(version),
    }
}

fn is_dotted_numbers(s: &str) -> bool {
    s.split('.')
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}
