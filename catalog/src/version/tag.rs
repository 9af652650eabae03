//! The tag after a lenient version's numbers: pre-release, post-release letter, or ignored text.
//!
//! `1.0rc1`, `1.0-beta.2`, `1.0~rc1` and `3.13.0a1` are pre-releases and sort before `1.0`;
//! OpenSSL's `1.1.1w` and OpenSSH's `9.6p1` carry a letter glued to the last number that marks a
//! *later* build, so they sort after `1.1.1`. Anything else (` (x64 en-US)`, ` R2`, `-ubuntu`,
//! `+build.5`) is not part of the order.

use crate::version::numeric::{parse_saturating, split_digits};

/// Where a version stands relative to the plain release with the same numbers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tag {
    /// Before the release: kind, then number (`rc2` is `Pre(Rc, 2)`).
    Pre(PreKind, u64),
    /// The release itself, or a tag we do not order.
    Release,
    /// After the release: lower-case letters glued to the last number, then a number (`p1`).
    Post(String, u64),
}

/// Pre-release stages in the order projects use them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PreKind {
    /// `dev`, `snapshot`, `nightly`, or anything after `~` we do not recognise.
    Dev,
    /// `alpha`, or `a` followed by a digit.
    Alpha,
    /// `beta`, or `b` followed by a digit.
    Beta,
    /// `pre`, `preview`, and Java's `ea` (early access).
    Preview,
    /// `rc`, `cr`, or `c` followed by a digit.
    Rc,
}

impl PreKind {
    /// The semver pre-release label for this stage.
    pub(crate) fn label(self) -> &'static str {
        match self {
            PreKind::Dev => "dev",
            PreKind::Alpha => "alpha",
            PreKind::Beta => "beta",
            PreKind::Preview => "preview",
            PreKind::Rc => "rc",
        }
    }
}

/// Reads the tag from the text that follows a version's last number.
pub(crate) fn parse(rest: &str) -> Tag {
    let (separator, tail) = match rest.chars().next() {
        Some(c @ ('-' | '.' | '_' | '~')) => (Some(c), rest.get(1..).unwrap_or_default()),
        _ => (None, rest),
    };
    let letters = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
    let word = tail.get(..letters).unwrap_or_default().to_ascii_lowercase();
    let after = tail.get(letters..).unwrap_or_default();
    let (digits, _) = split_digits(after.strip_prefix(['.', '-', '_']).unwrap_or(after));
    let glued = after.starts_with(|c: char| c.is_ascii_digit());
    let number = parse_saturating(digits.as_bytes());
    match (pre_kind(&word, glued), separator) {
        (Some(kind), _) => Tag::Pre(kind, number),
        (None, Some('~')) => Tag::Pre(PreKind::Dev, number),
        (None, None) if !word.is_empty() => Tag::Post(word, number),
        _ => Tag::Release,
    }
}

/// The pre-release stage a word names; single letters count only when a digit follows.
fn pre_kind(word: &str, digit_follows: bool) -> Option<PreKind> {
    match word {
        "dev" | "snapshot" | "nightly" => Some(PreKind::Dev),
        "alpha" => Some(PreKind::Alpha),
        "beta" => Some(PreKind::Beta),
        "pre" | "preview" | "ea" => Some(PreKind::Preview),
        "rc" | "cr" => Some(PreKind::Rc),
        "a" if digit_follows => Some(PreKind::Alpha),
        "b" if digit_follows => Some(PreKind::Beta),
        "c" if digit_follows => Some(PreKind::Rc),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_tags() {
        assert_eq!(parse("rc1"), Tag::Pre(PreKind::Rc, 1));
        assert_eq!(parse("-beta.2"), Tag::Pre(PreKind::Beta, 2));
        assert_eq!(parse("~rc1"), Tag::Pre(PreKind::Rc, 1));
        assert_eq!(parse("a1"), Tag::Pre(PreKind::Alpha, 1));
        assert_eq!(parse("-SNAPSHOT"), Tag::Pre(PreKind::Dev, 0));
        assert_eq!(parse("~git20240101"), Tag::Pre(PreKind::Dev, 20240101));
        assert_eq!(parse("w"), Tag::Post("w".into(), 0));
        assert_eq!(parse("p1"), Tag::Post("p".into(), 1));
        assert_eq!(parse(" (x64 en-US)"), Tag::Release);
        assert_eq!(parse(" R2"), Tag::Release);
        assert_eq!(parse("-ubuntu1"), Tag::Release);
        assert_eq!(parse("+13"), Tag::Release);
        assert_eq!(parse(""), Tag::Release);
    }
}
