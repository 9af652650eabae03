//! The lenient dotted scheme: pre-releases, glued letters, Windows, Office and Chrome builds,
//! equality and hashing, accessors, display, prefix matching and huge numbers.

use super::*;

fn dotted(a: &str, b: &str) -> Ordering {
    Version::parse(a).cmp(&Version::parse(b))
}

#[test]
fn pre_releases_sort_before_the_release_alpha_beta_rc_then_number() {
    check_increasing(
        &[
            "0.9.9",
            "1.0.dev3",
            "1.0-alpha",
            "1.0a1",
            "1.0-alpha.2",
            "1.0b1",
            "1.0-beta.2",
            "1.0-preview.1",
            "1.0rc1",
            "1.0~rc2",
            "1.0-RC3",
            "1.0",
            "1.0.1",
            "1.1",
        ],
        dotted,
    );
    check_increasing(
        &["3.13.0a1", "3.13.0b4", "3.13.0rc3", "3.13.0", "3.13.1"],
        dotted,
    );
}

#[test]
fn glued_letters_are_later_builds() {
    check_increasing(&["1.1.1", "1.1.1a", "1.1.1w", "1.1.2"], dotted);
    check_increasing(&["9.6", "9.6p1", "9.6p2", "9.7p1"], dotted);
}

#[test]
fn windows_office_and_chrome_builds() {
    check_increasing(
        &[
            "6.3.9600.17415",
            "10.0.9999",
            "10.0.17763.6532",
            "10.0.19045.5247",
            "10.0.19045.5371",
            "10.0.22631.4602",
        ],
        dotted,
    );
    check_increasing(
        &["16.0.5443.1000", "16.0.17328.20162", "16.0.17928.20114"],
        dotted,
    );
    check_increasing(
        &[
            "99.0.4844.84",
            "124.0.6367.91",
            "124.0.6367.201",
            "125.0.6422.60",
        ],
        dotted,
    );
    check_increasing(&["2016", "2019", "2022"], dotted);
}

#[test]
fn equal_versions() {
    for (a, b) in [
        ("3.11", "3.11.0"),
        ("3.11", "3.11.0.0"),
        ("v3.11", "3.11"),
        ("V3.11.0", "3.11"),
        ("  3.11\n", "3.11"),
        ("3.2 (x64 en-US)", "3.2"),
        ("5.9.3 (3169)", "5.9.3"),
        ("1.0.0+build.5", "1.0.0"),
        ("1.0-1", "1.0"),
        ("1.0.Final", "1.0"),
        // An edition suffix after a space is ignored: name the edition, not the version.
        ("2016 R2", "2016"),
        ("2008 R2 SP1", "2008"),
        ("", "0"),
        ("R2", ""),
    ] {
        assert_eq!(dotted(a, b), Equal, "{a:?} vs {b:?}");
        assert_eq!(Version::parse(a), Version::parse(b), "{a:?} == {b:?}");
    }
}

#[test]
fn hash_agrees_with_eq() {
    let set: HashSet<Version> = ["3.11", "3.11.0", "v3.11.0.0", "3.11.1", "3.11.0rc1"]
        .into_iter()
        .map(Version::parse)
        .collect();
    assert_eq!(set.len(), 3);
}

#[test]
fn accessors() {
    let v = Version::parse("10.0.19045.5247");
    assert_eq!(v.components(), &[10, 0, 19045, 5247]);
    assert_eq!(v.major(), Some(10));
    assert!(!v.is_empty());
    assert!(!v.is_prerelease());
    assert_eq!(v.build(), None);
    assert_eq!(Version::parse("3.11").components(), &[3, 11]);
    assert_eq!(Version::parse("2019").major(), Some(2019));
    assert!(Version::parse("1.0rc1").is_prerelease());
    for empty in ["", "   ", "R2", "abc1", "v", "(x64)"] {
        let v = Version::parse(empty);
        assert!(v.is_empty(), "{empty:?}");
        assert_eq!(v.major(), None, "{empty:?}");
    }
}

#[test]
fn display_shows_the_text() {
    for text in [
        "3.2 (x64 en-US)",
        "v1.0-beta.2",
        "10.0.19045.5247",
        "2016 R2",
    ] {
        assert_eq!(Version::parse(text).to_string(), text);
    }
    assert_eq!(Version::parse("  3.11 ").to_string(), "3.11");
}

#[test]
fn prefix_matching() {
    let prefix = Version::parse("3.11");
    for v in ["3.11", "3.11.0", "3.11.4", "3.11.0rc1", "3.11.4 (64-bit)"] {
        assert!(Version::parse(v).matches_prefix(&prefix), "{v}");
    }
    for v in ["3.1", "3.110", "3.12.0a1", "3.10.14", "3", "garbage"] {
        assert!(!Version::parse(v).matches_prefix(&prefix), "{v}");
    }
    assert!(Version::parse("3").matches_prefix(&Version::parse("3.0")));
}

#[test]
fn huge_numbers_saturate_without_panic() {
    let huge = Version::parse("99999999999999999999999.1");
    assert_eq!(huge.components(), &[u64::MAX, 1]);
    assert_eq!(
        dotted("99999999999999999999999", "18446744073709551614"),
        Greater
    );
}
