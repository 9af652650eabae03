//! RPM package versions, ordered as rpm 4.18 orders them.
//!
//! A version is `[epoch:]version[-release]`. [`rpmvercmp`] is rpm's segment comparison: the
//! string splits into runs of ASCII digits and runs of ASCII letters, everything else only
//! separates them; digit runs compare as numbers and beat letter runs, letter runs compare as
//! bytes; `~` sorts before anything (even the end), `^` sorts after the end but before any
//! further segment; and when one side runs out, the side with segments left is newer.
//!
//! [`compare`] is rpm's EVR comparison (`rpmverCmp`): epoch (missing is `0`), then version, then
//! release. One deliberate difference: rpm skips the release when either side has none, which is
//! a dependency-matching rule, not an order (`1.0-1` = `1.0` = `1.0-2` but `1.0-1` < `1.0-2`).
//! Here a missing release compares as an empty one, so `compare` is a total order and sorts
//! `1.0` before `1.0-1`. Text after a NUL is ignored, as C would; surrounding whitespace is
//! trimmed before the epoch is read.

use std::cmp::Ordering;

use crate::version::numeric::{cmp_digits, until_nul};

/// Orders two `[epoch:]version[-release]` strings; see the module documentation.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = Evr::of(a);
    let b = Evr::of(b);
    rpmvercmp(a.epoch.unwrap_or("0"), b.epoch.unwrap_or("0"))
        .then_with(|| rpmvercmp(a.version, b.version))
        .then_with(|| rpmvercmp(a.release.unwrap_or(""), b.release.unwrap_or("")))
}

/// The version without `N:` epoch or `-release`: what the catalogue's ranges name
/// (`1:3.0.7-27.el9` gives `3.0.7`).
pub fn upstream(v: &str) -> &str {
    Evr::of(v).version
}

/// rpm's `rpmvercmp`: compares one version or release field.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (mut one, mut two) = (until_nul(a).as_bytes(), until_nul(b).as_bytes());
    if one == two {
        return Ordering::Equal;
    }
    while !one.is_empty() || !two.is_empty() {
        one = skip_separators(one);
        two = skip_separators(two);
        let (c1, c2) = (one.first().copied(), two.first().copied());
        if c1 == Some(b'~') || c2 == Some(b'~') {
            if c1 != Some(b'~') {
                return Ordering::Greater;
            }
            if c2 != Some(b'~') {
                return Ordering::Less;
            }
        } else if c1 == Some(b'^') || c2 == Some(b'^') {
            match (c1, c2) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(c), _) if c != b'^' => return Ordering::Greater,
                (_, Some(c)) if c != b'^' => return Ordering::Less,
                _ => {}
            }
        } else {
            let Some(first) = c1.filter(|_| c2.is_some()) else {
                break;
            };
            let numeric = first.is_ascii_digit();
            let (seg1, rest1) = segment(one, numeric);
            let (seg2, rest2) = segment(two, numeric);
            if seg2.is_empty() {
                // A digit run is newer than a letter run.
                return if numeric {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            let order = if numeric {
                cmp_digits(seg1, seg2)
            } else {
                seg1.cmp(seg2)
            };
            if order.is_ne() {
                return order;
            }
            (one, two) = (rest1, rest2);
            continue;
        }
        // Both sides hold the same `~` or `^`: step over it.
        one = one.get(1..).unwrap_or_default();
        two = two.get(1..).unwrap_or_default();
    }
    match (one.is_empty(), two.is_empty()) {
        (true, true) => Ordering::Equal,
        (false, _) => Ordering::Greater,
        (true, false) => Ordering::Less,
    }
}

/// Skips bytes that only separate segments: anything but ASCII letters, digits, `~` and `^`.
fn skip_separators(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .take_while(|&&c| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^')
        .count();
    s.get(n..).unwrap_or_default()
}

/// Splits off the leading run of digits (`numeric`) or letters.
fn segment(s: &[u8], numeric: bool) -> (&[u8], &[u8]) {
    let n = s
        .iter()
        .take_while(|c| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        })
        .count();
    s.split_at_checked(n).unwrap_or((s, &[]))
}

/// The fields of an EVR string, split as rpm's `parseEVR` does.
struct Evr<'a> {
    epoch: Option<&'a str>,
    version: &'a str,
    release: Option<&'a str>,
}

impl<'a> Evr<'a> {
    fn of(evr: &'a str) -> Evr<'a> {
        let evr = until_nul(evr).trim();
        let digits = evr.bytes().take_while(u8::is_ascii_digit).count();
        let (epoch, rest) = match evr.get(digits..).and_then(|s| s.strip_prefix(':')) {
            Some(rest) => (
                Some(evr.get(..digits).filter(|e| !e.is_empty()).unwrap_or("0")),
                rest,
            ),
            None => (None, evr),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((version, release)) => (version, Some(release)),
            None => (rest, None),
        };
        Evr {
            epoch,
            version,
            release,
        }
    }
}
