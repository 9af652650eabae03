//! Debian package versions, ordered exactly as dpkg orders them (deb-version(5)).
//!
//! A version is `[epoch:]upstream[-revision]`. Epochs compare as numbers; upstream and revision
//! compare by dpkg's `verrevcmp`: alternately a run of non-digits, compared character by character
//! with `~` before everything (even the end of the string), then letters, then other characters;
//! and a run of digits, compared as a number. A missing revision equals `0`.
//!
//! dpkg rejects malformed versions; here every string gets a place in the order instead. An epoch
//! that is not all digits is not an epoch (the `:` stays in the upstream part), numbers of any
//! length compare without overflow, text after a NUL is ignored (as C would), and bytes outside
//! ASCII sort as non-letters after `z` (dpkg's order on platforms where `char` is unsigned).

use std::cmp::Ordering;

use crate::version::numeric::{cmp_digits, until_nul};

/// Orders two Debian versions as `dpkg --compare-versions` does.
pub fn compare(a: &str, b: &str) -> Ordering {
    let a = Parts::of(a);
    let b = Parts::of(b);
    cmp_digits(a.epoch.as_bytes(), b.epoch.as_bytes())
        .then_with(|| verrevcmp(a.upstream.as_bytes(), b.upstream.as_bytes()))
        .then_with(|| verrevcmp(a.revision.as_bytes(), b.revision.as_bytes()))
}

/// The upstream version, without `N:` epoch or Debian `-revision`: what the catalogue's ranges
/// name (`1:2.4.7-1ubuntu0.2` gives `2.4.7`).
pub fn upstream(v: &str) -> &str {
    Parts::of(v).upstream
}

/// The three fields of a Debian version.
struct Parts<'a> {
    epoch: &'a str,
    upstream: &'a str,
    revision: &'a str,
}

impl<'a> Parts<'a> {
    fn of(v: &'a str) -> Parts<'a> {
        let v = until_nul(v).trim();
        let (epoch, rest) = match v.split_once(':') {
            Some((epoch, rest))
                if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) =>
            {
                (epoch, rest)
            }
            _ => ("", v),
        };
        let (upstream, revision) = rest.rsplit_once('-').unwrap_or((rest, ""));
        Parts {
            epoch,
            upstream,
            revision,
        }
    }
}

/// dpkg's `verrevcmp`, on bytes.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut a, mut b) = (a, b);
    while !a.is_empty() || !b.is_empty() {
        while starts_non_digit(a) || starts_non_digit(b) {
            let order = weight(a.first()).cmp(&weight(b.first()));
            if order.is_ne() {
                return order;
            }
            // Equal weights on a non-digit mean both sides hold the same character.
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        let digits_a = skip_zeros(a);
        let digits_b = skip_zeros(b);
        let len_a = digits_a.iter().take_while(|c| c.is_ascii_digit()).count();
        let len_b = digits_b.iter().take_while(|c| c.is_ascii_digit()).count();
        let order = cmp_digits(
            digits_a.get(..len_a).unwrap_or_default(),
            digits_b.get(..len_b).unwrap_or_default(),
        );
        if order.is_ne() {
            return order;
        }
        a = digits_a.get(len_a..).unwrap_or_default();
        b = digits_b.get(len_b..).unwrap_or_default();
    }
    Ordering::Equal
}

fn starts_non_digit(s: &[u8]) -> bool {
    s.first().is_some_and(|c| !c.is_ascii_digit())
}

fn skip_zeros(s: &[u8]) -> &[u8] {
    let zeros = s.iter().take_while(|&&c| c == b'0').count();
    s.get(zeros..).unwrap_or_default()
}

/// dpkg's `order()`: `~` < end of string and digits < letters < everything else.
fn weight(c: Option<&u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(*c),
        Some(b'~') => -1,
        Some(c) => i32::from(*c) + 256,
    }
}
