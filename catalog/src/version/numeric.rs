//! Digit-string helpers shared by the version schemes.
//!
//! Version numbers come from outside and may be longer than any machine integer, so orderings
//! compare digit strings by significant length and then lexically, and values that must be
//! integers saturate instead of overflowing.

use std::cmp::Ordering;

/// Orders two runs of ASCII digits by numeric value, whatever their length.
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let a = strip_zeros(a);
    let b = strip_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The value of a run of ASCII digits, saturating at `u64::MAX` (no real version part gets there).
pub(crate) fn parse_saturating(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |n, d| {
        n.saturating_mul(10)
            .saturating_add(u64::from(d.wrapping_sub(b'0')))
    })
}

/// Splits `s` after its leading ASCII digits.
pub(crate) fn split_digits(s: &str) -> (&str, &str) {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    // `end` counts ASCII bytes from the start, so it is always a char boundary.
    (
        s.get(..end).unwrap_or_default(),
        s.get(end..).unwrap_or_default(),
    )
}

/// The part of `s` a C implementation would see: everything before the first NUL.
pub(crate) fn until_nul(s: &str) -> &str {
    s.split('\0').next().unwrap_or_default()
}

fn strip_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&d| d == b'0').count();
    digits.get(zeros..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_digit_strings_compare_by_value() {
        assert_eq!(cmp_digits(b"0099", b"100"), Ordering::Less);
        assert_eq!(cmp_digits(b"0", b""), Ordering::Equal);
        assert_eq!(
            cmp_digits(b"99999999999999999999999", b"99999999999999999999998"),
            Ordering::Greater
        );
    }

    #[test]
    fn huge_numbers_saturate() {
        assert_eq!(parse_saturating(b"391"), 391);
        assert_eq!(parse_saturating(b"99999999999999999999999"), u64::MAX);
    }
}
