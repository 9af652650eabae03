//! Lenient dotted versions: the default order for Windows, macOS and application versions.
//!
//! Parsing never fails. The text is trimmed and a leading `v`/`V` dropped; then come any number
//! of dot-separated numbers (`10.0.19045.5247`, `124.0.6367.91`, `2019`), and an optional tag
//! (see [`tag`](super::tag)): pre-releases (`1.0rc1`, `1.0-beta.2`, `1.0~rc1`, `3.13.0a1`) sort
//! before the release, alpha < beta < preview < rc and then by number; a letter glued to the last
//! number (`1.1.1w`, `9.6p1`) sorts after it. Everything else is ignored for ordering: build
//! metadata after `+`, and trailing text such as `3.2 (x64 en-US)` or `5.9.3 (3169)`. Edition
//! suffixes after a space are ignored too, so `2016 R2` equals `2016`; products that differ by
//! such a suffix must be told apart by name, not by version.
//!
//! Missing parts are zero (`3.11` == `3.11.0`), a number too large for `u64` saturates, and a
//! text that does not start with a number (after the optional `v`) is [empty](Version::is_empty)
//! and orders as `0`.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::version::numeric::{parse_saturating, split_digits};
use crate::version::tag::{self, PreKind, Tag};

/// A version string as real software reports it, ordered by its numbers and pre-release tag.
#[derive(Clone, Debug)]
pub struct Version {
    text: String,
    components: Vec<u64>,
    tag: Tag,
    build: Option<u64>,
}

impl Version {
    /// Reads a version; never fails, so any reported string can be ordered.
    pub fn parse(text: &str) -> Version {
        Version::parse_key(text).with_text(text.trim())
    }

    /// Like [`Version::parse`] without keeping the text, which only `Display` shows: for a
    /// version read to be compared and dropped, so that comparing allocates less.
    pub(crate) fn parse_key(text: &str) -> Version {
        let text = text.trim();
        let body = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let (components, rest) = split_dotted(body);
        let tag = if components.is_empty() {
            Tag::Release
        } else {
            tag::parse(rest)
        };
        Version::from_parts("", components, tag, None)
    }

    /// This version, displaying as `text`.
    pub(crate) fn with_text(mut self, text: &str) -> Version {
        text.clone_into(&mut self.text);
        self
    }

    /// Builds a version another scheme (Java) has already taken apart.
    pub(crate) fn from_parts(
        text: &str,
        components: Vec<u64>,
        tag: Tag,
        build: Option<u64>,
    ) -> Version {
        Version {
            text: text.to_owned(),
            components,
            tag,
            build,
        }
    }

    /// The smallest version whose leading numbers are `prefix`: where the `prefix.*` block starts.
    pub(crate) fn prefix_floor(prefix: &[u64]) -> Version {
        let text = format!("{}.dev0", join(prefix));
        Version::from_parts(&text, prefix.to_vec(), Tag::Pre(PreKind::Dev, 0), None)
    }

    /// The pre- or post-release tag, for schemes that translate it.
    pub(crate) fn tag(&self) -> &Tag {
        &self.tag
    }

    /// The numbers as written (`3.11.0` gives `[3, 11, 0]`), for callers that map them to cycles.
    pub fn components(&self) -> &[u64] {
        &self.components
    }

    /// The first number, which names the release line of most products.
    pub fn major(&self) -> Option<u64> {
        self.components.first().copied()
    }

    /// Whether no number was found, so the version says nothing about the release.
    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
    }

    /// Whether the version is a pre-release (alpha, beta, rc, …) of its numbers.
    pub fn is_prerelease(&self) -> bool {
        matches!(self.tag, Tag::Pre(..))
    }

    /// The Java build number (`+13`, `-b13`), kept as the last tie-breaker; lenient parsing
    /// ignores build metadata, so only [`java::parse`](super::java::parse) sets it.
    pub fn build(&self) -> Option<u64> {
        self.build
    }

    /// Whether `prefix`'s numbers lead this version's: `3.11` leads `3.11.4` and `3.11.0rc1`,
    /// not `3.1` or `3.110`. Missing parts count as zero, as in the order.
    pub fn matches_prefix(&self, prefix: &Version) -> bool {
        prefix
            .components
            .iter()
            .enumerate()
            .all(|(i, p)| self.components.get(i).copied().unwrap_or(0) == *p)
    }

    /// The numbers without trailing zeros, so `3.11` and `3.11.0` compare and hash alike.
    fn significant(&self) -> &[u64] {
        let len = self
            .components
            .iter()
            .rposition(|&c| c != 0)
            .map_or(0, |i| i + 1);
        self.components.get(..len).unwrap_or_default()
    }
}

/// Splits the leading dot-separated numbers off `s`.
pub(crate) fn split_dotted(s: &str) -> (Vec<u64>, &str) {
    let mut components = Vec::new();
    let mut rest = s;
    loop {
        let (digits, after) = split_digits(rest);
        if digits.is_empty() {
            break;
        }
        components.push(parse_saturating(digits.as_bytes()));
        rest = after;
        match after.strip_prefix('.') {
            Some(next) if next.starts_with(|c: char| c.is_ascii_digit()) => rest = next,
            _ => break,
        }
    }
    (components, rest)
}

fn join(numbers: &[u64]) -> String {
    let parts: Vec<String> = numbers.iter().map(u64::to_string).collect();
    parts.join(".")
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.significant()
            .cmp(other.significant())
            .then_with(|| self.tag.cmp(&other.tag))
            .then_with(|| self.build.cmp(&other.build))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.significant().hash(state);
        self.tag.hash(state);
        self.build.hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_dotted_numbers() {
        assert_eq!(
            split_dotted("10.0.19045.5247"),
            (vec![10, 0, 19045, 5247], "")
        );
        assert_eq!(split_dotted("3.2 (x64)"), (vec![3, 2], " (x64)"));
        assert_eq!(split_dotted("1.0."), (vec![1, 0], "."));
        assert_eq!(split_dotted("R2"), (vec![], "R2"));
    }

    #[test]
    fn prefix_floor_is_below_every_member() {
        let floor = Version::prefix_floor(&[3, 11]);
        assert!(floor < Version::parse("3.11.0a1"));
        assert!(floor <= Version::parse("3.11~~"));
        assert!(floor > Version::parse("3.10.99"));
    }
}
