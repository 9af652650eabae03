//! Version ordering: the comparison tables of dpkg and rpm themselves, the strings real estates
//! report, ordering laws for every scheme, and version ranges.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::cmp::Ordering::{self, Equal, Greater, Less};
use std::collections::HashSet;

use proptest::prelude::*;
use sunset_catalog::version::{RangeError, Scheme, Version, VersionRange, debian, java, rpm};

const SCHEMES: [Scheme; 5] = [
    Scheme::Dotted,
    Scheme::Java,
    Scheme::Debian,
    Scheme::Rpm,
    Scheme::Semver,
];

/// The `-1`/`0`/`1` of the C test tables as an `Ordering`.
fn ordering(n: i8) -> Ordering {
    n.cmp(&0)
}

/// Checks `compare(a, b)` and its mirror image against a table row.
fn check_table(name: &str, table: &[(&str, &str, i8)], compare: impl Fn(&str, &str) -> Ordering) {
    for &(a, b, expected) in table {
        let expected = ordering(expected);
        assert_eq!(compare(a, b), expected, "{name}: {a:?} vs {b:?}");
        assert_eq!(compare(b, a), expected.reverse(), "{name}: {b:?} vs {a:?}");
    }
}

/// Checks that `versions` are in strictly increasing order under `compare`, pair by pair.
fn check_increasing(versions: &[&str], compare: impl Fn(&str, &str) -> Ordering) {
    for (i, a) in versions.iter().enumerate() {
        for b in versions.iter().skip(i + 1) {
            assert_eq!(compare(a, b), Less, "{a:?} should sort before {b:?}");
            assert_eq!(compare(b, a), Greater, "{b:?} should sort after {a:?}");
        }
    }
}

fn range(scheme: Scheme, text: &str) -> VersionRange {
    match VersionRange::parse(scheme, text) {
        Ok(range) => range,
        Err(error) => panic!("{text:?} under {scheme:?} should parse: {error}"),
    }
}

fn range_error(scheme: Scheme, text: &str) -> RangeError {
    match VersionRange::parse(scheme, text) {
        Ok(range) => panic!("{text:?} under {scheme:?} should be rejected, got {range:?}"),
        Err(error) => error,
    }
}

mod dpkg {
    use super::*;

    /// The `__DATA__` table of dpkg's `scripts/t/Dpkg_Version.t` (guillemj/dpkg), which the
    /// dpkg test suite checks against `dpkg --compare-versions`.
    const DPKG_VERSION_T: &[(&str, &str, i8)] = &[
        ("1.0-1", "2.0-2", -1),
        ("2.2~rc-4", "2.2-1", -1),
        ("2.2-1", "2.2~rc-4", 1),
        ("1.0000-1", "1.0-1", 0),
        ("1", "0:1", 0),
        ("0", "0:0-0", 0),
        ("2:2.5", "1:7.5", 1),
        ("1:0foo", "0foo", 1),
        ("0:0foo", "0foo", 0),
        ("0foo", "0foo", 0),
        ("0foo-", "0foo", 0),
        ("0foo-", "0foo-0", 0),
        ("0foo", "0fo", 1),
        ("0foo-", "0foo+", -1),
        ("0foo~1", "0foo", -1),
        ("0foo~foo+Bar", "0foo~foo+bar", -1),
        ("0foo~~", "0foo~", -1),
        ("1~", "1", -1),
        (
            "12345+that-really-is-some-ver-0",
            "12345+that-really-is-some-ver-10",
            -1,
        ),
        ("0foo-0", "0foo-01", -1),
        ("0foo.bar", "0foobar", 1),
        ("0foo.bar", "0foo1bar", 1),
        ("0foo.bar", "0foo0bar", 1),
        ("0foo1bar-1", "0foobar-1", -1),
        ("0foo2.0", "0foo2", 1),
        ("0foo2.0.0", "0foo2.10.0", -1),
        ("0foo2.0", "0foo2.0.0", -1),
        ("0foo2.0", "0foo2.10", -1),
        ("0foo2.1", "0foo2.10", -1),
        ("1.09", "1.9", 0),
        ("1.0.8+nmu1", "1.0.8", 1),
        ("3.11", "3.10+nmu1", 1),
        ("0.9j-20080306-4", "0.9i-20070324-2", 1),
        ("1.2.0~b7-1", "1.2.0~b6-1", 1),
        ("1.011-1", "1.06-2", 1),
        ("0.0.9+dfsg1-1", "0.0.8+dfsg1-3", 1),
        ("4.6.99+svn6582-1", "4.6.99+svn6496-1", 1),
        ("53", "52", 1),
        ("0.9.9~pre122-1", "0.9.9~pre111-1", 1),
        ("2:2.3.2-2+lenny2", "2:2.3.2-2", 1),
        ("1:3.8.1-1", "3.8.GA-1", 1),
        ("1.0.1+gpl-1", "1.0.1-2", 1),
        ("1a", "1000a", -1),
        ("-0.6.5", "0.9.1", -1),
    ];

    /// Equalities from dpkg's `lib/dpkg/t/t-version.c` (`parseversion` then compare).
    const T_VERSION_C: &[(&str, &str, i8)] = &[
        ("0", "0:0", 0),
        ("0:0-", "0", 0),
        ("0:0-0", "0:0-00", 0),
        ("0:0.0-0.0", "0.0-0.0", 0),
        ("1:0", "1:0-", 0),
        ("0:0-0-0", "0-0-0", 0),
        ("0:0:0-0", "0:0:0-0", 0),
        ("  \t0:0-1", "0:0-1", 0),
        ("0:0-1\t  ", "0:0-1", 0),
        ("0:a-0", "0:b-0", -1),
        ("0:0-a", "0:0-b", -1),
        ("0:0-0", "1:0-0", -1),
    ];

    /// deb-version(5) and Debian Policy §5.6.12, and the cases an estate meets daily.
    const MANUAL: &[(&str, &str, i8)] = &[
        ("1.0~rc1", "1.0", -1),
        ("1.0~rc1-1", "1.0-1", -1),
        ("1:2.4.7-1", "2.4.8-1", 1),
        ("1:2.4.7-1ubuntu0.2", "1:2.4.7-1", 1),
        ("1:2.4.7-1ubuntu0.2", "1:2.4.7-1ubuntu0.10", -1),
        ("3.0.2-0ubuntu1.15", "3.0.2-0ubuntu1.9", 1),
        ("1.1.1n-0+deb11u5", "1.1.1w-0+deb11u1", -1),
        ("2.36-9+deb12u4", "2.36-9+deb12u10", -1),
        ("1.0", "1.0-0", 0),
        ("7.4.052-1ubuntu3", "7.4.052-1ubuntu3.1", -1),
    ];

    #[test]
    fn dpkg_version_t_table() {
        check_table("Dpkg_Version.t", DPKG_VERSION_T, debian::compare);
    }

    #[test]
    fn t_version_c_table() {
        check_table("t-version.c", T_VERSION_C, debian::compare);
    }

    #[test]
    fn manual_examples() {
        check_table("deb-version(5)", MANUAL, debian::compare);
    }

    /// deb-version(5): "the following parts are in sorted order: '~~', '~~a', '~', the empty
    /// part, 'a'", as whole upstream versions and after a common number.
    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        check_increasing(&["~~", "~~a", "~", "", "a"], debian::compare);
        check_increasing(&["1~~", "1~~a", "1~", "1", "1a"], debian::compare);
    }

    /// deb-version(5): letters sort before non-letters.
    #[test]
    fn letters_sort_before_non_letters() {
        check_increasing(&["1a", "1z", "1+", "1.", "1:"], |a, b| {
            debian::compare(&format!("0:{a}"), &format!("0:{b}"))
        });
        check_increasing(&["1.0", "1.0a", "1.0+b1", "1.0.1"], debian::compare);
    }

    #[test]
    fn huge_numbers_and_epochs_do_not_overflow() {
        check_increasing(
            &[
                "99999999999999999999998",
                "99999999999999999999999",
                "999999999999999999999999:0",
                "1000000000000000000000000:0",
            ],
            debian::compare,
        );
    }

    #[test]
    fn upstream_strips_epoch_and_last_revision() {
        assert_eq!(debian::upstream("1:2.4.7-1ubuntu0.2"), "2.4.7");
        assert_eq!(debian::upstream("2.4.7"), "2.4.7");
        assert_eq!(debian::upstream("0:0-0-0"), "0-0");
        assert_eq!(debian::upstream("1:2:3-4"), "2:3");
        assert_eq!(debian::upstream(" 3.0.2-0ubuntu1.15 "), "3.0.2");
        assert_eq!(debian::upstream("a:1.0"), "a:1.0");
        assert_eq!(debian::upstream(""), "");
    }
}

mod rpm_order {
    use super::*;

    /// Every `RPMVERCMP(a, b, result)` row of rpm's `tests/rpmvercmp.at`
    /// (rpm-software-management/rpm), including the tilde and caret cases.
    const RPMVERCMP_AT: &[(&str, &str, i8)] = &[
        ("1.0", "1.0", 0),
        ("1.0", "2.0", -1),
        ("2.0", "1.0", 1),
        ("2.0.1", "2.0.1", 0),
        ("2.0", "2.0.1", -1),
        ("2.0.1", "2.0", 1),
        ("2.0.1a", "2.0.1a", 0),
        ("2.0.1a", "2.0.1", 1),
        ("2.0.1", "2.0.1a", -1),
        ("5.5p1", "5.5p1", 0),
        ("5.5p1", "5.5p2", -1),
        ("5.5p2", "5.5p1", 1),
        ("5.5p10", "5.5p10", 0),
        ("5.5p1", "5.5p10", -1),
        ("5.5p10", "5.5p1", 1),
        ("10xyz", "10.1xyz", -1),
        ("10.1xyz", "10xyz", 1),
        ("xyz10", "xyz10", 0),
        ("xyz10", "xyz10.1", -1),
        ("xyz10.1", "xyz10", 1),
        ("xyz.4", "xyz.4", 0),
        ("xyz.4", "8", -1),
        ("8", "xyz.4", 1),
        ("xyz.4", "2", -1),
        ("2", "xyz.4", 1),
        ("5.5p2", "5.6p1", -1),
        ("5.6p1", "5.5p2", 1),
        ("5.6p1", "6.5p1", -1),
        ("6.5p1", "5.6p1", 1),
        ("6.0.rc1", "6.0", 1),
        ("6.0", "6.0.rc1", -1),
        ("10b2", "10a1", 1),
        ("10a2", "10b2", -1),
        ("1.0aa", "1.0aa", 0),
        ("1.0a", "1.0aa", -1),
        ("1.0aa", "1.0a", 1),
        ("10.0001", "10.0001", 0),
        ("10.0001", "10.1", 0),
        ("10.1", "10.0001", 0),
        ("10.0001", "10.0039", -1),
        ("10.0039", "10.0001", 1),
        ("4.999.9", "5.0", -1),
        ("5.0", "4.999.9", 1),
        ("20101121", "20101121", 0),
        ("20101121", "20101122", -1),
        ("20101122", "20101121", 1),
        ("2_0", "2_0", 0),
        ("2.0", "2_0", 0),
        ("2_0", "2.0", 0),
        // RhBug:178798
        ("a", "a", 0),
        ("a+", "a+", 0),
        ("a+", "a_", 0),
        ("a_", "a+", 0),
        ("+a", "+a", 0),
        ("+a", "_a", 0),
        ("_a", "+a", 0),
        ("+_", "+_", 0),
        ("_+", "+_", 0),
        ("_+", "_+", 0),
        ("+", "_", 0),
        ("_", "+", 0),
        // Tilde
        ("1.0~rc1", "1.0~rc1", 0),
        ("1.0~rc1", "1.0", -1),
        ("1.0", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc2", -1),
        ("1.0~rc2", "1.0~rc1", 1),
        ("1.0~rc1~git123", "1.0~rc1~git123", 0),
        ("1.0~rc1~git123", "1.0~rc1", -1),
        ("1.0~rc1", "1.0~rc1~git123", 1),
        // Caret
        ("1.0^", "1.0^", 0),
        ("1.0^", "1.0", 1),
        ("1.0", "1.0^", -1),
        ("1.0^git1", "1.0^git1", 0),
        ("1.0^git1", "1.0", 1),
        ("1.0", "1.0^git1", -1),
        ("1.0^git1", "1.0^git2", -1),
        ("1.0^git2", "1.0^git1", 1),
        ("1.0^git1", "1.01", -1),
        ("1.01", "1.0^git1", 1),
        ("1.0^20160101", "1.0^20160101", 0),
        ("1.0^20160101", "1.0.1", -1),
        ("1.0.1", "1.0^20160101", 1),
        ("1.0^20160101^git1", "1.0^20160101^git1", 0),
        ("1.0^20160102", "1.0^20160101^git1", 1),
        ("1.0^20160101^git1", "1.0^20160102", -1),
        // Tilde and caret
        ("1.0~rc1^git1", "1.0~rc1^git1", 0),
        ("1.0~rc1^git1", "1.0~rc1", 1),
        ("1.0~rc1", "1.0~rc1^git1", -1),
        ("1.0^git1~pre", "1.0^git1~pre", 0),
        ("1.0^git1", "1.0^git1~pre", 1),
        ("1.0^git1~pre", "1.0^git1", -1),
    ];

    /// The "oddities" rpmvercmp.at keeps commented out to document rpm's actual behaviour
    /// (RhBug:811992, and non-ASCII bytes acting as separators).
    const RPMVERCMP_ODDITIES: &[(&str, &str, i8)] = &[
        ("1b.fc17", "1b.fc17", 0),
        ("1b.fc17", "1.fc17", -1),
        ("1.fc17", "1b.fc17", 1),
        ("1g.fc17", "1g.fc17", 0),
        ("1g.fc17", "1.fc17", 1),
        ("1.fc17", "1g.fc17", -1),
        ("1.1.α", "1.1.α", 0),
        ("1.1.α", "1.1.β", 0),
        ("1.1.β", "1.1.α", 0),
        ("1.1.αα", "1.1.α", 0),
        ("1.1.α", "1.1.ββ", 0),
        ("1.1.ββ", "1.1.αα", 0),
    ];

    /// Whole `[epoch:]version[-release]` strings as `rpm -q` reports them.
    const EVR: &[(&str, &str, i8)] = &[
        ("1:1.0-1", "2.0-1", 1),
        ("0:1.0-1", "1.0-1", 0),
        (":1.0-1", "0:1.0-1", 0),
        ("1:3.0.7-27.el9", "1:3.0.7-28.el9", -1),
        ("1:3.0.7-27.el9", "1:3.0.7-3.el9", 1),
        ("3.0.7-27.el9", "1:3.0.1-1.el9", -1),
        ("2.34-100.el9_4.2", "2.34-100.el9_4.10", -1),
        ("5.14.0-427.13.1.el9_4", "5.14.0-427.40.1.el9_4", -1),
        ("1.0~rc1-1", "1.0-1", -1),
        ("1.0^git1-1", "1.0-1", 1),
        // A missing release sorts as an empty one (rpm would skip the release; see rpm.rs).
        ("1.0", "1.0-1", -1),
        ("2.0", "1.0-5", 1),
    ];

    #[test]
    fn rpmvercmp_at_table() {
        check_table("rpmvercmp.at", RPMVERCMP_AT, rpm::rpmvercmp);
    }

    #[test]
    fn rpmvercmp_documented_oddities() {
        check_table("rpmvercmp.at oddities", RPMVERCMP_ODDITIES, rpm::rpmvercmp);
    }

    #[test]
    fn evr_compare() {
        check_table("EVR", EVR, rpm::compare);
    }

    #[test]
    fn huge_numbers_do_not_overflow() {
        check_increasing(
            &[
                "99999999999999999999998",
                "99999999999999999999999",
                "100000000000000000000000",
            ],
            rpm::rpmvercmp,
        );
        assert_eq!(rpm::rpmvercmp("000000000000000000000000001", "1"), Equal);
    }

    #[test]
    fn upstream_strips_epoch_and_release() {
        assert_eq!(rpm::upstream("1:3.0.7-27.el9"), "3.0.7");
        assert_eq!(rpm::upstream("3.0.7-27.el9"), "3.0.7");
        assert_eq!(rpm::upstream("3.0.7"), "3.0.7");
        assert_eq!(rpm::upstream("1:3.0.7"), "3.0.7");
        assert_eq!(rpm::upstream("1.0-1-2"), "1.0-1");
        assert_eq!(rpm::upstream(""), "");
    }
}

mod lenient {
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
}

mod java_versions {
    use super::*;

    #[test]
    fn normalises_every_spelling() {
        for (text, numbers, build) in [
            ("1.8.0_391", &[8, 0, 391][..], None),
            ("8u391", &[8, 0, 391], None),
            ("1.8.0_391-b13", &[8, 0, 391], Some(13)),
            ("8u391-b13", &[8, 0, 391], Some(13)),
            ("8u391b13", &[8, 0, 391], Some(13)),
            ("jdk8u391-b13", &[8, 0, 391], Some(13)),
            ("8.0.3910.13", &[8, 0, 391], Some(13)),
            ("8.0.510.16", &[8, 0, 51], Some(16)),
            ("8.0.392.8", &[8, 0, 392, 8], None),
            ("21.0.2+13", &[21, 0, 2], Some(13)),
            ("jdk-21.0.2+13-LTS", &[21, 0, 2], Some(13)),
            ("17.0.9+9-Ubuntu-122.04", &[17, 0, 9], Some(9)),
            ("11.0.21.9", &[11, 0, 21, 9], None),
            ("1.6.0_45", &[6, 0, 45], None),
            ("17", &[17], None),
        ] {
            let v = java::parse(text);
            assert_eq!(v.components(), numbers, "{text}");
            assert_eq!(v.build(), build, "{text}");
            assert_eq!(v.to_string(), text);
        }
    }

    #[test]
    fn spellings_of_the_same_runtime_are_equal() {
        let same = ["1.8.0_391-b13", "8u391-b13", "8.0.3910.13", "jdk8u391-b13"];
        for a in same {
            for b in same {
                assert_eq!(java::parse(a), java::parse(b), "{a} vs {b}");
            }
        }
        assert_eq!(java::parse("1.8.0_391"), java::parse("8u391"));
    }

    #[test]
    fn majors() {
        for (text, major) in [
            ("1.8.0_391", Some(8)),
            ("8u391", Some(8)),
            ("8.0.3910.13", Some(8)),
            ("21.0.2+13", Some(21)),
            ("jdk-21.0.2+13-LTS", Some(21)),
            ("11.0.21.9", Some(11)),
            ("1.7.0_80", Some(7)),
            ("", None),
            ("java", None),
        ] {
            assert_eq!(java::major(text), major, "{text:?}");
        }
    }

    #[test]
    fn order() {
        check_increasing(
            &[
                "1.7.0_80",
                "1.8.0_381",
                "8u391",
                "1.8.0_391-b13",
                "8.0.3910.14",
                "8u401",
                "11.0.21",
                "11.0.21.9",
                "17.0.9",
                "21-ea+35",
                "21",
                "21.0.2",
                "21.0.2+13",
                "21.0.2+14",
                "21.0.3+9",
            ],
            |a, b| Scheme::Java.compare(a, b),
        );
    }
}

mod schemes {
    use super::*;

    #[test]
    fn default_and_serde_names() -> Result<(), serde_json::Error> {
        assert_eq!(Scheme::default(), Scheme::Dotted);
        for (scheme, name) in [
            (Scheme::Dotted, "\"dotted\""),
            (Scheme::Java, "\"java\""),
            (Scheme::Debian, "\"debian\""),
            (Scheme::Rpm, "\"rpm\""),
            (Scheme::Semver, "\"semver\""),
        ] {
            assert_eq!(serde_json::to_string(&scheme)?, name);
            assert_eq!(serde_json::from_str::<Scheme>(name)?, scheme);
        }
        assert!(serde_json::from_str::<Scheme>("\"Dotted\"").is_err());
        Ok(())
    }

    #[test]
    fn each_scheme_orders_its_own_strings() {
        for (scheme, a, b, expected) in [
            (Scheme::Dotted, "10.0.9999", "10.0.19045", Less),
            (Scheme::Java, "1.8.0_391", "8u391", Equal),
            (Scheme::Java, "1.8.0_391", "11.0.1", Less),
            (Scheme::Debian, "1:2.4.7-1", "2.4.8-1", Greater),
            (Scheme::Rpm, "1.0^git1", "1.0", Greater),
            (Scheme::Rpm, "1:1.0", "2.0", Greater),
            (Scheme::Semver, "1.0.0-rc.1", "1.0.0", Less),
            (Scheme::Semver, "1.0.0-alpha.10", "1.0.0-alpha.9", Greater),
            (Scheme::Semver, "v1.2.3", "1.2.3", Equal),
            (Scheme::Semver, "1.2", "1.2.0", Equal),
            (Scheme::Semver, "10.0.19045.5247", "10.0.19045.5371", Less),
            (Scheme::Semver, "1.0rc1", "1.0", Less),
        ] {
            assert_eq!(scheme.compare(a, b), expected, "{scheme:?}: {a} vs {b}");
        }
    }
}

mod ranges {
    use super::*;

    fn check_contains(scheme: Scheme, text: &str, inside: &[&str], outside: &[&str]) {
        let r = range(scheme, text);
        for v in inside {
            assert!(r.contains(v), "{text:?} ({scheme:?}) should contain {v:?}");
        }
        for v in outside {
            assert!(
                !r.contains(v),
                "{text:?} ({scheme:?}) should not contain {v:?}"
            );
        }
    }

    #[test]
    fn dotted_contains() {
        let d = Scheme::Dotted;
        check_contains(
            d,
            "3.11.*",
            &["3.11", "3.11.4", "3.11.0rc1", "v3.11.9"],
            &["3.1", "3.110.0", "3.12.0a1", "3.10.14", "garbage", ""],
        );
        check_contains(
            d,
            "10.0.19045.*",
            &["10.0.19045.5247", "10.0.19045"],
            &["10.0.19044.1", "10.0.190450"],
        );
        check_contains(d, "*", &["1", "0.0.1", "2016 R2"], &["", "garbage"]);
        check_contains(
            d,
            ">=10.0.19041, <10.0.19042",
            &["10.0.19041", "10.0.19041.1415"],
            &["10.0.19040.9999", "10.0.19042", "10.0.19042.1"],
        );
        check_contains(d, "=3.11", &["3.11", "3.11.0"], &["3.11.4", "3.11.0rc1"]);
        check_contains(d, "3.11.4", &["3.11.4", "3.11.4.0"], &["3.11.5", "3.11"]);
        check_contains(d, ">3.11", &["3.11.1", "3.12"], &["3.11.0", "3.11.0rc1"]);
        check_contains(d, "<=3.11", &["3.11", "3.10", "3.11.0rc1"], &["3.11.1"]);
        // `<X` stops before X's pre-releases: a series and its pre-releases belong to one cycle.
        check_contains(
            d,
            "< 3.12",
            &["3.11.9", "3.11.99rc1"],
            &["3.12", "3.12.0rc1"],
        );
    }

    #[test]
    fn java_contains() {
        let j = Scheme::Java;
        check_contains(
            j,
            "8.*",
            &["1.8.0_391", "8u391", "8.0.3910.13", "jdk8u391-b13"],
            &["11.0.21.9", "1.7.0_80", "18"],
        );
        check_contains(j, "1.8.*", &["8u391"], &["11.0.1"]);
        check_contains(j, "11.*", &["11.0.21.9", "11.0.21+9"], &["1.8.0_391"]);
        check_contains(
            j,
            ">=1.8.0_381, <1.8.0_401",
            &["8u391", "8.0.3910.13"],
            &["8u401"],
        );
        check_contains(j, "21.*", &["21.0.2+13", "21-ea+35"], &["17.0.9"]);
    }

    #[test]
    fn debian_contains() {
        let d = Scheme::Debian;
        check_contains(
            d,
            "3.0.*",
            &["3.0.2-0ubuntu1.15", "3.0.11-1~deb12u2", "1:3.0.2-1"],
            &["3.1.0-1", "1.1.1w-0+deb11u1", "3.01"],
        );
        check_contains(
            d,
            ">=2.4.7-1, <2.4.8",
            &["2.4.7-1", "2.4.7-1ubuntu0.2", "2.4.8~rc1-1"],
            &["2.4.7", "2.4.8", "1:2.4.7-1"],
        );
        check_contains(d, ">=1:2.4", &["1:2.4.7-1"], &["2.4.9-1"]);
    }

    #[test]
    fn rpm_contains() {
        let r = Scheme::Rpm;
        check_contains(
            r,
            "3.0.*",
            &["1:3.0.7-27.el9", "3.0.7-27.el9"],
            &["1:1.1.1k-12.el8_9", "3.1.0"],
        );
        check_contains(
            r,
            ">=3.0.7-27.el9",
            &["3.0.7-28.el9", "3.0.8-1.el9", "1:3.0.1"],
            &["3.0.7-3.el9", "3.0.7"],
        );
        check_contains(r, "<1.0.0", &["1.0.0~rc1"], &["1.0.0^git1", "1.0.0"]);
    }

    #[test]
    fn semver_contains() {
        let s = Scheme::Semver;
        check_contains(s, "^1.2", &["1.4.0", "v1.9.9", "1.2"], &["2.0.0", "1.1.9"]);
        // semver hides pre-releases unless the requirement names one of the same numbers.
        check_contains(s, "^1.2", &[], &["1.3.0-rc.1"]);
        check_contains(
            s,
            ">=1.3.0-rc.1",
            &["1.3.0-rc.2", "1.3.0"],
            &["1.3.0-beta.1"],
        );
        // A bare version is a caret requirement, as in Cargo.
        check_contains(s, "1.2.3", &["1.2.3", "1.9.0"], &["2.0.0"]);
        check_contains(s, ">=1.2.3, <2", &["1.2.3", "1.99.0"], &["2.0.0", "1.2.2"]);
        check_contains(s, "10.0.*", &["10.0.19045.5247"], &["10.1.0"]);
        check_contains(s, "*", &["0.0.1"], &["unknown"]);
    }

    #[test]
    fn display_and_serialise_give_back_the_text() -> Result<(), serde_json::Error> {
        let r = range(Scheme::Dotted, "  >=3.11, <3.12 ");
        assert_eq!(r.to_string(), ">=3.11, <3.12");
        assert_eq!(r.as_str(), ">=3.11, <3.12");
        assert_eq!(r.scheme(), Scheme::Dotted);
        assert_eq!(serde_json::to_string(&r)?, "\">=3.11, <3.12\"");
        assert_eq!(range(Scheme::Semver, "^1.2").to_string(), "^1.2");
        Ok(())
    }

    fn overlaps(scheme: Scheme, a: &str, b: &str) -> bool {
        let (a, b) = (range(scheme, a), range(scheme, b));
        let answer = a.overlaps(&b);
        assert_eq!(b.overlaps(&a), answer, "overlaps must be symmetric");
        answer
    }

    #[test]
    fn overlapping_cycles() {
        for (scheme, a, b, expected) in [
            (Scheme::Dotted, "3.11.*", "3.12.*", false),
            (Scheme::Dotted, "3.11.*", "3.1.*", false),
            (Scheme::Dotted, "3.11.*", "3.110.*", false),
            (Scheme::Dotted, "3.*", "3.11.*", true),
            (Scheme::Dotted, "3.11.*", "3.11.0.*", true),
            (Scheme::Dotted, "*", "3.11.*", true),
            (
                Scheme::Dotted,
                ">=10.0.19041, <10.0.19042",
                "10.0.19041.*",
                true,
            ),
            (
                Scheme::Dotted,
                ">=10.0.19041, <10.0.19042",
                "10.0.19040.*",
                false,
            ),
            (
                Scheme::Dotted,
                ">=10.0.19041, <10.0.19042",
                ">=10.0.19042",
                false,
            ),
            (Scheme::Dotted, "<=10.0.19042", ">=10.0.19042", true),
            (Scheme::Dotted, "<10.0.19042", ">10.0.19041.9999", true),
            (Scheme::Dotted, "=3.11", "3.11.0", true),
            (Scheme::Dotted, "3.11.4", "3.11.5", false),
            (Scheme::Dotted, ">=3.12", "3.11.*", false),
            (Scheme::Dotted, "<3.11", "3.11.*", false), // 3.11.0rc1 belongs to 3.11.* only
            (Scheme::Dotted, "<3.11.dev0", "3.11.*", false), // 3.11.dev0 starts the 3.11 block
            (Scheme::Dotted, ">1", "<1a", true),        // conservative: nothing lies between them
            (Scheme::Java, "8.*", "11.*", false),
            (Scheme::Java, "1.8.*", "8.*", true),
            (Scheme::Java, "<9", "8.*", true),
            (Scheme::Java, ">=9", "1.8.*", false),
            (Scheme::Debian, "3.0.*", "1.1.*", false),
            (Scheme::Debian, ">=1.0, <2.0", ">=2.0", false),
            (Scheme::Debian, ">=1.0~, <2.0~", ">=2.0~rc1", false),
            (Scheme::Debian, ">=1.0~, <2.0~", ">=2.0~~", true),
            (Scheme::Debian, "3.0.*", ">=4", true), // conservative: patterns read upstream only
            (Scheme::Rpm, "3.0.*", "1.1.*", false),
            (Scheme::Rpm, "<1.0", ">=1.0~rc1", true),
            (Scheme::Rpm, "<1.0~rc1", ">=1.0", false),
            (Scheme::Semver, "^1.2", "^2", false),
            (Scheme::Semver, ">=1.2, <1.5", "~1.4", true),
            (Scheme::Semver, "1.*", "2.*", false),
            (Scheme::Semver, "^0.2", "^0.3", false),
            (Scheme::Semver, "*", "^0.3", true),
            (Scheme::Semver, "<1.5.0", ">=1.5.0-rc.1", true),
        ] {
            assert_eq!(
                overlaps(scheme, a, b),
                expected,
                "{scheme:?}: {a:?} vs {b:?}"
            );
        }
    }

    #[test]
    fn ranges_of_different_schemes_are_assumed_to_overlap() {
        let a = range(Scheme::Dotted, "3.11.*");
        let b = range(Scheme::Debian, "3.12.*");
        assert!(a.overlaps(&b));
    }

    #[test]
    fn errors_quote_the_offending_part() {
        let d = Scheme::Dotted;
        for (scheme, text, expected, message) in [
            (
                d,
                "",
                RangeError::Empty,
                "empty version range: write `*` to match every version",
            ),
            (d, "   ", RangeError::Empty, "empty version range"),
            (
                d,
                "3.11.*,,3.12",
                RangeError::EmptyConstraint {
                    range: "3.11.*,,3.12".into(),
                },
                "empty constraint in `3.11.*,,3.12`",
            ),
            (
                d,
                ">=3.11,",
                RangeError::EmptyConstraint {
                    range: ">=3.11,".into(),
                },
                "remove the stray comma",
            ),
            (
                d,
                "~>3.1",
                RangeError::UnknownOperator {
                    operator: "~>".into(),
                    constraint: "~>3.1".into(),
                },
                "unknown operator `~>` in `~>3.1`",
            ),
            (
                d,
                ">=1, !=3",
                RangeError::UnknownOperator {
                    operator: "!=".into(),
                    constraint: "!=3".into(),
                },
                "unknown operator `!=` in `!=3`",
            ),
            (
                d,
                "==3",
                RangeError::UnknownOperator {
                    operator: "==".into(),
                    constraint: "==3".into(),
                },
                "unknown operator `==`",
            ),
            (
                d,
                ">=",
                RangeError::MissingVersion {
                    operator: ">=".into(),
                    constraint: ">=".into(),
                },
                "no version after operator `>=` in `>=`",
            ),
            (
                d,
                "<  , >1",
                RangeError::MissingVersion {
                    operator: "<".into(),
                    constraint: "<".into(),
                },
                "no version after operator `<`",
            ),
            (
                d,
                ">=abc",
                RangeError::NoNumber {
                    constraint: ">=abc".into(),
                },
                "`>=abc` has no version number",
            ),
            (
                d,
                ">=1.0 <2.0",
                RangeError::Space {
                    constraint: ">=1.0 <2.0".into(),
                },
                "`>=1.0 <2.0` contains a space: separate constraints with commas",
            ),
            (
                d,
                "3.*.1",
                RangeError::BadPrefix {
                    constraint: "3.*.1".into(),
                },
                "bad prefix pattern `3.*.1`",
            ),
            (
                d,
                ">=3.*",
                RangeError::BadPrefix {
                    constraint: ">=3.*".into(),
                },
                "`>=3.*`",
            ),
            (
                d,
                "3.x.*",
                RangeError::BadPrefix {
                    constraint: "3.x.*".into(),
                },
                "`3.x.*`",
            ),
            (
                d,
                ">=2, <1",
                RangeError::Contradictory {
                    first: ">=2".into(),
                    second: "<1".into(),
                },
                "contradictory bounds `>=2` and `<1`: no version satisfies both",
            ),
            (
                d,
                "3.11.*, 3.12.*",
                RangeError::Contradictory {
                    first: "3.11.*".into(),
                    second: "3.12.*".into(),
                },
                "contradictory bounds `3.11.*` and `3.12.*`",
            ),
            (
                d,
                ">1, <=1",
                RangeError::Contradictory {
                    first: ">1".into(),
                    second: "<=1".into(),
                },
                "contradictory bounds",
            ),
            (
                Scheme::Debian,
                ">=1:1.0, <2.0",
                RangeError::Contradictory {
                    first: ">=1:1.0".into(),
                    second: "<2.0".into(),
                },
                "contradictory bounds `>=1:1.0` and `<2.0`",
            ),
            (
                Scheme::Semver,
                ">=2, <1",
                RangeError::Contradictory {
                    first: ">=2".into(),
                    second: "<1".into(),
                },
                "contradictory bounds `>=2` and `<1`",
            ),
        ] {
            let error = range_error(scheme, text);
            assert_eq!(error, expected, "{text:?}");
            assert!(
                error.to_string().contains(message),
                "{text:?}: {error} should mention {message:?}"
            );
        }
    }

    #[test]
    fn semver_errors_carry_the_crate_reason() {
        let error = range_error(Scheme::Semver, ">=1.2.3.4");
        assert!(matches!(error, RangeError::Semver { .. }), "{error:?}");
        assert!(
            error
                .to_string()
                .starts_with("invalid semver requirement `>=1.2.3.4`: ")
        );
    }
}

mod laws {
    use super::*;

    /// Version-like strings that exercise separators, tildes, carets, epochs and huge numbers.
    fn version_like() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}",
            concat!(
                "([0-9]{1,3}:)?[0-9]{1,2}(\\.[0-9]{1,2}){0,2}",
                "([~^+._-]?[a-c0-9]{0,3}){0,3}(-[0-9a-z.~+]{1,5})?"
            ),
            "[0-9.~^a-zA-Z+_:-]{0,10}",
            "[0-9]{18,25}(\\.[0-9]{18,25})?",
            "(1\\.)?[0-9]{1,2}(\\.[0-9]){0,2}([_u][0-9]{1,3})?(-b[0-9]{1,2}|\\+[0-9]{1,2})?",
            any::<String>(),
        ]
    }

    fn scheme() -> impl Strategy<Value = Scheme> {
        prop::sample::select(SCHEMES.to_vec())
    }

    proptest! {
        #[test]
        fn compare_is_reflexive(scheme in scheme(), a in version_like()) {
            prop_assert_eq!(scheme.compare(&a, &a), Equal);
        }

        #[test]
        fn compare_is_antisymmetric(scheme in scheme(), a in version_like(), b in version_like()) {
            prop_assert_eq!(scheme.compare(&a, &b), scheme.compare(&b, &a).reverse());
        }

        #[test]
        fn compare_is_transitive(
            scheme in scheme(),
            a in version_like(),
            b in version_like(),
            c in version_like(),
        ) {
            let ab = scheme.compare(&a, &b);
            let bc = scheme.compare(&b, &c);
            let ac = scheme.compare(&a, &c);
            if ab != Greater && bc != Greater {
                prop_assert_ne!(ac, Greater, "{:?} <= {:?} <= {:?}", a, b, c);
            }
            if ab == Equal && bc == Equal {
                prop_assert_eq!(ac, Equal);
            }
        }

        /// Sorting then checking every pair catches intransitive cycles triples rarely hit.
        #[test]
        fn sorted_lists_are_consistent(
            scheme in scheme(),
            mut list in prop::collection::vec(version_like(), 2..24),
        ) {
            list.sort_by(|a, b| scheme.compare(a, b));
            for (i, a) in list.iter().enumerate() {
                for b in &list[i + 1..] {
                    prop_assert_ne!(scheme.compare(a, b), Greater, "{:?} sorted before {:?}", a, b);
                }
            }
        }

        #[test]
        fn rpmvercmp_and_dpkg_laws(a in version_like(), b in version_like()) {
            prop_assert_eq!(rpm::rpmvercmp(&a, &b), rpm::rpmvercmp(&b, &a).reverse());
            prop_assert_eq!(debian::compare(&a, &b), debian::compare(&b, &a).reverse());
        }

        #[test]
        fn lenient_eq_ord_and_hash_agree(a in version_like(), b in version_like()) {
            use std::hash::{BuildHasher, RandomState};
            let (va, vb) = (Version::parse(&a), Version::parse(&b));
            prop_assert_eq!(va == vb, va.cmp(&vb) == Equal);
            if va == vb {
                let hasher = RandomState::new();
                prop_assert_eq!(hasher.hash_one(&va), hasher.hash_one(&vb));
            }
        }

        #[test]
        fn upstream_and_java_never_panic(a in any::<String>()) {
            let _ = debian::upstream(&a);
            let _ = rpm::upstream(&a);
            let _ = java::major(&a);
            let _ = Version::parse(&a).to_string();
        }

        #[test]
        fn ranges_never_panic(scheme in scheme(), text in any::<String>(), v in version_like()) {
            if let Ok(r) = VersionRange::parse(scheme, &text) {
                let _ = r.contains(&v);
                let _ = r.overlaps(&r);
            }
        }

        /// `overlaps` may only say "no" when no version is in both ranges, and a range the
        /// parser accepts as consistent must not be called disjoint from itself.
        #[test]
        fn overlaps_is_sound(
            scheme in scheme(),
            a in range_text(),
            b in range_text(),
            versions in prop::collection::vec(version_like(), 1..8),
        ) {
            let halves = (VersionRange::parse(scheme, &a), VersionRange::parse(scheme, &b));
            let (Ok(ra), Ok(rb)) = halves else {
                return Ok(());
            };
            prop_assert!(ra.overlaps(&ra), "{:?} disjoint from itself", a);
            if !ra.overlaps(&rb) {
                for v in &versions {
                    prop_assert!(
                        !(ra.contains(v) && rb.contains(v)),
                        "{:?} is in {:?} and {:?}, said not to overlap", v, a, b
                    );
                }
            }
        }

        /// A range rejected as contradictory really has no version in both halves.
        #[test]
        fn contradictions_are_real(
            scheme in scheme(),
            a in range_text(),
            b in range_text(),
            versions in prop::collection::vec(version_like(), 1..8),
        ) {
            let joined = format!("{a}, {b}");
            let halves = (VersionRange::parse(scheme, &a), VersionRange::parse(scheme, &b));
            if let (Err(RangeError::Contradictory { .. }), (Ok(ra), Ok(rb))) =
                (VersionRange::parse(scheme, &joined), halves)
            {
                for v in &versions {
                    prop_assert!(
                        !(ra.contains(v) && rb.contains(v)),
                        "{:?} satisfies {:?}", v, joined
                    );
                }
            }
        }
    }

    /// Small ranges over a small version space, so that overlaps and misses both happen.
    fn range_text() -> impl Strategy<Value = String> {
        let version = "[0-2](\\.[0-2]){0,2}([~^]?(rc)?[0-2])?";
        let comparison = (
            prop::sample::select(vec!["", "=", ">", ">=", "<", "<="]),
            version,
        )
            .prop_map(|(op, v)| format!("{op}{v}"));
        let prefix = "[0-2](\\.[0-2]){0,2}\\.\\*";
        let one = prop_oneof![
            comparison,
            prefix.prop_map(String::from),
            Just("*".to_owned())
        ];
        prop::collection::vec(one, 1..3).prop_map(|parts| parts.join(", "))
    }
}
