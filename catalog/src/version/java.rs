//! Java runtime versions in every spelling an estate reports, normalised to one order.
//!
//! | reported as                       | by                              | normalised     |
//! |-----------------------------------|---------------------------------|----------------|
//! | `1.8.0_391`, `1.8.0_391-b13`      | `java -version`, legacy scheme  | 8.0.391 (b13)  |
//! | `8u391`, `jdk8u391-b13`           | release names                   | 8.0.391 (b13)  |
//! | `21.0.2+13`, `jdk-21.0.2+13-LTS`  | JEP 322 version strings         | 21.0.2 (b13)   |
//! | `21-ea+35`                        | early-access builds             | 21 pre-release |
//! | `11.0.21.9`                       | Temurin registry DisplayVersion | 11.0.21.9      |
//! | `8.0.3910.13`                     | Oracle 8 registry (update × 10) | 8.0.391 (b13)  |
//!
//! The build number is the last tie-breaker. The Oracle form is recognised by four numbers
//! `8.0.N.B` with `N` a multiple of ten; OpenJDK 8 update numbers do not end in zero, so
//! Temurin's `8.0.392.8` keeps its numbers.

use crate::version::lenient::{Version, split_dotted};
use crate::version::numeric::{parse_saturating, split_digits};
use crate::version::tag::{self, Tag};

/// Reads a Java version in any of the spellings above; never fails.
///
/// Text before the first digit (`jdk-`, `openjdk version "`) is skipped.
pub fn parse(v: &str) -> Version {
    parse_key(v).with_text(v.trim())
}

/// Like [`parse`] without keeping the text, for a version read only to be compared.
pub(crate) fn parse_key(v: &str) -> Version {
    let text = v.trim();
    let body = text
        .find(|c: char| c.is_ascii_digit())
        .and_then(|start| text.get(start..))
        .unwrap_or_default();
    let (mut numbers, mut rest) = split_dotted(body);
    if numbers.len() >= 2 && numbers.first() == Some(&1) && numbers.get(1) >= Some(&2) {
        numbers.remove(0);
    }
    if let Some(after) = rest.strip_prefix(['_', 'u']) {
        let (digits, tail) = split_digits(after);
        if !digits.is_empty() {
            numbers.resize(numbers.len().max(2), 0);
            numbers.push(parse_saturating(digits.as_bytes()));
            rest = tail;
        }
    }
    let (tag, mut build) = tail(rest);
    if let ([8, 0, update, registry_build], None) = (numbers.as_slice(), build)
        && update % 10 == 0
        && *update >= 10
    {
        build = Some(*registry_build);
        numbers = vec![8, 0, update / 10];
    }
    Version::from_parts("", numbers, tag, build)
}

/// The feature release (`8` for `1.8.0_391`, `21` for `21.0.2+13`), which names the support cycle.
pub fn major(v: &str) -> Option<u64> {
    parse(v).major()
}

/// The pre-release tag and build number in what follows the version numbers.
fn tail(rest: &str) -> (Tag, Option<u64>) {
    if let Some(after) = rest.strip_prefix("-b").or_else(|| rest.strip_prefix('b')) {
        let (digits, _) = split_digits(after);
        if !digits.is_empty() {
            return (Tag::Release, Some(parse_saturating(digits.as_bytes())));
        }
    }
    let tag = if rest.starts_with('+') {
        Tag::Release
    } else {
        tag::parse(rest)
    };
    let build = rest
        .split_once('+')
        .map(|(_, after)| split_digits(after).0)
        .filter(|digits| !digits.is_empty())
        .map(|digits| parse_saturating(digits.as_bytes()));
    (tag, build)
}
