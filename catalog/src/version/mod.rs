//! Ordering for the version strings real systems report, one scheme per ecosystem.
//!
//! Installed versions are rarely semver: Windows reports `10.0.19045.5247`, Java `1.8.0_391`,
//! dpkg `1:2.4.7-1ubuntu0.2`, RPM `1:3.0.7-27.el9`. Each [`Scheme`] orders its own kind exactly
//! (dpkg's and rpm's algorithms, not approximations) and every comparison is total and panic-free
//! on any input, so the catalogue can map an installed version to a release cycle with a
//! [`VersionRange`] and reject cycles whose ranges overlap.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

pub mod debian;
pub mod java;
mod lenient;
mod numeric;
mod range;
pub mod rpm;
mod semantic;
mod tag;

pub use lenient::Version;
pub use range::{Installed, Position, RangeError, VersionRange};

/// How a product numbers its versions, chosen per product in the catalogue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// Lenient dotted numbers with pre-release tags ([`Version`]): Windows, macOS and most
    /// applications.
    #[default]
    Dotted,
    /// Java runtimes, whose legacy, modern and registry spellings [`java::parse`] unifies.
    Java,
    /// Debian packages, in dpkg's order ([`debian::compare`]).
    Debian,
    /// RPM packages, in rpm's order ([`rpm::compare`]).
    Rpm,
    /// Semantic versions; installed versions that are not semver are coerced to
    /// `major.minor.patch` from their lenient reading.
    Semver,
}

impl Scheme {
    /// Orders two installed versions under this scheme; total, and never panics.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Dotted => Version::parse_key(a).cmp(&Version::parse_key(b)),
            Scheme::Java => java::parse_key(a).cmp(&java::parse_key(b)),
            Scheme::Debian => debian::compare(a, b),
            Scheme::Rpm => rpm::compare(a, b),
            Scheme::Semver => semantic::coerce(a).cmp(&semantic::coerce(b)),
        }
    }
}
